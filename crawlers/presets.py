"""Forum selector presets: XenForo 1 and 2, vBulletin, phpBB, Discourse-style, and a generic
fallback that finds the thread list by link patterns.

A preset is a set of CSS selectors (parsel syntax: ``::text`` and ``::attr(name)`` where a string
is wanted; several alternatives separated by commas, the first that matches wins; an alternative
written ``xpath:EXPR`` is XPath). A source's
explicit ``selectors`` override the preset's; ``preset: auto`` (the default) tries the presets in
order on each page and keeps the first that finds something, then the generic fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["PRESETS", "PRESET_NAMES", "SelectorSet", "THREAD_LINK_PATTERN"]

# thread URLs of the common boards: /threads/…, /t/slug/123, viewtopic.php?t=, showthread.php?t=,
# /topic/…, /thread-123…, /forum/…-t123.html
THREAD_LINK_PATTERN = (
    r"/threads?/|/t/[^/]+/\d+|viewtopic\.php\?(?:[^#]*&)?[tp]=\d+|showthread\.php\?"
    r"|/topics?/|/thread-\d+|-t\d+(?:\.html?)?$"
)


@dataclass(frozen=True)
class SelectorSet:
    """Resolved selectors of one page layout (a preset with the source's overrides)."""

    name: str
    thread_row: str | None = None  # one line of the thread list (for the change marker)
    thread_links: str | None = None  # the thread's link in a row (or on the page)
    thread_marker: str | None = None  # in a row: last post time, replies (all matches joined)
    next_page: str | None = None
    post: str | None = None
    post_body: str | None = None
    post_author: str | None = None
    post_time: str | None = None
    post_id_scope: str = "site"  # "site": post ids unique on the site; "thread": per thread
    comment: str | None = None
    comment_body: str | None = None
    comment_author: str | None = None
    comment_time: str | None = None

    def merged(self, overrides: dict[str, Any]) -> SelectorSet:
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in overrides.items() if k in known and v})


_COMMON_COMMENTS = {
    "comment": "[data-comment-id]",
    "comment_body": ".comment-content, .comment-body, .comment-text, [itemprop=text]",
    "comment_author": (
        "::attr(data-author), .comment-author::text, .author::text, [itemprop=author]::text,"
        " .username::text"
    ),
    "comment_time": (
        "time::attr(datetime), ::attr(data-time), .comment-time::text, .comment-date::text,"
        " .date::text"
    ),
}

PRESETS: dict[str, SelectorSet] = {
    "xenforo2": SelectorSet(
        name="xenforo2",
        thread_row=".structItem--thread",
        thread_links=".structItem-title a::attr(href)",
        thread_marker=(
            ".structItem-latestDate::attr(datetime), .structItem-latestDate::attr(data-time),"
            " .structItem-cell--meta dd::text"
        ),
        next_page="a.pageNav-jump--next::attr(href)",
        post="article.message",
        post_body=".message-body .bbWrapper, .bbWrapper",
        post_author="::attr(data-author), .message-name .username::text, .username::text",
        post_time="time.u-dt::attr(datetime), time::attr(datetime), time::attr(data-time)",
        **_COMMON_COMMENTS,
    ),
    "xenforo1": SelectorSet(
        name="xenforo1",
        thread_row="li.discussionListItem",
        thread_links="h3.title a::attr(href)",
        thread_marker=(
            ".lastPostInfo .DateTime::attr(data-time), .lastPostInfo .DateTime::attr(title),"
            " .stats .major dd::text"
        ),
        next_page=".PageNav a[rel=next]::attr(href), link[rel=next]::attr(href)",
        post="li.message",
        post_body=".messageText",
        post_author="::attr(data-author), .messageUserInfo .username::text, .username::text",
        post_time=(
            ".messageMeta .DateTime::attr(data-time), .messageMeta .DateTime::attr(title),"
            " .DateTime::attr(data-time)"
        ),
        **_COMMON_COMMENTS,
    ),
    "vbulletin": SelectorSet(
        name="vbulletin",
        thread_row="li.threadbit",
        thread_links="a.title::attr(href)",
        thread_marker=".threadlastpost dd::text, .threadstats li::text",
        next_page="a[rel=next]::attr(href)",
        post="li.postcontainer, li.postbitlegacy",
        post_body=".postcontent, [id^=post_message_]",
        post_author=".username strong::text, a.username::text, .username::text",
        post_time="xpath:normalize-space(.//*[contains(@class, 'postdate')]//*[@class='date'])",
        **_COMMON_COMMENTS,
    ),
    "phpbb": SelectorSet(
        name="phpbb",
        thread_row="ul.topics li.row, li.row",
        thread_links="a.topictitle::attr(href)",
        thread_marker="dd.lastpost time::attr(datetime), dd.lastpost span::text, dd.posts::text",
        next_page="li.arrow.next a::attr(href), a[rel=next]::attr(href)",
        post="div.post",
        post_body="div.content",
        post_author=".author .username::text, .author .username-coloured::text, .author a::text",
        post_time=".author time::attr(datetime), time::attr(datetime)",
        **_COMMON_COMMENTS,
    ),
    "discourse": SelectorSet(
        name="discourse",
        thread_row="tr.topic-list-item, .topic-list-item",
        thread_links="a.raw-topic-link::attr(href), a.title::attr(href)",
        thread_marker=".activity::attr(title), .posts::text, .replies::text",
        next_page="a[rel=next]::attr(href)",
        post="div.crawler-post, div.topic-post, [itemprop=comment]",
        post_body="[itemprop=text], .cooked",
        post_author="[itemprop=author] [itemprop=name]::text, .creator a::text, .username::text",
        post_time="time[itemprop=datePublished]::attr(datetime), time::attr(datetime)",
        post_id_scope="thread",
        **_COMMON_COMMENTS,
    ),
    "generic": SelectorSet(
        name="generic",
        thread_links="a::attr(href)",  # filtered by THREAD_LINK_PATTERN (or the source's follow)
        next_page=(
            "a[rel=next]::attr(href), link[rel=next]::attr(href), a.next::attr(href),"
            " .pagination .next a::attr(href)"
        ),
        post="article, [itemprop=comment], [id^=post-], [id^=post_], .post, .message",
        post_body=(
            "[itemprop=text], .post-body, .post-content, .message-body, .content, .body,"
            " .bbWrapper, .cooked"
        ),
        post_author=(
            "::attr(data-author), [itemprop=author]::text, .author::text, .username::text,"
            " .user::text, .poster::text"
        ),
        post_time="time::attr(datetime), ::attr(data-time), .date::text, .time::text",
        post_id_scope="thread",
        **_COMMON_COMMENTS,
    ),
}
PRESET_NAMES = ("auto", *PRESETS)

_thread_link = re.compile(THREAD_LINK_PATTERN)


def thread_link_pattern(follow: str | None) -> re.Pattern[str]:
    """The pattern that picks thread links out of a page's links (``follow`` wins when set)."""
    return re.compile(follow) if follow else _thread_link
