"""QA scorecards (SPEC section 5): YAML schema, the default Vietnamese telecom card, scoring."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .engine import CriterionResult, QAResult, score_call
from .schema import Criterion, Scorecard, ScorecardError, load_scorecard, parse_scorecard

__all__ = [
    "DEFAULT_SCORECARD_PATH",
    "Criterion",
    "CriterionResult",
    "QAResult",
    "Scorecard",
    "ScorecardError",
    "default_scorecard",
    "load_scorecard",
    "parse_scorecard",
    "resolve_scorecard",
    "score_call",
]

DEFAULT_SCORECARD_PATH = Path(__file__).with_name("default_scorecard.yaml")


@cache
def default_scorecard() -> Scorecard:
    """The bundled Vietnamese telecom scorecard (``default_scorecard.yaml``)."""
    return load_scorecard(DEFAULT_SCORECARD_PATH)


def resolve_scorecard(scorecard: Scorecard | str | Path | None) -> Scorecard:
    """A Scorecard from an object, a YAML path, or None for the default card."""
    if scorecard is None:
        return default_scorecard()
    if isinstance(scorecard, Scorecard):
        return scorecard
    return load_scorecard(scorecard)
