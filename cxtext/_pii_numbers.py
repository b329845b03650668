"""The number side of PII masking: phones, ID and account numbers, written or spoken.

One linear pass: every digit run (``0912``) and every Vietnamese digit word (``không``,
``chín``, ``mốt``, ``lăm``, ``tư``…, with or without diacritics) is a token; tokens that follow
each other with only a short separator between them (a space, ``.``, ``-``, ``. ``, ``) (``…)
form a chain; inside a chain, windows of consecutive tokens holding at most 19 digits are
classified by their digits, the longest window of the most specific kind winning (phone, then
ID, then account). No regex backtracks over more than one token, so time grows linearly with
the text. The policy (what is masked and what is kept) is in :mod:`cxtext.pii`.

Speed on number-heavy text: the chains are matched whole by one regex (in C); a chain longer
than 256 characters is scanned step by step, each step keyed by the text around it, so that
a chain of thousands of tokens that repeats itself (``'09.'*33333``) costs a dict lookup per
number found, and single digits that cannot start a number are skipped by a regex. A long
chain that does not repeat is read token by token (plain digit runs apart by single spaces
split in C), and the windows starting at a token are classified from the longest down, so
that a number found costs about one classification.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["find_numbers"]

_MAX_DIGITS = 19  # longest account or card number
_DIGIT_WORDS = {
    "không": "0", "khong": "0", "linh": "0", "lẻ": "0", "le": "0",
    "một": "1", "mot": "1", "mốt": "1",
    "hai": "2",
    "ba": "3",
    "bốn": "4", "bon": "4", "tư": "4", "tu": "4",
    "năm": "5", "nam": "5", "lăm": "5", "lam": "5", "nhăm": "5", "nham": "5",
    "sáu": "6", "sau": "6",
    "bảy": "7", "bẩy": "7", "bay": "7",
    "tám": "8", "tam": "8",
    "chín": "9", "chin": "9",
}  # fmt: skip
_TENS = {"mười", "mươi", "muoi"}
_HUNDREDS = {"trăm", "tram"}
_WORDS = sorted([*_DIGIT_WORDS, *_TENS, *_HUNDREDS], key=len, reverse=True)
_LETTER = r"[^\W\d_]"
# a digit run, possibly with x or * standing for hidden digits (09x2 345 678); or a digit word
_HIDDEN = r"\d+(?:[xX*]+\d+)*(?:[xX*]+(?!" + _LETTER + r"))?|(?<=\d[ .\-])[xX*]+\d[\dxX*]*"
_TOKEN = re.compile(
    _HIDDEN + r"|(?<!" + _LETTER + r")(?:" + "|".join(_WORDS) + r")(?!" + _LETTER + ")",
    re.IGNORECASE,
)
_JOIN_CHARS = frozenset(" .-()")
# the cheap gate of the written scan: 7 or more characters of digits and separators between
# two digits (every phone, ID, account and passport number has them; most texts have none)
_WRITTEN_CANDIDATE = re.compile(r"\d[\d .\-()xX*]{5,}\d")
_CURRENCY_AFTER = re.compile(
    r"\s?(?:đ|đồng|dong|vnd|vnđ|usd|\$|k|tr|triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|tỉ|ty)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
# words before a number that make it an order, shipment or transaction code, not a person's
_ORDER_CUES = (
    "mã đơn", "ma don", "đơn hàng", "don hang", "vận đơn", "van don", "mã gd", "ma gd",
    "giao dịch", "giao dich", "order", "tracking", "mã tra cứu", "ma tra cuu", "hóa đơn",
    "hoa don", "mvđ", "mã vđ", "booking", "mã đặt", "ma dat", "mã kiện", "ma kien",
)  # fmt: skip
_ORDER_CUE = re.compile("|".join(re.escape(c) for c in _ORDER_CUES))
# words before an 8- or 9-digit number that make it a bank account
_ACCOUNT_CUES = (
    "stk", "tk", "tài khoản", "tai khoan", "account", "acc", "a/c", "số thẻ", "so the",
)  # fmt: skip
_ACCOUNT_CUE = re.compile("|".join(re.escape(c) for c in _ACCOUNT_CUES))  # the gate of _has_cue
_CUE_WINDOW = 30
_HOTLINE_PREFIXES = ("1800", "1900")


class _Tok(NamedTuple):
    start: int
    end: int
    raw: str  # lower-cased text of the token
    word: bool


def find_numbers(text: str) -> Iterator[tuple[str, int, int]]:
    """``(kind, start, end)`` of each phone, ID or account number in ``text``, in order."""
    if has_spoken_digits(text):
        pattern, chains, written = _TOKEN, _CHAINS_SPOKEN, False
    elif _WRITTEN_CANDIDATE.search(text) is not None:
        pattern, chains, written = _DIGITS_ONLY, _CHAINS_WRITTEN, True
    else:
        return
    memo: dict[tuple[str, int, int, int], _Step] = {}
    for c in chains.finditer(text):  # the chains are found in C; most are short and skipped
        cs, ce = c.span()
        if ce - cs < 7:  # under 7 characters: fewer than 8 digits and no passport
            continue
        if ce - cs > _LONG_CHAIN:
            yield from _scan_long_chain(text, pattern, cs, ce, written, memo)
            continue
        chain: list[_Tok] = []
        for m in pattern.finditer(text, cs):
            if m.start() >= ce:
                break
            raw = m.group()
            chain.append(_Tok(m.start(), m.end(), raw.lower(), raw[0] not in "0123456789xX*"))
        yield from _scan_chain(text, chain)


_DIGITS_ONLY = re.compile(_HIDDEN)
_PLAIN_RUNS = re.compile(r"\d+(?: \d+)*")  # a chain whose tokens are str.split's


def _written_gaps() -> str:
    """A pattern for every gap that joins two digit runs (see :func:`_joins`): one character,
    then the valid pairs and triples (shortest first: most gaps are one space)."""
    gaps = [
        "".join(g)
        for n in (2, 3)
        for g in itertools.product(" .-()", repeat=n)
        if g.count(".") + g.count("-") <= 1 and g.count("(") <= 1 and g.count(")") <= 1
    ]
    return r"(?:[ .\-()]|" + "|".join(re.escape(g) for g in gaps) + ")"


_DIGIT_GAP = _written_gaps()
_WORD_GAP = "(?:  | ,|, | |,)"  # beside a spoken digit: 1 or 2 of space and one comma at most
_D = "(?>" + _HIDDEN + ")"


def _words_by_letter() -> str:
    """The digit words as one alternative per first letter (``b(?:ốn|on|ảy|…)``): the engine
    tries a handful of branches per position instead of all of them. Which word matches does
    not depend on the order: each must end before a non-letter, and none is a prefix of
    another followed by a non-letter."""
    first = sorted({w[0] for w in _WORDS})
    return "|".join(c + "(?:" + "|".join(w[1:] for w in _WORDS if w[0] == c) + ")" for c in first)


_W = "(?>(?<!" + _LETTER + ")(?:" + _words_by_letter() + ")(?!" + _LETTER + "))"
# a whole chain as one match: the same tokens and the same joins as the loop in _scan_chain's
# callers used to find one token at a time (a token that ends in a digit, x or * is a digit
# run; every digit word ends in another letter)
_CHAINS_WRITTEN = re.compile(_D + "(?:" + _DIGIT_GAP + _D + ")*")
_CHAINS_SPOKEN = re.compile(
    f"(?:{_W}|{_D})(?:(?<![\\dxX*]){_WORD_GAP}(?:{_W}|{_D})"
    f"|(?<=[\\dxX*])(?:{_WORD_GAP}{_W}|{_DIGIT_GAP}{_D}))*",
    re.IGNORECASE,
)
# in a written chain, the tokens that can start a number: a single digit other than 0 and 8
# cannot (a window of single digits must lead with 0 or 84, see _best)
_WRITTEN_START = re.compile(r"(?<![\dxX*])(?:[08]|[\dxX*]{2})")
_LONG_CHAIN = 256  # chains longer than this (in characters) are scanned lazily, see below


_WORD_SET = frozenset(
    c + p for w in _WORDS for c in (w, w.capitalize(), w.upper()) for p in ("", ",", ".")
)
_MIN_SPOKEN_RUN = b"\x01" * 6  # the fewest number words in a row worth a closer look


def has_spoken_digits(text: str) -> bool:
    """Whether ``text`` holds a run of 6 or more number words (the cheap gate of the word scan:
    the words are looked up in a set and the run found in a bytes string, all in C)."""
    if len(text) < 17:
        return False
    flags = bytes(map(_WORD_SET.__contains__, text.split()))
    return _MIN_SPOKEN_RUN in flags


def _joins(text: str, a: _Tok, b: _Tok) -> bool:
    gap = text[a.end : b.start]
    if a.word or b.word:  # spoken digits: words, or words and digits, apart by a space or ", "
        return 0 < len(gap) <= 2 and gap.strip(" ,") == "" and gap.count(",") <= 1
    if len(gap) > 3 or not set(gap) <= _JOIN_CHARS:
        return False
    return gap.count(".") + gap.count("-") <= 1 and gap.count("(") <= 1 and gap.count(")") <= 1


def _digits(chain: list[_Tok]) -> list[str]:
    """The digits each token stands for (``mươi``, ``mười`` and ``trăm`` read in context)."""
    out: list[str] = []
    n = len(chain)
    # the next word in the same group (a comma ends a group: "bốn mươi, một trăm")
    nxt_of = [
        chain[k + 1].raw
        if k + 1 < n and chain[k + 1].word and chain[k].end == chain[k + 1].start - 1
        else None
        for k in range(n)
    ]
    for k, tok in enumerate(chain):
        if not tok.word:
            out.append(tok.raw)
            continue
        nxt = nxt_of[k]
        nxt_is_digit = nxt in _DIGIT_WORDS
        if tok.raw in _TENS:
            prev_digit = k > 0 and chain[k - 1].raw in _DIGIT_WORDS
            if tok.raw == "mười" or (tok.raw == "muoi" and not prev_digit):
                out.append("1" if nxt_is_digit else "10")  # mười hai = 12, mười = 10
            else:
                out.append("" if nxt_is_digit else "0")  # bốn mươi lăm = 45, bốn mươi = 40
        elif tok.raw in _HUNDREDS:
            after = nxt_of[k + 1] if nxt is not None else None
            if nxt in ("linh", "lẻ", "le", "mười") or (nxt_is_digit and after in _TENS):
                out.append("")  # trăm linh năm = 05, trăm mười = 1x, trăm bốn mươi = 4x
            else:
                out.append("00")
        else:
            out.append(_DIGIT_WORDS[tok.raw])
    return out


def _scan_chain(text: str, chain: list[_Tok]) -> Iterator[tuple[str, int, int]]:
    if len(chain) == 1:
        start, end, raw, word = chain[0]
        if word or end - start < 7:
            return
        if end - start == 7 and _is_passport(text, start, end):
            yield "id", start - 1, end
            return
    digits = _digits(chain)
    if sum(len(d) for d in digits) < 8:
        return
    thousands = _thousands_end(text, chain)
    sizes = [len(t.raw) for t in chain]
    gaps = [text[chain[k].end : chain[k + 1].start] for k in range(len(chain) - 1)]
    i, n = 0, len(chain)
    while i < n:
        best = _best(text, chain, digits, sizes, gaps, i, thousands)
        if best is None:
            i += 1
            continue
        prio, j = best
        start, end = _span(text, chain[i].start, chain[j].end)
        yield _KINDS[prio], start, end
        i = j + 1


def _best(
    text: str,
    chain: list[_Tok],
    digits: list[str],
    sizes: list[int],
    gaps: list[str],
    i: int,
    thousands: int,
) -> tuple[int, int] | None:
    """``(priority, j)`` of the best window ``chain[i..j]`` that starts at token ``i``, or None:
    the longest window of the most specific kind."""
    total = ""
    # how the tokens of the window are grouped, kept up to date as it grows
    spoken = False
    min_size = max_size = 0
    first_gap = ""
    same_gaps = True
    by_thousands = sizes[i] <= 3 and chain[i].raw[0] != "0"  # 1.000.000
    years = True  # 2019 2020 2021
    ctx: list[bool] = []  # what _classify reads before chain[i], the same for every j
    windows: list[tuple[int, str, bool, bool, bool, bool, bool, bool]] = []
    for j in range(i, len(chain)):
        total += digits[j]
        if len(total) > _MAX_DIGITS:  # no window of more digits is a number (0084 + 10 is 14)
            break
        tok = chain[j]
        size = sizes[j]
        if tok.word:
            spoken = True
        if j == i:
            min_size = max_size = size
        else:
            if size < min_size:
                min_size = size
            elif size > max_size:
                max_size = size
            if size != 3:
                by_thousands = False
            if j == i + 1:
                first_gap = gaps[i]
            elif gaps[j - 1] != first_gap:
                same_gaps = False
        if years and (size != 4 or tok.raw[:2] not in ("19", "20")):
            years = False
        if j > i and min_size < 2 and not spoken and total[0] not in "08":
            break  # single digits apart: only a phone or a grouped CCCD (both lead 0 or 84)
        if len(total) < 8:
            continue
        grouped = j > i and not spoken
        n = len(total)
        if total[0] == "0":  # as _classify reads it
            maybe_phone = n == 10 or n == 11 or total.startswith("0084")
        else:
            maybe_phone = total.startswith("84")
        flat = grouped and (by_thousands or years or max_size > 6)
        loose = not grouped or (same_gaps and min_size >= 2)
        phone_or_id = (
            maybe_phone
            or (n == 12 and (not grouped or total[0] == "0"))
            or (n == 9 and not grouped)
        )
        if (flat and not maybe_phone) or (spoken and not phone_or_id):
            continue  # _classify says 0: spoken digits are a phone or an ID or nothing
        windows.append((j, total, grouped, spoken, flat, loose, j <= thousands, phone_or_id))
    # the longest window wins, except that an account (the loose catch-all) never beats a
    # phone or an ID ("0912 345 678 2024" is a phone and a year): the longest phone or ID if
    # there is one, else the longest account; windows are read from the longest
    prios: dict[int, int] = {}
    for window in reversed(windows):
        if window[7]:
            prio = prios[window[0]] = _classify(text, chain, i, *window[:7], ctx)
            if prio > 1:
                return prio, window[0]
    for window in reversed(windows):
        j = window[0]
        prio = prios[j] if j in prios else _classify(text, chain, i, *window[:7], ctx)
        if prio:
            return prio, j
    return None


# One step of the scan of a long chain, relative to the token it starts at: the kind and span
# of the number found there (kind None: none), and where the next token to try starts (None:
# the chain ends).
_Step = tuple[str | None, int, int, int | None]
_BEFORE = _CUE_WINDOW  # what a step reads before its first token...
_AFTER = 420  # ...and after it: 23 digits of spoken words, their gaps, the words after
_MAX_MISSES = 32  # steps computed before a chain that does not repeat is read token by token


def _scan_long_chain(
    text: str,
    pattern: re.Pattern[str],
    cs: int,
    ce: int,
    written: bool,
    memo: dict[tuple[str, int, int, int], _Step],
) -> Iterator[tuple[str, int, int]]:
    """The numbers in the chain ``text[cs:ce]``, as :func:`_scan_chain` finds them, without
    reading its tokens one by one: each step depends only on the text from ``_BEFORE``
    characters before its first token to ``_AFTER`` characters after it, on where the chain
    ends and on how far a number grouped by thousands runs (all in the key of ``memo``), so a
    step seen before is not computed again; in a written chain, single digits that cannot start
    a number are skipped by a regex. Adversarial inputs (``'09.'*33333``) repeat a few steps."""
    thousands_end = _thousands_pos(text, pattern, cs, ce)
    pos: int | None = cs
    steps = misses = 0
    while pos is not None:
        if written:
            m = _WRITTEN_START.search(text, pos, ce)
            if m is None:
                return
            pos = m.start()
        lo = max(0, pos - _BEFORE)
        reach = thousands_end - pos
        key = (
            text[lo : pos + _AFTER],
            pos - lo,
            min(ce - pos, _AFTER + 1),
            -1 if reach < 0 else min(reach, _AFTER + 1),
        )
        step = memo.get(key)
        if step is None:
            misses += 1
            if misses > _MAX_MISSES and misses * 2 > steps:  # the chain does not repeat
                yield from _scan_rest(text, pattern, cs, ce, pos, thousands_end)
                return
            step = memo[key] = _step(text, pattern, cs, ce, pos, thousands_end)
        steps += 1
        kind, a, b, nxt = step
        if kind is not None:
            yield kind, pos + a, pos + b
        pos = None if nxt is None else pos + nxt


def _step(
    text: str, pattern: re.Pattern[str], cs: int, ce: int, pos: int, thousands_end: int
) -> _Step:
    """One step of :func:`_scan_chain` at the token that starts at ``pos`` (see
    :func:`_scan_long_chain`)."""
    chain, i, thousands = _chain_from(text, pattern, cs, ce, pos, thousands_end, _AFTER)
    digits = _digits(chain)
    sizes = [len(t.raw) for t in chain]
    gaps = [text[chain[k].end : chain[k + 1].start] for k in range(len(chain) - 1)]
    best = _best(text, chain, digits, sizes, gaps, i, thousands)
    if best is None:
        return None, 0, 0, chain[i + 1].start - pos if i + 1 < len(chain) else None
    prio, j = best
    start, end = _span(text, chain[i].start, chain[j].end)
    nxt = chain[j + 1].start - pos if j + 1 < len(chain) else None
    return _KINDS[prio], start - pos, end - pos, nxt


def _scan_rest(
    text: str, pattern: re.Pattern[str], cs: int, ce: int, pos: int, thousands_end: int
) -> Iterator[tuple[str, int, int]]:
    """The rest of a long chain from the token at ``pos``, token by token, as
    :func:`_scan_chain` reads it (for a chain whose steps do not repeat)."""
    chain, i, thousands = _chain_from(text, pattern, cs, ce, pos, thousands_end, ce - pos)
    digits = _digits(chain)
    sizes = [len(t.raw) for t in chain]
    gaps = [text[chain[k].end : chain[k + 1].start] for k in range(len(chain) - 1)]
    n = len(chain)
    written = pattern is _DIGITS_ONLY
    while i < n:
        if written and sizes[i] == 1 and digits[i] not in "08":
            i += 1  # a single digit that cannot start a number (see _WRITTEN_START)
            continue
        best = _best(text, chain, digits, sizes, gaps, i, thousands)
        if best is None:
            i += 1
            continue
        prio, j = best
        start, end = _span(text, chain[i].start, chain[j].end)
        yield _KINDS[prio], start, end
        i = j + 1


def _chain_from(
    text: str,
    pattern: re.Pattern[str],
    cs: int,
    ce: int,
    pos: int,
    thousands_end: int,
    ahead: int,
) -> tuple[list[_Tok], int, int]:
    """The tokens of the chain ``text[cs:ce]`` from the one at ``pos`` to ``ahead`` characters
    after it, led by the token before (a spoken "mươi" reads it); the index of the token at
    ``pos``; the index of the last token of a number grouped by thousands, or -1."""
    chain: list[_Tok] = []
    if pos > cs:
        gap = text[max(cs, pos - 3) : pos]
        k = q = pos - len(gap) + len(gap.rstrip(" ,.-()"))
        while k > cs and text[k - 1].isalpha():
            k -= 1
        if k == q:
            k = q - 1  # a digit run: what it holds does not matter, only that it is no word
        raw = text[k:q].lower()
        chain.append(_Tok(k, q, raw, raw[0] not in "0123456789xX*"))
    i = len(chain)
    stop = min(ce, pos + ahead + 1)  # tokens that start before this
    new, append = tuple.__new__, chain.append  # a _Tok without its Python-level constructor
    if stop == ce and pattern is _DIGITS_ONLY and _PLAIN_RUNS.fullmatch(text, pos, ce):
        # the rest of the chain is digit runs apart by single spaces: split in C
        raws = text[pos:ce].split(" ")
        sizes = list(map(len, raws))
        starts = list(itertools.accumulate(map((1).__add__, sizes), initial=pos))
        ends = map(operator.add, starts, sizes)
        chain += map(new, itertools.repeat(_Tok), zip(starts, ends, raws, itertools.repeat(False)))
        return chain, i, _last_within(chain, i, thousands_end)
    for m in pattern.finditer(text, pos):
        a = m.start()
        if a >= stop:
            break
        raw = m.group()
        append(new(_Tok, (a, m.end(), raw.lower(), raw[0] not in "0123456789xX*")))
    return chain, i, _last_within(chain, i, thousands_end)


def _last_within(chain: list[_Tok], i: int, end: int) -> int:
    """The index of the last token from ``chain[i]`` on that ends by ``end``, or -1."""
    last = -1
    for k in range(i, len(chain)):
        if chain[k].end > end:
            break
        last = k
    return last


def _thousands_pos(text: str, pattern: re.Pattern[str], cs: int, ce: int) -> int:
    """Where the number grouped by thousands at the start of the chain ``text[cs:ce]`` ends
    (as :func:`_thousands_end` reads it), or -1."""
    first = pattern.match(text, cs)
    if first is None:
        return -1
    raw = first.group()
    if raw[0] not in "123456789xX*" or len(raw) > 3:  # a word, a long run or a leading 0
        return -1
    second = pattern.search(text, first.end(), ce)
    if second is None:
        return -1
    gap = text[first.end() : second.start()]
    run = re.compile("(?:" + re.escape(gap) + r"\d{3}(?!\d|[xX*]+(?!" + _LETTER + ")))*").match(
        text, first.end(), ce
    )
    return run.end() if run is not None and run.end() > first.end() else -1


_KINDS = {3: "phone", 2: "id", 1: "account"}


def _span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen to a leading ``+``, ``(+`` or ``(`` and the ``)`` that closes it."""
    if start and text[start - 1] == "+":
        start -= 1
    if start and text[start - 1] == "(":
        start -= 1
    piece = text[start:end]
    if piece.count("(") > piece.count(")") and text[end : end + 1] == ")":
        end += 1
    return start, end


def _thousands_end(text: str, chain: list[_Tok]) -> int:
    """Index of the last token of a number grouped by thousands from the chain's start
    (``1.000.000.000``, ``2 000 000``), or -1."""
    first = chain[0]
    if first.word or len(first.raw) > 3 or first.raw[0] == "0" or len(chain) < 2:
        return -1
    gap = text[first.end : chain[1].start]
    k = 0
    while (
        k + 1 < len(chain)
        and len(chain[k + 1].raw) == 3
        and chain[k + 1].raw.isdigit()
        and text[chain[k].end : chain[k + 1].start] == gap
    ):
        k += 1
    return k if k >= 1 else -1


def _classify(
    text: str,
    chain: list[_Tok],
    i: int,
    j: int,
    digits: str,
    grouped: bool,
    spoken: bool,
    flat: bool,
    loose: bool,
    thousands: bool,
    ctx: list[bool],
) -> int:
    """3 phone, 2 ID, 1 account, 0 none, for the tokens ``chain[i..j]`` reading ``digits``.

    How the window is grouped: ``grouped`` (written digits in 2 or more groups), ``spoken``
    (a digit word in it), ``flat`` (grouped as thousands, years, or with a group over 6 digits:
    no ID nor account), ``loose`` (one group, or groups of 2 or more digits apart by the same
    separator: an account may be); ``thousands``: the window lies in a number grouped by
    thousands; ``ctx``: an empty list the first time for a given ``i``, filled with what is
    read before the window."""
    n = len(digits)
    fs, le = chain[i].start, chain[j].end
    before = text[fs - 1] if fs else ""
    if digits[0] == "0":  # a phone has 10 or 11 digits after a 0, or leads 0084
        maybe_phone = n == 10 or n == 11 or digits.startswith("0084")
    else:
        maybe_phone = digits[:2] == "84"
    if maybe_phone:
        plus = before == "+" or (before == "(" and text[fs - 2 : fs] == "(+")
        if _is_phone(digits, plus or before == "(") and (
            digits[0] == "0" or plus or _CURRENCY_AFTER.match(text, le) is None
        ):
            return 3
    # what the digits and their grouping allow, before any look at the context
    if flat:
        return 0  # 1.000.000.000, 192.168.100.100, 2019 2020 2021, "0912345678 12"
    if (n == 12 and (not grouped or digits[0] == "0")) or (n == 9 and not grouped):
        kind = 2  # CCCD (province codes start with 0 when grouped) or CMND
    elif spoken or n > _MAX_DIGITS:
        return 0
    elif n <= 9:
        kind = -1  # an account only after an account word
    elif digits.startswith(_HOTLINE_PREFIXES) and n == 10 or n == 14 and _is_timestamp(digits):
        return 0
    elif loose:
        kind = 1
    else:
        return 0
    # the context
    if thousands or "x" in digits or "*" in digits:
        return 0
    after = text[le] if le < len(text) else ""
    if (before and before in "/,") or (after and after in "/:"):
        return 0
    if after == "," and text[le + 1 : le + 2].isdigit():
        return 0  # a decimal: 123456789,5
    currency = _CURRENCY_AFTER.match(text, le) is not None
    if (currency and digits[0] != "0") or before.isalpha() or (after.isalpha() and not currency):
        return 0  # a price, or a code glued to letters (SP123456789)
    if not ctx:  # the cue words before the window: read once per start
        window = text[max(0, fs - _CUE_WINDOW) : fs].lower()
        ctx.append(_ORDER_CUE.search(window) is not None)
        ctx.append(_ACCOUNT_CUE.search(window) is not None and _has_cue(window, _ACCOUNT_CUES))
    if ctx[0]:
        return 0
    if kind == -1:
        return 1 if ctx[1] else 0
    return kind


def _has_cue(window: str, cues: tuple[str, ...]) -> bool:
    for cue in cues:
        k = window.rfind(cue)
        if k >= 0 and (k == 0 or not window[k - 1].isalpha()):
            end = k + len(cue)
            if end == len(window) or not window[end].isalpha():
                return True
    return False


def _is_phone(d: str, cc_hint: bool) -> bool:
    if "x" in d[:2] or "*" in d[:2]:
        return False
    if d.startswith("0084"):
        rest = d[4:]
    elif d.startswith("84") and (cc_hint or len(d) in (11, 12)):
        rest = d[2:]
    else:
        n = len(d)
        if d[0] != "0":
            return False
        return (
            (n == 10 and d[1] in "35789")
            or (n == 11 and d[1] == "1" and d[2] in "2689")
            or (n == 11 and d[1] == "2")
        )
    if rest.startswith("0"):
        rest = rest[1:]
    return (len(rest) == 9 and rest[0] in "35789") or (len(rest) == 10 and rest[0] == "2")


def _is_timestamp(d: str) -> bool:
    """``YYYYMMDDhhmmss`` with a plausible year and valid fields."""
    if not d.isdigit():
        return False  # hidden digits (2026101220300*)
    y, mo, day, h, mi, s = (int(d[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14)))  # fmt: skip
    return 1990 <= y <= 2099 and 1 <= mo <= 12 and 1 <= day <= 31 and h < 24 and mi < 60 and s < 60


def _is_passport(text: str, start: int, end: int) -> bool:
    """One capital letter and 7 digits standing alone: ``B1234567``."""
    if start == 0 or not ("A" <= text[start - 1] <= "Z"):
        return False
    if start >= 2 and (text[start - 2].isalnum() or text[start - 2] == "_"):
        return False
    return end == len(text) or not (text[end].isalnum() or text[end] == "_")
