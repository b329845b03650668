"""Article pages: main text (trafilatura), title, time, author, and comments."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parsel import Selector

__all__ = [
    "Article",
    "Comment",
    "CommentSelectors",
    "body_text",
    "select",
    "extract_article",
    "extract_comments",
    "first_text",
    "own_text",
    "page_title",
    "pick",
    "strip_byline",
]

log = logging.getLogger(__name__)

_TIME_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//article//time/@datetime",
    "//time/@datetime",
)


@dataclass(frozen=True)
class Comment:
    comment_id: str
    author: str | None
    published_at: str | None
    text: str
    quoted_text: str | None

    def serialize(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None
    text: str | None
    published_at: str | None
    author: str | None
    comments: tuple[Comment, ...] = ()

    def serialize(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        data["comments"] = [c.serialize() for c in self.comments]
        return data


_QUOTES = (
    "blockquote, aside.quote, .bbCodeQuote, .bbcode_quote, .bbCodeBlock--quote, .quotecontent,"
    " .quote"
)
_NOISE = (
    "script, style, noscript, .bbCodeBlock-title, .quote-title, .quotetitle, .signature,"
    " .message-signature, .bbcode_postedby, .attribution, aside.quote > .title, cite"
)
_PSEUDO = re.compile(r"::(?:text|attr\([^)]*\))")
_LEADING_PUNCT = re.compile(r"^[^\w\n]*\n|^[\s·•|:,–-]+")
_LEADING_DATE = re.compile(
    r"^\s*(?:lúc\s+)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})"
    r"(?:[,\sT]+(?:lúc\s+)?\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?[\s,:–-]*"
)


def alternatives(selector: str) -> list[str]:
    """``"a, b::text"`` -> ``["a", "b::text"]`` (commas inside brackets or parentheses kept)."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in selector:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def select(node: Any, alternative: str) -> Any:
    """One alternative: CSS, or XPath after an ``xpath:`` prefix (``xpath:normalize-space(.//x)``)."""
    if alternative.startswith("xpath:"):
        return node.xpath(alternative.removeprefix("xpath:").strip())
    return node.css(alternative)


def pick(node: Any, selector: str | None) -> list[Selector]:
    """The nodes of the first alternative of ``selector`` that matches anything."""
    for alt in alternatives(selector or ""):
        found = select(node, alt)
        if found:
            return list(found)
    return []


def first_text(node: Any, selector: str | None) -> str | None:
    """The first non-blank string the alternatives of ``selector`` give, in order."""
    for alt in alternatives(selector or ""):
        for value in select(node, alt).getall():
            if value and value.strip():
                return value.strip()
    return None


def all_texts(node: Any, selector: str | None) -> list[str]:
    """Every non-blank string that any alternative of ``selector`` gives."""
    out = []
    for alt in alternatives(selector or ""):
        out += [v.strip() for v in select(node, alt).getall() if v and v.strip()]
    return out


def element_selector(selector: str | None) -> list[str]:
    """The element part of each alternative (``.user::text`` -> ``.user``; ``::attr(x)``: none)."""
    out = []
    for alt in alternatives(selector or ""):
        if alt.startswith("xpath:"):
            continue
        bare = _PSEUDO.sub("", alt).strip()
        if bare:
            out.append(bare)
    return out


def body_text(node: Selector, *, exclude: Sequence[str] = ()) -> tuple[str, str]:
    """(own words, quoted words) of a post or comment body.

    Quotes (``blockquote``, Discourse ``aside.quote``, vBulletin and phpBB quote boxes) go to the
    second string; the elements matched by the CSS selectors in ``exclude`` (the author and time
    of the post, when the page puts them inside the body), scripts, quote titles and signatures
    are left out of both.
    """
    root = node.root
    if not hasattr(root, "iterdescendants"):
        return _join([str(root)]), ""
    skip: set[Any] = set()
    for css in [_NOISE, *exclude]:
        try:
            skip.update(s.root for s in node.css(css) if s.root is not root)
        except ValueError:
            continue
    quotes = {s.root for s in node.css(_QUOTES) if s.root is not root}
    own: list[str] = []
    quoted: list[str] = []

    def walk(el: Any, into: list[str]) -> None:
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                if child.tail:
                    into.append(child.tail)
                continue
            if child in skip:
                pass
            elif child in quotes:
                if child.text:
                    quoted.append(child.text)
                walk(child, quoted)
            else:
                if child.text:
                    into.append(child.text)
                walk(child, into)
            if child.tail:
                into.append(child.tail)

    if isinstance(root.tag, str) and root.text:
        own.append(root.text)
    walk(root, own)
    return _join(own), _join(quoted)


def own_text(node: Selector) -> tuple[str, str]:
    """(own words, quoted words) of a post body: text inside ``blockquote`` is the quote."""
    return body_text(node)


def strip_byline(text: str, author: str | None) -> str:
    """Drop a leading author handle and a leading date/time (a byline glued to the words)."""
    for _ in range(3):
        text = _LEADING_PUNCT.sub("", text)
        before = text
        if author and text.casefold().startswith(author.casefold()):
            text = text[len(author) :].lstrip(" \t\n:,-–")
        text = _LEADING_DATE.sub("", text, count=1)
        if text == before:
            break
    return text


def _join(parts: list[str]) -> str:
    return "\n".join(p.strip() for p in parts if p.strip())


@dataclass(frozen=True)
class CommentSelectors:
    comment: str | None = "[data-comment-id]"
    comment_body: str | None = None
    comment_author: str | None = None
    comment_time: str | None = None


def page_title(sel: Selector) -> str | None:
    """The page's title: ``h1``, else ``og:title``, else ``<title>``."""
    for xpath in (
        "normalize-space(//h1)",
        "normalize-space(//meta[@property='og:title']/@content)",
        "normalize-space(//title)",
    ):
        value = sel.xpath(xpath).get()
        if value:
            return value
    return None


def extract_comments(sel: Selector, spec: CommentSelectors) -> list[Comment]:
    """The comments under an article, each without its author, date or quoted replies."""
    comments: list[Comment] = []
    if not spec.comment:
        return comments
    exclude = element_selector(spec.comment_author) + element_selector(spec.comment_time)
    for node in pick(sel, spec.comment):
        author = first_text(node, spec.comment_author)
        bodies = pick(node, spec.comment_body)
        text, quoted = body_text(bodies[0] if bodies else node, exclude=exclude)
        text = strip_byline(text, author)
        cid = (
            node.attrib.get("data-comment-id")
            or node.attrib.get("id")
            or hashlib.blake2b(f"{author}\x1f{text}".encode(), digest_size=8).hexdigest()
        )
        if not text:
            continue
        comments.append(
            Comment(
                comment_id=cid,
                author=author,
                published_at=first_text(node, spec.comment_time),
                text=text,
                quoted_text=quoted or None,
            )
        )
    return comments


def extract_article(
    sel: Selector, *, url: str, comments: CommentSelectors | None = None
) -> Article:
    """Extract an article (and its comments) from a parsed page (``response.selector``)."""
    canonical = (
        sel.xpath("//link[@rel='canonical']/@href").get()
        or sel.xpath("//meta[@property='og:url']/@content").get()
        or url
    )
    title = sel.xpath("normalize-space(//meta[@property='og:title']/@content)").get() or page_title(
        sel
    )
    published = next((v for x in _TIME_XPATHS if (v := sel.xpath(x).get())), None)
    author = (
        sel.xpath("//meta[@name='author']/@content").get()
        or sel.xpath("//*[@rel='author']//text()").get()
    )
    return Article(
        url=canonical,
        title=title,
        text=_main_text(sel, url=url),
        published_at=published,
        author=author,
        comments=tuple(extract_comments(sel, comments or CommentSelectors())),
    )


def _main_text(sel: Selector, *, url: str) -> str | None:
    import trafilatura

    html = sel.get()
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        favor_precision=True,
        with_metadata=False,
    )
    if text:
        return text
    paras = (
        sel.xpath("//article//p//text()[not(ancestor::*[contains(@class,'comment')])]").getall()
        or sel.xpath("//p//text()").getall()
    )
    return _join(paras) or None
