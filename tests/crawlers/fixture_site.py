"""The crawler tests' fixture site and a local HTTP server for tests and benchmarks (no network).

:class:`FixtureSite` builds a Vietnamese news/forum/review site of a few hundred pages with known
ground truth: an RSS feed of articles with comments, an Atom feed, a XenForo-style forum with
paginated threads (quotes, a repeated spam post, a malformed post), a sitemap of review pages,
a ``robots.txt`` that disallows ``/private/``, a 500 page, a slow page, a redirect loop, broken
HTML, a binary page, and a page in windows-1258 (decomposed tone marks). :meth:`apply_changes`
edits or adds ten pages. :class:`FixtureServer` serves it on 127.0.0.1 with ETag/Last-Modified,
answers conditional requests with 304, and logs every request.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "BRANDS",
    "FixtureServer",
    "FixtureSite",
    "Page",
    "RequestLog",
    "encode_cp1258",
    "sources_yaml",
]

BRANDS = ("Viettel", "VNPT", "MobiFone")
ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=ICT)

_SUBJECTS = (
    "Mạng {b}",
    "Gói cước của {b}",
    "Tổng đài {b}",
    "Sóng 4G {b}",
    "Cáp quang {b}",
    "Nhân viên {b}",
    "Ứng dụng My{b}",
    "Sim {b}",
    "Dịch vụ 5G của {b}",
)
_PREDICATES = (
    "dạo này khá ổn định, tốc độ tốt",
    "hỗ trợ rất nhanh, mình hài lòng",
    "giá rẻ mà sóng mạnh",
    "chậm quá, mất sóng liên tục",
    "tính cước đắt, bực thật",
    "gọi mãi không ai nghe, tệ",
    "vừa đổi gói mới",
    "có khuyến mãi tháng này",
    "lỗi đăng nhập cả buổi sáng",
    "tuyệt vời, xem phim không giật",
)
_PLACES = (
    "ở Hà Nội",
    "tại quận 3",
    "ở Đà Nẵng",
    "khu Cầu Giấy",
    "ở Cần Thơ",
    "vùng ven Huế",
    "tại Biên Hòa",
    "ở Hải Phòng",
    "gần chợ Bến Thành",
    "trên cao tốc",
)
_OTHER = (
    "Hôm nay trời mưa to quá",
    "Ai biết quán phở nào ngon không",
    "Điện thoại mới pin trâu ghê",
    "Cuối tuần này đi Vũng Tàu",
    "Xe máy bị thủng săm giữa đường",
    "Giá vàng lại tăng",
    "Con mèo nhà mình biếng ăn",
    "Trận bóng tối qua hay thật",
    "Mình mới đổi laptop",
)
_TAILS = (
    "mọi người thấy sao",
    "ai gặp giống mình không",
    "chia sẻ cho anh em",
    "cập nhật thêm sau",
    "thật sự bất ngờ",
    "đã phản ánh lên fanpage",
    "nhờ tư vấn giúp",
)
_NAMES = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng",
    "Phạm Minh Châu",
    "Vũ Đức",
    "Đặng Thu",
    "Bùi Quang Huy",
    "Hoàng Yến",
    "Phan Tuấn",
    "Đỗ Lan",
)
_SPAM = "Mua sim số đẹp Viettel giá rẻ liên hệ ngay, giao tận nơi toàn quốc, uy tín số một"


@dataclass
class Page:
    body: bytes | str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    delay_s: float = 0.0
    modified: datetime = T0


@dataclass(frozen=True)
class Expected:
    native_id: str
    kind: str
    text: str
    brands: tuple[str, ...]


@dataclass
class RequestLog:
    entries: list[tuple[str, int, bool]] = field(default_factory=list)  # path, status, conditional
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, status: int, conditional: bool) -> None:
        with self.lock:
            self.entries.append((path, status, conditional))

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def paths(self, status: int | None = None) -> list[str]:
        with self.lock:
            return [p for p, s, _ in self.entries if status is None or s == status]


def encode_cp1258(text: str) -> bytes:
    """Vietnamese text in windows-1258: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        marks = "".join(c for c in parts if c in tones)
        out.append((base + marks).encode("cp1258"))
    return b"".join(out)


def _mentions(text: str, brands: tuple[str, ...] = BRANDS) -> tuple[str, ...]:
    low = text.casefold()
    return tuple(b for b in brands if re.search(rf"(?<!\w){re.escape(b.casefold())}(?!\w)", low))


class FixtureSite:
    """The pages (path -> :class:`Page`) and the items a correct crawl must store."""

    def __init__(
        self,
        *,
        seed: int = 0,
        n_articles: int = 80,
        n_threads: int = 36,
        posts_per_page: int = 10,
        n_reviews: int = 24,
        n_blog: int = 10,
        slow_s: float = 1.0,
    ) -> None:
        self.rng = random.Random(seed)
        self.posts_per_page = posts_per_page
        self.slow_s = slow_s
        self.pages: dict[str, Page] = {}
        self.expected: dict[str, Expected] = {}
        self._post_id = 1000
        self._comment_id = 1
        self.articles: list[dict[str, Any]] = []
        self.threads: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.blog: list[dict[str, Any]] = []
        for i in range(n_articles):
            self.articles.append(self._new_article(i))
        for i in range(n_threads):
            self.threads.append(self._new_thread(i))
        for i in range(n_reviews):
            self.reviews.append(self._new_doc("reviews", i, T0 + timedelta(hours=i)))
        for i in range(n_blog):
            self.blog.append(self._new_doc("blog", i, T0 + timedelta(hours=3 * i)))
        self._render_all()

    # -- text ---------------------------------------------------------------------------
    def _sentence(self, brand_p: float = 0.6) -> str:
        r = self.rng
        if r.random() < brand_p:
            b = r.choice(BRANDS)
            s = f"{r.choice(_SUBJECTS).format(b=b)} {r.choice(_PREDICATES)} {r.choice(_PLACES)}"
            if r.random() < 0.2:
                s += f", so sánh với {r.choice([x for x in BRANDS if x != b])}"
        else:
            s = f"{r.choice(_OTHER)} {r.choice(_PLACES)}"
        s += f", {r.choice(_TAILS)} (mã {r.randrange(10**6):06d})."
        if r.random() < 0.08:
            s += f" Liên hệ 09{r.randrange(10**8):08d} hoặc user{r.randrange(999)}@gmail.com."
        return s

    def _paragraphs(self, n: int, brand_p: float) -> list[str]:
        first = self._sentence(brand_p) + " " + self._sentence(0.0)
        rest = [
            self._sentence(0.0) + " " + self._sentence(0.0) + " " + self._sentence(0.0)
            for _ in range(n - 1)
        ]
        return [first, *rest]

    # -- content ------------------------------------------------------------------------
    def _new_article(self, i: int, *, when: datetime | None = None) -> dict[str, Any]:
        paras = self._paragraphs(4, 0.6)
        when = when or T0 + timedelta(minutes=37 * i)
        comments = []
        for _ in range(self.rng.randrange(0, 3)):
            comments.append(
                {
                    "id": f"c{self._comment_id}",
                    "author": self.rng.choice(_NAMES),
                    "text": self._sentence(0.5),
                    "time": when + timedelta(hours=1),
                }
            )
            self._comment_id += 1
        return {
            "path": f"/news/bai-viet-{i}.html",
            "title": f"Tin công nghệ số {i}",
            "paras": paras,
            "time": when,
            "comments": comments,
            "updated": None,
        }

    def _new_doc(self, kind: str, i: int, when: datetime) -> dict[str, Any]:
        return {
            "path": f"/{kind}/{i}.html",
            "title": f"Đánh giá {i}" if kind == "reviews" else f"Blog {i}",
            "paras": self._paragraphs(3, 0.6),
            "time": when,
            "comments": [],
            "updated": None,
        }

    def _post(self, when: datetime, quote: dict[str, Any] | None = None) -> dict[str, Any]:
        self._post_id += 1
        return {
            "id": self._post_id,
            "author": self.rng.choice(_NAMES),
            "time": when,
            "text": self._sentence(0.55),
            "quote": quote,
        }

    def _new_thread(self, i: int) -> dict[str, Any]:
        n = self.rng.randrange(3, 36)
        start = T0 + timedelta(hours=5 * i)
        posts: list[dict[str, Any]] = []
        for k in range(n):
            quote = posts[-1] if posts and self.rng.random() < 0.25 else None
            posts.append(self._post(start + timedelta(minutes=13 * k), quote))
        if i == 3 and n >= 4:  # the same spam twice on one page: the second is a near-duplicate
            posts[1]["text"] = _SPAM
            posts[2]["text"] = _SPAM
        return {
            "id": 100 + i,
            "slug": f"hoi-dap-nha-mang-{i}",
            "title": f"Hỏi đáp nhà mạng {i}",
            "posts": posts,
            "malformed": i == 5,
        }

    # -- rendering ----------------------------------------------------------------------
    def _put(self, path: str, body: str | bytes, *, modified: datetime, **kw: Any) -> None:
        self.pages[path] = Page(body=body, modified=modified, **kw)

    def _article_html(self, a: dict[str, Any]) -> str:
        paras = "".join(f"<p>{escape(p)}</p>" for p in a["paras"])
        comments = "".join(
            f'<div class="comment" data-comment-id="{c["id"]}" data-author="{escape(c["author"])}">'
            f'<time datetime="{c["time"].isoformat()}"></time>'
            f'<div class="comment-content">{escape(c["text"])}</div></div>'
            for c in a["comments"]
        )
        return (
            "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
            f"<title>{escape(a['title'])}</title>"
            f"<meta property='og:title' content='{escape(a['title'])}'>"
            f"<meta property='article:published_time' content='{a['time'].isoformat()}'>"
            f"<link rel='canonical' href='@@BASE@@{a['path']}'></head><body>"
            "<header><nav><a href='/'>Trang chủ</a> | <a href='/forums/di-dong.1/'>Diễn đàn</a>"
            "</nav></header><main><article>"
            f"<h1>{escape(a['title'])}</h1>{paras}</article>"
            f"<section class='comments' id='comments'>{comments}</section></main>"
            "<footer>© Báo Số</footer></body></html>"
        )

    def _expect_doc(self, a: dict[str, Any]) -> None:
        native = f"@@BASE@@{a['path']}"
        text = "\n".join(a["paras"])
        self.expected[native] = Expected(native, "article", text, _mentions(text))
        for c in a["comments"]:
            nid = f"@@HOST@@:comment:{c['id']}"
            self.expected[nid] = Expected(nid, "comment", c["text"], _mentions(c["text"]))

    def _thread_pages(self, t: dict[str, Any]) -> list[list[dict[str, Any]]]:
        ppp = self.posts_per_page
        return [t["posts"][k : k + ppp] for k in range(0, len(t["posts"]), ppp)]

    def _thread_html(
        self, t: dict[str, Any], page_no: int, posts: list[dict[str, Any]], n_pages: int
    ) -> str:
        base = f"/threads/{t['slug']}.{t['id']}/"
        arts = []
        for j, p in enumerate(posts):
            quote = ""
            if p["quote"] is not None:
                q = p["quote"]
                quote = (
                    f'<blockquote class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote"'
                    f' data-quote="{escape(q["author"])}" data-source="post: {q["id"]}">'
                    f'<div class="bbCodeBlock-title">{escape(q["author"])} đã viết:</div>'
                    f'<div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent">'
                    f"{escape(q['text'])}</div></div></blockquote>"
                )
            if t["malformed"] and page_no == 1 and j == 0:
                arts.append('<article class="message message--post"><div>bài lỗi</div></article>')
            arts.append(
                f'<article class="message message--post" data-author="{escape(p["author"])}"'
                f' data-content="post-{p["id"]}" id="js-post-{p["id"]}">'
                f'<div class="message-userDetails"><h4 class="message-name">'
                f'<a class="username">{escape(p["author"])}</a></h4></div>'
                f'<div class="message-attribution"><time class="u-dt" '
                f'datetime="{p["time"].isoformat()}">{p["time"]:%d/%m/%Y}</time></div>'
                f'<div class="message-content"><div class="message-body"><div class="bbWrapper">'
                f"{quote}{escape(p['text'])}</div></div></div></article>"
            )
        nav = ""
        if page_no < n_pages:
            nav = f'<nav class="pageNav"><a class="pageNav-jump pageNav-jump--next" href="{base}page-{page_no + 1}">Tiếp</a></nav>'
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(t['title'])}</title>"
            f"</head><body><h1 class='p-title-value'>{escape(t['title'])}</h1>"
            f"<div class='block-body'>{''.join(arts)}</div>{nav}</body></html>"
        )

    def _render_all(self) -> None:
        self.pages.clear()
        self.expected.clear()
        self._put(
            "/robots.txt",
            "User-agent: *\nDisallow: /private/\n",
            modified=T0,
            content_type="text/plain",
        )
        self._put("/", "<html><body><a href='/rss/so-hoa.rss'>RSS</a></body></html>", modified=T0)
        # news
        for a in self.articles:
            self._put(a["path"], self._article_html(a), modified=a["updated"] or a["time"])
            self._expect_doc(a)
        specials = self._render_specials()
        items = []
        for a in [*self.articles, *specials]:
            upd = f"<updated>{a['updated'].isoformat()}</updated>" if a.get("updated") else ""
            items.append(
                f"<item><title>{escape(a['title'])}</title><link>@@BASE@@{a['path']}</link>"
                f"<guid>@@BASE@@{a['path']}</guid>"
                f"<pubDate>{format_datetime(a['time'])}</pubDate>{upd}</item>"
            )
        newest = max(a["updated"] or a["time"] for a in self.articles)
        self._put(
            "/rss/so-hoa.rss",
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
            "xmlns:atom='http://www.w3.org/2005/Atom'><channel><title>Số hóa</title>"
            f"{''.join(items)}</channel></rss>",
            modified=newest,
            content_type="application/rss+xml; charset=utf-8",
        )
        # blog (Atom)
        entries = []
        for b in self.blog:
            self._put(b["path"], self._article_html(b), modified=b["time"])
            self._expect_doc(b)
            entries.append(
                f"<entry><title>{escape(b['title'])}</title><id>tag:blog,{b['path']}</id>"
                f"<link rel='alternate' href='@@BASE@@{b['path']}'/>"
                f"<updated>{b['time'].isoformat()}</updated></entry>"
            )
        self._put(
            "/atom.xml",
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns="
            f"'http://www.w3.org/2005/Atom'><title>Blog</title>{''.join(entries)}</feed>",
            modified=T0,
            content_type="application/atom+xml",
        )
        # reviews (sitemap)
        urls = []
        for r in self.reviews:
            self._put(r["path"], self._article_html(r), modified=r["updated"] or r["time"])
            self._expect_doc(r)
            lastmod = (r["updated"] or r["time"]).isoformat()
            urls.append(f"<url><loc>@@BASE@@{r['path']}</loc><lastmod>{lastmod}</lastmod></url>")
        half = (len(self.reviews) + 1) // 2
        for k, chunk in enumerate((self.reviews[:half], self.reviews[half:]), start=1):
            links = "".join(
                f"<li><a href='{r['path']}'>{escape(r['title'])}</a></li>" for r in chunk
            )
            nxt = "<a class='next' href='/reviews/page-2'>Sau</a>" if k == 1 else ""
            self._put(
                "/reviews/" if k == 1 else "/reviews/page-2",
                f"<html><body><ul class='list'>{links}</ul>{nxt}</body></html>",
                modified=T0,
            )
        self._put(
            "/sitemap.xml",
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            f"'http://www.sitemaps.org/schemas/sitemap/0.9'>{''.join(urls)}</urlset>",
            modified=T0,
            content_type="application/xml",
        )
        self._render_forum()

    def _render_specials(self) -> list[dict[str, Any]]:
        legacy: dict[str, Any] = {
            "path": "/news/legacy-1258.html",
            "title": "Bảng mã cũ",
            "time": T0,
            "updated": None,
            "paras": [
                "Khách hàng phản ánh mạng Viettel ở Nghệ An "
                "chập chờn, tốc độ tải xuống rất chậm vào buổi tối, nhân viên hứa sẽ kiểm tra.",
                "Nhiều người dùng khác cũng cho biết tình trạng tương tự kéo dài cả tuần.",
            ],
            "comments": [],
        }
        html = self._article_html(legacy).replace(
            "<meta charset='utf-8'>",
            "<meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>",
        )
        self._put(legacy["path"], encode_cp1258(html), modified=T0, content_type="text/html")
        self._expect_doc(legacy)
        slow: dict[str, Any] = {
            "path": "/news/cham.html",
            "title": "Trang chậm",
            "time": T0,
            "updated": None,
            "paras": [
                f"Trang này phản hồi chậm nhưng vẫn nói về {b} và chất lượng dịch vụ "
                "chăm sóc khách hàng trong tháng qua."
                for b in ("VNPT",)
            ]
            + ["Phần còn lại của bài viết không nhắc tới nhà mạng nào cả, chỉ là nội dung dài."],
            "comments": [],
        }
        self._put(slow["path"], self._article_html(slow), modified=T0, delay_s=self.slow_s)
        self._expect_doc(slow)
        broken: dict[str, Any] = {
            "path": "/news/hong.html",
            "title": "HTML hỏng",
            "time": T0,
            "updated": None,
            "paras": [
                "MobiFone vừa tăng tốc độ 4G tại miền Trung, người dùng khá hài lòng "
                "với chất lượng cuộc gọi và giá cước."
            ],
            "comments": [],
        }
        self._put(
            broken["path"],
            "<html><head><title>HTML hỏng</title></head><body><div><article>"
            f"<h1>HTML hỏng<p>{escape(broken['paras'][0])}<p><b>chưa đóng thẻ <div><span>"
            "\x00\x01 rác <<<>>> </tbody></table></html></html>",
            modified=T0,
        )
        self._expect_doc(broken)
        self._put("/error/500.html", "lỗi máy chủ", status=500, modified=T0)
        self._put("/loop/a", "", status=302, location="/loop/b", modified=T0)
        self._put("/loop/b", "", status=302, location="/loop/a", modified=T0)
        self._put(
            "/news/tep.bin",
            bytes(range(256)) * 4,
            content_type="application/octet-stream",
            modified=T0,
        )
        self._put(
            "/private/bi-mat.html",
            self._article_html(
                {
                    "path": "/private/bi-mat.html",
                    "title": "Bí mật",
                    "time": T0,
                    "updated": None,
                    "paras": ["Viettel bí mật không được thu thập."],
                    "comments": [],
                }
            ),
            modified=T0,
        )
        extra = [
            {"path": p, "title": p, "time": T0, "updated": None}
            for p in ("/error/500.html", "/loop/a", "/news/tep.bin", "/private/bi-mat.html")
        ]
        return [legacy, slow, broken, *extra]

    def _render_forum(self) -> None:
        rows = []
        for t in self.threads:
            pages = self._thread_pages(t)
            base = f"/threads/{t['slug']}.{t['id']}/"
            for k, posts in enumerate(pages, start=1):
                path = base if k == 1 else f"{base}page-{k}"
                modified = max(p["time"] for p in posts)
                self._put(path, self._thread_html(t, k, posts, len(pages)), modified=modified)
            seen_text: set[str] = set()
            for p in t["posts"]:
                nid = f"@@HOST@@:post:{p['id']}"
                if p["text"] in seen_text:
                    continue
                seen_text.add(p["text"])
                self.expected[nid] = Expected(nid, "post", p["text"], _mentions(p["text"]))
            last = t["posts"][-1]
            rows.append(
                f"<div class='structItem structItem--thread'><div class='structItem-title'>"
                f"<a href='{base}'>{escape(t['title'])}</a></div>"
                f"<div class='structItem-cell--meta'><dl><dt>Trả lời</dt><dd>{len(t['posts']) - 1}</dd>"
                f"</dl></div><time class='structItem-latestDate u-dt' "
                f"datetime='{last['time'].isoformat()}'></time></div>"
            )
        rows.append(
            "<div class='structItem structItem--thread'><div class='structItem-title'>"
            "<a href='/private/threads/an.1/'>Ẩn</a></div></div>"
        )
        half = (len(rows) + 1) // 2
        for k, chunk in enumerate((rows[:half], rows[half:]), start=1):
            path = "/forums/di-dong.1/" if k == 1 else "/forums/di-dong.1/page-2"
            nav = (
                (
                    "<a class='pageNav-jump pageNav-jump--next' href='/forums/di-dong.1/page-2'>"
                    "Tiếp</a>"
                )
                if k == 1
                else ""
            )
            self._put(
                path,
                f"<html><body><h1>Di động</h1>{''.join(chunk)}{nav}</body></html>",
                modified=T0,
            )

    # -- ground truth -------------------------------------------------------------------
    def expected_items(self, base: str, *, brands: tuple[str, ...] = BRANDS) -> dict[str, Expected]:
        """Items a correct crawl stores (own words naming a watched brand), by native id."""
        host = base.split("://", 1)[1]
        out = {}
        for nid, e in self.expected.items():
            if _mentions(e.text, brands):
                real = nid.replace("@@BASE@@", base).replace("@@HOST@@", host)
                out[real] = Expected(real, e.kind, e.text, e.brands)
        return out

    def content_paths(self) -> list[str]:
        return sorted(self.pages)

    # -- changes ------------------------------------------------------------------------
    def apply_changes(self) -> list[str]:
        """Change ten content pages (new and edited articles, new posts, a new thread, an edited
        review); returns the paths of those pages. Listing pages change along with them."""
        changed: list[str] = []
        t_new = T0 + timedelta(days=20)
        for k in range(2):
            a = self._new_article(len(self.articles), when=t_new + timedelta(minutes=k))
            a["paras"][0] = f"Bài mới: Viettel và VNPT cạnh tranh gói 5G {k}, người dùng hài lòng."
            self.articles.append(a)
            changed.append(a["path"])
        edited = self.articles[1]
        edited["paras"][0] = "Cập nhật: MobiFone khắc phục sự cố mất sóng, hỗ trợ rất nhanh."
        edited["updated"] = t_new + timedelta(hours=1)
        changed.append(edited["path"])
        n = 0
        for t in self.threads:
            if n == 5:
                break
            if len(t["posts"]) % self.posts_per_page == 0 or t["malformed"]:
                continue
            post = self._post(t_new + timedelta(hours=2 + n))
            post["text"] = f"Cập nhật {n}: sóng Viettel đã ổn định trở lại {_PLACES[n]}, cảm ơn."
            t["posts"].append(post)
            pages = self._thread_pages(t)
            base = f"/threads/{t['slug']}.{t['id']}/"
            changed.append(base if len(pages) == 1 else f"{base}page-{len(pages)}")
            n += 1
        thread = self._new_thread(len(self.threads))
        thread["posts"] = thread["posts"][:4]
        thread["posts"][0]["text"] = "Chủ đề mới: ai dùng VNPT cáp quang thấy ổn không?"
        self.threads.insert(0, thread)
        changed.append(f"/threads/{thread['slug']}.{thread['id']}/")
        review = self.reviews[2]
        review["paras"][0] = "Đánh giá lại: MobiFone cải thiện tổng đài, nhân viên thân thiện."
        review["updated"] = t_new + timedelta(hours=9)
        changed.append(review["path"])
        self._render_all()
        return changed


def sources_yaml(base: str) -> str:
    """A sources file for the fixture site at ``base`` (``http://127.0.0.1:PORT``)."""
    host = base.split("://", 1)[1].split(":")[0]
    return f"""\
version: 1
defaults:
  allowed_domains: [{host}]
  brands:
    - Viettel
    - {{name: VNPT, aliases: [vinaphone]}}
    - MobiFone
  limits: {{concurrency: 8, download_delay_s: 0}}
sources:
  - name: fixture-news
    type: rss
    channel: news
    start_urls: ["{base}/rss/so-hoa.rss", "{base}/atom.xml"]
  - name: fixture-forum
    type: forum
    channel: forum
    start_urls: ["{base}/forums/di-dong.1/"]
  - name: fixture-reviews
    type: sitemap
    channel: review
    start_urls: ["{base}/sitemap.xml"]
"""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        srv = self.server
        path = self.path.split("?", 1)[0]
        conditional = bool(
            self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        )
        if srv.gate is not None and path != "/robots.txt":
            srv.gate.wait(timeout=60)
        page = srv.site.pages.get(self.path) or srv.site.pages.get(path)  # query, then path
        if page is None:
            self._send(404, b"not found", "text/plain")
            srv.log.add(path, 404, conditional)
            return
        if page.delay_s:
            time.sleep(page.delay_s)
        if srv.delay_s:
            time.sleep(srv.delay_s)
        if page.status in (301, 302):
            self._send(page.status, b"", "text/html", extra={"Location": page.location or "/"})
            srv.log.add(path, page.status, conditional)
            return
        body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
        body = body.replace(b"@@BASE@@", srv.base.encode()).replace(b"@@HOST@@", srv.host.encode())
        if page.status != 200:
            self._send(page.status, body, page.content_type)
            srv.log.add(path, page.status, conditional)
            return
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        last_modified = format_datetime(page.modified.astimezone(UTC), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "max-age=0"}
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", None, extra=headers)
            srv.log.add(path, 304, conditional)
            return
        self._send(200, body, page.content_type, extra=headers)
        srv.log.add(path, 200, conditional)

    def _send(
        self, status: int, body: bytes, ctype: str | None, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs when crawlers open many connections
    site: FixtureSite
    log: RequestLog
    base: str
    host: str
    delay_s: float
    gate: threading.Event | None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the SIGKILL tests) is expected; stay quiet about it."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FixtureServer:
    """Serves a :class:`FixtureSite` on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, site: FixtureSite, *, delay_s: float = 0.0) -> None:
        self.site = site
        self.log = RequestLog()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = site
        self._server.log = self.log
        self._server.delay_s = delay_s
        self._server.gate = None
        port = self._server.server_address[1]
        self.host = f"127.0.0.1:{port}"
        self.base = f"http://{self.host}"
        self._server.base = self.base
        self._server.host = self.host
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def hold(self) -> threading.Event:
        """Hold every request but robots.txt until the returned event is set."""
        self._server.gate = threading.Event()
        return self._server.gate

    @property
    def delay_s(self) -> float:
        return self._server.delay_s

    @delay_s.setter
    def delay_s(self, value: float) -> None:
        self._server.delay_s = value

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
