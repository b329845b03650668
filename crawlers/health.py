"""Source health: a source that yields nothing, or far fewer items than its recent runs, is a
problem the run reports (and ``cx social crawl`` exits non-zero on).

What a source *yields* is counted by the spiders before any incremental filtering: the article
and thread links its listing pages (feeds, sitemaps, thread lists) showed, or, for a source with
no listing, the posts, articles and comments read. An incremental night that fetches only what
changed still sees the whole listing, so yields compare across nights. A source whose thread or
article pages mostly give no post or text (``cx/found/empty_pages`` of ``content_pages``: its
selectors no longer match) is reported too. The yields of the last runs live in
``<state dir>/yields.json``.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Mapping
from pathlib import Path

__all__ = ["HISTORY_FILE", "MAX_EMPTY_SHARE", "MIN_YIELD_RATIO", "assess_yields", "source_yield"]

log = logging.getLogger(__name__)

HISTORY_FILE = "yields.json"
HISTORY_RUNS = 5
# a source whose yield falls below this share of the median of its last runs is reported;
# a site redesign that breaks a selector typically takes a source to 0-10 % of its usual yield,
# while a quiet night on a busy board stays well above half of it
MIN_YIELD_RATIO = 0.25
# pages read with no post or text: a few are normal (deleted posts, video-only articles);
# half of them means the post/body selectors no longer match the site
MAX_EMPTY_SHARE = 0.5
MIN_PAGES_JUDGED = 3


def source_yield(stats: Mapping[str, object]) -> tuple[int, int, int]:
    """(yield, content pages read, of which empty) from one source's crawl stats."""

    def get(key: str) -> int:
        value = stats.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    links, items = get("cx/found/links"), get("cx/found/items")
    return links or items, get("cx/found/content_pages"), get("cx/found/empty_pages")


def assess_yields(
    found: Mapping[str, tuple[int, int, int]],
    *,
    history_path: Path | None,
    judge: Mapping[str, bool],
    min_ratio: float = MIN_YIELD_RATIO,
) -> dict[str, str]:
    """Problems by source name (``found`` is this run's :func:`source_yield`; ``judge[name]`` is
    False for sources whose run was paused or resumed, which are neither judged nor recorded).
    Updates the history file with the judged sources' yields."""
    if not 0.0 < min_ratio <= 1.0:
        raise ValueError(f"min_ratio={min_ratio!r} must be in (0, 1]")
    history: dict[str, list[int]] = {}
    if history_path is not None and history_path.exists():
        try:
            raw = json.loads(history_path.read_text(encoding="utf-8"))
            history = {str(k): [int(x) for x in v] for k, v in raw.items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("%s is unreadable (%s); source yields start afresh", history_path, exc)
    problems: dict[str, str] = {}
    for name, (n, pages, empty) in found.items():
        if not judge.get(name, True):
            continue
        past = [x for x in history.get(name, []) if x > 0]
        if n == 0:
            problems[name] = "yielded nothing (no links, posts or articles found)"
        elif past and n < min_ratio * statistics.median(past):
            problems[name] = (
                f"yielded {n} items, far fewer than the median {statistics.median(past):g} "
                f"of its last {len(past)} runs"
            )
        elif pages >= MIN_PAGES_JUDGED and empty >= MAX_EMPTY_SHARE * pages:
            problems[name] = (
                f"{empty} of {pages} thread or article pages gave no post or text "
                "(do its selectors still match?)"
            )
        history[name] = [*history.get(name, []), n][-HISTORY_RUNS:]
    if history_path is not None:
        history_path.write_text(json.dumps(history, indent=1, sort_keys=True), encoding="utf-8")
    return problems
