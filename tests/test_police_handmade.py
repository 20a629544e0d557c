"""A dozen hand-made MPS records through `vawg refresh`, every expected number worked by hand.

The landing folder (tests/fixtures/all_sources/mps_crimes) covers FY2009/10, all four
quarters, so the financial year is published. Current version of each record:

  ref  quarter  borough  class     strand / flags          outcome  victim
  01   Q1       Hackney  CRIME     rape                    16 (v2)  F 21 B2 N HET
  02   Q1       Hackney  CRIME     8G, domestic            1  (v2)  F 30 NS+IC1→WHITE U NS
  03   Q1       H&F      NO_CRIME  other sexual (v2)       –        F 17 W1   (reported 20/04, recorded 01/05: not timely)
  04   Q1       H&F      INCIDENT  honour flag             –        F 19 A2
  05   Q1       Hackney  CRIME     105A, domestic          14       M 40 W1 Y GAY
  06   Q1       Hackney  CRIME     58A, no flag            quarantined out_of_scope
  07   Q2       Hackney  CRIME     rape, multiple perp.    pending  F 16 NS, no IC → UNKNOWN
  08   Q2       H&F      CRIME     8L stalking/harass.     14       F 35 B1 N HET
  09   Q2       City     –         quarantined: E09000001 is not an MPS borough
  10   Q3       Hackney  CRIME     rape, domestic          1        F 25 B2 N BI
  11   Q3       H&F      CRIME     8K, FGM                 pending  F 10 B2 U NS
  12   Q4       Hackney  CRIME     other sexual            pending  F 45 W2 N NS
  (02 is resent in Q4 in its older state, with its old last_modified: it stays current as v2.)

Cohort (CRIME, category all): 01 02 05 07 08 10 11 12 = 8.
"""

import csv
import math

import pytest

from helpers import copy_state, manifest_of, query

LONDON_FY = ("financial_year", "2009-04-01", "london", "E12000007")


def value(
    paths,
    indicator,
    category="all",
    breakdown="total",
    breakdown_value="ALL",
    period=LONDON_FY[:2],
    geography=LONDON_FY[2:],
):
    rows = query(
        paths,
        """
        select numerator, denominator, value, ci_lower, ci_upper, comparison from marts.indicators
        where indicator_id = ? and category = ? and breakdown = ? and breakdown_value = ?
          and period_type = ? and period_start = ?::date and geography_type = ? and geography_code = ?""",
        [indicator, category, breakdown, breakdown_value, *period, *geography],
    )
    assert rows.height == 1, (indicator, category, breakdown, breakdown_value, period, geography)
    return rows.row(0, named=True)


def test_counts_for_the_financial_year(police_handmade):
    paths, _ = police_handmade
    assert value(paths, "police_recorded_crimes")["numerator"] == 8
    # CRIME or INCIDENT: the 8 crimes and incident 04.
    assert value(paths, "police_records_total")["numerator"] == 9
    # honour: only the incident, which is not a crime.
    assert value(paths, "police_records_total", "honour_based_violence")["numerator"] == 1
    assert value(paths, "police_recorded_crimes", "honour_based_violence")["numerator"] == 0
    # strands: rape 01 07 10; domestic 02 05 10; other sexual 12 (03 is no-crimed); FGM 11; harassment 08.
    for category, n in [
        ("rape", 3),
        ("domestic_abuse", 3),
        ("other_sexual_offences", 1),
        ("fgm", 1),
        ("stalking_harassment", 1),
        ("forced_marriage", 0),
        ("trafficking_exploitation", 0),
    ]:
        assert value(paths, "police_recorded_crimes", category)["numerator"] == n, category
    assert value(paths, "police_multiple_perpetrator_rapes", "rape")["numerator"] == 1


def test_rates_for_the_financial_year(police_handmade):
    paths, _ = police_handmade
    # all records = 8 crimes + no-crimed 03 = 9; one no-crimed: 100/9 = 11.11%.
    r = value(paths, "police_no_crime_rate")
    assert (r["numerator"], r["denominator"]) == (1, 9)
    assert r["value"] == pytest.approx(100 / 9)
    # withdrawn (14/16): 01 05 08 = 3 of 8 = 37.5%. Wilson, z = 1.96, p = .375, n = 8:
    # centre (p + z²/2n)/(1 + z²/n) = .6151/1.4802 = .4155; half-width
    # z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n) = 1.96·.2104/1.4802 = .2786 -> 13.7% to 69.4%.
    r = value(paths, "police_withdrawal_rate")
    assert (r["numerator"], r["denominator"], r["value"]) == (3, 8, 37.5)
    assert round(r["ci_lower"], 1) == 13.7 and round(r["ci_upper"], 1) == 69.4
    # charged: 02 10 = 25%; pending: 07 11 12 = 37.5%.
    assert value(paths, "police_charge_rate")["value"] == 25.0
    assert value(paths, "police_outcome_pending_rate")["value"] == 37.5
    # domestic abuse: 02 (1) 05 (14) 10 (1): withdrawn 1/3, charged 2/3.
    assert value(paths, "police_withdrawal_rate", "domestic_abuse")["numerator"] == 1
    assert value(paths, "police_charge_rate", "domestic_abuse")["numerator"] == 2
    # timely recording, all records: rape 01 07 10 all within 3 days = 100%; other sexual
    # 03 (11 days) and 12 (same day) = 50%.
    assert value(paths, "police_timely_recording_rate", "rape")["value"] == 100.0
    r = value(paths, "police_timely_recording_rate", "other_sexual_offences")
    assert (r["numerator"], r["denominator"]) == (1, 2)
    # honour has no crime and no no-crime: a zero denominator gives a blank value.
    r = value(paths, "police_no_crime_rate", "honour_based_violence")
    assert (r["numerator"], r["denominator"], r["value"]) == (0, 0, None)


def test_breakdowns(police_handmade):
    paths, _ = police_handmade
    # ethnicity: BLACK 01 08 10 11; WHITE 02 (IC1) 05 12; UNKNOWN 07 (NS, no IC).
    for group, n in [("BLACK", 4), ("WHITE", 3), ("UNKNOWN", 1), ("ASIAN", 0), ("MIXED", 0), ("OTHER", 0)]:
        assert value(paths, "police_recorded_crimes", breakdown="ethnicity", breakdown_value=group)["numerator"] == n
    assert value(paths, "police_recorded_crimes", breakdown="gender", breakdown_value="MALE")["numerator"] == 1
    for pair, n in [
        ("FEMALE|BLACK", 4),
        ("FEMALE|WHITE", 2),
        ("MALE|WHITE", 1),
        ("FEMALE|UNKNOWN", 1),
        ("MALE|BLACK", 0),
    ]:
        assert (
            value(paths, "police_recorded_crimes", breakdown="gender_ethnicity", breakdown_value=pair)["numerator"] == n
        )
    # ages 21 30 40 16 35 25 10 45.
    for band, n in [("0-15", 1), ("16-17", 1), ("18-24", 1), ("25-34", 2), ("35-44", 2), ("45-54", 1), ("65+", 0)]:
        assert value(paths, "police_recorded_crimes", breakdown="age_band", breakdown_value=band)["numerator"] == n
    for group, n in [("HETEROSEXUAL", 2), ("GAY_LESBIAN", 1), ("BISEXUAL", 1), ("UNKNOWN", 4)]:
        assert value(paths, "police_recorded_crimes", breakdown="sexuality", breakdown_value=group)["numerator"] == n
    # withdrawn among Black victims: 01 08 of 01 08 10 11 = 50%.
    r = value(paths, "police_withdrawal_rate", breakdown="ethnicity", breakdown_value="BLACK")
    assert (r["numerator"], r["denominator"]) == (2, 4)


def test_quarters_and_boroughs(police_handmade):
    paths, _ = police_handmade
    for start, n in [("2009-04-01", 3), ("2009-07-01", 2), ("2009-10-01", 2), ("2010-01-01", 1)]:
        assert value(paths, "police_recorded_crimes", period=("quarter", start))["numerator"] == n
    hackney, hammersmith = ("borough", "E09000012"), ("borough", "E09000013")
    assert value(paths, "police_recorded_crimes", geography=hackney)["numerator"] == 6
    assert value(paths, "police_recorded_crimes", geography=hammersmith)["numerator"] == 2
    assert value(paths, "police_recorded_crimes", geography=("borough", "E09000002"))["numerator"] == 0
    # City of London is not an MPS borough: no rows.
    assert (
        query(
            paths,
            "select count(*) n from marts.indicators where geography_code = 'E09000001' and indicator_id like 'police%'",
        )["n"][0]
        == 0
    )


def test_completeness_and_victimisation(police_handmade):
    paths, _ = police_handmade
    # self-defined ethnicity: 01 05 08 10 11 12 = 6/8; disability (not U): 01 05 08 10 12 = 5/8;
    # sexuality (not NS): 01 05 08 10 = 4/8; age: 8/8.
    for category, n in [("ethnicity", 6), ("disability", 5), ("sexuality", 4), ("age", 8)]:
        r = value(paths, "police_recording_completeness", category)
        assert (r["numerator"], r["denominator"]) == (n, 8), category
    pops = query(
        paths,
        """select ethnic_group, sum(population)::bigint p from reference.census2011_population_by_borough_ethnic_group
                           where borough_code <> 'E09000001' group by 1""",
    )
    pop = dict(zip(pops["ethnic_group"], pops["p"]))
    assert pop["ALL"] == 8_173_941 - 7_375  # London less the City
    r = value(paths, "police_victimisation_rate")
    assert (r["numerator"], r["denominator"]) == (8, pop["ALL"])
    assert r["value"] == pytest.approx(8 * 1000 / pop["ALL"])
    r = value(paths, "police_victimisation_rate", breakdown="ethnicity", breakdown_value="UNKNOWN")
    assert (r["numerator"], r["denominator"], r["value"]) == (1, None, None)
    # RRI Black against White: (4 / pop Black) / (3 / pop White), limits exp(ln RRI ± z sqrt(1/4 + 1/3)).
    r = value(paths, "police_victimisation_rri", breakdown="ethnicity", breakdown_value="BLACK")
    rri = (4 / pop["BLACK"]) / (3 / pop["WHITE"])
    assert (r["numerator"], r["denominator"]) == (4, 3)
    assert r["value"] == pytest.approx(rri)
    assert r["ci_lower"] == pytest.approx(rri * math.exp(-1.959963984540054 * math.sqrt(1 / 4 + 1 / 3)))
    # The previous financial year is not published: change is blank.
    r = value(paths, "police_recorded_crimes_change")
    assert (r["numerator"], r["denominator"], r["value"]) == (None, None, None)


def test_row_accounting_and_quarantine(police_handmade):
    paths, _ = police_handmade
    loads = query(
        paths,
        "select file_name, status, rows_read, rows_loaded, rows_quarantined from audit.loads "
        "where source = 'mps_crimes' order by file_name",
    )
    assert loads.rows() == [
        ("2009-04.csv", "accepted", 6, 5, 1),
        ("2009-07.csv", "accepted", 5, 4, 1),
        ("2009-10.csv", "accepted", 3, 3, 0),
        ("2010-01.csv", "accepted", 2, 2, 0),
    ]
    q = query(
        paths, "select file_name, row_number, rule from audit.quarantine where source = 'mps_crimes' order by file_name"
    )
    assert q["file_name"].to_list() == ["2009-04.csv", "2009-07.csv"]
    assert q["row_number"].to_list() == [6, 5]
    assert q["rule"][0] == "out_of_scope"


def test_published_dataset(police_handmade):
    paths, outcome = police_handmade
    latest = paths.publish / "latest"
    rows = list(csv.DictReader(open(latest / "indicators.csv", encoding="utf-8")))
    by_key = {
        (r["indicator_id"], r["category"], r["period"], r["geography_code"], r["breakdown"], r["breakdown_value"]): r
        for r in rows
    }
    # 3 of 8 withdrawn: a count of 1 to 4 is never shown to the Panel (it is in marts.indicators).
    r = by_key[("police_withdrawal_rate", "all", "2009/10", "E12000007", "total", "ALL")]
    assert (r["numerator"], r["denominator"], r["value"], r["ci_lower"], r["ci_upper"]) == ("", "", "", "", "")
    # FY 2009/10 ends less than four quarters before the data's as-at date (2010-03): provisional.
    assert (r["suppressed"], r["note"]) == ("true", "small number; provisional")
    assert r["period_start"] == "2009-04-01" and r["period_end"] == "2010-03-31"
    q1 = by_key[("police_recorded_crimes", "all", "2009/10 Q1", "E12000007", "total", "ALL")]
    assert (q1["value"], q1["suppressed"]) == ("", "true")
    # Zeros are shown: no crime was recorded in Barking and Dagenham.
    zero = by_key[("police_recorded_crimes", "all", "2009/10", "E09000002", "total", "ALL")]
    assert (zero["value"], zero["suppressed"]) == ("0", "false")
    assert not [
        r
        for r in rows
        if r["suppressed"] == "false" and r["numerator"] in {"1", "2", "3", "4"} and r["unit"] != "percent_change"
    ]
    # Boroughs: financial years without gender_ethnicity, quarters with the total only.
    assert not any(r["geography_type"] == "borough" and r["breakdown"] == "gender_ethnicity" for r in rows)
    assert not any(
        r["geography_type"] == "borough" and r["period_type"] == "quarter" and r["breakdown"] != "total" for r in rows
    )
    assert {r["indicator_id"] for r in rows} == set(
        query(paths, "select distinct indicator_id from marts.indicators")["indicator_id"]
    )


def test_dbt_log_kept_and_its_target_removed(police_handmade):
    """dbt's own log of the refresh is kept beside the refresh's log; its target folder
    (compiled SQL, run results) went with the build file, not into dbt_project/target."""
    paths, _ = police_handmade
    dbt_logs = list((paths.warehouse.parent / "logs").glob("dbt-*.log"))
    assert dbt_logs and all("Completed successfully" in log.read_text() for log in dbt_logs)
    assert not list(paths.warehouse.parent.glob(paths.warehouse.name + ".build-*"))


def test_validate_reports_without_loading(police_handmade, tmp_path):
    from pipelines.validate_only import validate_landing

    paths, _ = police_handmade
    report = {(r["source"], r["file_name"]): r for r in validate_landing(paths.landing)}
    first = report[("mps_crimes", "2009-04.csv")]
    assert (first["rows_loaded"], first["rows_quarantined"]) == (5, 1)
    assert first["main_rules"] == "out_of_scope (1)"
    assert all(r["status"] == "accepted" for r in report.values())


READER = """
import sys, time, pathlib, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
first = con.sql("select count(*), sum(numerator) from marts.indicators").fetchall()
vintages = con.sql("select count(distinct vintage) from marts.indicator_vintages").fetchall()
print("ready", flush=True)
while not pathlib.Path(sys.argv[2]).exists():
    assert con.sql("select count(*), sum(numerator) from marts.indicators").fetchall() == first
    assert con.sql("select count(distinct vintage) from marts.indicator_vintages").fetchall() == vintages
    time.sleep(0.2)
print("consistent", vintages[0][0], flush=True)
"""

PLANTED = ["Zelda Quinnbright", "07700 900461", "29/02/1984", "14 Larkspur Mews"]


def test_second_refresh_with_a_rejected_file(police_handmade, tmp_path):
    """A file that cannot be used is rejected whole: exit 3, named in the manifest, and the
    rest publishes as before in a second vintage kept beside the first. Personal data planted
    in an accepted file reach no warehouse, log or published file; an analyst reading the
    warehouse during the refresh keeps a consistent view of the old one."""
    import subprocess
    import sys
    from pipelines.refresh import run_refresh

    # A copy of the hand-made state (the session's fixture is shared and stays as it was).
    paths = copy_state(police_handmade[0], tmp_path / "state", store=True)
    landing = paths.landing
    (landing / "mps_crimes" / "2010-04.csv").write_text("victim_name,phone\nJane Doe,07700900123\n", encoding="utf-8")
    # An export that carries personal data by mistake: same rows, four unlisted columns.
    q4 = landing / "mps_crimes" / "2010-01.csv"
    lines = q4.read_text(encoding="utf-8").splitlines()
    q4.write_text(
        "\n".join(
            [lines[0] + ",victim_name,phone,date_of_birth,address"]
            + [line + "," + ",".join(PLANTED) for line in lines[1:]]
        )
        + "\n",
        encoding="utf-8",
    )
    before = (paths.publish / "latest" / "indicators.csv").read_bytes()
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths.warehouse), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"
    outcome = run_refresh(paths)  # the same warehouse and publication folder as the first refresh
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0 and out.strip() == "consistent 1", err
    assert outcome.exit_code == 3, outcome.message
    [rejected] = outcome.summary["rejected_files"]
    assert rejected["file_name"] == "2010-04.csv" and "lacks the required columns" in rejected["reason"]
    manifest = manifest_of(paths)
    assert [r["file_name"] for r in manifest["rejected_files"]] == ["2010-04.csv"]
    # Same accepted data, same bytes; the personal data of the rejected file is nowhere.
    assert (paths.publish / "latest" / "indicators.csv").read_bytes() == before
    assert b"Jane Doe" not in paths.warehouse.read_bytes()
    vintages = query(paths, "select vintage, count(*) n from marts.indicator_vintages group by 1 order by 1")
    assert vintages.height == 2 and vintages["n"][0] == vintages["n"][1]
    # The planted personal data: dropped, named only by column in audit.loads.
    dropped = query(
        paths,
        "select columns_dropped from audit.loads where file_name = '2010-01.csv' "
        "and source = 'mps_crimes' and status = 'accepted'",
    )
    assert dropped["columns_dropped"][0] == "victim_name,phone,date_of_birth,address"
    searched = [
        paths.warehouse,
        *paths.publish.rglob("*"),
        *(paths.warehouse.parent / "logs").rglob("*"),
        *paths.store.rglob("*"),
    ]
    for path in (p for p in searched if p.is_file()):
        data = path.read_bytes()
        for value in PLANTED:
            assert value.encode() not in data, (value, path)
