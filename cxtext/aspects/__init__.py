"""Aspect-based sentiment: ``aspects(text)`` finds what a customer talks about and how they feel.

Mechanism (lexicon + clauses + the sentiment model):

1. the text is normalized (:func:`cxtext.normalize`: lower case, teencode expanded, emoji as
   ``emo_*`` tokens) and split into clauses at punctuation and at contrast words
   (``nhưng``, ``tuy nhiên``, ``còn``, ``mỗi tội`` …);
2. aspect terms are found per clause (``cxtext/data/aspects_telecom.yaml`` by default: coverage,
   data speed, price, billing, customer service, installation, promotions, apps, power supply),
   with and without diacritics;
3. each clause gets a score from the opinion lexicon (``opinions.yaml``; a negation up to two
   words before a polar word flips it) blended with the sentiment model on the clause; a clause
   that names an aspect but says nothing polar takes the opinion of the next clause when that one
   names no aspect ("gọi tổng đài, chờ mãi không ai nghe");
4. each aspect gets the mean score of its clauses, a label, and the strongest clause as evidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..normalize import DEFAULT_MAX_CHARS, check_text, normalize, strip_diacritics
from ..sentiment import SentimentModel, sentiment_batch
from .lexicon import (
    AspectLexicon,
    OpinionLexicon,
    TermMatch,
    default_aspect_lexicon,
    default_opinion_lexicon,
)

__all__ = [
    "AspectLexicon",
    "AspectSentiment",
    "OpinionLexicon",
    "TELECOM_ASPECTS",
    "aspects",
    "default_aspect_lexicon",
]

TELECOM_ASPECTS = (
    "network_coverage",
    "data_speed",
    "price_package",
    "billing",
    "customer_service",
    "installation_support",
    "promotion",
    "digital_app",
    "power_outage",
)

#: a clause score at or beyond this (in absolute value) is positive / negative
POLAR_THRESHOLD = 0.2
_LEXICON_SHARE = 0.75
_NEGATION_REACH = 2  # words between a negation and the polar word it flips, at most
_PUNCT = re.compile(r"(?:^|\s)[,.!?;:…]+(?=\s|$)")
_LETTERS = re.compile(r"[^\W\d_]+")
_DIACRITIC_SHARE = 0.2  # below this share of words with diacritics, text counts as typed without
_CONTRAST_WEIGHT = 1.5


@dataclass(frozen=True)
class AspectSentiment:
    """One aspect of a text: ``label`` negative/neutral/positive, ``score`` in [-1, 1].

    ``evidence`` is the clause that expresses it and ``term`` the aspect term found there;
    ``start``/``end`` locate the clause in ``cxtext.normalize(text)``.
    """

    aspect: str
    label: str
    score: float
    evidence: str
    term: str
    start: int
    end: int

    def serialize(self) -> dict[str, object]:
        return {
            "aspect": self.aspect,
            "label": self.label,
            "score": self.score,
            "evidence": self.evidence,
            "term": self.term,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class _Clause:
    start: int
    end: int
    aspects: list[TermMatch] = field(default_factory=list)
    polar: list[float] = field(default_factory=list)
    score: float = 0.0
    contrast: bool = False


def aspects(
    text: str,
    *,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
    model: SentimentModel | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[AspectSentiment]:
    """The aspects of ``text`` with their sentiment, in order of first mention.

    ``lexicon`` defaults to the telecom/utility lexicon; pass
    ``default_aspect_lexicon("smartphone")`` or your own :class:`AspectLexicon`. ``""`` gives
    ``[]``; ``None``, non-text and text longer than ``max_chars`` raise
    :class:`cxtext.TextInputError`.
    """
    lexicon = lexicon or default_aspect_lexicon()
    opinions = opinions or default_opinion_lexicon()
    raw = check_text(text, max_chars=max_chars)
    norm = normalize(raw)
    if not norm.strip():
        return []
    plain = strip_diacritics(norm)
    loose = _typed_without_diacritics(raw)
    clauses = _clauses(norm, plain, opinions, loose)
    for match in lexicon.find(norm, plain, without_diacritics=loose):
        _owner(clauses, match.start).aspects.append(match)
    if not any(c.aspects for c in clauses):
        return []
    negations = opinions.negations.find(norm, plain, without_diacritics=loose)
    for match in opinions.polar.find(norm, plain, without_diacritics=loose):
        weight = float(match.value)
        if _negated(norm, match, negations):
            weight = -0.8 * weight
        _owner(clauses, match.start).polar.append(weight)
    _borrow_opinions(norm, clauses)
    scored = [c for c in clauses if c.aspects]
    model_scores = [
        s.score for s in sentiment_batch([norm[c.start : c.end] for c in scored], model=model)
    ]
    for clause, model_score in zip(scored, model_scores, strict=True):
        if clause.polar:
            lex = math.tanh(1.5 * sum(clause.polar))
            clause.score = _LEXICON_SHARE * lex + (1 - _LEXICON_SHARE) * model_score
        else:
            clause.score = model_score
    return _per_aspect(norm, scored)


def _typed_without_diacritics(raw: str) -> bool:
    """Whether fewer than :data:`_DIACRITIC_SHARE` of the words carry diacritics."""
    words = _LETTERS.findall(raw)
    if not words:
        return True
    marked = sum(1 for w in words if strip_diacritics(w) != w)
    return marked < _DIACRITIC_SHARE * len(words)


def _clauses(norm: str, plain: str, opinions: OpinionLexicon, loose: bool) -> list[_Clause]:
    cuts = {0, len(norm)}
    for m in _PUNCT.finditer(norm):
        cuts.update(m.span())
    for match in opinions.contrasts.find(norm, plain, without_diacritics=loose):
        cuts.add(match.start)
    bounds = sorted(cuts)
    contrast_starts = {
        m.start for m in opinions.contrasts.find(norm, plain, without_diacritics=loose)
    }
    return [
        _Clause(s, e, contrast=s in contrast_starts)
        for s, e in zip(bounds, bounds[1:], strict=False)
        if norm[s:e].strip()
    ]


def _owner(clauses: list[_Clause], pos: int) -> _Clause:
    for clause in clauses:
        if clause.start <= pos < clause.end:
            return clause
    return clauses[-1]


def _negated(norm: str, match: TermMatch, negations: list[TermMatch]) -> bool:
    for neg in negations:
        if neg.end <= match.start and not (neg.start >= match.start):
            between = norm[neg.end : match.start].split()
            if len(between) <= _NEGATION_REACH and not any(t in ",.!?;…" for t in between):
                return True
    return False


def _borrow_opinions(norm: str, clauses: list[_Clause]) -> None:
    """Opinions said in a clause that names no aspect go to the aspect clause before it.

    A clause naming aspects but nothing polar takes the next polar aspect-less clause
    ("hóa đơn tháng này, vô lý"); a polar aspect-less clause that starts with a contrast word
    ("app dễ dùng nhưng hay bị treo") adds to the clause before it, weighted up, since the part
    after "nhưng" is what the customer stresses.
    """
    for i, here in enumerate(clauses):
        if not here.aspects:
            continue
        if not here.polar:
            for after in clauses[i + 1 : i + 3]:
                if after.aspects:
                    break
                if after.polar:
                    here.polar = list(after.polar)
                    here.end = after.end
                    break
        elif i + 1 < len(clauses):
            after = clauses[i + 1]
            if after.polar and not after.aspects and after.contrast:
                here.polar.extend(_CONTRAST_WEIGHT * w for w in after.polar)
                here.end = after.end


def _label(score: float) -> str:
    if score >= POLAR_THRESHOLD:
        return "positive"
    if score <= -POLAR_THRESHOLD:
        return "negative"
    return "neutral"


def _per_aspect(norm: str, clauses: list[_Clause]) -> list[AspectSentiment]:
    grouped: dict[str, list[tuple[_Clause, TermMatch]]] = {}
    for clause in clauses:
        seen = set()
        for match in clause.aspects:
            if match.value not in seen:
                seen.add(match.value)
                grouped.setdefault(match.value, []).append((clause, match))
    out = []
    for aspect, mentions in grouped.items():
        score = sum(c.score for c, _ in mentions) / len(mentions)
        clause, match = max(mentions, key=lambda cm: abs(cm[0].score))
        out.append(
            AspectSentiment(
                aspect=aspect,
                label=_label(score),
                score=round(max(-1.0, min(1.0, score)), 4),
                evidence=norm[clause.start : clause.end].strip(),
                term=match.term,
                start=clause.start,
                end=clause.end,
            )
        )
    return out
