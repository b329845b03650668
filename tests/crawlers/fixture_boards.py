"""Forum fixtures in the markup of each preset (XenForo 2 and 1, vBulletin 4, phpBB 3, a
Discourse crawler view) and of a generic board with unusual markup (``<div class="structItem">
<a href="/board/threads/…">`` rows, bylines inside the post body), plus a news site whose
comments carry the author's handle and the date inside the comment node.

Every post and comment names a brand, so a correct crawl stores all of them except the reposts:
one news comment is reposted (other case and spacing) in the XenForo 2 board the same night,
and :meth:`BoardSite.next_night` adds a Discourse post repeating a phpBB post of the first
night. Served by :class:`tests.crawlers.fixture_site.FixtureServer`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any

from .fixture_site import _PLACES, _PREDICATES, _SUBJECTS, _TAILS, BRANDS, ICT, Page

__all__ = ["BOARDS", "BoardSite", "Expected", "boards_yaml"]

BOARDS = ("xf2", "xf1", "vb", "phpbb", "discourse", "board")
T0 = datetime(2026, 11, 1, 8, 13, tzinfo=ICT)
# forum handles: nothing like them occurs in the generated sentences
_HANDLES = (
    "hoangnam_88",
    "TungVN2010",
    "meo.mun.xinh",
    "bac_si_wifi",
    "Kenshin_HN",
    "lanchi.1995",
    "zxcvbn_vn",
    "thanh_cong_it",
    "NguoiDiDuong77",
    "sky_walker_sg",
)


@dataclass(frozen=True)
class Expected:
    native_id: str  # with @@HOST@@ / @@BASE@@ placeholders until expected() fills them
    kind: str
    text: str
    author: str


@dataclass
class _Post:
    id: int
    author: str
    time: datetime
    text: str
    quote: _Post | None = None


@dataclass
class _Thread:
    id: int
    slug: str
    title: str
    posts: list[_Post]


class BoardSite:
    """Pages of every board and the news site, and the items a correct crawl stores."""

    def __init__(self, *, seed: int = 7, threads: int = 6, posts_per_page: int = 10) -> None:
        self.rng = random.Random(seed)
        self.ppp = posts_per_page
        self.pages: dict[str, Page] = {}
        self._id = 5000
        self._used: set[str] = set()
        self.boards: dict[str, list[_Thread]] = {
            b: [self._thread(b, i) for i in range(threads)] for b in BOARDS
        }
        self.articles = [self._article(i) for i in range(8)]
        # the repost across sources: a news comment repeated in a XenForo 2 post
        comment = self.articles[2]["comments"][0]
        self.repost_comment = comment
        target = self.boards["xf2"][1].posts[2]
        target.text = "  " + comment["text"].upper().replace(" ", "  ") + " "
        self.repost_post = target
        self.night = 1
        self.night_repost: _Post | None = None
        self.render()

    # -- content ---------------------------------------------------------------------------
    def _sentence(self) -> str:
        r = self.rng
        while True:
            b = r.choice(BRANDS)
            subject = r.choice([x for x in _SUBJECTS if "My{b}" not in x])  # brand as a word
            text = (
                f"{subject.format(b=b)} {r.choice(_PREDICATES)} {r.choice(_PLACES)},"
                f" {r.choice(_TAILS)} (mã {r.randrange(10**6):06d})."
            )
            if text not in self._used:
                self._used.add(text)
                return text

    def _post(self, when: datetime, quote: _Post | None = None) -> _Post:
        self._id += 1
        return _Post(self._id, self.rng.choice(_HANDLES), when, self._sentence(), quote)

    def _thread(self, board: str, i: int) -> _Thread:
        n = self.rng.randrange(3, 26)
        start = T0 + timedelta(hours=3 * i)
        posts: list[_Post] = []
        for k in range(n):
            quote = posts[-1] if posts and self.rng.random() < 0.3 else None
            posts.append(self._post(start + timedelta(minutes=11 * k), quote))
        return _Thread(200 + i, f"hoi-dap-{board}-{i}", f"Hỏi đáp {board} số {i}", posts)

    def _article(self, i: int) -> dict[str, Any]:
        when = T0 + timedelta(hours=i)
        comments = [
            {
                "id": f"c{100 + 10 * i + k}",
                "author": self.rng.choice(_HANDLES),
                "time": when + timedelta(minutes=30 + k),
                "text": self._sentence(),
            }
            for k in range(self.rng.randrange(2, 5))
        ]
        return {
            "path": f"/tin/bai-{i}.html",
            "title": f"Tin viễn thông {i}",
            "paras": [self._sentence() + " " + self._sentence() for _ in range(3)],
            "time": when,
            "comments": comments,
        }

    def next_night(self) -> None:
        """A second night: a phpBB post of the first night reposted in Discourse, one new post."""
        self.night = 2
        later = T0 + timedelta(days=1)
        thread = self.boards["discourse"][0]
        repost = self._post(later)
        repost.text = self.boards["phpbb"][2].posts[1].text
        self.night_repost = repost
        thread.posts.append(repost)
        thread.posts.append(self._post(later + timedelta(minutes=5)))
        self.render()

    # -- ground truth ----------------------------------------------------------------------
    def expected(self, base: str) -> dict[str, Expected]:
        """Items a correct crawl stores, by native id (reposts excluded, see ``reposts``)."""
        host = base.split("://", 1)[1]
        out: dict[str, Expected] = {}
        for board, threads in self.boards.items():
            for t in threads:
                for p in t.posts:
                    nid = self.post_id(board, t, p, base)
                    out[nid] = Expected(nid, "post", p.text.strip(), p.author)
        for a in self.articles:
            nid = f"{base}{a['path']}"
            out[nid] = Expected(nid, "article", "\n".join(a["paras"]), "")
            for c in a["comments"]:
                cid = f"{host}:comment:{c['id']}"
                out[cid] = Expected(cid, "comment", c["text"], c["author"])
        return out

    def post_id(self, board: str, t: _Thread, p: _Post, base: str) -> str:
        host = base.split("://", 1)[1]
        if board == "discourse":
            return f"{base}/discourse/t/{t.slug}/{t.id}#post-{t.posts.index(p) + 1}"
        if board == "board":
            return f"{base}/board/threads/{t.slug}.{t.id}/#post-{p.id}"
        return f"{host}:post:{p.id}"

    def comment_id(self, comment: dict[str, Any], base: str) -> str:
        return f"{base.split('://', 1)[1]}:comment:{comment['id']}"

    def handles(self) -> tuple[str, ...]:
        return _HANDLES

    # -- rendering -------------------------------------------------------------------------
    def _put(self, path: str, body: str, modified: datetime = T0, **kw: Any) -> None:
        self.pages[path] = Page(body=body, modified=modified, **kw)

    def render(self) -> None:
        self.pages.clear()
        self._put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        for board, threads in self.boards.items():
            render = getattr(self, f"_render_{board}")
            render(threads)
        self._render_news()

    def _pages_of(self, t: _Thread) -> list[list[_Post]]:
        return [t.posts[k : k + self.ppp] for k in range(0, len(t.posts), self.ppp)]

    @staticmethod
    def _html(title: str, body: str, *, h1: bool = True) -> str:
        head = f"<title>{escape(title)} | Diễn đàn</title>"
        top = f"<h1>{escape(title)}</h1>" if h1 else ""
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
            f"<header><a href='/'>Trang chủ</a></header>{top}{body}</body></html>"
        )

    def _index(self, prefix: str, rows: list[str], next_html: Any, wrap: str = "{}") -> None:
        half = (len(rows) + 1) // 2
        for k, chunk in enumerate((rows[:half], rows[half:]), start=1):
            nav = next_html(2) if k == 1 else ""
            path = prefix if k == 1 else next_html.path(2)
            self._put(path, self._html("Di động", wrap.format("".join(chunk)) + nav))

    # XenForo 2 ------------------------------------------------------------------------------
    def _render_xf2(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/xf2/threads/{t.slug}.{t.id}/"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                arts = "".join(self._xf2_post(p) for p in posts)
                nav = (
                    f"<nav class='pageNav'><a class='pageNav-jump pageNav-jump--next' "
                    f"href='{base}page-{k + 1}'>Tiếp</a></nav>"
                    if k < len(pages)
                    else ""
                )
                self._put(
                    base if k == 1 else f"{base}page-{k}",
                    "<!DOCTYPE html><html><head><meta charset='utf-8'>"
                    f"<title>{escape(t.title)}</title></head><body>"
                    f"<h1 class='p-title-value'>{escape(t.title)}</h1>"
                    f"<div class='block-body'>{arts}</div>{nav}</body></html>",
                )
            last = t.posts[-1]
            rows.append(
                "<div class='structItem structItem--thread'><div class='structItem-title'>"
                f"<a href='{base}'>{escape(t.title)}</a></div><div class='structItem-cell--meta'>"
                f"<dl><dt>Trả lời</dt><dd>{len(t.posts) - 1}</dd></dl></div>"
                f"<time class='structItem-latestDate u-dt' datetime='{last.time.isoformat()}'>"
                "</time></div>"
            )
        self._index("/xf2/forums/di-dong.1/", rows, _Next("/xf2/forums/di-dong.1/page-{}", "xf2"))

    def _xf2_post(self, p: _Post) -> str:
        quote = ""
        if p.quote:
            q = p.quote
            quote = (
                f'<blockquote class="bbCodeBlock bbCodeBlock--quote" data-quote="{q.author}">'
                f'<div class="bbCodeBlock-title">{q.author} đã viết:</div>'
                f'<div class="bbCodeBlock-content">{escape(q.text)}</div></blockquote>'
            )
        return (
            f'<article class="message message--post" data-author="{p.author}" '
            f'data-content="post-{p.id}" id="js-post-{p.id}"><div class="message-userDetails">'
            f'<h4 class="message-name"><a class="username">{p.author}</a></h4></div>'
            f'<div class="message-attribution"><time class="u-dt" datetime="{p.time.isoformat()}">'
            f"{p.time:%d/%m/%Y}</time></div><div class='message-content'>"
            f"<div class='message-body'><div class='bbWrapper'>{quote}{escape(p.text)}"
            "</div></div></div></article>"
        )

    # XenForo 1 ------------------------------------------------------------------------------
    def _render_xf1(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/xf1/threads/{t.slug}.{t.id}/"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                items = "".join(self._xf1_post(p) for p in posts)
                nav = (
                    f"<div class='PageNav'><nav><a href='{base}page-{k + 1}' class='text' "
                    "rel='next'>Tiếp &gt;</a></nav></div>"
                    if k < len(pages)
                    else ""
                )
                body = f"<ol class='messageList' id='messageList'>{items}</ol>{nav}"
                self._put(base if k == 1 else f"{base}page-{k}", self._html(t.title, body))
            last = t.posts[-1]
            rows.append(
                f"<li id='thread-{t.id}' class='discussionListItem visible'><div class='main'>"
                f"<div class='titleText'><h3 class='title'><a href='{base}'>{escape(t.title)}</a>"
                f"</h3></div></div><div class='stats'><dl class='major'><dt>Trả lời:</dt>"
                f"<dd>{len(t.posts) - 1}</dd></dl></div><div class='lastPost'>"
                f"<dl class='lastPostInfo'><dd><abbr class='DateTime' "
                f"data-time='{int(last.time.timestamp())}'>{last.time:%d/%m/%Y}</abbr></dd></dl>"
                "</div></li>"
            )
        self._index(
            "/xf1/forums/di-dong.1/",
            rows,
            _Next("/xf1/forums/di-dong.1/page-{}", "xf1"),
            "<ol class='discussionListItems'>{}</ol>",
        )

    def _xf1_post(self, p: _Post) -> str:
        quote = ""
        if p.quote:
            q = p.quote
            quote = (
                f'<div class="bbCodeBlock bbCodeQuote" data-author="{q.author}"><aside>'
                f'<div class="attribution type">{q.author} đã viết:</div>'
                f'<blockquote class="quoteContainer"><div class="quote">{escape(q.text)}</div>'
                "</blockquote></aside></div>"
            )
        return (
            f'<li id="post-{p.id}" class="message" data-author="{p.author}">'
            f'<div class="messageUserInfo"><a class="username">{p.author}</a></div>'
            '<div class="messageInfo"><div class="messageContent"><article>'
            f'<blockquote class="messageText SelectQuoteContainer ugc baseHtml">{quote}'
            f"{escape(p.text)}</blockquote></article></div><div class='messageMeta'>"
            f"<span class='DateTime' data-time='{int(p.time.timestamp())}' "
            f"title='{p.time:%d/%m/%Y %H:%M}'>{p.time:%d/%m/%Y}</span></div></div></li>"
        )

    # vBulletin 4 ----------------------------------------------------------------------------
    def _render_vb(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/vb/showthread.php?t={t.id}"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                items = "".join(self._vb_post(p) for p in posts)
                nav = (
                    f"<div class='pagination'><a rel='next' href='{base}&amp;page={k + 1}'>"
                    "Tiếp</a></div>"
                    if k < len(pages)
                    else ""
                )
                body = f"<ol id='posts' class='posts'>{items}</ol>{nav}"
                path = base if k == 1 else f"{base}&page={k}"
                self._put(path, self._html(t.title, body, h1=False))  # <title> only
            last = t.posts[-1]
            rows.append(
                f"<li class='threadbit' id='thread_{t.id}'><div class='threadinfo'>"
                f"<h3 class='threadtitle'><a class='title' href='{base}'>{escape(t.title)}</a>"
                f"</h3></div><ul class='threadstats'><li>Trả lời: {len(t.posts) - 1}</li></ul>"
                f"<dl class='threadlastpost td'><dd>{last.time:%d/%m/%Y} "
                f"<span class='time'>{last.time:%H:%M}</span></dd></dl></li>"
            )
        self._index(
            "/vb/forumdisplay.php?f=1",
            rows,
            _Next("/vb/forumdisplay.php?f=1&page={}", "vb"),
            "<ol id='threads' class='threads'>{}</ol>",
        )

    def _vb_post(self, p: _Post) -> str:
        quote = ""
        if p.quote:
            q = p.quote
            quote = (
                '<div class="bbcode_container"><div class="bbcode_quote">'
                '<div class="quote_container"><div class="bbcode_postedby">Nguyên văn bởi '
                f"<strong>{q.author}</strong></div><div class='message'>{escape(q.text)}</div>"
                "</div></div></div>"
            )
        return (
            f'<li class="postbitlegacy postbitim postcontainer" id="post_{p.id}">'
            f'<div class="posthead"><span class="postdate old"><span class="date">'
            f"{p.time:%d/%m/%Y},&nbsp;<span class='time'>{p.time:%H:%M}</span></span></span>"
            '</div><div class="postdetails"><div class="userinfo">'
            f'<a class="username" href="member.php?u=1"><strong>{p.author}</strong></a></div>'
            f'<div class="postbody"><div class="postrow"><div class="content">'
            f'<div id="post_message_{p.id}"><blockquote class="postcontent restore">{quote}'
            f"{escape(p.text)}</blockquote></div></div></div></div></div></li>"
        )

    # phpBB 3 --------------------------------------------------------------------------------
    def _render_phpbb(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/phpbb/viewtopic.php?t={t.id}"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                items = "".join(self._phpbb_post(t, p) for p in posts)
                nav = (
                    f"<ul class='pagination'><li class='arrow next'><a rel='next' "
                    f"href='{base}&amp;start={k * self.ppp}'>Sau</a></li></ul>"
                    if k < len(pages)
                    else ""
                )
                path = base if k == 1 else f"{base}&start={(k - 1) * self.ppp}"
                self._put(path, self._html(t.title, items + nav))
            last = t.posts[-1]
            rows.append(
                "<li class='row bg1'><dl class='row-item'><dt><div class='list-inner'>"
                f"<a href='./viewtopic.php?t={t.id}' class='topictitle'>{escape(t.title)}</a>"
                f"</div></dt><dd class='posts'>{len(t.posts) - 1} <dfn>Trả lời</dfn></dd>"
                f"<dd class='lastpost'><span><time datetime='{last.time.isoformat()}'>"
                f"{last.time:%d/%m/%Y}</time></span></dd></dl></li>"
            )
        self._index(
            "/phpbb/viewforum.php?f=1",
            rows,
            _Next("/phpbb/viewforum.php?f=1&start={}", "phpbb"),
            "<ul class='topiclist topics'>{}</ul>",
        )

    def _phpbb_post(self, t: _Thread, p: _Post) -> str:
        quote = ""
        if p.quote:
            quote = (
                f"<blockquote><div><cite>{p.quote.author} đã viết:</cite>"
                f"{escape(p.quote.text)}</div></blockquote>"
            )
        return (
            f'<div id="p{p.id}" class="post has-profile bg2"><div class="inner">'
            f'<dl class="postprofile"><dt><a class="username">{p.author}</a></dt></dl>'
            f'<div class="postbody"><div id="post_content{p.id}"><h3>'
            f'<a href="#p{p.id}">Re: {escape(t.title)}</a></h3><p class="author">'
            f'<span class="responsive-hide">bởi <strong><a class="username">{p.author}</a>'
            f"</strong> » </span><time datetime='{p.time.isoformat()}'>"
            f"{p.time:%d/%m/%Y %H:%M}</time></p><div class='content'>{quote}"
            f"{escape(p.text)}</div></div></div></div></div>"
        )

    # Discourse (crawler view) ----------------------------------------------------------------
    def _render_discourse(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/discourse/t/{t.slug}/{t.id}"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                items = "".join(self._discourse_post(t.posts.index(p) + 1, p) for p in posts)
                nav = (
                    f"<div role='navigation'><a rel='next' href='{base}?page={k + 1}'>"
                    "next page →</a></div>"
                    if k < len(pages)
                    else ""
                )
                path = base if k == 1 else f"{base}?page={k}"
                modified = max(p.time for p in posts)
                page = self._html(t.title, f"<div id='main-outlet'>{items}{nav}</div>")
                self._put(path, page, modified=modified)
            last = t.posts[-1]
            rows.append(
                "<tr class='topic-list-item'><td class='main-link'>"
                f"<a href='{base}' class='title raw-link raw-topic-link'>{escape(t.title)}</a>"
                f"</td><td class='replies'><span class='posts'>{len(t.posts) - 1}</span></td>"
                f"<td class='activity' title='{last.time.isoformat()}'></td></tr>"
            )
        self._index(
            "/discourse/latest",
            rows,
            _Next("/discourse/latest?page={}", "discourse"),
            "<div class='topic-list'><table><tbody>{}</tbody></table></div>",
        )

    def _discourse_post(self, number: int, p: _Post) -> str:
        quote = ""
        if p.quote:
            quote = (
                f"<aside class='quote' data-username='{p.quote.author}'>"
                f"<div class='title'>{p.quote.author}:</div><blockquote>"
                f"<p>{escape(p.quote.text)}</p></blockquote></aside>"
            )
        return (
            f"<div id='post_{number}' itemscope class='topic-body crawler-post'>"
            "<div class='crawler-post-meta'><span class='creator' itemprop='author'>"
            f"<a href='/discourse/u/{p.author}'><span itemprop='name'>{p.author}</span></a>"
            "</span><span class='crawler-post-infos'><time itemprop='datePublished' "
            f"datetime='{p.time.isoformat()}' class='post-time'>{p.time:%d/%m/%Y %H:%M}</time>"
            f"</span></div><div class='post' itemprop='text'>{quote}<p>{escape(p.text)}</p>"
            "</div></div>"
        )

    # a generic board with unusual markup --------------------------------------------------
    def _render_board(self, threads: list[_Thread]) -> None:
        rows = []
        for t in threads:
            base = f"/board/threads/{t.slug}.{t.id}/"
            pages = self._pages_of(t)
            for k, posts in enumerate(pages, start=1):
                items = "".join(self._board_post(p) for p in posts)
                nav = (
                    f"<div class='pages'><a class='next' href='{base}page-{k + 1}'>»</a></div>"
                    if k < len(pages)
                    else ""
                )
                page = self._html(t.title, f"<section class='thread'>{items}</section>{nav}")
                self._put(base if k == 1 else f"{base}page-{k}", page)
            last_page = len(pages)
            jump = f" <a href='{base}page-{last_page}'>{last_page}</a>" if last_page > 1 else ""
            rows.append(
                f"<div class='structItem'><a href='{base}'>{escape(t.title)}</a>{jump}"
                f" <span class='meta'>bởi <a href='/board/members/{t.posts[0].author}.1/'>"
                f"{t.posts[0].author}</a></span></div>"
            )
        self._index(
            "/board/forums/di-dong/",
            rows,
            _Next("/board/forums/di-dong/?page={}", "board"),
            "<div class='listing'>{}</div>",
        )

    def _board_post(self, p: _Post) -> str:
        quote = ""
        if p.quote:
            quote = f"<div class='quote'><b>{p.quote.author}</b> viết: {escape(p.quote.text)}</div>"
        return (
            f"<div class='post' id='post-{p.id}'><div class='post-content'>"
            f"<span class='user'>{p.author}</span> · <span class='date'>"
            f"{p.time:%d/%m/%Y %H:%M}</span>{quote}<p>{escape(p.text)}</p></div></div>"
        )

    # news with comments ---------------------------------------------------------------------
    def _render_news(self) -> None:
        items = []
        for i, a in enumerate(self.articles):
            # half the comments name the author and date in spans, half in bare text
            comments = "".join(
                f"<div class='comment' data-comment-id='{c['id']}'>"
                + (
                    f"<span class='comment-author'>{c['author']}</span> "
                    f"<span class='comment-date'>{c['time']:%d/%m/%Y %H:%M}</span> "
                    if i % 2 == 0
                    else f"<b class='comment-author'>{c['author']}</b> {c['time']:%d/%m/%Y %H:%M} "
                )
                + f"{escape(c['text'])}</div>"
                for c in a["comments"]
            )
            paras = "".join(f"<p>{escape(p)}</p>" for p in a["paras"])
            self._put(
                a["path"],
                "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
                f"<title>{escape(a['title'])}</title>"
                f"<meta property='article:published_time' content='{a['time'].isoformat()}'>"
                f"<link rel='canonical' href='@@BASE@@{a['path']}'></head><body><main><article>"
                f"<h1>{escape(a['title'])}</h1>{paras}</article>"
                f"<section class='comments'>{comments}</section></main></body></html>",
            )
            items.append(
                f"<item><title>{escape(a['title'])}</title><link>@@BASE@@{a['path']}</link>"
                f"<guid>@@BASE@@{a['path']}</guid>"
                f"<pubDate>{format_datetime(a['time'].astimezone(UTC))}</pubDate></item>"
            )
        self._put(
            "/tin/rss.xml",
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tin</title>"
            f"{''.join(items)}</channel></rss>",
            content_type="application/rss+xml; charset=utf-8",
        )


class _Next:
    """The 'next page' link of a board's thread list."""

    def __init__(self, pattern: str, board: str) -> None:
        self.pattern = pattern
        self.board = board

    def path(self, k: int) -> str:
        if self.board == "phpbb":
            return self.pattern.format(25)
        if self.board == "discourse":
            return self.pattern.format(1)
        return self.pattern.format(k)

    def __call__(self, k: int) -> str:
        href = escape(self.path(k))
        if self.board == "xf2":
            return f"<a class='pageNav-jump pageNav-jump--next' href='{href}'>Tiếp</a>"
        if self.board == "xf1":
            return f"<div class='PageNav'><nav><a rel='next' class='text' href='{href}'>»</a></nav></div>"
        if self.board == "phpbb":
            return (
                f"<ul class='pagination'><li class='arrow next'><a href='{href}'>Sau</a></li></ul>"
            )
        if self.board == "board":
            return f"<div class='pages'><a class='next' href='{href}'>»</a></div>"
        return f"<a rel='next' href='{href}'>Tiếp</a>"


def boards_yaml(base: str, *, only: tuple[str, ...] = BOARDS, news: bool = True) -> str:
    """A sources file with one forum source per board (``preset: auto``) and the news feed."""
    host = base.split("://", 1)[1].split(":")[0]
    starts = {
        "xf2": "/xf2/forums/di-dong.1/",
        "xf1": "/xf1/forums/di-dong.1/",
        "vb": "/vb/forumdisplay.php?f=1",
        "phpbb": "/phpbb/viewforum.php?f=1",
        "discourse": "/discourse/latest",
        "board": "/board/forums/di-dong/",
    }
    lines = [
        "version: 1",
        "defaults:",
        f"  allowed_domains: [{host}]",
        "  brands: [Viettel, {name: VNPT, aliases: [vinaphone]}, MobiFone]",
        "  limits: {concurrency: 8, download_delay_s: 0}",
        "sources:",
    ]
    for board in only:
        lines += [
            f"  - name: forum-{board}",
            "    type: forum",
            "    channel: forum",
            f'    start_urls: ["{base}{starts[board]}"]',
        ]
    if news:
        lines += [
            "  - name: news",
            "    type: rss",
            "    channel: news",
            f'    start_urls: ["{base}/tin/rss.xml"]',
        ]
    return "\n".join(lines) + "\n"
