"""Batch scoring of call archives into a VoC store (resume, errors table, workers, Ray)."""

from __future__ import annotations

from .jobs import CallJob, discover_jobs
from .runner import ERRORS_TABLE, BatchSummary, CallOutcome, Hook, score_calls

__all__ = [
    "ERRORS_TABLE",
    "BatchSummary",
    "CallJob",
    "CallOutcome",
    "Hook",
    "discover_jobs",
    "score_calls",
]
