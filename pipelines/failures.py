"""One sentence for a failed step, the same in the Dagster UI and in `vawg refresh`.

Assets and checks run their work inside `one_sentence(context)`: whatever goes wrong is
re-raised as a `dagster.Failure` whose description is the sentence people read (the UI shows it
as the step's error; the CLI prints it) and whose metadata keeps the traceback for `--debug`.
"""

from __future__ import annotations

import re
import traceback
from contextlib import contextmanager

import dagster as dg

_DBT_FAILURE = re.compile(r"(Failure|Error) in (test|model|seed|unit_test|snapshot) (\S+)")


def sentence(step: str, error: BaseException | str) -> str:
    text = str(error).strip()
    dbt_failure = _DBT_FAILURE.search(text)
    if dbt_failure:  # say which dbt test or model failed, not that dbt exited with 1
        what = f"dbt {dbt_failure.group(2)} {dbt_failure.group(3)} failed (see the log)"
    else:
        what = text.splitlines()[0] if text else type(error).__name__
    return f"The refresh failed in step {step}: {what.split(': ', 1)[-1] if _is_wrapped(what) else what}"


def _is_wrapped(text: str) -> bool:
    """'SomeError: message' from a library: keep the message."""
    return bool(re.match(r"^[A-Za-z_.]+(Error|Exception): ", text))


@contextmanager
def one_sentence(context):
    step = context.op_def.name
    try:
        yield
    except dg.Failure as failure:
        if failure.description and failure.description.startswith("The refresh failed"):
            raise
        raise dg.Failure(
            description=sentence(step, failure.description or type(failure).__name__),
            metadata={**failure.metadata, "traceback": traceback.format_exc()},
        ) from failure
    except Exception as exc:
        raise dg.Failure(description=sentence(step, exc), metadata={"traceback": traceback.format_exc()}) from exc


def failed_check(step: str, problem: str) -> str:
    """The sentence of a blocking check that failed."""
    return f"The refresh failed in step {step}: {problem}"
