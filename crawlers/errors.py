"""Errors raised by crawlers.

Exception tree::

    cxvoc.CxVocError
    └── CrawlerError          root of every error raised by crawlers
        ├── SourcesError      the sources YAML file is missing or invalid (names file and field);
        │                     also a cxvoc.ConfigError, so the CLI exits with 78 (EX_CONFIG)
        └── SourceYieldError  a crawl finished but a source yielded nothing or far fewer items
                              than its recent runs (the CLI exits with 1)

A missing ``crawl`` extra (scrapy, trafilatura, scrapy-redis) raises ``ImportError`` naming it.
"""

from __future__ import annotations

from cxvoc.errors import ConfigError, CxVocError

__all__ = ["CrawlerError", "SourceYieldError", "SourcesError", "require_crawl_extra"]


class CrawlerError(CxVocError):
    """Root of every error raised by crawlers."""

    exit_code = 1


class SourcesError(CrawlerError, ConfigError):
    """The sources file is missing or invalid; the message names the file and the field."""

    exit_code = 78


class SourceYieldError(CrawlerError):
    """A source yielded nothing, or far fewer items than its recent runs."""

    exit_code = 1


def require_crawl_extra(module: str = "scrapy") -> None:
    """Import ``module`` or raise an ImportError that names the ``crawl`` extra."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is not installed; social crawling needs the crawl extra: "
            "pip install 'cxkit[crawl]'"
        ) from exc
