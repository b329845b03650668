"""Vietnamese letters, tone marks and the one tone-placement convention cxkit uses.

Convention: the **traditional ("old") placement** that most Vietnamese news sites, dictionaries
and the Unikey default use — in an open syllable ending in ``oa``, ``oe`` or ``uy`` the tone sits
on the first vowel (``hòa``, ``khỏe``, ``thủy``), whereas with a final consonant it sits on the
second (``hoàn``, ``hoạch``, ``toán``). The "new" placement (``hoà``,
``khoẻ``, ``thuỷ``) is converted to it. Other rules are common to both styles: a vowel with a
quality mark (ă â ê ô ơ ư) takes the tone (``ơ`` in ``ươ``); the ``i``/``u`` of the initials
``gi``/``qu`` never does; a three-vowel nucleus takes it in the middle (``ngoài``, ``khuỷu``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fix_tone", "strip_diacritics_table", "BASE_OF"]

_TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
_PLAIN_VOWELS = "aăâeêioôơuưy"
_QUALITY = frozenset("ăâêôơư")
_VOWELS = frozenset(_PLAIN_VOWELS)

# toned character -> (plain vowel, tone index 1..5); (plain vowel, tone) -> toned character
_SPLIT: dict[str, tuple[str, int]] = {}
_JOIN: dict[tuple[str, int], str] = {}
for _v in _PLAIN_VOWELS + _PLAIN_VOWELS.upper():
    _JOIN[(_v, 0)] = _v
    for _t, _mark in enumerate(_TONE_MARKS, start=1):
        _c = unicodedata.normalize("NFC", _v + _mark)
        _SPLIT[_c] = (_v, _t)
        _JOIN[(_v, _t)] = _c


def _ascii_base(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", ch)
    return decomposed[0]


#: every Vietnamese letter (toned or not, both cases) -> its ASCII base letter
BASE_OF: dict[str, str] = {}
for _c in list(_SPLIT) + list(_PLAIN_VOWELS + _PLAIN_VOWELS.upper()) + ["đ", "Đ"]:
    BASE_OF[_c] = _ascii_base(_c)


def strip_diacritics_table() -> dict[int, str]:
    """``str.translate`` table that maps every Vietnamese letter to its ASCII base (đ → d)."""
    return {ord(k): v for k, v in BASE_OF.items() if k != v}


def _tone_position(plain: str) -> int | None:
    """Index that should carry the tone in a lower-case, toneless syllable; None if not Vietnamese."""
    n = len(plain)
    if n > 2 and plain[2] in _VOWELS and plain[:2] in ("qu", "gi"):
        start = 2
    else:
        start = next((i for i, c in enumerate(plain) if c in _VOWELS), -1)
        if start < 0:
            return None
    end = start
    while end < n and plain[end] in _VOWELS:
        end += 1
    if any(c in _VOWELS for c in plain[end:]) or not plain[:start].isalpha():
        return None
    cluster = plain[start:end]
    if len(cluster) > 3:
        return None
    quality = [i for i, c in enumerate(cluster) if c in _QUALITY]
    if quality:
        return start + quality[-1]
    if len(cluster) == 1:
        return start
    if end < n:  # closed syllable: tone on the last vowel (hoàn, thuyết is quality-marked)
        return start + len(cluster) - 1
    if len(cluster) == 3:  # ngoài, khuỷu
        return start + 1
    return start  # open two-vowel nucleus, traditional placement: hòa, khỏe, thủy, mái, lúa


@lru_cache(maxsize=1 << 16)
def fix_tone(word: str) -> str:
    """Move the tone mark of one NFC word to the cxkit convention (and mend ``uơ`` typed for
    ``ươ`` when more letters follow); words that are not Vietnamese syllables come back as is."""
    tone = 0
    plain_chars = list(word)
    for i, ch in enumerate(word):
        split = _SPLIT.get(ch)
        if split is not None:
            if tone:  # two tone marks: not a word we can place; leave it
                return word
            plain_chars[i], tone = split
    if not tone:
        return word
    plain = "".join(plain_chars)
    lower = plain.lower()
    k = lower.find("uơ")
    if k > 0 and lower[k - 1] != "q" and k + 2 < len(lower):
        # "đuợc", "nguời", "truớc": the common typo of ươ when more letters follow
        # (no Vietnamese syllable has u + ơ + anything; "thuở", "huơ" end there and stay)
        plain_chars[k] = "ư" if plain_chars[k] == "u" else "Ư"
        lower = lower[:k] + "ư" + lower[k + 1 :]
    pos = _tone_position(lower)
    if pos is None:
        return word
    plain_chars[pos] = _JOIN[(plain_chars[pos], tone)]
    return "".join(plain_chars)
