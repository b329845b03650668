"""cxtext.brands: lexicon matching with aliases, boundaries, competitor flags, lexicon errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cxtext import LexiconError, TextInputError
from cxtext.brands import Brand, BrandLexicon, BrandSpan, brands


def _names(text: str, **kw: object) -> list[str]:
    return [s.brand for s in brands(text, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mạng Viettel chậm quá", ["Viettel"]),
        ("vietel với vt đều vậy", ["Viettel", "Viettel"]),
        ("VNPT, VinaPhone, vina và vinafone", ["VNPT"] * 4),
        ("mobi hay MobiFone", ["MobiFone", "MobiFone"]),
        ("mua mobile phone mới", []),
        ("vinamilk ngon", []),
        ("FPT-Telecom, fpt telecom, fpttelecom, fpt", ["FPT Telecom"] * 4),
        ("cúp ĐIỆN LỰC hoài, dien luc ơi", ["EVN", "EVN"]),
        ("#viettel @vnpt viettel.vn", ["Viettel", "VNPT", "Viettel"]),
        ("xem K+ hay VTVcab", ["K+", "VTVcab"]),
        ("Vietnamobile, Gmobile, itel", ["Vietnamobile", "Gmobile", "Itelecom"]),
        ("", []),
    ],
)
def test_default_lexicon(text: str, expected: list[str]) -> None:
    assert _names(text) == expected


def test_span_fields_and_competitor_flag() -> None:
    text = "Bỏ Viettel qua Mobi rồi"
    viettel, mobi = brands(text)
    assert viettel == BrandSpan("Viettel", "Viettel", 3, 10, "Viettel", False)
    assert (mobi.brand, mobi.alias, mobi.surface, mobi.is_competitor) == (
        "MobiFone",
        "mobi",
        "Mobi",
        True,
    )
    assert text[mobi.start : mobi.end] == "Mobi"
    assert viettel.serialize()["is_competitor"] is False


def test_spans_index_the_nfc_text() -> None:
    text = unicodedata.normalize("NFD", "Điện lực Hà Nội")
    (span,) = brands(text)
    assert span.brand == "EVN" and span.surface == "Điện lực"


YAML_OK = """\
own: [Acme]
brands:
  - name: Acme
    aliases: [acme tel, acm]
  - name: Rival
    sector: telecom
    aliases: [rivál]
  - name: Partner
    competitor: false
    aliases: [partner]
"""


def test_custom_lexicon_file(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(YAML_OK, encoding="utf-8")
    found = brands("acme-tel vs Rival vs rivàl vs partner vs acm", lexicon=path)
    assert [(s.brand, s.is_competitor) for s in found] == [
        ("Acme", False),
        ("Rival", True),
        ("Rival", True),
        ("Partner", False),
        ("Acme", False),
    ]
    lexicon = BrandLexicon.load(path)
    assert lexicon.brands[1] == Brand("Rival", ("Rival", "rivál"), "telecom", True)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("own: [A]\nbrands:\n  - name: A\n    aliases: [a, [b\n", r"b\.yaml:\d+: .*not valid YAML"),
        (
            "own: [A]\nbrands:\n  - name: A\n    alias: [a]\n",
            r"b\.yaml:3: unknown brand key.*'alias'",
        ),
        (
            "brands:\n  - name: A\n    aliases: []\n",
            r"b\.yaml:3: aliases of 'A' must be a non-empty",
        ),
        ("brands:\n  - aliases: [x]\n", r"b\.yaml:2: a brand needs a non-empty 'name'"),
        (
            "brands:\n  - name: A\n    aliases: [x]\n    competitor: maybe\n",
            r"b\.yaml:4: 'competitor'",
        ),
        ("brandz: []\n", r"b\.yaml:1: unknown key"),
        ("- a\n- b\n", r"b\.yaml:1: a brand lexicon is a mapping"),
        (
            "brands:\n  - name: A\n    aliases: [x]\n  - name: B\n    aliases: [X]\n",
            "both 'A' and 'B'",
        ),
    ],
)
def test_bad_lexicon_names_file_and_line(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=match):
        BrandLexicon.load(path)


def test_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        brands("x", lexicon=tmp_path / "nope.yaml")


@pytest.mark.parametrize(("bad", "match"), [(None, "text=None"), (b"\xc3", "not valid UTF-8")])
def test_bad_input(bad: object, match: str) -> None:
    with pytest.raises(TextInputError, match=match):
        brands(bad)  # type: ignore[arg-type]


def test_one_megabyte_text() -> None:
    big = "Viettel ổn, vina thì không. " * 40_000
    assert len(big.encode()) > 1_000_000
    found = brands(big, max_chars=2_000_000)
    assert len(found) == 80_000
    with pytest.raises(TextInputError, match="max_chars"):
        brands(big)
