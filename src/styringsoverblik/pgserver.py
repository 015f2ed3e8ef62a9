"""A throwaway PostgreSQL cluster on a loopback port: for the test command and the benchmark.

The cluster is Debian's PostgreSQL (``apt-get install postgresql``; ``initdb`` and ``pg_ctl`` sit
in ``/usr/lib/postgresql/<version>/bin``, not on PATH). PostgreSQL refuses to run as root, so a
root caller runs the server as the ``postgres`` user (``runuser``); any other user runs it as
itself. The cluster gets a folder, a socket folder and a free loopback port of its own, the UTF-8
ctype the project needs (``--locale=C.UTF-8``) and ``jit = off``. The superuser (``postgres``,
or the calling user) connects through the socket without a password; every other login connects
over TCP on ``127.0.0.1`` with its password (scram-sha-256), as a BI login would.

    eval "$(python -m styringsoverblik.pgserver start --dir /tmp/pg)"   # exports PGHOST, PGPORT, ...
    python -m styringsoverblik.pgserver stop --dir /tmp/pg
"""

from __future__ import annotations

import argparse
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "jit": "off",
    # a throwaway cluster: durability against a machine crash is not needed, a killed client or
    # server process is still handled by PostgreSQL's transactions as anywhere else
    "fsync": "off",
    "max_connections": "200",
}


class ServerError(Exception):
    """The cluster could not be created or started; the message says why."""


def bindir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian's layout), or pg_ctl on PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise ServerError(
        "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/pg_ctl and no pg_ctl on PATH): "
        "run scripts/setup.sh, or `apt-get install -y postgresql`."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Cluster:
    folder: Path
    port: int
    superuser: str

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def env(self, database: str = "postgres") -> dict[str, str]:
        """The libpq environment of the superuser on this cluster (the socket, no password)."""
        return {
            "PGHOST": str(self.socket_dir),
            "PGPORT": str(self.port),
            "PGUSER": self.superuser,
            "PGDATABASE": database,
            "PGPASSWORD": "",
        }


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(_as_server_user(argv), capture_output=True, text=True)
    if proc.returncode != 0:
        detail = " ".join((proc.stderr or proc.stdout).split())[-600:]
        raise ServerError(f"{what} failed (exit {proc.returncode}): {detail}")


def start(folder: Path, port: int | None = None) -> Cluster:
    """Create and start a cluster in `folder` (which must not hold one yet)."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "data").exists():
        raise ServerError(f"{folder} holds a cluster already; stop it and remove the folder first")
    superuser = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    (folder / "socket").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (folder, folder / "socket"):
            os.chown(path, account.pw_uid, account.pw_gid)
        folder.chmod(0o755)
    bin_dir = bindir()
    _run(
        [
            str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", superuser, "--locale=C.UTF-8", "--encoding=UTF8",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        ],
        "initdb",
    )
    cluster = Cluster(folder, port or free_port(), superuser)
    options = {**SERVER_SETTINGS, "port": str(cluster.port), "unix_socket_directories": str(cluster.socket_dir)}
    option_text = " ".join(f"-c {key}={value}" for key, value in options.items())
    _run(
        [str(bin_dir / "pg_ctl"), "-D", str(cluster.datadir), "-l", str(folder / "server.log"), "-o", option_text, "-w", "start"],
        "pg_ctl start",
    )
    (folder / "cluster.env").write_text(
        "".join(f"{key}={value}\n" for key, value in cluster.env().items()), encoding="utf-8"
    )
    return cluster


def stop(folder: Path) -> None:
    """Stop the cluster in `folder` (fast shutdown); nothing happens if none runs there."""
    datadir = Path(folder).resolve() / "data"
    if not (datadir / "postmaster.pid").exists():
        return
    _run([str(bindir() / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop"], "pg_ctl stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m styringsoverblik.pgserver", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True, type=Path, help="the cluster's folder (created by start)")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            cluster = start(args.dir)
            for key, value in cluster.env().items():
                print(f"export {key}={shlex.quote(value)}")
        else:
            stop(args.dir)
    except ServerError as error:
        print(f"pgserver: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
