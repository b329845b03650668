"""The sources file: the example validates; each mistake is reported with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers import SourcesError, load_sources, parse_sources
from cxvoc import ConfigError

EXAMPLE = Path(__file__).parents[2] / "crawlers" / "sources.example.yaml"

GOOD = {"name": "a", "type": "rss", "start_urls": ["https://vnexpress.net/rss/so-hoa.rss"]}


def test_example_file_validates() -> None:
    config = load_sources(EXAMPLE)
    types = {s.type for s in config.sources}
    assert {"rss", "forum", "sitemap", "article_list"} <= types
    vnexpress = config.get("vnexpress-so-hoa")
    assert vnexpress.allowed_domains == ("vnexpress.net",)
    assert [b.name for b in vnexpress.brands][:3] == ["Viettel", "VNPT", "MobiFone"]
    assert config.get("tinhte-nha-mang").limits.concurrency == 1  # override merged over defaults
    assert config.get("tinhte-nha-mang").limits.recheck_days == 7  # default kept
    assert len(config.config_hash()) == 16


def test_defaults_merge_and_brand_strings() -> None:
    config = parse_sources(
        {
            "defaults": {
                "brands": ["Viettel", {"name": "VNPT", "aliases": ["vina"]}],
                "limits": {"concurrency": 3},
            },
            "sources": [{**GOOD, "limits": {"max_pages": 5}}],
        }
    )
    source = config.sources[0]
    assert [b.spellings for b in source.brands] == [("Viettel",), ("VNPT", "vina")]
    assert (source.limits.concurrency, source.limits.max_pages) == (3, 5)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "rsss"}, "sources[0] (a).type='rsss': must be one of rss, sitemap, forum"),
        ({"start_urls": ["ftp://x.vn/a"]}, "'ftp://x.vn/a' is not an http(s) URL"),
        ({"start_urls": []}, "sources[0] (a).start_urls"),
        ({"limits": {"max_pages": 0}}, "limits.max_pages=0"),
        ({"limits": {"concurrency": 100}}, "limits.concurrency=100"),
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
        ({"follow": "(["}, "is not a valid regular expression"),
        ({"channel": "News Site"}, "channel='News Site'"),
        ({"allowed_domains": ["tinhte.vn"]}, "outside allowed_domains"),
        ({"colour": "red"}, "sources[0] (a).colour: unknown field"),
        ({"name": "Bad Name"}, "name='Bad Name'"),
    ],
)
def test_bad_source_names_file_and_field(change: dict, expected: str) -> None:
    with pytest.raises(SourcesError) as info:
        parse_sources({"sources": [{**GOOD, **change}]}, path="nightly.yaml")
    message = str(info.value)
    assert message.startswith("nightly.yaml: "), message
    assert expected in message, message
    assert isinstance(info.value, ConfigError) and info.value.exit_code == 78


def test_missing_type_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match=r"sources\[0\] \(a\)\.type: required field is missing"):
        parse_sources({"sources": [{"name": "a", "start_urls": ["https://a.vn/"]}]})
    with pytest.raises(SourcesError, match=r"repeated: \['a'\]"):
        parse_sources({"sources": [GOOD, GOOD]})
    with pytest.raises(SourcesError, match="unknown top-level keys"):
        parse_sources({"source": [GOOD]})


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="does not exist"):
        load_sources(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [a: b: c\n", encoding="utf-8")
    with pytest.raises(SourcesError, match=f"{bad}: not valid YAML"):
        load_sources(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SourcesError, match="top level must be a mapping"):
        load_sources(empty)
    with pytest.raises(SourcesError, match="no source named 'x'"):
        parse_sources({"sources": [GOOD]}).get("x")
