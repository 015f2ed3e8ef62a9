"""The fate of a build from dbt's results: pure Python, no database.

- ``published``: every mart was built and every data test on the marts ran and passed
  (``dbt build``; or ``dbt run`` followed by a complete ``dbt test``);
- ``built``: ``dbt run`` built every mart; the next ``dbt test`` audits and publishes it;
- ``not_published``: the selection built only some marts (a mix is never published), or not
  every data test on the marts ran;
- ``failed``: a node or a test failed (the gate on blocking rejects, a data test, ...).

(``interrupted`` is no judgement: the build log sets it for an attempt that never reached its end.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from styringsoverblik.context import BuildContext


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str


FAILED_STATUSES = {"error", "fail", "runtime error"}
NAMED_FAILURES = 5
MESSAGE_CHARACTERS = 500


def judge(context: BuildContext, audit_only: bool) -> Outcome:
    """The fate of a build from dbt's results (see the module docstring). ``audit_only``: a
    `dbt test` auditing the build a `dbt run` left (only the tests are judged)."""
    by_id = {result["unique_id"]: result for result in context.results}
    failed = [r for r in context.results if str(r["status"]).lower() in FAILED_STATUSES]
    if failed:
        names = ", ".join(node_name(r["unique_id"]) for r in failed[:NAMED_FAILURES])
        more = f" and {len(failed) - NAMED_FAILURES} more" if len(failed) > NAMED_FAILURES else ""
        first = node_message(failed[0].get("message") or "")
        detail = f": {first[:MESSAGE_CHARACTERS]}" if first else ""
        return Outcome("failed", f"{len(failed)} node(s) failed ({names}{more}){detail}")
    if not audit_only:
        built = [m for m in context.marts if str(by_id.get(m, {}).get("status", "")).lower() == "success"]
        if len(built) < len(context.marts):
            return Outcome(
                "not_published",
                f"the selection built {len(built)} of {len(context.marts)} marts; only a build of every mart is published",
            )
    passed = [t for t in context.mart_tests if str(by_id.get(t, {}).get("status", "")).lower() in ("pass", "warn")]
    if len(passed) < len(context.mart_tests):
        if context.command == "run":
            return Outcome("built", "every mart built; awaiting audit: run `dbt test` to test and publish it")
        return Outcome(
            "built" if audit_only else "not_published",
            f"{len(passed)} of {len(context.mart_tests)} data tests on the marts ran and passed; "
            "a build is published only when all of them pass",
        )
    return Outcome("published", "every mart built and every data test on the marts passed")


# PostgreSQL's trailer of an error raised in PL/pgSQL (the strict gate's on that target):
# "CONTEXT:  PL/pgSQL function inline_code_block line 9 at RAISE"; the message before it says it all.
POSTGRES_CONTEXT = re.compile(r"\s*CONTEXT:\s.*$")

# dbt's frame around a node's error ("Runtime Error in model x (models/x.sql)", "compiled code at
# target/...") and the class DuckDB gives an error() raised in SQL (the strict gate's): the reason
# names the node already.
DBT_ERROR_FRAME = re.compile(r"^(?:(?:Runtime|Database|Compilation) Error in \w+ \S+ \([^)]*\) )?(?:Invalid Input Error: )?")


def node_message(message: str) -> str:
    """A failed node's message on one line, without dbt's frame around it (DBT_ERROR_FRAME)."""
    text = " ".join(message.split())
    text = re.split(r"\s*compiled code at \S+", text)[0]
    text = POSTGRES_CONTEXT.sub("", text)
    return DBT_ERROR_FRAME.sub("", text)


def node_name(unique_id: str) -> str:
    """`test.styringsoverblik.not_null_x.1a2b3c` -> `not_null_x`."""
    return unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id
