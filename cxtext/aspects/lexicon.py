"""Aspect and opinion lexicons (YAML in ``cxtext/data/``) compiled into term matchers.

An :class:`AspectLexicon` maps terms to aspect ids (``aspects_telecom.yaml`` by default;
``aspects_smartphone.yaml`` holds the UIT-ViSD4SA aspects used to check the mechanism); an
:class:`OpinionLexicon` holds polar words with weights, negations and contrast words
(``opinions.yaml``). Terms are written as :func:`cxtext.normalize` writes text. A
:class:`TermMatcher` finds terms in normalized text, longest first, and also finds them in text
typed without diacritics, but only where the matched text really has no diacritics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ..errors import LexiconError
from ..normalize import strip_diacritics

__all__ = [
    "DATA_DIR",
    "AspectLexicon",
    "OpinionLexicon",
    "TermMatch",
    "TermMatcher",
    "default_aspect_lexicon",
    "default_opinion_lexicon",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    term: str
    value: str


class TermMatcher:
    """Finds lexicon terms (whole words) in normalized text, with and without diacritics."""

    def __init__(self, terms: Mapping[str, str]) -> None:
        self._exact = dict(terms)
        self._plain: dict[str, tuple[str, str]] = {}
        for term, value in terms.items():
            self._plain.setdefault(strip_diacritics(term), (term, value))
        self._exact_re = _alternation(self._exact)
        self._plain_re = _alternation(self._plain)

    def find(
        self, text: str, plain: str | None = None, *, without_diacritics: bool = True
    ) -> list[TermMatch]:
        """Non-overlapping matches in ``text`` (``plain`` is ``strip_diacritics(text)``).

        ``without_diacritics=False`` skips matching terms against text typed without them
        (right for text that was typed with diacritics, where "qua" is not "quà").
        """
        found = [
            TermMatch(m.start(), m.end(), m.group(), self._exact[m.group()])
            for m in self._exact_re.finditer(text)
        ]
        if not without_diacritics:
            return found
        plain = strip_diacritics(text) if plain is None else plain
        taken = [(f.start, f.end) for f in found]
        for m in self._plain_re.finditer(plain):
            start, end = m.span()
            if text[start:end] != m.group():  # the user typed diacritics here: not this term
                continue
            if any(start < e and s < end for s, e in taken):
                continue
            term, value = self._plain[m.group()]
            found.append(TermMatch(start, end, term, value))
        found.sort(key=lambda f: f.start)
        return found


def _alternation(terms: Mapping[str, object]) -> re.Pattern[str]:
    ordered = sorted(terms, key=len, reverse=True)
    body = "|".join(re.escape(t) for t in ordered) or r"(?!x)x"
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])")


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"lexicon {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise LexiconError(f"lexicon {path} must be a YAML mapping, got {type(data).__name__}")
    return data


def _term_list(value: object, path: Path, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise LexiconError(f"lexicon {path}: {where} must be a list of terms, got {value!r:.80}")
    terms = [str(t).strip().lower() for t in value]
    if any(not t for t in terms):
        raise LexiconError(f"lexicon {path}: {where} has an empty term")
    return terms


@dataclass(frozen=True)
class AspectLexicon:
    """Aspect ids and their terms; :meth:`find` finds them.

    An aspect id starting with ``_`` (``_ignore``) lists words that contain an aspect term but
    are not that aspect (``điện thoại`` is not ``điện``): they are matched first and dropped.
    """

    name: str
    aspects: tuple[str, ...]
    matcher: TermMatcher

    @classmethod
    def load(cls, path: str | Path) -> AspectLexicon:
        """Read ``{name, aspects: {aspect_id: {terms: [...]}}}`` from a YAML file."""
        path = Path(path)
        data = _read_yaml(path)
        aspects = data.get("aspects")
        if not isinstance(aspects, dict) or not aspects:
            raise LexiconError(f"lexicon {path}: 'aspects' must map aspect ids to their terms")
        terms: dict[str, str] = {}
        for aspect, spec in aspects.items():
            if not isinstance(spec, dict) or "terms" not in spec:
                raise LexiconError(f"lexicon {path}: aspect {aspect!r} needs a 'terms' list")
            for term in _term_list(spec["terms"], path, f"aspects.{aspect}.terms"):
                terms.setdefault(term, str(aspect))
        ids = tuple(str(a) for a in aspects if not str(a).startswith("_"))
        return cls(str(data.get("name", path.stem)), ids, TermMatcher(terms))

    def find(self, text: str, plain: str, *, without_diacritics: bool) -> list[TermMatch]:
        """Aspect terms in normalized ``text`` (ids starting with ``_`` only block others)."""
        found = self.matcher.find(text, plain, without_diacritics=without_diacritics)
        return [m for m in found if not m.value.startswith("_")]


@dataclass(frozen=True)
class OpinionLexicon:
    """Polar words (``value`` is the signed weight as text), negations and contrast words."""

    polar: TermMatcher
    negations: TermMatcher
    contrasts: TermMatcher

    @classmethod
    def load(cls, path: str | Path) -> OpinionLexicon:
        path = Path(path)
        data = _read_yaml(path)
        polar: dict[str, str] = {}
        for sign, key in ((1.0, "positive"), (-1.0, "negative")):
            groups = data.get(key)
            if not isinstance(groups, dict):
                raise LexiconError(f"lexicon {path}: {key!r} must map weights to term lists")
            for weight, words in groups.items():
                try:
                    value = sign * float(weight)
                except (TypeError, ValueError):
                    raise LexiconError(
                        f"lexicon {path}: weight {weight!r} under {key!r} is not a number"
                    ) from None
                for term in _term_list(words, path, f"{key}.{weight}"):
                    polar.setdefault(term, repr(value))
        negations = _term_list(data.get("negations"), path, "negations")
        contrasts = _term_list(data.get("contrasts"), path, "contrasts")
        return cls(
            TermMatcher(polar),
            TermMatcher(dict.fromkeys(negations, "neg")),
            TermMatcher(dict.fromkeys(contrasts, "contrast")),
        )


@cache
def default_aspect_lexicon(name: str = "telecom") -> AspectLexicon:
    """A lexicon shipped in ``cxtext/data/aspects_<name>.yaml`` (``telecom``, ``smartphone``)."""
    path = DATA_DIR / f"aspects_{name}.yaml"
    if not path.is_file():
        shipped = sorted(p.stem.removeprefix("aspects_") for p in DATA_DIR.glob("aspects_*.yaml"))
        raise LexiconError(
            f"aspect lexicon {name!r} is not shipped ({path}); choose one of {shipped}"
        )
    return AspectLexicon.load(path)


@cache
def default_opinion_lexicon() -> OpinionLexicon:
    return OpinionLexicon.load(DATA_DIR / "opinions.yaml")
