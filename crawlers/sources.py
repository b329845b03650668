"""The sources file: which sites to crawl, how, and for which brands (YAML, validated).

Example (see ``crawlers/sources.example.yaml``)::

    version: 1
    defaults:
      brands: [Viettel, VNPT, MobiFone]
      limits: {concurrency: 2, download_delay_s: 1.0}
    sources:
      - name: vnexpress-so-hoa
        type: rss
        channel: news
        start_urls: [https://vnexpress.net/rss/so-hoa.rss]

Every problem is reported as ``<file>: sources[i] (name).field=value: what is accepted``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import SourcesError

__all__ = [
    "SOURCE_TYPES",
    "BrandSpec",
    "Limits",
    "Selectors",
    "Source",
    "SourcesConfig",
    "load_sources",
    "parse_sources",
]

SOURCE_TYPES = ("rss", "sitemap", "forum", "article_list", "generic")
SourceType = Literal["rss", "sitemap", "forum", "article_list", "generic"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class BrandSpec(_Model):
    """A brand to watch and the other spellings that name it (matched case-insensitively)."""

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Limits(_Model):
    """Per-source politeness and size limits."""

    max_pages: int | None = Field(default=None, ge=1)
    max_items: int | None = Field(default=None, ge=1)
    concurrency: int = Field(default=2, ge=1, le=32)
    download_delay_s: float = Field(default=1.0, ge=0.0, le=600.0)
    depth: int = Field(default=3, ge=0, le=50)
    recheck_days: float = Field(default=7.0, ge=0.0)


class Selectors(_Model):
    """CSS selectors (parsel syntax, ``::text`` / ``::attr(name)``; alternatives separated by
    commas, the first that matches wins) for every spider.

    ``preset`` fills the forum selectors for a known board (``xenforo2``, ``xenforo1``,
    ``vbulletin``, ``phpbb``, ``discourse``, ``generic``); ``auto`` tries them in that order on
    each page, then ``generic``, which finds the thread list by link patterns. Any selector
    given here overrides the preset's. ``article_links`` picks articles on ``article_list``
    pages; ``comment*`` read the comments under articles.
    """

    preset: Literal[
        "auto", "xenforo2", "xenforo1", "vbulletin", "phpbb", "discourse", "generic"
    ] = "auto"
    article_links: str = "a::attr(href)"
    thread_links: str | None = None
    next_page: str | None = None
    post: str | None = None
    post_body: str | None = None
    post_author: str | None = None
    post_time: str | None = None
    comment: str | None = "[data-comment-id]"
    comment_body: str | None = None
    comment_author: str | None = None
    comment_time: str | None = None

    @field_validator(
        "article_links",
        "thread_links",
        "next_page",
        "post",
        "post_body",
        "post_author",
        "post_time",
        "comment",
        "comment_body",
        "comment_author",
        "comment_time",
    )
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        if value is not None:
            _check_css(value)
        return value

    def overrides(self) -> dict[str, str]:
        """The selectors set explicitly (they override the preset's)."""
        return {
            k: v
            for k, v in self.model_dump(exclude={"preset", "article_links"}).items()
            if k in self.model_fields_set and v
        }


def _check_css(value: str) -> None:
    try:
        from parsel import Selector as _Parsel
    except ImportError:  # the crawl extra is missing; the crawl itself will say so
        return
    from .extract import alternatives, select

    for alt in alternatives(value):
        try:
            select(_Parsel(text="<html></html>"), alt)
        except Exception as exc:  # noqa: BLE001 - cssselect and lxml raise several kinds
            raise ValueError(
                f"{alt!r} is not a valid CSS selector (or xpath:EXPR): {exc}"
            ) from None


class Source(_Model):
    """One site (or section) to crawl."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    type: SourceType
    channel: str = Field(default="news", pattern=r"^[a-z][a-z0-9_]*$")
    start_urls: tuple[str, ...] = Field(min_length=1)
    allowed_domains: tuple[str, ...] = ()
    brands: tuple[BrandSpec, ...] = ()
    keywords: tuple[str, ...] = ()
    require_brand: bool = True
    follow: str | None = None
    language: str = Field(default="vi", pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
    timezone: str = "Asia/Ho_Chi_Minh"
    limits: Limits = Limits()
    selectors: Selectors = Selectors()

    @field_validator("brands", mode="before")
    @classmethod
    def _brand_strings(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL with a host")
        return urls

    @field_validator("follow")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone such as Asia/Ho_Chi_Minh"
            ) from None
        return value

    @model_validator(mode="after")
    def _domains(self) -> Source:
        hosts = [urlsplit(u).hostname or "" for u in self.start_urls]
        if not self.allowed_domains:
            object.__setattr__(self, "allowed_domains", tuple(dict.fromkeys(hosts)))
        for host in hosts:
            if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
                raise ValueError(
                    f"start URL host {host!r} is outside allowed_domains {list(self.allowed_domains)}"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SourcesConfig(_Model):
    """A validated sources file."""

    version: Literal[1] = 1
    sources: tuple[Source, ...] = Field(min_length=1)
    path: str | None = None

    @model_validator(mode="after")
    def _unique(self) -> SourcesConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {dupes}")
        return self

    def get(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise SourcesError(
            f"{self.path or 'sources'}: no source named {name!r}; "
            f"known: {[s.name for s in self.sources]}"
        )

    def config_hash(self) -> str:
        """A short hash of the validated configuration (goes into record provenance)."""
        data = self.model_dump(mode="json", exclude={"path"})
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.blake2b(blob, digest_size=8).hexdigest()


def _merge(defaults: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def parse_sources(data: Any, *, path: str = "<sources>") -> SourcesConfig:
    """Validate a parsed YAML document into a :class:`SourcesConfig`."""
    if not isinstance(data, Mapping):
        raise SourcesError(
            f"{path}: the top level must be a mapping with a 'sources' list, "
            f"got {type(data).__name__}"
        )
    unknown = sorted(set(data) - {"version", "defaults", "sources"})
    if unknown:
        raise SourcesError(
            f"{path}: unknown top-level keys {unknown}; accepted: version, defaults, sources"
        )
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise SourcesError(f"{path}: defaults={defaults!r} must be a mapping")
    raw = data.get("sources")
    if not isinstance(raw, list) or not raw:
        raise SourcesError(f"{path}: sources={raw!r} must be a non-empty list of sources")
    sources = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise SourcesError(f"{path}: sources[{i}]={item!r} must be a mapping")
        label = f"sources[{i}]" + (f" ({item['name']})" if "name" in item else "")
        try:
            sources.append(Source(**_merge(defaults, item)))
        except pydantic.ValidationError as exc:
            raise SourcesError(_describe(path, label, exc)) from None
    try:
        return SourcesConfig(version=data.get("version", 1), sources=tuple(sources), path=path)
    except pydantic.ValidationError as exc:
        raise SourcesError(_describe(path, "sources", exc)) from None


def _describe(path: str, label: str, exc: pydantic.ValidationError) -> str:
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        where = f"{label}.{field}" if field else label
        if err["type"] == "missing":
            problems.append(f"{where}: required field is missing")
        elif err["type"] == "extra_forbidden":
            accepted = ", ".join(_model_at(err["loc"][:-1]).model_fields)
            problems.append(f"{where}: unknown field; accepted: {accepted}")
        elif err["type"] == "literal_error" and err["loc"][-1:] == ("type",):
            problems.append(f"{where}={err['input']!r}: must be one of {', '.join(SOURCE_TYPES)}")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}={err.get('input')!r}: {msg}")
    return f"{path}: " + "; ".join(problems)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model that holds the field at ``loc`` (for listing its accepted fields)."""
    models: dict[str, type[BaseModel]] = {
        "limits": Limits,
        "selectors": Selectors,
        "brands": BrandSpec,
    }
    names = [p for p in loc if isinstance(p, str)]
    return models.get(names[-1], Source) if names else Source


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"sources file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"cannot read sources file {str(path)!r}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(data, path=str(path))
