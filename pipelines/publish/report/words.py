"""How the report reads: figures, intervals and judgements as words (the templates' filters)."""

from __future__ import annotations

from pipelines.publish.dataset_format import DECIMALS

CATEGORY_LABELS = {
    "all": "all VAWG",
    "domestic_abuse": "domestic abuse",
    "honour_based_violence": "'honour'-based violence",
    "forced_marriage": "forced marriage",
    "fgm": "FGM",
    "rape": "rape",
    "other_sexual_offences": "other sexual offences",
    "stalking_harassment": "stalking and harassment",
    "trafficking_exploitation": "trafficking and exploitation",
    "sexual_offences": "sexual offences",
    "child_abuse": "child abuse",
    "sexual_assault": "sexual assault",
    "other": "other",
}
CHARACTERISTIC_LABELS = {
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "sexuality": "Sexuality",
    "age_band": "Age band",
}
CHANGE_WORDS = {
    "increased": "a significant increase on {previous}",
    "decreased": "a significant decrease on {previous}",
    "no_significant_change": "no significant change on {previous}",
    "not_calculated": "no change on {previous} calculated",
}
TREND_WORDS = {
    "increasing": "increasing over five years",
    "decreasing": "decreasing over five years",
    "no_significant_change": "no significant trend over five years",
    "not_calculated": "no five-year trend calculated (fewer than five comparable years)",
}


def category_label(category: str | None) -> str:
    return CATEGORY_LABELS.get(category or "", (category or "").replace("_", " "))


def figure(value, unit: str | None) -> str:
    """A published figure as text (values are already rounded to the unit's decimals)."""
    if value is None:
        return "–"
    if unit == "count" or unit is None and float(value).is_integer():
        return f"{int(round(value)):,}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "percent_change":
        return f"{value:+.1f}%"
    if unit == "per_1000":
        return f"{value:,.2f} per 1,000"
    return f"{value:,.{DECIMALS.get(unit or '', 2)}f}"


def count(value) -> str:
    return "" if value is None else f"{int(value):,}"


def value_of(row: dict | None) -> str:
    """A row's value, or the word "suppressed" (never a number or a zero)."""
    if row is None:
        return "not published"
    return "suppressed" if row.get("suppressed") else figure(row.get("value"), row.get("unit"))


def interval_of(row: dict | None) -> str:
    if row is None or row.get("suppressed") or row.get("ci_lower") is None or row.get("ci_upper") is None:
        return ""
    return f"{figure(row['ci_lower'], row['unit'])} to {figure(row['ci_upper'], row['unit'])}"


def comparison(value: str | None) -> str:
    return {"not_compared": "not compared", None: "", "": ""}.get(value, value or "")


def percent_limit(proportion: float) -> str:
    return f"{100 * proportion:.1f}%"


def points(value: float | None) -> str:
    """A difference of percentages, in percentage points."""
    return "" if value is None else f"{value:+.1f} percentage points"


def change_sentence(judgement) -> str:
    """ "No significant change on 2010/11; increasing over five years (2006/07 to 2010/11)."
    from a trend judgement (select.Judgement); either half is left out when not shown."""
    parts = []
    if judgement.change is not None:
        text = CHANGE_WORDS[judgement.change].format(previous=judgement.previous_period)
        if judgement.change in ("increased", "decreased") and judgement.change_estimate is not None:
            text += (
                f" ({points(judgement.change_estimate)}; 95% interval {judgement.change_ci_lower:+.1f} to "
                f"{judgement.change_ci_upper:+.1f})"
            )
        parts.append(text)
    if judgement.recent_trend is not None:
        text = TREND_WORDS[judgement.recent_trend]
        if judgement.recent_trend != "not_calculated":
            text += f" ({judgement.trend_first_period} to {judgement.trend_last_period})"
        parts.append(text)
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def names_list(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
