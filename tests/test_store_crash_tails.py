"""What a crash can leave in the raw store does not stop the next refresh or lose its records.

- A `loads.jsonl` line cut short (the process died inside the write): the next event starts on a
  line of its own instead of being glued to the fragment and lost with it.
- A file version's `.summary.json` left empty or cut short (written by a store from before
  summaries were renamed into place): the version is validated again, not a JSON error.
"""

import datetime as dt
import shutil
from pathlib import Path

from pipelines.landing.files import discover
from pipelines.landing.load import land_file
from pipelines.store import RawStore

POLICE = Path(__file__).parent / "fixtures" / "all_sources" / "mps_crimes"


def first_quarter(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(POLICE, landing / "mps_crimes")
    [landing_file] = [f for f in discover(landing, dt.date(2010, 6, 1)) if f.file_name == "2009-04.csv"]
    return landing_file


def test_an_event_after_a_line_cut_short_is_kept(tmp_path):
    store = RawStore(tmp_path / "store")
    store.root.mkdir()
    store.log.write_text('{"file_name": "2009-01.csv", "quarter": "2009-01", "sha2', encoding="utf-8")
    event = land_file(store, first_quarter(tmp_path))
    assert store.events().select("file_name", "status", "rows_loaded").rows() == [("2009-04.csv", "accepted", 6)]
    assert event["status"] == "accepted"
    assert store.log.read_text(encoding="utf-8").count("\n") == 2


def test_a_summary_cut_short_is_validated_again(tmp_path):
    store = RawStore(tmp_path / "store")
    landing_file = first_quarter(tmp_path)
    land_file(store, landing_file)
    store.summary_path("mps_crimes", landing_file.sha256).write_text('{"rows_loaded": 5, "rows_q', encoding="utf-8")
    store.log.unlink()  # as if the first sighting was never acknowledged
    event = land_file(store, landing_file)
    assert (event["rows_read"], event["rows_loaded"], event["rows_quarantined"]) == (
        6,
        6,
        0,
    )  # out_of_scope is a rule across files
    assert store.read_summary("mps_crimes", landing_file.sha256)["rows_read"] == 6
    assert not list(store.root.rglob("*.tmp"))
