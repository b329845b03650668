"""cxtext.normalize: NFC, tone placement, social clean-up, lexicons, bad input."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import cxtext
from cxtext import LexiconError, Normalizer, TextInputError, normalize, strip_diacritics
from cxtext.normalize._tone import fix_tone


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà", "hòa"),
        ("hòa", "hòa"),
        ("khoẻ", "khỏe"),
        ("thuỷ", "thủy"),
        ("Thuỷ", "Thủy"),
        ("HOÀ", "HÒA"),
        ("hoàn", "hoàn"),
        ("hòan", "hoàn"),
        ("toán", "toán"),
        ("tóan", "toán"),
        ("quý", "quý"),
        ("qúy", "quý"),
        ("giữ", "giữ"),
        ("gì", "gì"),
        ("ngoài", "ngoài"),
        ("ngòai", "ngoài"),
        ("khuỷu", "khuỷu"),
        ("thuở", "thuở"),
        ("mùa", "mùa"),
        ("rượu", "rượu"),
        ("rựơu", "rượu"),
        ("tuyển", "tuyển"),
        ("đuợc", "được"),
        ("nguời", "người"),
        ("Truớc", "Trước"),
        ("thuở", "thuở"),
        ("huơ", "huơ"),
        ("café", "café"),  # not a Vietnamese syllable: untouched
        ("viettel", "viettel"),
    ],
)
def test_tone_placement_follows_the_traditional_convention(given: str, expected: str) -> None:
    assert fix_tone(unicodedata.normalize("NFC", given)) == expected


def test_decomposed_input_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Mạng khoẻ")
    assert normalize(decomposed, social=False) == "Mạng khỏe"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("chán quáaaaa", "chán quá"),
        ("đẹppppp", "đẹp"),
        ("ngonnnn", "ngon"),
        ("xoong nồi", "xoong nồi"),
        ("good", "good"),
        ("k vào đc", "không vào được"),
        ("ko dc", "không được"),
        ("hok bít", "không biết"),
        ("hôngggg", "không"),
        ("mn ơi sdt tđ là j", "mọi người ơi số điện thoại tổng đài là gì"),
        ("đi vs mk r", "đi với mình rồi"),
        ("kkkkk", "emo_laugh"),
        ("hahahaha", "emo_laugh"),
        ("😡😡😡", "emo_angry"),
        ("ok :)", "ok emo_smile"),
        ("hay :))))", "hay emo_laugh"),
        ("buồn :((", "buồn emo_sad"),
        ("<3", "emo_love"),
        ("thích 👍🏻", "thích emo_like"),
        ("xem https://viettel.vn/goi-cuoc?id=1 nha", "xem tok_url nha"),
        ("vào mobifone.vn", "vào tok_url"),
        ("hỏi @tuan_anh", "hỏi tok_mention"),
        ("gửi a.b@gmail.com", "gửi tok_email"),
        ("Tệ quá!!!!", "tệ quá !"),
        ("sao vậy???", "sao vậy ?"),
        ("chờ…", "chờ …"),
        ("chờ.....", "chờ …"),
        ("ok,,, vậy..", "ok , vậy …"),
        ("giá 1.200.000đ, lúc 20:30 ngày 12/10/2026", "giá 1.200.000đ , lúc 20:30 ngày 12/10/2026"),
        ("gói ST90 và V120 5G", "gói st90 và v120 5g"),
        ("  nhiều   khoảng\u00a0trắng\u200b ", "nhiều khoảng trắng"),
    ],
)
def test_social_normalization(given: str, expected: str) -> None:
    assert normalize(given) == expected


def test_no_diacritics_forms_match_the_lexicon() -> None:
    assert normalize("dc") == normalize("đc") == "được"
    assert normalize("hong") == "không"  # hông without its mark
    assert normalize("khong dc dau") == "khong được dau"


def test_lowercase_option_and_standard_level() -> None:
    assert normalize("Viettel :)", lowercase=False) == "Viettel emo_smile"
    assert normalize("Mạng Hoà Bình ,tốt !", social=False) == "Mạng Hòa Bình, tốt!"
    assert normalize("Mạng TỐT", social=False, lowercase=True) == "mạng tốt"


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đẹp quá, Hòa ơi") == "Dep qua, Hoa oi"
    assert strip_diacritics(unicodedata.normalize("NFD", "Việt")) == "Viet"
    assert strip_diacritics("ascii 123") == "ascii 123"


def test_teencode_lexicon_is_large_enough() -> None:
    entries = Normalizer().lexicon
    assert len(entries) >= 150


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (None, "text=None"),
        (123, "type int"),
        ("x" * 200_001, "200,001 characters"),
        ("Việt".encode("utf-16"), "not valid UTF-8"),
        ("Cà phê".encode("latin-1", "replace"), "not valid UTF-8"),
    ],
)
def test_bad_input_raises_text_input_error(bad: object, match: str) -> None:
    with pytest.raises(TextInputError, match=match):
        normalize(bad)  # type: ignore[arg-type]


def test_defined_behaviour_for_edge_inputs() -> None:
    assert normalize("") == ""
    assert normalize("   \n\t ") == ""
    assert normalize("Mạng tốt".encode()) == "mạng tốt"  # UTF-8 bytes are decoded
    big = "mạng yếu quá " * 80_000  # ~1 MB
    assert len(big.encode()) > 1_000_000
    out = normalize(big, max_chars=2_000_000)
    assert out.startswith("mạng yếu quá mạng") and out.count("yếu") == 80_000
    with pytest.raises(TextInputError, match="max_chars"):
        normalize(big)


def test_custom_lexicon_and_errors_name_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "teen.tsv"
    good.write_text("# mine\nxyz\tkhông sao\n", encoding="utf-8")
    assert Normalizer(teencode=good)("xyz nha") == "không sao nha"
    bad = tmp_path / "bad.tsv"
    bad.write_text("# mine\nok\tfine\nbroken line without tab\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad\.tsv:3"):
        Normalizer(teencode=bad)
    twice = tmp_path / "twice.tsv"
    twice.write_text("a\tb\na\tc\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"twice\.tsv:2.*twice"):
        Normalizer(teencode=twice)
    with pytest.raises(LexiconError, match="cannot read"):
        Normalizer(emoji=tmp_path / "missing.tsv")


def test_public_api_is_listed() -> None:
    for name in cxtext.__all__:
        assert hasattr(cxtext, name), name
    assert cxtext.normalize is normalize


def test_tokens_and_pieces_agree_with_normalize() -> None:
    normalizer = Normalizer()
    text = "Mạng VIETTEL chán quáaaa 😡😡 k vào đc fb.com!!!"
    assert normalizer.tokens(text) == normalize(text).split()
    pieces = normalizer.pieces(text)
    assert pieces[:3] == ["mạng", "viettel", "chán"]
    assert [normalizer.token(p) for p in pieces][3:6] == ["quá", "emo_angry", "emo_angry"]
    small = Normalizer(cache_size=4)  # the token cache is bounded
    for word in ("một", "hai", "ba", "bốn", "năm", "sáu"):
        small(word)
    assert len(small._cache) <= 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ưu đãi", "ưu đãi"), ("ưuuuu đãi", "ưu đãi"), ("quáaaa", "quá"), ("ngườiiii", "người"),
     ("xoong nồi", "xoong nồi"), ("thuê bao", "thuê bao")],
)  # fmt: skip
def test_squeeze_keeps_vowel_quality(text: str, expected: str) -> None:
    assert normalize(text, social=True, lowercase=True) == expected


_ADVERSARIAL = {
    "a...@": lambda n: "a" * (n - 1) + "@",
    "a.a.@": lambda n: "a." * (n // 2) + "@",
    ".com.com": lambda n: ".com" * (n // 4),
    "a.com-": lambda n: "a.com-" * (n // 6),
    "www.": lambda n: "www." * (n // 4),
    "x@x.x.": lambda n: "x@" + "x." * (n // 2),
    "spaces and dots": lambda n: " ." * (n // 2),
    "digits and dots": lambda n: "1." * (n // 2),
    "@-run": lambda n: "@" * n,
    "a @ ": lambda n: "a @ " * (n // 4),
    "punctuation": lambda n: "!?" * (n // 2),
    "spoken digits": lambda n: "không " * (n // 6),
}


@pytest.mark.parametrize("name", sorted(_ADVERSARIAL))
def test_time_grows_linearly_on_adversarial_input(name: str) -> None:
    """10x the input costs about 10x the time (issue 17: 'a.'*50000+'@' took 20 s)."""
    import time

    make = _ADVERSARIAL[name]

    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            normalize(text)
            best = min(best, time.process_time() - t0)
        return best

    ratio = cost(make(40_000)) / max(cost(make(4_000)), 1e-4)
    assert ratio < 25, f"{name}: 10x input took {ratio:.0f}x the time"
