"""Scrapy settings of the cxkit social crawler (Scrapy's project layout).

Polite by default: robots.txt obeyed, AutoThrottle on, an identifying user agent, two requests at a
time per domain, one second between them. The ``CX_*`` settings are cxkit's own; ``cx social
crawl`` fills them from its options. Sources may lower or raise the per-domain limits.
"""

from cxvoc._version import __version__

BOT_NAME = "cxkit"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = f"cxkit-social/{__version__} (+https://github.com/cxkit/cxkit; social listening bot)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # sources set their own via limits.depth

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
EXTENSIONS = {  # AutoThrottle that also lowers its delay on 304 (incremental nights)
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawlers.throttle.RevalidationAwareAutoThrottle": 0,
}

# Incremental runs: every response is cached and revalidated with If-None-Match /
# If-Modified-Since; a 304 hands the cached page back without downloading it again.
# Raw pages hold personal data (names, phone numbers in posts): a cached page expires
# HTTPCACHE_EXPIRATION_SECS after it was downloaded (then it is fetched afresh), and
# `cx social crawl` deletes expired pages from the cache before each run.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_EXPIRATION_SECS = 14 * 86400  # longer than limits.recheck_days (7 by default)
HTTPCACHE_IGNORE_HTTP_CODES = [408, 429, 500, 502, 503, 504]
HTTPCACHE_GZIP = True

SPIDER_MIDDLEWARES = {
    "crawlers.middlewares.MalformedPageMiddleware": 940,
    "crawlers.middlewares.IncrementalMiddleware": 950,
}

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.NormalizePipeline": 200,
    "crawlers.pipelines.BrandFilterPipeline": 300,
    "crawlers.pipelines.NearDuplicatePipeline": 400,
    "crawlers.pipelines.ScoreAndStorePipeline": 900,
}

DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"  # drops are counted in the stats by reason
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# -- cxkit -----------------------------------------------------------------------------------
CX_OUT = "voc.duckdb"  # the VoC store URL (cxvoc.open_store)
CX_SEEN = None  # seen-store: a SQLite path or redis://…; default <state dir>/seen.sqlite
CX_SEEN_PREFIX = "cx:social:seen:default"  # Redis key prefix of the seen-store
CX_SOURCES = None  # path of the sources file (for `scrapy crawl NAME -a source=…`)
CX_BATCH_SIZE = 500  # items scored and upserted per batch
CX_FLUSH_INTERVAL_S = 15.0  # a batch is written at least this often during slow crawls
CX_AUTHOR_SALT = None  # salt of the author pseudonyms (required)
CX_NEAR_DUP_THRESHOLD = 0.9
CX_TEXT_OPS = "crawlers.textops:cxtext_ops"
CX_CONFIG_HASH = None
CX_MIN_YIELD_RATIO = 0.25  # a source below this share of its usual yield is reported
