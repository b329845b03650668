"""The spiders, one per source type (``rss``, ``forum``, ``sitemap``, ``article_list``,
``generic``)."""

from .base import SourceSpider
from .forum import ForumSpider
from .listing import ArticleListSpider, GenericSpider
from .rss import RssSpider
from .sitemap import SitemapSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "rss": RssSpider,
    "forum": ForumSpider,
    "sitemap": SitemapSpider,
    "article_list": ArticleListSpider,
    "generic": GenericSpider,
}

__all__ = [
    "SPIDERS",
    "ArticleListSpider",
    "ForumSpider",
    "GenericSpider",
    "RssSpider",
    "SitemapSpider",
    "SourceSpider",
]
