"""The transform stage's planner settings on PostgreSQL (targets.TRANSFORM_SETTINGS): what
`styringsoverblik build --target postgres` hands dbt's sessions through PGOPTIONS, and that the
ingest and publish sessions around it keep the server's defaults."""

from __future__ import annotations

import os

import psycopg
import pytest

from styringsoverblik import build, targets


def test_transform_options_put_the_callers_own_options_last():
    assert targets.TRANSFORM_SETTINGS == {"enable_mergejoin": "off"}
    assert targets.transform_options(None) == "-c enable_mergejoin=off"
    assert targets.transform_options("  ") == "-c enable_mergejoin=off"
    # a later -c wins in PostgreSQL: the caller's explicit choice stays in force
    assert targets.transform_options("-c enable_mergejoin=on -c work_mem=64MB") == (
        "-c enable_mergejoin=off -c enable_mergejoin=on -c work_mem=64MB"
    )


def _setting(env: dict, name: str) -> str:
    with psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"],
        password=env.get("PGPASSWORD") or None,
    ) as con:
        return con.execute("select current_setting(%s)", [name]).fetchone()[0]


@pytest.mark.parametrize("callers", [None, "-c work_mem=7MB"])
def test_sessions_opened_during_the_transform_get_the_settings_and_later_ones_do_not(
    postgres_cluster, monkeypatch, callers
):
    env = postgres_cluster.env()
    if callers is None:
        monkeypatch.delenv("PGOPTIONS", raising=False)
    else:
        monkeypatch.setenv("PGOPTIONS", callers)
    assert _setting(env, "enable_mergejoin") == "on"
    with build.transform_settings_in_environment():
        # a new libpq session, as dbt-postgres opens one per model and test
        assert _setting(env, "enable_mergejoin") == "off"
        if callers is not None:
            assert _setting(env, "work_mem") == "7MB"
    assert os.environ.get("PGOPTIONS") == callers
    assert _setting(env, "enable_mergejoin") == "on"


def test_the_environment_is_restored_when_the_transform_fails(monkeypatch):
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=7MB")
    with pytest.raises(RuntimeError):
        with build.transform_settings_in_environment():
            assert os.environ["PGOPTIONS"] == "-c enable_mergejoin=off -c work_mem=7MB"
            raise RuntimeError("dbt stopped")
    assert os.environ["PGOPTIONS"] == "-c work_mem=7MB"
