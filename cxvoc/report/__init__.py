"""The HTML report: one self-contained file (inline SVG charts, no network) of a store's records.

>>> from cxvoc import open_store
>>> from cxvoc.report import build_report
>>> build_report(open_store("voc.duckdb"), "report.html")
"""

from .build import ReportSummary, build_report, render_html
from .data import ReportData, gather

__all__ = ["ReportData", "ReportSummary", "build_report", "gather", "render_html"]
