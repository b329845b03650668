"""Brand and competitor mentions in Vietnamese text, from a YAML brand lexicon.

The default lexicon is ``cxtext/data/brands.yaml`` (Vietnamese telecom, pay-TV and utility
brands with their no-diacritics and teencode aliases); pass your own file with the same layout
to :class:`BrandLexicon`. Matching is case-insensitive, diacritics-insensitive and on word
boundaries, so ``"mobi"`` finds ``"Mobi"`` but not ``"mobile"``. Spans index into the NFC form
of the text (the text itself when it is NFC, as everything cxkit stores is).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import LexiconError
from .normalize._input import DEFAULT_MAX_CHARS, check_text
from .normalize._lexicon import DATA_DIR
from .normalize._tone import strip_diacritics_table

__all__ = ["Brand", "BrandLexicon", "BrandSpan", "brands"]

_STRIP = strip_diacritics_table()
_BRAND_KEYS = {"name", "aliases", "sector", "competitor"}


@dataclass(frozen=True, slots=True)
class Brand:
    """One brand of the lexicon."""

    name: str
    aliases: tuple[str, ...]
    sector: str | None = None
    is_competitor: bool = False

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BrandSpan:
    """A mention of ``brand`` at ``text[start:end]`` (``surface``), found through ``alias``."""

    brand: str
    alias: str
    start: int
    end: int
    surface: str
    is_competitor: bool

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


def _fold(text: str) -> str:
    """Lower-case and strip diacritics without changing the length (offsets stay valid)."""
    folded = text.translate(_STRIP).lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(_STRIP))


class BrandLexicon:
    """Brands and their aliases, compiled into one word-boundary-aware regex."""

    def __init__(self, brands: list[Brand], *, source: str = "<memory>") -> None:
        self.brands = tuple(brands)
        self.source = source
        self._by_alias: dict[str, tuple[Brand, str]] = {}  # compact alias key -> brand, alias
        keys: set[str] = set()
        for brand in self.brands:
            for alias in brand.aliases:
                key = _alias_key(alias)
                compact = key.replace(" ", "")
                other = self._by_alias.get(compact)
                if other is not None and other[0].name != brand.name:
                    raise LexiconError(
                        f"{source}: alias {alias!r} is given for both {other[0].name!r} and "
                        f"{brand.name!r}; an alias must name one brand"
                    )
                self._by_alias.setdefault(compact, (brand, alias))
                keys.add(key)
        parts = [_alias_pattern(key) for key in sorted(keys, key=len, reverse=True)]
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?![\w+])") if parts else None

    @classmethod
    def load(cls, path: str | Path) -> BrandLexicon:
        """Read a YAML lexicon (layout of ``cxtext/data/brands.yaml``); errors name file:line."""
        path = Path(path)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(f"brand lexicon {path}: cannot read it ({exc})") from None
        try:
            root = yaml.compose(content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            problem = getattr(exc, "problem", None) or str(exc)
            raise LexiconError(f"{where}: brand lexicon is not valid YAML ({problem})") from None
        return cls(_parse(root, path), source=str(path))

    def find(self, text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[BrandSpan]:
        """Every brand mention in ``text``, in order."""
        text = check_text(text, max_chars=max_chars)
        if not text or self._regex is None:
            return []
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        out = []
        for m in self._regex.finditer(_fold(text)):
            brand, alias = self._by_alias[_alias_key(m.group()).replace(" ", "")]
            start, end = m.span()
            out.append(
                BrandSpan(brand.name, alias, start, end, text[start:end], brand.is_competitor)
            )
        return out


def _alias_key(alias: str) -> str:
    return re.sub(r"[\s._\-]+", " ", _fold(alias).strip())


def _alias_pattern(key: str) -> str:
    return r"[\s._\-]?".join(re.escape(word) for word in key.split(" "))


def _parse(root: yaml.Node | None, path: Path) -> list[Brand]:
    def fail(node: yaml.Node | None, problem: str) -> LexiconError:
        line = node.start_mark.line + 1 if node is not None else 1
        return LexiconError(f"{path}:{line}: {problem}")

    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "a brand lexicon is a mapping with the keys 'own' and 'brands'")
    top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    unknown = set(top) - {"own", "brands"}
    if unknown:
        raise fail(root, f"unknown key(s) {sorted(unknown)}; accepted: 'own', 'brands'")
    own = set(_strings(top.get("own"), "own", fail, allow_missing=True))
    brands_node = top.get("brands")
    if not isinstance(brands_node, yaml.SequenceNode) or not brands_node.value:
        raise fail(brands_node or root, "'brands' must be a non-empty list of brands")
    out = []
    for node in brands_node.value:
        if not isinstance(node, yaml.MappingNode):
            raise fail(node, "each brand is a mapping with 'name' and 'aliases'")
        fields = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        extra = set(fields) - _BRAND_KEYS
        if extra:
            raise fail(
                node, f"unknown brand key(s) {sorted(extra)}; accepted: {sorted(_BRAND_KEYS)}"
            )
        name_node = fields.get("name")
        if not isinstance(name_node, yaml.ScalarNode) or not str(name_node.value).strip():
            raise fail(name_node or node, "a brand needs a non-empty 'name'")
        name = str(name_node.value).strip()
        aliases = _strings(fields.get("aliases"), f"aliases of {name!r}", fail)
        sector = fields.get("sector")
        competitor = fields.get("competitor")
        if competitor is not None and (
            not isinstance(competitor, yaml.ScalarNode)
            or competitor.value.lower() not in ("true", "false")
        ):
            raise fail(competitor, f"'competitor' of {name!r} must be true or false")
        is_competitor = (
            competitor.value.lower() == "true"
            if competitor is not None
            else bool(own) and name not in own
        )
        out.append(
            Brand(
                name=name,
                aliases=tuple(dict.fromkeys([name, *aliases])),
                sector=str(sector.value) if isinstance(sector, yaml.ScalarNode) else None,
                is_competitor=is_competitor,
            )
        )
    return out


def _strings(
    node: yaml.Node | None, what: str, fail: Any, *, allow_missing: bool = False
) -> list[str]:
    if node is None:
        if allow_missing:
            return []
        raise fail(node, f"{what} is missing; give a list of strings")
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise fail(node, f"{what} must be a non-empty list of strings")
    values = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise fail(item, f"{what}: every entry must be a non-empty string")
        values.append(str(item.value).strip())
    return values


@lru_cache(maxsize=8)
def _cached(path: str) -> BrandLexicon:
    return BrandLexicon.load(path)


def brands(
    text: str,
    *,
    lexicon: BrandLexicon | str | Path | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[BrandSpan]:
    """Brand mentions in ``text`` (spans with brand, alias, offsets and ``is_competitor``).

    ``lexicon`` is a :class:`BrandLexicon` or a YAML file; the default is the packaged Vietnamese
    telecom/utility lexicon with ``own: [Viettel]``. Bad input raises
    :class:`cxtext.TextInputError`; a bad lexicon :class:`cxtext.LexiconError` naming file:line.
    """
    if not isinstance(lexicon, BrandLexicon):
        lexicon = _cached(str(Path(lexicon) if lexicon else DATA_DIR / "brands.yaml"))
    return lexicon.find(text, max_chars=max_chars)
