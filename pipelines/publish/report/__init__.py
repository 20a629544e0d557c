"""The Panel's report.html: select.py (what it shows), charts.py and figures.py (how it is
drawn), words.py, tables.py and templates/ (how it reads), build.py (``write_report``)."""

from pipelines.publish.report.build import render_report, write_report

__all__ = ["render_report", "write_report"]
