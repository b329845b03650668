"""The HTML report: one self-contained file (inline SVG charts, no network) of a store's records.

>>> from cxvoc import open_store
>>> from cxvoc.report import build_report
>>> build_report(open_store("voc.duckdb"), "report.html")
"""

from .build import KpiTile, ReportSummary, build_report, read_agents_map, render_html
from .data import ReportData, gather
from .labels import LANGS, Labels, labels

__all__ = [
    "LANGS",
    "KpiTile",
    "Labels",
    "ReportData",
    "ReportSummary",
    "build_report",
    "gather",
    "labels",
    "read_agents_map",
    "render_html",
]
