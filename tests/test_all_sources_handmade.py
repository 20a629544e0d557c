"""All five sources, hand-made and linked through URNs, through `vawg refresh`; every
expected value worked out by hand. Police records are those of test_police_handmade.py
(FY2009/10 cohort of 8 crimes; 02 and 10 are charged with URNs 01KD1234509 and 01KD2345609).

CPS (tests/fixtures/all_sources/cps_finalisations):
  01KD1234509 D1  2009-11-15  Hackney  DOMESTIC_ABUSE        GUILTY_PLEA   White             age 33
  01KD1234509 D2  2009-11-15  Hackney  DOMESTIC_ABUSE        ACQUITTED     Chinese or Other  age 35  (conflict of evidence)
  01AB9999909 D1  2010-02-01  H&F      RAPE;SEXUAL_OFFENCES  DISCONTINUED  Not stated        no age  (victim retraction; no police record has this URN)
  Crime 10's URN has no finalisation yet (awaiting trial).
Havens: A1 Camberwell police rape Y 2/N/N/1; A2 Paddington self sexual assault N 2/Z/Z/Z;
  A3 Whitechapel self rape U 1/A/Y/2; A4 Camberwell health other Y 2/99/Z/blank.
FMU (written by tests/conftest.py): C1 London, C2 West Midlands, C3 Scotland (outside London), C4 London, C5 unknown region.
Services: IDVA-HACKNEY (Hackney) every quarter: 10 new referrals (gender 9 F + 1 M adds up;
  ethnicity 5 + 4 = 9 does not), waiting list 3, 4, 5, 6; RCC-NORTH (pan-London) 20 referrals,
  waiting list 2, in Q1, Q2 and Q4 but not Q3.
"""

from helpers import query

FY = ("financial_year", "2009-04-01")


def row(paths, indicator, category="all", breakdown="total", value="ALL", period=FY, geography=("london", "E12000007")):
    found = query(
        paths,
        """
        select numerator, denominator, value, note from marts.indicators
        where indicator_id = ? and category = ? and breakdown = ? and breakdown_value = ?
          and period_type = ? and period_start = ?::date and geography_type = ? and geography_code = ?""",
        [indicator, category, breakdown, value, *period, *geography],
    )
    assert found.height == 1, (indicator, category, breakdown, value, period, geography)
    return found.row(0, named=True)


def nd(r):
    return r["numerator"], r["denominator"]


def test_end_to_end_attrition(handmade):
    paths, _ = handmade
    # Crime 02's URN has D1 convicted and D2 acquitted: prosecuted and convicted. Cohort 8.
    assert nd(row(paths, "e2e_prosecuted_rate")) == (1, 8)
    assert nd(row(paths, "e2e_conviction_rate")) == (1, 8)
    # Domestic abuse cohort 02 05 10: 02 convicted.
    assert nd(row(paths, "e2e_conviction_rate", "domestic_abuse")) == (1, 3)
    # Rape cohort 01 07 10: none convicted (10 awaits trial).
    assert nd(row(paths, "e2e_conviction_rate", "rape")) == (0, 3)
    # Charged with a URN: 02 and 10; linked: 02 only -> 50%.
    r = row(paths, "e2e_link_rate")
    assert (r["numerator"], r["denominator"], r["value"]) == (1, 2, 50.0)
    # The data run to 2010-03 at most: FY2009/10 is within eight quarters, so provisional.
    assert r["note"] == "provisional"
    links = query(
        paths, "select crime_ref, is_linked, is_prosecuted, is_convicted from marts.fct_crime_cps_links order by 1"
    )
    assert links.rows() == [("1000002/09", True, True, True), ("1000010/09", False, False, False)]


def test_cps_indicators(handmade):
    paths, _ = handmade
    assert row(paths, "cps_finalisations")["numerator"] == 3
    # Convictions: D1 of 3 finalisations.
    assert nd(row(paths, "cps_conviction_rate")) == (1, 3)
    # Unsuccessful: D2 acquitted, the unknown-URN case discontinued; victim issue: the retraction.
    assert nd(row(paths, "cps_victim_issue_rate")) == (1, 2)
    assert row(paths, "cps_finalisations", "domestic_abuse")["numerator"] == 2
    assert row(paths, "cps_finalisations", "rape")["numerator"] == 1
    assert row(paths, "cps_finalisations", "sexual_offences")["numerator"] == 1
    # CPS ethnicity keeps Chinese or Other as its own group.
    assert row(paths, "cps_finalisations", breakdown="ethnicity", value="CHINESE_OR_OTHER")["numerator"] == 1
    assert row(paths, "cps_finalisations", breakdown="ethnicity", value="UNKNOWN")["numerator"] == 1
    assert row(paths, "cps_finalisations", breakdown="victim_gender", value="FEMALE")["numerator"] == 3
    assert row(paths, "cps_finalisations", geography=("borough", "E09000012"))["numerator"] == 2
    assert nd(row(paths, "cps_recording_completeness", "ethnicity")) == (2, 3)
    assert nd(row(paths, "cps_recording_completeness", "age")) == (2, 3)


def test_havens_indicators(handmade):
    paths, _ = handmade
    assert row(paths, "havens_attendances")["numerator"] == 4
    assert row(paths, "havens_attendances", "rape")["numerator"] == 2
    assert row(paths, "havens_attendances", geography=("haven", "CAMBERWELL"))["numerator"] == 2
    assert nd(row(paths, "havens_self_referral_rate")) == (2, 4)
    # Reported to police: Y for A1 and A4, N for A2; A3 unknown is left out.
    assert nd(row(paths, "havens_reported_to_police_rate")) == (2, 3)
    for category in ("ethnicity", "disability", "sexuality"):
        assert nd(row(paths, "havens_recording_completeness", category)) == (2, 4), category
    assert row(paths, "havens_attendances", breakdown="gender", value="MALE")["numerator"] == 1
    assert row(paths, "havens_attendances", breakdown="ethnicity", value="BLACK")["numerator"] == 1


def test_fmu_indicators(handmade):
    paths, _ = handmade
    uk = ("uk", "K02000001")
    assert row(paths, "fmu_cases", geography=uk)["numerator"] == 5
    assert row(paths, "fmu_cases", geography=("uk_region", "E12000007"))["numerator"] == 2
    assert row(paths, "fmu_cases", geography=("uk_region", "S92000003"))["numerator"] == 1
    assert row(paths, "fmu_cases", geography=("uk_region", "UNKNOWN"))["numerator"] == 1
    r = row(paths, "fmu_london_share", geography=uk)
    assert (r["numerator"], r["denominator"], r["value"]) == (2, 5, 40.0)
    assert row(paths, "fmu_cases", breakdown="sexuality", value="LGBT", geography=uk)["numerator"] == 1
    assert row(paths, "fmu_cases", breakdown="age_band", value="UNDER_16", geography=uk)["numerator"] == 1
    # FMU is not published for London as a geography of its own.
    assert (
        query(
            paths,
            "select count(*) n from marts.indicators where indicator_id like 'fmu%' and geography_type = 'london'",
        )["n"][0]
        == 0
    )


def test_services_indicators(handmade):
    paths, _ = handmade
    # London: IDVA 10 x 4 + RCC 20 x 3 = 100; Hackney: IDVA only (RCC is pan-London).
    assert row(paths, "services_new_referrals")["numerator"] == 100
    assert row(paths, "services_new_referrals", geography=("borough", "E09000012"))["numerator"] == 40
    # Gender adds up for both providers: Q1 females 9 + 20.
    q1 = ("quarter", "2009-04-01")
    assert row(paths, "services_new_referrals", breakdown="gender", value="FEMALE", period=q1)["numerator"] == 29
    # IDVA's ethnicity does not add up to its total: left out of the breakdown.
    assert row(paths, "services_new_referrals", breakdown="ethnicity", value="WHITE", period=q1)["numerator"] == 0
    # Waiting list: the year's value is Q4's: IDVA 6 + RCC 2.
    assert row(paths, "services_waiting_list")["numerator"] == 8
    assert row(paths, "services_returns_received")["numerator"] == 7
    # RCC-NORTH sent returns in Q1 and Q2, so it was expected in Q3 and is missing, never 0.
    q3 = ("quarter", "2009-10-01")
    r = row(paths, "services_new_referrals", period=q3)
    assert (r["numerator"], r["note"]) == (10, "1 of 2 providers missing")
    assert row(paths, "services_new_referrals", "rape_crisis", period=q3)["note"] == "1 of 1 providers missing"
    assert row(paths, "services_new_referrals", period=q3, geography=("borough", "E09000012"))["note"] is None
    missing = query(
        paths, "select provider_id, strftime(quarter_start, '%Y-%m') q from marts.fct_service_returns_missing"
    )
    assert missing.rows() == [("RCC-NORTH", "2009-10")]


def test_every_indicator_of_the_spec_is_published(handmade):
    from pipelines.indicators.spec import load_spec

    paths, outcome = handmade
    published = set(query(paths, "select distinct indicator_id from marts.indicators")["indicator_id"])
    assert published == {i.id for i in load_spec().indicators}
    assert outcome.summary["missing_service_returns"] == [
        {
            "provider_id": "RCC-NORTH",
            "service_type_code": "RAPE_CRISIS",
            "borough_code": "E12000007",
            "quarter": "2009-10",
        }
    ]
