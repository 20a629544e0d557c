"""The landing folder changes between two refreshes (issue 18, point 7): a quarter's file
disappears, and an accepted quarter is replaced by a file that is rejected whole. Both quarters
keep their last accepted version, from the raw store (docs/operator-guide.md, "Landing
files"): the warehouse's indicators are exactly as before, and the refresh exits 3 naming the
rejected file. One refresh for both, to keep the suite's time."""

import hashlib

from helpers import copy_state, manifest_of, query
from pipelines.refresh import run_refresh


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_missing_file_and_a_rejected_resend_keep_the_last_accepted_versions(handmade, tmp_path):
    fixture, _ = handmade
    paths = copy_state(fixture, tmp_path, store=True)
    indicators = "select * from marts.indicators order by all"
    before = query(paths, indicators)
    old_csv = (paths.publish / "latest" / "indicators.csv").read_bytes()
    removed = paths.landing / "havens_attendances" / "2009-10.csv"
    resent = paths.landing / "cps_finalisations" / "2009-07.csv"
    removed_sha, accepted_sha = _sha(removed), _sha(resent)

    removed.unlink()
    resent.write_text("urn,finalised_date\n01AB1234509,2009-07-15\n", encoding="utf-8")  # most columns missing
    rejected_sha = _sha(resent)
    outcome = run_refresh(paths)

    assert outcome.exit_code == 3, outcome.message + outcome.detail
    assert outcome.message == "Published, but some files were rejected."
    rejected = [(f["source"], f["file_name"]) for f in outcome.summary["rejected_files"]]
    assert rejected == [("cps_finalisations", "2009-07.csv")], outcome.summary
    # Nothing the two quarters held was lost: every indicator row is as it was.
    assert query(paths, indicators).equals(before)
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == old_csv
    loads = query(
        paths,
        "select source, file_name, sha256, status from audit.loads where "
        "(source, file_name) in (('havens_attendances', '2009-10.csv'), "
        "('cps_finalisations', '2009-07.csv')) order by all",
    )
    assert loads.rows() == sorted([
        ("cps_finalisations", "2009-07.csv", accepted_sha, "accepted"),
        ("cps_finalisations", "2009-07.csv", rejected_sha, "rejected"),
        ("havens_attendances", "2009-10.csv", removed_sha, "accepted"),
    ])  # fmt: skip  # one row per line, as a table
    manifest = manifest_of(paths)
    assert [(f["source"], f["file_name"]) for f in manifest["rejected_files"]] == [("cps_finalisations", "2009-07.csv")]
