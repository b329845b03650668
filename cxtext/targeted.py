"""Brand-targeted sentiment: ``brand_sentiment(text)`` gives each brand a post names its own label.

Mechanism (lexicons + clauses + the sentiment model, as :func:`cxtext.aspects`):

1. quoted text (a line starting with ``>``, text in double quotes, ``Trích: …`` up to a dash or
   the end of the line) is another user's words: its brands count as mentioned, its opinions do
   not;
2. brand mentions (:func:`cxtext.brands`) are replaced by neutral markers, so that the
   normalizer's teencode (``K+`` is not ``không +``) and the model's priors about brand names
   stay out of it; the text is normalized and split into clauses at punctuation and contrast
   words (``nhưng``, ``còn``, ``trong khi`` …);
3. a clause belongs to the brands it names; a clause naming none belongs to the brands of the
   clause before it; clauses before the first brand belong to every brand when they carry an
   opinion ("nhà mạng nào cũng tệ, …") and are dropped as context when they do not (place/time
   prefixes, greetings: "Ở Nghệ An, tối qua: …");
4. inside a clause that names two brands, a brand after ``hơn`` gets the opposite of the
   clause's opinion ("Mobi còn khỏe hơn Viettel"), and a brand left (``bỏ X``, ``từ X sang``) gets
   a negative one;
5. each brand gets the opinion-lexicon score of its clauses (a negation up to two words before
   a polar word flips it; a clause that starts with a contrast word weighs more) blended with the
   sentiment model on its clauses, as :func:`cxtext.aspects` blends them; a brand whose clauses
   carry no opinion-lexicon word gets the model's score alone, labelled polar only outside a
   neutral band (``MODEL_NEUTRAL_BAND``): the model reads news items and plain statements as
   mildly negative, and its argmax alone labelled them so.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from .aspects import _CONTRAST_WEIGHT as CONTRAST_WEIGHT
from .aspects import _DIACRITIC_SHARE as DIACRITIC_SHARE
from .aspects import (
    _LETTERS,
    POLAR_THRESHOLD,
    OpinionLexicon,
    _negated,
    default_opinion_lexicon,
)
from .aspects import _LEXICON_SHARE as LEXICON_SHARE
from .aspects import _typed_without_diacritics as _typed_without_diacritics_slow
from .brands import BrandLexicon, brands
from .errors import TextInputError
from .normalize import DEFAULT_MAX_CHARS, check_text, normalize, strip_diacritics
from .normalize._lexicon import DATA_DIR
from .sentiment import Sentiment, SentimentModel, _results, load_model

__all__ = ["brand_sentiment", "brand_sentiment_batch"]

BRANDS_FILE = DATA_DIR / "brands.yaml"

_MARKER = "xbrand"
_MARKER_RE = re.compile(rf"\b{_MARKER}([a-z]+)\b")
# clause boundaries in normalized text: punctuation tokens (the normalizer spaces them out)
_CUT = re.compile(r"(?:^|\s)(?:[,.!?;:…]+|[-–—]+)(?=\s|$)")
# quoted text in the raw post: '> …' lines, "…" / “…”, 'Trích (dẫn)?: …' up to a dash or line end
_QUOTED = re.compile(
    r"(?m)^[ \t]*>[^\n]*"
    r'|"[^"\n]{1,300}"'
    r"|“[^”\n]{1,300}”"
    r"|\b(?:[Tt]rích(?:\s+dẫn)?(?:\s+bài\s+gốc)?|[Qq]uote)\s*:\s*(?![\"“])[^\n—–]*"
)
_COMPARE = re.compile(r"(?<!\w)hơn(?!\w)")
_LEAVE = re.compile(
    rf"(?<!\w)(?:(?:bỏ|cạch)\s+(?:mạng\s+|sim\s+)?{_MARKER}([a-z]+)\b"
    rf"|từ\s+(?:mạng\s+|sim\s+)?{_MARKER}([a-z]+)\s+(?:sang|qua|về)(?!\w))"
)
_JOIN = re.compile(rf"(?<!\w)(?:sang|qua|về)\s+(?:mạng\s+|sim\s+)?{_MARKER}([a-z]+)\b")
_LIST_WORDS = re.compile(r"(?<!\w)(?:và|với|lẫn|cả|hay|hoặc|cùng|cũng như)(?!\w)")
_LEAVE_WEIGHT = -1.0
# emoji tokens count through the opinion lexicon only: the model text goes without them
_EMOJI = re.compile(r"(?<!\w)emo_[a-z]+(?!\w)")
_JOIN_WEIGHT = 0.5
_AMBIGUOUS_CONTRASTS = frozenset({"còn", "mà"})
# Without an opinion-lexicon word, the model's score (P(positive) - P(negative)) labels a brand
# polar only when |score| >= MODEL_NEUTRAL_BAND. A tunable parameter: declared range below,
# chosen by models/sentiment/tune_brand_band.py on the social development set only
# (models/sentiment/social_dev.jsonl).
MODEL_NEUTRAL_BAND = 0.45
MODEL_NEUTRAL_BAND_RANGE = (0.05, 0.8)


@dataclass
class _Clause:
    text: str
    quoted: bool
    stressed: bool  # starts with a contrast word, or follows one in the same sentence
    question: bool = False
    markers: list[tuple[int, int]] = field(default_factory=list)  # (brand index, position)
    polar: list[tuple[int, float]] = field(default_factory=list)  # (position, weight)
    left: set[int] = field(default_factory=set)  # brand indexes the author leaves here
    joined: set[int] = field(default_factory=set)  # brand indexes the author moves to here


def brand_sentiment(
    text: str,
    *,
    lexicon: BrandLexicon | None = None,
    opinions: OpinionLexicon | None = None,
    model: SentimentModel | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    neutral_band: float = MODEL_NEUTRAL_BAND,
) -> dict[str, Sentiment]:
    """The sentiment of ``text`` towards each brand it names, in order of first mention.

    ``{"Viettel": Sentiment("negative", -0.82), "VNPT": Sentiment("positive", 0.74)}`` for
    "Viettel ở chung cư mình yếu xìu, chuyển qua Vina thì full vạch luôn". A text that names no
    brand gives ``{}``. ``lexicon`` is a :class:`cxtext.BrandLexicon` (default: the packaged
    telecom/utility lexicon); ``opinions`` the opinion lexicon of :func:`cxtext.aspects`.
    ``neutral_band``: where no opinion-lexicon word fires, the model's score must reach
    ``±neutral_band`` for a polar label (a tunable parameter, range ``MODEL_NEUTRAL_BAND_RANGE``).
    Bad input raises :class:`cxtext.TextInputError`.
    """
    return brand_sentiment_batch(
        [text],
        lexicon=lexicon,
        opinions=opinions,
        model=model,
        max_chars=max_chars,
        neutral_band=neutral_band,
    )[0]


def brand_sentiment_batch(
    texts: Sequence[str],
    *,
    lexicon: BrandLexicon | None = None,
    opinions: OpinionLexicon | None = None,
    model: SentimentModel | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    neutral_band: float = MODEL_NEUTRAL_BAND,
) -> list[dict[str, Sentiment]]:
    """:func:`brand_sentiment` of each text, in order (one model call for the whole batch)."""
    low, high = MODEL_NEUTRAL_BAND_RANGE
    if not low <= neutral_band <= high:
        raise TextInputError(f"neutral_band={neutral_band!r} is outside its range [{low}, {high}]")
    if isinstance(texts, str | bytes):
        raise TextInputError(
            f"texts={texts[:40]!r} is a single {type(texts).__name__}: pass a list of texts, "
            "or call brand_sentiment(text)"
        )
    opinions = opinions or default_opinion_lexicon()
    plans = []
    for i, text in enumerate(texts):
        raw = check_text(text, max_chars=max_chars, name=f"texts[{i}]")
        plans.append(_plan(raw, lexicon, opinions))
    model_texts = [t for plan in plans for _, t, _ in plan]
    # the clause texts are normalized already: score them without normalizing again
    model = model or load_model()
    scored = iter(_results(model_texts, model.probabilities(model_texts), model.labels))
    out = []
    for plan in plans:
        result = {}
        for name, _, polar in plan:
            said = next(scored)
            if polar:
                lex = math.tanh(1.5 * sum(polar))
                score = LEXICON_SHARE * lex + (1 - LEXICON_SHARE) * said.score
                label = _label(score)
            else:  # the lexicon says nothing: the model's score, outside the neutral band
                score = said.score
                label = _label(score, neutral_band)
            score = max(-1.0, min(1.0, score))
            result[name] = Sentiment(label, round(score, 4))
        out.append(result)
    return out


def _label(score: float, threshold: float = POLAR_THRESHOLD) -> str:
    if score >= threshold:
        return "positive"
    if score <= -threshold:
        return "negative"
    return "neutral"


@cache
def _default_brands() -> BrandLexicon:
    return BrandLexicon.load(BRANDS_FILE)


def _typed_without_diacritics(raw: str) -> bool:
    """:func:`cxtext.aspects._typed_without_diacritics`, stripping the text once."""
    plain = strip_diacritics(raw)
    if len(plain) != len(raw):
        return _typed_without_diacritics_slow(raw)
    words = marked = 0
    for m in _LETTERS.finditer(raw):
        words += 1
        marked += plain[m.start() : m.end()] != m.group()
    return not words or marked < DIACRITIC_SHARE * words


def _marker(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(97 + r) + letters
    return _MARKER + letters


def _index(letters: str) -> int:
    i = 0
    for ch in letters:
        i = i * 26 + ord(ch) - 96
    return i - 1


def _plan(
    raw: str, lexicon: BrandLexicon | None, opinions: OpinionLexicon
) -> list[tuple[str, str, list[float]]]:
    """Per brand (in order of first mention): its name, its clauses' text, their polar weights."""
    spans = brands(raw, lexicon=lexicon or _default_brands())
    if not spans:
        return []
    names: list[str] = list(dict.fromkeys(s.brand for s in spans))
    index = {name: i for i, name in enumerate(names)}
    loose = _typed_without_diacritics(raw)
    text = unicodedata.normalize("NFC", raw)
    for span in reversed(spans):  # brand mentions -> neutral markers (offsets index NFC text)
        text = f"{text[: span.start]} {_marker(index[span.brand])} {text[span.end :]}"
    clauses: list[_Clause] = []
    for segment, quoted in _segments(text):
        clauses.extend(_clauses(normalize(segment), quoted, opinions, loose))
    clauses = _join_lists(clauses)

    owned: dict[int, list[tuple[_Clause, list[float]]]] = {i: [] for i in range(len(names))}
    leading: list[_Clause] = []
    current: list[int] = []
    for clause in clauses:
        if clause.markers:
            groups = _groups(clause)
            for brands_here, weights in _attribute(clause, groups).items():
                for b in brands_here:
                    owned[b].append((clause, weights))
            current = sorted(groups[-1][1])
        elif current:
            weights = _stress(clause, [w for _, w in clause.polar])
            for b in current:
                owned[b].append((clause, weights))
        else:
            leading.append(clause)
    for clause in reversed(leading):  # an opinion before any brand is about all of them
        if clause.polar and not clause.quoted:
            for b in owned:
                owned[b].insert(0, (clause, [w for _, w in clause.polar]))

    plan = []
    for b, name in enumerate(names):
        polar: list[float] = []
        texts: list[str] = []
        for clause, weights in owned[b]:
            if clause.quoted:
                continue
            if clause.question and not weights:
                continue  # a question without an opinion asks; it says nothing of the brand
            texts.append(_EMOJI.sub(" ", _CUT.sub(" ", clause.text)).strip())
            polar.extend(weights)
        plan.append((name, " , ".join(t for t in texts if t), polar))  # no text: the model gives 0
    return plan


def _join_lists(clauses: list[_Clause]) -> list[_Clause]:
    """A clause that is only a brand list ("Viettel, Vina, Mobi đều …") joins the next one."""
    out: list[_Clause] = []
    carry: _Clause | None = None
    for clause in clauses:
        if carry is not None and not clause.quoted:
            shift = len(carry.text) + 1
            clause.text = f"{carry.text} {clause.text}"
            clause.markers = carry.markers + [(b, p + shift) for b, p in clause.markers]
            clause.polar = [(p + shift, w) for p, w in clause.polar]
            carry = None
        elif carry is not None:
            out.append(carry)
            carry = None
        rest = _LIST_WORDS.sub(" ", _MARKER_RE.sub(" ", _CUT.sub(" ", clause.text))).strip()
        if clause.markers and not rest and not clause.quoted:
            carry = clause
        else:
            out.append(clause)
    if carry is not None:
        out.append(carry)
    return out


def _groups(clause: _Clause) -> list[tuple[int, set[int]]]:
    """The brand groups of a clause in order: (start, brands); "X và Y", "X, Y" form one group."""
    groups: list[tuple[int, set[int]]] = []
    last_end = -1
    for m in _MARKER_RE.finditer(clause.text):
        b = _index(m.group(1))
        between = clause.text[last_end : m.start()] if last_end >= 0 else None
        if (
            groups
            and between is not None
            and not _LIST_WORDS.sub(" ", _CUT.sub(" ", between)).strip()
        ):
            groups[-1][1].add(b)
        else:
            groups.append((m.start(), {b}))
        last_end = m.end()
    return groups


def _attribute(
    clause: _Clause, groups: list[tuple[int, set[int]]]
) -> dict[frozenset[int], list[float]]:
    """The polar weights of each brand group of a clause.

    A polar word belongs to the group named last before it (the first group when none is);
    a group after ``hơn`` gets the opposite of the group before it ("Mobi khỏe hơn Viettel");
    a brand left (``bỏ X``, ``từ X sang``) gets a negative weight and, in that clause, the brand
    moved to a positive one.
    """
    starts = [g[0] for g in groups]
    per_group: list[list[float]] = [[] for _ in groups]
    for pos, weight in clause.polar:
        k = max([i for i, st in enumerate(starts) if st <= pos], default=0)
        per_group[k].append(weight)
    out: dict[frozenset[int], list[float]] = {}
    for k, (start, members) in enumerate(groups):
        weights = list(per_group[k])
        if k and any(starts[k - 1] < m.start() < start for m in _COMPARE.finditer(clause.text)):
            weights = [-w for w in per_group[k - 1]] + weights
        if members & clause.left:
            weights.append(_LEAVE_WEIGHT)
        elif clause.left and members & clause.joined:
            weights.append(_JOIN_WEIGHT)
        out.setdefault(frozenset(members), []).extend(_stress(clause, weights))
    return out


def _stress(clause: _Clause, weights: list[float]) -> list[float]:
    return [CONTRAST_WEIGHT * w for w in weights] if clause.stressed else weights


def _segments(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, quoted) pieces, in order."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _QUOTED.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _clauses(norm: str, quoted: bool, opinions: OpinionLexicon, loose: bool) -> list[_Clause]:
    """Clauses of one normalized piece, with their brand markers and polar weights."""
    if not norm.strip():
        return []
    plain = strip_diacritics(norm)
    contrasts = opinions.contrasts.find(norm, plain, without_diacritics=loose)
    contrasts = [c for c in contrasts if _contrastive(norm, c.start, c.end, c.term)]
    cuts = {0, len(norm)}
    for m in _CUT.finditer(norm):
        cuts.update(m.span())
    cuts.update(c.start for c in contrasts)
    contrast_starts = {c.start for c in contrasts}
    bounds = sorted(cuts)
    negations = opinions.negations.find(norm, plain, without_diacritics=loose)
    polar = [] if quoted else opinions.polar.find(norm, plain, without_diacritics=loose)
    clauses = []
    stressed = False
    for s, e in zip(bounds, bounds[1:], strict=False):
        piece = norm[s:e]
        if not _CUT.sub(" ", piece).strip():
            if any(ch in piece for ch in ".!?…"):
                stressed = False  # a new sentence
            continue
        stressed = stressed or s in contrast_starts
        after = norm[e : e + 3].strip()
        clause = _Clause(piece, quoted, stressed, question=after.startswith("?"))
        clause.markers = [(_index(m.group(1)), m.start()) for m in _MARKER_RE.finditer(piece)]
        if not quoted:
            clause.left = {_index(m.group(1) or m.group(2)) for m in _LEAVE.finditer(piece)}
            clause.joined = {_index(m.group(1)) for m in _JOIN.finditer(piece)}
            for match in polar:
                if s <= match.start < e:
                    weight = float(match.value)
                    if _negated(norm, match, negations):
                        weight = -0.8 * weight
                    clause.polar.append((match.start - s, weight))
        clauses.append(clause)
    return clauses


def _contrastive(norm: str, start: int, end: int, term: str) -> bool:
    """Whether a contrast word starts a clause here.

    ``còn`` and ``mà`` are also adverbs ("sóng còn khỏe", "rẻ mà ngon"): they start a clause only
    at the start of a sentence piece or before a brand ("…, còn Vina thì …").
    """
    if term not in _AMBIGUOUS_CONTRASTS:
        return True
    before = norm[:start].rstrip()
    if not before or before[-1] in ",.!?;:…-":
        return True
    return norm[end:].lstrip().startswith(_MARKER)
