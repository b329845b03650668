"""crawlers: the social-listening Scrapy project of cxkit.

Sources (news feeds, XenForo forums, sitemaps, article lists, article pages) are described in a
YAML file; :func:`crawl` runs one incremental, polite, resumable crawl of them into a VoC store
(``cx social crawl``), and :func:`social_summary` reports mentions, net sentiment and share of
voice per brand (``cx social summary``). Scrapy and trafilatura come with the ``crawl`` extra;
this module imports them only when a crawl starts.
"""

from .errors import CrawlerError, SourcesError
from .run import CrawlResult, crawl
from .sources import (
    BrandSpec,
    Limits,
    Selectors,
    Source,
    SourcesConfig,
    load_sources,
    parse_sources,
)
from .summary import BrandSummary, SocialSummary, social_summary

__all__ = [
    "BrandSpec",
    "BrandSummary",
    "CrawlResult",
    "CrawlerError",
    "Limits",
    "Selectors",
    "SocialSummary",
    "Source",
    "SourcesConfig",
    "SourcesError",
    "crawl",
    "load_sources",
    "parse_sources",
    "social_summary",
]
