"""Masking personal data in Vietnamese text: phone numbers, e-mails, ID and account numbers.

What is masked (replaced by a token):

``[EMAIL]``
    e-mail addresses (``ten.ho+cx@gmail.com``, ``nguyễn@gmail.com``) and their obfuscations:
    ``a.b @ gmail.com``, ``a.b(at)gmail.com``, ``a.b[at]gmail.com``, ``a.b@gmail . com``,
    ``a.b@gmail(dot)com``, spoken ``a.b a còng gmail chấm com``. An obfuscated form needs a
    known top-level domain (``com``, ``vn``, ``net``…) so that mentions (``chào @lan.anh``) stay.
``[PHONE]``
    Vietnamese phone numbers in every common writing: mobiles ``0912345678``, ``0912 345 678``,
    ``0912.345.678``, ``0912. 345. 678``, ``091-234-5678``, ``09 12 34 56 78``; with the country
    code ``+84 912 345 678``, ``+84912345678``, ``84912345678``, ``0084 912 345 678``, ``(+84)
    912…``, ``+84 (0) 912…``; landlines with area codes ``(028) 3823 4567``, ``024.3823.4567``,
    ``0236 3822 333``, ``+84 28 3823 4567``; the old 11-digit mobiles (``0168…``); digits hidden
    with ``x`` or ``*`` (``09x2 345 678``); and numbers spoken as words, as transcripts hold them
    (``không chín một hai ba bốn năm sáu bảy tám``, also ``linh``/``lẻ`` for 0, ``mốt``, ``tư``,
    ``lăm``, ``mười``/``mươi``/``trăm`` in pairs and triples, and the forms typed without
    diacritics). A phone number is masked even when a currency word follows it
    (``0912345678 đồng``): an amount is never written with a leading 0, and ``đồng`` also starts
    ``đồng ý``, so privacy wins.
``[ID]``
    12-digit CCCD numbers however they are grouped (``001099012345``, ``001 099 012 345``,
    ``001.099.012.345``), 9-digit CMND numbers written as one run (or spoken), and passport
    numbers (one capital letter and 7 digits, ``B1234567``).
``[ACCOUNT]``
    other runs of 10 to 19 digits (bank accounts, cards), the same in groups of 2 to 6 digits
    with one kind of separator (``4111-1111-1111-1111``, ``0011 0012 34567``), and 8- or
    9-digit numbers after an account word (``stk``, ``tk``, ``tài khoản``, ``số thẻ``).

What is deliberately kept: hotlines and short codes (``1900 1234``, ``1800 1090``,
``18001091``, ``198``, ``9090``) because they are public business numbers that CX analysis
needs; prices (``1.200.000đ``, ``120k``, ``250000000 đồng``: a number without a leading 0 followed
by a currency word, and numbers grouped by thousands such as ``1.000.000.000``); dates
(``12/10/2026``, ``15-08-2026``, ``2026-10-12``) and 14-digit timestamps
(``20261012203000``, a valid ``YYYYMMDDhhmmss``); times (``20h30``, ``20:30``); package codes
(``ST90``, ``V120``, ``MAX200``, ``5G``) and codes glued to letters (``SP123456789``); order,
shipment and transaction codes (a number after ``mã đơn``, ``đơn hàng``, ``vận đơn``,
``mã GD``, ``order``… within 30 characters); bare 8-digit numbers (dates and hotlines look
the same). Phones are masked in every context: no cue word unmasks a phone-shaped number.

Time grows linearly with the text: no pattern backtracks over more than a bounded stretch
(an e-mail's local part is read at most 64 characters back from its ``@``).

For call transcripts, :func:`mask_pii_segments` masks a sequence of segments jointly, so a
number spoken across two segments is found.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ._pii_numbers import find_numbers
from .errors import TextInputError
from .normalize._input import DEFAULT_MAX_CHARS, check_text

__all__ = ["PII_KINDS", "PiiSpan", "find_pii", "mask_pii", "mask_pii_segments"]

PiiKind = Literal["email", "phone", "id", "account"]
PII_KINDS: tuple[PiiKind, ...] = ("email", "phone", "id", "account")
_TOKENS = {"email": "[EMAIL]", "phone": "[PHONE]", "id": "[ID]", "account": "[ACCOUNT]"}

# the @ of an e-mail written out: bracketed (at) or spoken (a còng); a plain or spaced @ is
# found with str.find
_AT_WORDS = re.compile(r" ?[(\[{] ?at ?[)\]}] ?| a c[òo]ng ", re.IGNORECASE)
# a written @ (or one with a space either side) that could be an e-mail's: a local-part character
# before it, a domain label and a dot after it (the cheap gate of _emails; a long run of @ or of
# "a @ " finds nothing here, in C)
_AT_SIGN = re.compile(
    r"(?<=[\w%+.\-])(?: @ |@)(?=[A-Za-z0-9][A-Za-z0-9\-]{0,62} ?(?:[.(\[]|(?i:ch|dot)))"
)
_AT_WORDS_HINT = re.compile(r"at ?[)\]}]|c[òo]ng", re.IGNORECASE)
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{0,62}")
_DOT = re.compile(r" ?(?:\.|[(\[] ?(?:dot|\.) ?[)\]]|chấm|cham|dot) ?", re.IGNORECASE)
# what every domain starts with (a label, a dot, a label's first character): the cheap gate
# of _domain_end ('a(at)'*20000 holds 20,000 written-out @ and no domain)
_DOMAIN_GATE = re.compile(_LABEL.pattern + "(?:" + _DOT.pattern + ")[A-Za-z0-9]", re.IGNORECASE)
_KNOWN_TLDS = frozenset((
    "com", "vn", "net", "org", "edu", "gov", "info", "biz", "io", "co", "me", "app", "asia",
    "dev", "ai", "us", "uk", "jp", "kr", "cn", "sg", "au", "de", "fr", "xyz", "online", "site",
    "store", "tech", "email", "cloud",
))  # fmt: skip
_MAX_LOCAL = 64
_MAX_LABELS = 8


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal data found in a text: ``text[start:end]`` is ``value``."""

    kind: PiiKind
    start: int
    end: int
    value: str

    @property
    def token(self) -> str:
        """The mask that replaces it (``[PHONE]``…)."""
        return _TOKENS[self.kind]

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


def find_pii(
    text: str,
    *,
    kinds: tuple[str, ...] | frozenset[str] = PII_KINDS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[PiiSpan]:
    """Every piece of personal data of ``kinds`` in ``text``, in order, never overlapping.

    See the module docstring for what counts; ``None``, undecodable bytes and over-long text
    raise :class:`cxtext.TextInputError`.
    """
    text = check_text(text, max_chars=max_chars)
    return [PiiSpan(k, a, b, text[a:b]) for k, a, b in _find(text, _check_kinds(kinds))]


_Found = tuple[PiiKind, int, int]


def _find(text: str, wanted: frozenset[str]) -> list[_Found]:
    """``(kind, start, end)`` of each piece of personal data, in order, never overlapping."""
    if not text:
        return []
    emails = _emails(text)
    numbers: list[_Found] = list(find_numbers(text))  # type: ignore[arg-type]
    if not emails:
        # the numbers come in order of their starts: a span is free when it starts at or after
        # the end of the last one taken (no bisect, no PiiSpan: a 100 KB text holds thousands)
        found: list[_Found] = []
        last_start, last_end = -1, 0
        for item in numbers:
            start = item[1]
            if start <= last_start:
                break  # out of order: the general case below
            if start >= last_end:
                last_start, last_end = start, item[2]
                if item[0] in wanted:
                    found.append(item)
        else:
            return found
    spans: list[_Found] = []
    taken = _Intervals()
    for item in [*(("email", a, b) for a, b in emails), *numbers]:
        _, start, end = item
        if taken.free(start, end):
            taken.append((start, end))
            if item[0] in wanted:
                spans.append(item)  # type: ignore[arg-type]
    if len(spans) > 1:
        spans.sort(key=lambda s: s[1])
    return spans


def mask_pii(
    text: str,
    *,
    kinds: tuple[str, ...] | frozenset[str] = PII_KINDS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """``text`` with each piece of personal data replaced by ``[EMAIL]``, ``[PHONE]``, ``[ID]``
    or ``[ACCOUNT]`` (restrict with ``kinds``); everything else is returned unchanged."""
    text = check_text(text, max_chars=max_chars)
    spans = _find(text, _check_kinds(kinds))
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for kind, start, end in spans:
        parts.append(text[last:start])
        parts.append(_TOKENS[kind])
        last = end
    parts.append(text[last:])
    return "".join(parts)


def mask_pii_segments(
    segments: Sequence[str],
    *,
    kinds: tuple[str, ...] | frozenset[str] = PII_KINDS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[str]:
    """Mask a sequence of segments (one party's transcript turns) jointly, as one text.

    The segments are read as if joined by spaces, so a number spoken across two segments
    (``"số em là không chín một hai"``, ``"ba bốn năm sáu bảy tám"``) is found; each segment
    that holds part of a piece of personal data gets the token in place of that part. Returns
    one masked string per segment. ``max_chars`` bounds the joined text.
    """
    pieces = [
        check_text(s, max_chars=max_chars, name=f"segments[{i}]") for i, s in enumerate(segments)
    ]
    joined = " ".join(pieces)
    spans = find_pii(joined, kinds=kinds, max_chars=max_chars)
    if not spans:
        return list(pieces)
    out: list[str] = []
    offset = 0
    k = 0  # first span that may touch this segment
    for piece in pieces:
        seg_start, seg_end = offset, offset + len(piece)
        parts: list[str] = []
        last = seg_start
        while k < len(spans) and spans[k].end <= seg_start:
            k += 1
        m = k
        while m < len(spans) and spans[m].start < seg_end:
            span = spans[m]
            a, b = max(span.start, seg_start), min(span.end, seg_end)
            if a < b:
                parts += [joined[last:a], span.token]
                last = b
            m += 1
        parts.append(joined[last:seg_end])
        out.append("".join(parts))
        offset = seg_end + 1
    return out


def _emails(text: str) -> list[tuple[int, int]]:
    """Spans of the e-mail addresses in ``text`` (plain and obfuscated)."""
    found: list[tuple[int, int]] = []
    ats = _at_signs(text)
    if not ats:
        return found
    last_end = 0
    gate = _DOMAIN_GATE.match
    for at_start, at_end, obfuscated in ats:
        if at_start < last_end or gate(text, at_end) is None:
            continue
        k = at_start
        floor = max(last_end, at_start - _MAX_LOCAL)
        while k > floor and (text[k - 1].isalnum() or text[k - 1] in "._%+-"):
            k -= 1
        while k < at_start and text[k] in ".-":
            k += 1
        if k == at_start:
            continue
        end = _domain_end(text, at_end, obfuscated=obfuscated)
        if end is not None:
            found.append((k, end))
            last_end = end
    return found


def _at_signs(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, obfuscated)`` of each written ``@`` (``@``, `` @ ``, ``(at)``, ``a còng``)."""
    found: list[tuple[int, int, bool]] = []
    if "@" in text:
        found = [(m.start(), m.end(), m.end() - m.start() == 3) for m in _AT_SIGN.finditer(text)]
    if _AT_WORDS_HINT.search(text) is not None:
        found += [(m.start(), m.end(), True) for m in _AT_WORDS.finditer(text)]
        found.sort()
    return found


def _domain_end(text: str, pos: int, *, obfuscated: bool) -> int | None:
    """End of the domain that starts at ``pos``, or None when there is no valid one."""
    label = _LABEL.match(text, pos)
    if label is None:
        return None
    best = None
    for _ in range(_MAX_LABELS):
        dot = _DOT.match(text, label.end())
        if dot is None:
            break
        nxt = _LABEL.match(text, dot.end())
        if nxt is None:
            break
        obfuscated = obfuscated or dot.group() != "."
        tld = nxt.group()
        if tld.isalpha() and len(tld) >= 2 and (not obfuscated or tld.lower() in _KNOWN_TLDS):
            best = nxt.end()
        elif obfuscated:
            break
        label = nxt
    return best


class _Intervals:
    """Non-overlapping spans already claimed, kept sorted for O(log n) overlap checks."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def append(self, span: tuple[int, int]) -> None:
        i = bisect.bisect_left(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.ends.insert(i, span[1])

    def free(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end)  # spans starting before our end
        return i == 0 or self.ends[i - 1] <= start


_ALL_KINDS = frozenset(PII_KINDS)


def _check_kinds(kinds: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    if kinds is PII_KINDS:
        return _ALL_KINDS
    wanted = frozenset(kinds)
    unknown = wanted - set(PII_KINDS)
    if unknown or not wanted:
        raise TextInputError(
            f"kinds={sorted(kinds)!r} is not accepted; choose one or more of {list(PII_KINDS)}"
        )
    return wanted
