"""Vietnamese text normalization: NFC, one tone-mark convention, social-text clean-up.

``normalize(text)`` is the entry point; :class:`Normalizer` holds the lexicons (teencode and
emoji, TSV files in ``cxtext/data/``) when you want your own. Two levels:

``social=False`` (for stored and displayed text)
    NFC; the traditional tone placement (``hòa``, ``khỏe``, ``thủy``; see ``_tone``); odd
    spaces, zero-width characters and typographic quotes cleaned; runs of whitespace collapsed;
    no space before ``, . ! ? ; :`` and one after ``, ! ? ;``. Case is kept.

``social=True`` (the default; the input of models, dedupe and search)
    all of the above, then URLs, e-mail addresses and @mentions become ``tok_url``,
    ``tok_email`` and ``tok_mention``; emoji and emoticons become ``emo_*`` tokens
    (``😡`` → ``emo_angry``, ``:)`` → ``emo_smile``; a run of the same one is kept once);
    punctuation is split off as tokens and runs of it collapsed (``!!!`` → ``!``, ``.....`` →
    ``…``) while numbers such as ``1.200.000đ``, ``20:30`` and ``3,5`` stay whole; letters repeated for emphasis are squeezed
    (``quáaaaa`` → ``quá``, ``đẹppppp`` → ``đẹp``); laughter (``kkkk``, ``hahaha``) becomes
    ``emo_laugh``; teencode and abbreviations are expanded from the lexicon (``ko`` → ``không``,
    ``đc``/``dc`` → ``được``); text is lower-cased unless ``lowercase=False``. Text typed
    without diacritics goes through the same steps, and every lexicon key also matches with its
    diacritics stripped. The result is tokens separated by single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ._input import DEFAULT_MAX_CHARS, check_text
from ._lexicon import DATA_DIR, read_tsv
from ._tone import fix_tone, strip_diacritics_table

__all__ = ["DEFAULT_MAX_CHARS", "Normalizer", "check_text", "normalize", "strip_diacritics"]

_STRIP_TABLE = strip_diacritics_table()

# characters that are cleaned before anything else: odd spaces, invisible marks, quotes, dashes
_ODD_MAP = {
    "\u00a0": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
    "\u202f": " ", "\u3000": " ", "\t": " ", "\r": " ", "\u200b": "", "\u200c": "",
    "\u200d": "", "\u200e": "", "\u200f": "", "\ufeff": "", "\ufe0f": "", "\ufe0e": "",
    "\u00ad": "", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
    "\u2013": "-", "\u2014": "-", "\u2026": "...",
}  # fmt: skip
_ODD = re.compile("[" + "".join(_ODD_MAP) + "\U0001f3fb-\U0001f3ff]")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;!?]|\.(?=\s|$))")
_SPACE_AFTER_PUNCT = re.compile(r"([,!?;])(?=[^\W\d_])")
_WORD = re.compile(r"[^\W\d_]+")

_TLDS = "com|vn|net|org|info|io|me|ly|gl|co|app|asia"
_TLD = re.compile(rf"\.(?:{_TLDS})\b", re.IGNORECASE)
_SCHEME_URL = re.compile(r"(?:https?://|www\.)\S*[^\s.,!?;:)\]\"']", re.IGNORECASE)
# bare domains (viettel.vn/abc): found from their top-level domain, extended leftwards by hand
# (a regex that starts at every word is 5x slower on ordinary text)
_DOMAIN_TAIL = re.compile(
    rf"\.(?:{_TLDS})(?:\.[a-z]{{2}})?(?![\w-])(?:/\S*[^\s.,!?;:)\]\"'])?", re.IGNORECASE
)
_MAX_DOMAIN = 253
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
# starts only where a run of address characters starts, and the run is taken whole
# (possessive): each character is read once, however the match ends
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_PICTOGRAPH = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u2763\u263a\u2639\u2705\u274c]"
)
_PUNCT_RUN = re.compile(r"""([!?;()\[\]{}"<>*~|#^=+])\1*""")
_ELLIPSIS = re.compile(r"\.{2,}")
# a run of . , : is split off unless it sits between digits (1.200.000, 20:30, 3,5); the
# pattern starts with the character class so the engine can skip to candidates
_DOT_RUN = re.compile(r"([.,:])\1*(?:(?<=\D[.,:])|(?<=^[.,:])|(?!\d))")
_LAUGH = re.compile(r"k{3,}|(?:h[aeiêô]){2,}h?|(?:kh|k[ae]){2,}k?|(?:ha|he|hi)h[aei]+|=+\)+")


def strip_diacritics(text: str) -> str:
    """``text`` with every Vietnamese letter reduced to its ASCII base (``đ`` → ``d``).

    NFC first, so decomposed input works too; other characters are kept.
    """
    text = check_text(text)
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_STRIP_TABLE)


class Normalizer:
    """Normalization with a given teencode and emoji lexicon (``normalize`` uses the default).

    Token results are cached (``cache_size`` distinct tokens), which is what makes batches fast.
    """

    def __init__(
        self,
        *,
        teencode: str | Path | None = None,
        emoji: str | Path | None = None,
        cache_size: int = 1 << 18,
    ) -> None:
        self.teencode_path = Path(teencode) if teencode else DATA_DIR / "teencode.tsv"
        self.emoji_path = Path(emoji) if emoji else DATA_DIR / "emoji.tsv"
        self.lexicon = _with_stripped(read_tsv(self.teencode_path, what="teencode"))
        symbols = read_tsv(self.emoji_path, what="emoji")
        self.emoji = {k: v for k, v in symbols.items() if not k.isascii()}
        self.emoticons = {k: v for k, v in symbols.items() if k.isascii()}
        self._emoticon_re = _emoticon_regex(self.emoticons)
        # raw token -> normalized token; a plain dict, cleared when full (lru_cache costs ~4x
        # more per hit, and hits are the hot path)
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def __call__(
        self,
        text: str,
        *,
        social: bool = True,
        lowercase: bool | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> str:
        text = _prepare(text, max_chars)
        lower = social if lowercase is None else lowercase
        if not social:
            return self._standard(text, lower)
        return " ".join(self._social_tokens(text, lower))

    def tokens(
        self, text: str, *, lowercase: bool = True, max_chars: int = DEFAULT_MAX_CHARS
    ) -> list[str]:
        """The tokens of ``normalize(text, social=True)`` as a list (saves a split)."""
        return self._social_tokens(_prepare(text, max_chars), lowercase)

    def _standard(self, text: str, lower: bool) -> str:
        text = _SPACES.sub(" ", text).strip()
        if lower:
            text = text.lower()
        if not text.isascii():
            text = _WORD.sub(_fix_tone_match, text)
        text = _SPACE_BEFORE_PUNCT.sub(_group1, text)
        return _SPACE_AFTER_PUNCT.sub(_group1_space, text)

    def pieces(self, text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
        """The lower-cased raw tokens of ``text`` before the per-token steps: map each through
        :meth:`token` to get :meth:`tokens` (without the collapsing of repeated emoji)."""
        return self._prepass(_prepare(text, max_chars), True).split()

    def token(self, raw: str) -> str:
        """The normalized form of one raw token (cached)."""
        tok = self._cache.get(raw)
        return self._token(raw) if tok is None else tok

    def _social_tokens(self, text: str, lower: bool) -> list[str]:
        raws = self._prepass(text, lower).split()
        # each distinct raw token looked up once, then all of them mapped in C (a 100 KB text
        # of one repeated token costs no Python step per token)
        cache = self._cache
        local: dict[str, str] = {}
        emoji = False
        for raw in set(raws):
            tok = cache.get(raw)
            if tok is None:
                tok = self._token(raw)
            local[raw] = tok
            emoji = emoji or tok.startswith("emo_")
        out = list(map(local.__getitem__, raws))
        if not emoji:
            return out
        kept: list[str] = []
        previous = ""
        for tok in out:
            if tok == previous and tok.startswith("emo_"):
                continue  # a run of one emoji counts once
            kept.append(tok)
            previous = tok
        return kept

    def _prepass(self, text: str, lower: bool) -> str:
        """The whole-text steps of the social level: URLs, mentions, emoji, case, punctuation."""
        if "@" in text:
            text = _EMAIL.sub(" tok_email ", text)
            text = _MENTION.sub(" tok_mention ", text)
        if "://" in text or "www." in text:
            text = _SCHEME_URL.sub(" tok_url ", text)
        if _TLD.search(text):
            text = _replace_domains(text)
        text = self._emoticon_re.sub(self._emoticon_repl, text)
        if not text.isascii():
            text = _PICTOGRAPH.sub(self._emoji_repl, text)
        if lower:
            text = text.lower()
        text = " ".join(_PUNCT_RUN.split(text))  # each run → " " + its character + " "
        if ".." in text:
            text = _ELLIPSIS.sub(" … ", text)
        if "." in text or "," in text or ":" in text:
            text = " ".join(_DOT_RUN.split(text))
        return text

    def _token(self, raw: str) -> str:
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        tok = self._cache[raw] = self._token_uncached(raw)
        return tok

    def _token_uncached(self, raw: str) -> str:
        lexicon = self.lexicon
        low = raw.lower()
        hit = lexicon.get(low)
        if hit is not None:
            return hit
        if not raw.isalpha():
            return fix_tone(raw) if not raw.isascii() else raw
        if _LAUGH.fullmatch(low):
            return "emo_laugh"
        squeezed = _squeeze(raw)
        if squeezed != raw:
            if _LAUGH.fullmatch(squeezed.lower()):
                return "emo_laugh"
            hit = lexicon.get(squeezed.lower())
            if hit is not None:
                return hit
        fixed = fix_tone(squeezed)
        if fixed != squeezed:
            hit = lexicon.get(fixed.lower())
            if hit is not None:
                return hit
        return fixed

    def _emoticon_repl(self, match: re.Match[str]) -> str:
        found = match.group()
        start = match.start()
        if found[0].isalnum() and start and match.string[start - 1].isalnum():
            return found  # the tail of a word (sexD), not an emoticon
        for candidate in (found, _shorten(found, 2), _shorten(found, 1)):
            token = self.emoticons.get(candidate)
            if token is not None:
                return f" {token} "
        return f" {found} "

    def _emoji_repl(self, match: re.Match[str]) -> str:
        return f" {self.emoji.get(match.group(), 'emo_other')} "


def _prepare(text: object, max_chars: int) -> str:
    """Validated, NFC text with odd spaces, invisible marks, quotes and dashes cleaned."""
    text = check_text(text, max_chars=max_chars)
    if text.isascii():
        return text
    return _ODD.sub(_odd_repl, unicodedata.normalize("NFC", text))


# replacement functions instead of r"\1" templates: Python 3.11 expands a template in Python
# for every match, several times slower (a 100 KB run of "a." took 4x as long)
def _group1(match: re.Match[str]) -> str:
    return match.group(1)


def _group1_space(match: re.Match[str]) -> str:
    return match.group(1) + " "


def _odd_repl(match: re.Match[str]) -> str:
    return _ODD_MAP.get(match.group(), "")


def _replace_domains(text: str) -> str:
    """``viettel.com.vn/abc`` → `` tok_url `` for each bare domain name in ``text``."""
    parts: list[str] = []
    last = 0
    seen, seen_run = -1, -1  # the last position extended from and where its run began
    for match in _DOMAIN_TAIL.finditer(text):
        start = match.start()
        # each character is read once: a run reaching the last scanned position goes on to
        # where that position's run began
        floor = max(last, seen)
        k = start
        while k > floor and text[k - 1] in _LABEL_CHARS:
            k -= 1
        if k == seen and seen > last:
            k = max(seen_run, last)
        seen, seen_run = start, k
        if match.start() - k > _MAX_DOMAIN:
            continue  # no domain name is that long
        start = k
        if start == match.start() or text[start] in ".-":
            continue
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # the tail of a longer, non-ASCII word
        parts += [text[last:start], " tok_url "]
        last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def _fix_tone_match(match: re.Match[str]) -> str:
    return fix_tone(match.group())


def _shorten(emoticon: str, keep: int) -> str:
    """``:)))`` → ``:))`` (keep=2) or ``:)`` (keep=1): trailing repeats cut to ``keep``."""
    last = emoticon[-1]
    stem = emoticon.rstrip(last)
    return stem + last * min(keep, len(emoticon) - len(stem))


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot


@lru_cache(maxsize=4096)
def _letter(ch: str) -> str:
    """The letter without its tone mark but with its vowel quality: ``á``→``a``, ``ử``→``ư``."""
    bare = "".join(c for c in unicodedata.normalize("NFD", ch) if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", bare).lower()


def _squeeze(word: str) -> str:
    """Squeeze letters repeated for emphasis: runs of 3+ of one letter (tone marks ignored,
    vowel quality kept, so ``ưu`` stays) become one letter (the toned one of the run); runs of 2
    only in a word with Vietnamese diacritics (``quáa``), never ``oo`` (``xoong``)."""
    has_marks = not word.isascii()
    out: list[str] = []
    i = 0
    n = len(word)
    while i < n:
        ch = word[i]
        base = _letter(ch)
        j = i + 1
        best = ch
        while j < n and _letter(word[j]) == base:
            if word[j].lower() != base and best.lower() == base:
                best = word[j]
            j += 1
        run = j - i
        if run >= 3 or (run == 2 and has_marks and base != "o"):
            out.append(best)
        else:
            out.append(word[i:j])
        i = j
    return "".join(out)


def _with_stripped(lexicon: dict[str, str]) -> dict[str, str]:
    """Add each key's diacritics-free form unless that form is a key of its own."""
    merged = dict(lexicon)
    for key, value in lexicon.items():
        plain = key.translate(_STRIP_TABLE)
        merged.setdefault(plain, value)
    return merged


def _emoticon_regex(emoticons: dict[str, str]) -> re.Pattern[str]:
    """One alternation, longest first, led by literals so the regex engine can skip ahead."""
    parts = []
    for emoticon in sorted(emoticons, key=len, reverse=True):
        body = re.escape(emoticon)
        if emoticon[-1] in ")(D":  # :))) and :((( are runs of the same emoticon
            body += re.escape(emoticon[-1]) + "*"
        parts.append(body)
    return re.compile("(?:" + "|".join(parts) + r")(?!\w)")


@lru_cache(maxsize=1)
def _default() -> Normalizer:
    return Normalizer()


def normalize(
    text: str,
    *,
    social: bool = True,
    lowercase: bool | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """Normalize Vietnamese ``text`` (see the module docstring for exactly what each level does).

    ``social=True`` (default) gives model-ready lower-cased tokens with teencode, emoji, URLs
    and mentions normalized; ``social=False`` gives clean, NFC, tone-normalized text for storage
    and display. ``lowercase`` defaults to ``social``. ``""`` gives ``""``; ``None``, non-text,
    bytes that are not UTF-8 and text longer than ``max_chars`` raise
    :class:`cxtext.TextInputError`.
    """
    return _default()(text, social=social, lowercase=lowercase, max_chars=max_chars)
