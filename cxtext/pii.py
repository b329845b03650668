"""Masking personal data in Vietnamese text: phone numbers, e-mails, ID and account numbers.

What is masked (replaced by a token):

``[EMAIL]``
    e-mail addresses (``ten.ho+cx@gmail.com``).
``[PHONE]``
    Vietnamese phone numbers in every common writing: mobiles ``0912345678``, ``0912 345 678``,
    ``0912.345.678``, ``091-234-5678``, ``09 12 34 56 78``; with the country code ``+84 912 345
    678``, ``+84912345678``, ``84912345678``, ``(+84) 912…``, ``+84 (0) 912…``; landlines with
    area codes ``(028) 3823 4567``, ``024.3823.4567``, ``0236 3822 333``, ``+84 28 3823 4567``;
    the old 11-digit mobiles (``0168…``).
``[ID]``
    12-digit CCCD and 9-digit CMND numbers written as one run of digits.
``[ACCOUNT]``
    other runs of 10 to 16 digits (bank accounts), and 16-digit card numbers in groups of four.

What is deliberately kept: hotlines and short codes (``1900 1234``, ``1800 8098``, ``18008098``,
``198``, ``9090``) because they are public business numbers that CX analysis needs; prices
(``1.200.000đ``, ``120k``, ``250000000 đồng``), dates (``12/10/2026``), times (``20h30``,
``20:30``) and package codes (``ST90``, ``V120``, ``MAX200``, ``5G``). A run of 9 to 16 digits
followed by a currency word (đ, đồng, vnd, k, usd…) is a price, not an ID.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .errors import TextInputError
from .normalize._input import DEFAULT_MAX_CHARS, check_text

__all__ = ["PII_KINDS", "PiiSpan", "find_pii", "mask_pii"]

PiiKind = Literal["email", "phone", "id", "account"]
PII_KINDS: tuple[PiiKind, ...] = ("email", "phone", "id", "account")
_TOKENS = {"email": "[EMAIL]", "phone": "[PHONE]", "id": "[ID]", "account": "[ACCOUNT]"}

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_S = r"[ .\-]?"  # one optional separator between digits
_END = r"(?!\d)(?![.\-]\d)"  # letters may follow: "0912345678nhé" is still a phone
_PHONE = re.compile(
    r"(?<![\d+.\-])(?:"  # letters may precede: "sdt0912345678"
    # +84 / 84 / (+84) / (84), an optional (0), then a mobile or a landline without its 0
    rf"(?:\(\s?\+?\s?84\s?\)|\+\s?84|84)\s?{_S}(?:\(0\)\s?)?"
    rf"(?:[35789](?:{_S}\d){{8}}|2\d(?:{_S}\d){{8}})"
    # national mobile 0[35789]xxxxxxxx and the old 11-digit 01[2689]xxxxxxxx
    rf"|0{_S}[35789](?:{_S}\d){{8}}"
    rf"|01[2689](?:{_S}\d){{8}}"
    # landline: (0)2x(x) area code, in parentheses or not, then the subscriber digits
    rf"|\(0?2\d\)\s?(?:\d{_S}){{7}}\d"
    rf"|\(0?2\d\d\)\s?(?:\d{_S}){{6}}\d"
    rf"|0{_S}2\d(?:{_S}\d){{8}}"
    rf"){_END}"
)
_DIGIT_RUN = re.compile(r"(?<![\w.,/\-])(?:\d{4}(?: \d{4}){3}|\d{9,16})(?![\w/:]|[.,\-]\d)")
_CURRENCY_AFTER = re.compile(
    r"\s?(?:đ|đồng|dong|vnd|vnđ|usd|\$|k\b|tr\b|triệu|nghìn|ngàn)", re.IGNORECASE
)


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
    wanted = _check_kinds(kinds)
    if not text or not (any(c.isdigit() for c in text) or "@" in text):
        return []
    spans: list[PiiSpan] = []
    taken = _Intervals()

    def add(kind: PiiKind, m: re.Match[str]) -> None:
        spans.append(PiiSpan(kind, m.start(), m.end(), m.group()))
        taken.append(m.span())

    if "@" in text:
        for m in _EMAIL.finditer(text):
            if "email" in wanted:
                add("email", m)
            else:
                taken.append(m.span())
    for m in _PHONE.finditer(text):
        if taken.free(*m.span()):
            if "phone" in wanted:
                add("phone", m)
            else:
                taken.append(m.span())
    if "id" in wanted or "account" in wanted:
        for m in _DIGIT_RUN.finditer(text):
            if not taken.free(*m.span()) or _CURRENCY_AFTER.match(text, m.end()):
                continue
            digits = m.group().replace(" ", "")
            kind: PiiKind = "id" if len(digits) in (9, 12) and " " not in m.group() else "account"
            if kind in wanted:
                add(kind, m)
    spans.sort(key=lambda s: s.start)
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
    spans = find_pii(text, kinds=kinds, max_chars=max_chars)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for span in spans:
        parts.append(text[last : span.start])
        parts.append(span.token)
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


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


def _check_kinds(kinds: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    wanted = frozenset(kinds)
    unknown = wanted - set(PII_KINDS)
    if unknown or not wanted:
        raise TextInputError(
            f"kinds={sorted(kinds)!r} is not accepted; choose one or more of {list(PII_KINDS)}"
        )
    return wanted
