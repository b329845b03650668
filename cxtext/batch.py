"""Batch scoring of text files into VoC records: CSV, JSONL or Parquet in, a store out.

Each row's text is cleaned (:func:`cxtext.normalize` with ``social=False``: NFC, one tone-mark
convention, spacing), PII-masked (:func:`cxtext.mask_pii`), searched for brands
(:func:`cxtext.brands`), scored for sentiment and aspects (``cxtext.sentiment_batch`` and
``cxtext.aspects`` when the package provides them; other analyzers can be injected), optionally
checked for near-duplicates, and upserted as a :class:`cxvoc.Record`. A malformed row (bad
encoding, bad JSON, missing or unusable text, bad timestamp) is reported as ``file:line: reason``
and counted; every other row is scored. Every analyzer runs inside the per-row error handling:
one that fails on a row (an over-long normalized text, say) makes that row malformed, never the
file. NUL characters are removed from every value and counted (``ScoreReport.nul_removed``). A CSV
record that runs over lines because of an unclosed quote is reported with every line it swallowed
counted. Files in another encoding than UTF-8 are read with ``encoding=`` (``cp1258`` for
Windows-1258); a row that is not valid in the encoding names the option. Re-running is idempotent
(record ids come from an id column or a hash of the cleaned text).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import importlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from .brands import BrandLexicon, BrandSpan, brands
from .errors import CxTextError, ModelError, TextInputError
from .normalize import normalize
from .normalize._input import DEFAULT_MAX_CHARS, check_text
from .pii import find_pii

__all__ = ["RowProblem", "ScoreReport", "TextResult", "TextScorer", "read_rows", "score_file"]

log = logging.getLogger(__name__)

InputFormat = Literal["csv", "jsonl", "parquet"]
ProgressHook = Callable[[int, int | None], None]
_SUFFIXES: dict[str, InputFormat] = {
    ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
}  # fmt: skip
_SURROGATE = re.compile("[\udc80-\udcff]")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_PROBLEMS_KEPT = 1000


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not scored: ``file:line: reason``."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScoreReport:
    """What :func:`score_file` did. ``problems`` keeps the first 1,000 malformed rows."""

    path: str
    rows: int
    scored: int
    written: int
    malformed: int
    near_duplicates: int = 0
    problems: tuple[RowProblem, ...] = ()
    analyzers: tuple[str, ...] = ()
    nul_removed: int = 0

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [p.serialize() for p in self.problems]
        return out


@dataclass(frozen=True)
class TextResult:
    """The analysis of one text: cleaned and masked text, PII count, brands, sentiment."""

    text: str
    pii: int
    brands: tuple[BrandSpan, ...]
    sentiment: Any | None = None
    aspects: tuple[Any, ...] = ()

    def serialize(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "pii": self.pii,
            "brands": [b.serialize() for b in self.brands],
            "sentiment": _plain(self.sentiment),
            "aspects": [_plain(a) for a in self.aspects],
        }


def _plain(value: Any) -> Any:
    if value is None:
        return None
    for method in ("serialize", "model_dump"):
        if hasattr(value, method):
            return getattr(value, method)()
    return value


@dataclass
class TextScorer:
    """The per-text steps of batch scoring, with the analyzers injectable.

    ``sentiment_batch(texts) -> [obj with .label, .score]`` and ``aspects(text) -> [obj with
    .aspect, .label, .score]`` default to ``cxtext.sentiment_batch`` / ``cxtext.aspects`` when
    those exist (pass ``use_default_models=False`` to score without them).
    """

    sentiment_batch: Callable[[list[str]], Sequence[Any]] | None = None
    aspects: Callable[[str], Sequence[Any]] | None = None
    lexicon: BrandLexicon | str | Path | None = None
    use_default_models: bool = True
    max_chars: int = DEFAULT_MAX_CHARS
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.use_default_models:
            package = importlib.import_module("cxtext")
            if self.sentiment_batch is None:
                self.sentiment_batch = getattr(package, "sentiment_batch", None)
            if self.aspects is None:
                self.aspects = getattr(package, "aspects", None)
        self.names = ["normalize", "mask_pii", "brands"]
        self.names += ["sentiment"] if self.sentiment_batch else []
        self.names += ["aspects"] if self.aspects else []
        if self.sentiment_batch is None:
            log.warning("no sentiment analyzer available: records get no sentiment")

    def clean(self, text: str) -> tuple[str, int]:
        """Cleaned (NFC, tone marks, spacing) and PII-masked text, and how many PII spans."""
        clean = normalize(text, social=False, max_chars=self.max_chars)
        spans = find_pii(clean, max_chars=self.max_chars)
        if not spans:
            return clean, 0
        parts, last = [], 0
        for span in spans:
            parts += [clean[last : span.start], span.token]
            last = span.end
        parts.append(clean[last:])
        return "".join(parts), len(spans)

    def score(self, texts: Sequence[str], *, pii: Sequence[int] | None = None) -> list[TextResult]:
        """Analyze cleaned texts (the output of :meth:`clean`; ``pii`` its span counts); the
        first analyzer error is raised (see :meth:`score_each` for per-text errors)."""
        out = []
        for result in self.score_each(texts, pii=pii):
            if isinstance(result, str):
                raise CxTextError(result)
            out.append(result)
        return out

    def score_each(
        self, texts: Sequence[str], *, pii: Sequence[int] | None = None
    ) -> list[TextResult | str]:
        """Like :meth:`score`, but a text on which an analyzer fails gives the reason (``str``,
        naming the analyzer) in its place; the other texts are scored. A missing model
        (:class:`cxtext.ModelError`) is not a row's fault and is raised."""
        sentiments: list[Any] = [None] * len(texts)
        failed: dict[int, str] = {}
        if self.sentiment_batch is not None and texts:
            try:
                sentiments = list(self.sentiment_batch(list(texts)))
                if len(sentiments) != len(texts):
                    raise CxTextError(f"{len(sentiments)} results for {len(texts)} texts")
            except ModelError:
                raise
            except Exception:  # noqa: BLE001 - find the texts it fails on, one by one
                sentiments = [None] * len(texts)
                for k, text in enumerate(texts):
                    try:
                        sentiments[k] = self.sentiment_batch([text])[0]
                    except ModelError:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        failed[k] = f"sentiment failed: {exc}"
        out: list[TextResult | str] = []
        counts = pii if pii is not None else [0] * len(texts)
        for k, (text, n_pii, sentiment) in enumerate(zip(texts, counts, sentiments, strict=True)):
            if k in failed:
                out.append(failed[k])
                continue
            step = "brands"
            try:
                found = tuple(brands(text, lexicon=self.lexicon, max_chars=self.max_chars))
                step = "aspects"
                aspects = tuple(self.aspects(text)) if self.aspects is not None else ()
            except ModelError:
                raise
            except Exception as exc:  # noqa: BLE001 - one text never sinks the batch
                out.append(f"{step} failed: {exc}")
                continue
            out.append(TextResult(text, n_pii, found, sentiment, aspects))
        return out


# -- reading ------------------------------------------------------------------------------------
Row = tuple[int, dict[str, Any] | None, str | None]  # line, row or None, problem or None


def read_rows(
    path: str | Path,
    *,
    format: InputFormat | None = None,
    batch_size: int = 10_000,
    encoding: str = "utf-8",
) -> Iterator[Row]:
    """``(line, row, None)`` for each good row and ``(line, None, reason)`` for each bad one.

    ``line`` is the 1-based line of the row in a CSV (the header is line 1) or JSONL file, and
    the 1-based row number in a Parquet file. ``encoding`` is that of CSV and JSONL files
    (``cp1258`` for Windows-1258); a line not valid in it is a bad row whose reason names the
    option.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise TextInputError(
            f"encoding={encoding!r} is not a known text encoding (e.g. utf-8, cp1258, utf-16)"
        ) from None
    path = Path(path)
    fmt = format or _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise TextInputError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; accepted: "
            f"{sorted(_SUFFIXES)} (or pass format='csv'|'jsonl'|'parquet')"
        )
    if not path.is_file():
        raise TextInputError(f"{path}: no such file")
    if fmt == "csv":
        yield from _read_csv(path, encoding)
    elif fmt == "jsonl":
        yield from _read_jsonl(path, encoding)
    else:
        yield from _read_parquet(path, batch_size)


def _not_in(encoding: str) -> str:
    if codecs.lookup(encoding).name == "utf-8":
        return (
            "bytes that are not UTF-8; if the file is Windows-1258 pass --encoding cp1258 "
            "(encoding='cp1258'); VNI files must first be converted to Unicode (e.g. Unikey's "
            "converter)"
        )
    return f"bytes that are not valid {encoding}"


def _read_csv(path: Path, encoding: str = "utf-8") -> Iterator[Row]:
    csv.field_size_limit(1 << 30)
    enc = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    with path.open(encoding=enc, errors="surrogateescape", newline="") as fh:
        # strict: a quote that closes a field must be followed by a separator, so an unclosed
        # quote that would swallow the next rows is an error instead of one merged row
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TextInputError(f"{path}:1: unreadable CSV header ({exc})") from None
        if _SURROGATE.search("".join(header)):
            raise TextInputError(f"{path}:1: the CSV header holds {_not_in(encoding)}")
        line = reader.line_num
        while True:
            start = line + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num
                if line > start:  # every line the broken record swallowed is a lost row
                    reason = (
                        f"malformed CSV ({exc}): an unclosed quote? the record runs over "
                        f"lines {start}-{line}"
                    )
                    for k in range(start, line + 1):
                        yield k, None, reason
                else:
                    yield start, None, f"malformed CSV ({exc})"
                continue
            line = reader.line_num
            if not values:
                continue
            if len(values) != len(header):
                yield start, None, f"{len(values)} fields where the header has {len(header)}"
                continue
            bad = next(
                (h for h, v in zip(header, values, strict=True) if _SURROGATE.search(v)), None
            )
            if bad is not None:
                yield start, None, f"column {bad!r} holds {_not_in(encoding)}"
                continue
            yield start, dict(zip(header, values, strict=True)), None


def _read_jsonl(path: Path, encoding: str = "utf-8") -> Iterator[Row]:
    with path.open("rb") as fh:
        for line, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                yield (
                    line,
                    None,
                    f"byte {raw[exc.start : exc.start + 1]!r} at column {exc.start + 1}: "
                    + _not_in(encoding),
                )
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(row, dict):
                yield line, None, f"a JSON {type(row).__name__} where an object is expected"
                continue
            yield line, row, None


def _read_parquet(path: Path, batch_size: int) -> Iterator[Row]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise TextInputError(f"{path}: not a readable Parquet file ({exc})") from None
    line = 0
    for batch in parquet.iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            line += 1
            yield line, row, None


def _count_rows(path: Path, fmt: InputFormat | None) -> int | None:
    fmt = fmt or _SUFFIXES.get(path.suffix.lower())
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # noqa: BLE001 - read_rows reports it
            return None
    try:
        with path.open("rb") as fh:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return None
    return max(0, lines - 1) if fmt == "csv" else lines


# -- scoring -------------------------------------------------------------------------------------
def score_file(
    path: str | Path,
    store: Any,
    *,
    text_col: str,
    id_col: str | None = None,
    author_col: str | None = None,
    time_col: str | None = None,
    url_col: str | None = None,
    source: str = "social",
    channel: str = "social",
    salt: str | None = None,
    tz_offset_h: float = 7.0,
    format: InputFormat | None = None,
    near_duplicates: bool = False,
    batch_size: int = 1_000,
    scorer: TextScorer | None = None,
    hook: ProgressHook | None = None,
    encoding: str = "utf-8",
) -> ScoreReport:
    """Score every row of ``path`` and upsert the records into ``store`` (a Store or a URL).

    ``salt`` (or ``CX_PSEUDONYM_SALT``) is required when ``author_col`` is given; naive
    timestamps are taken at UTC+``tz_offset_h`` (Vietnam by default); rows without ``time_col``
    get the time of scoring. ``encoding`` is that of CSV and JSONL files. ``hook(done_rows,
    total_rows)`` reports progress.
    """
    from cxvoc import Provenance, Record, Source, make_record_id, open_store, pseudonymize
    from cxvoc.errors import ValidationError

    path = Path(path)
    try:
        source_value = Source(source).value
    except ValueError:
        raise TextInputError(
            f"source={source!r} is not accepted; choose one of {[s.value for s in Source]}"
        ) from None
    if not _CHANNEL.match(channel):
        raise TextInputError(f"channel={channel!r} must be lower-case letters, digits and _")
    salt = salt or os.environ.get("CX_PSEUDONYM_SALT")
    if author_col and not salt:
        raise CxTextError(
            f"author_col={author_col!r} needs a salt to pseudonymize authors: pass --salt or set "
            "CX_PSEUDONYM_SALT"
        )
    if batch_size < 1:
        raise TextInputError(f"batch_size={batch_size} must be a positive integer")
    tz = timezone(timedelta(hours=tz_offset_h))
    scorer = scorer or TextScorer()
    index = None
    if near_duplicates:
        from .dedupe import NearDuplicateIndex

        index = NearDuplicateIndex()
    total = _count_rows(path, format)
    problems: list[RowProblem] = []
    counts = Counter[str]()
    provenance = Provenance(models={name: "cxtext" for name in scorer.names})
    pending: list[tuple[int, dict[str, Any], str, int]] = []
    own_store = not hasattr(store, "upsert")
    sink = open_store(store) if own_store else store

    def problem(line: int, reason: str) -> None:
        counts["malformed"] += 1
        if len(problems) < _MAX_PROBLEMS_KEPT:
            problems.append(RowProblem(str(path), line, reason))
        log.info("%s:%d: %s", path, line, reason)

    def flush() -> None:
        results = scorer.score_each([p[2] for p in pending], pii=[p[3] for p in pending])
        records = []
        for (line, row, text, _), result in zip(pending, results, strict=True):
            if isinstance(result, str):
                problem(line, result)
                continue
            try:
                native = str(row[id_col]) if id_col and row.get(id_col) not in (None, "") else None
                record_id = make_record_id(source_value, native or _text_id(text))
                attributes: dict[str, Any] = {"pii_masked": result.pii}
                if result.brands:
                    attributes["brands"] = sorted({b.brand for b in result.brands})
                    attributes["competitors"] = sorted(
                        {b.brand for b in result.brands if b.is_competitor}
                    )
                if index is not None:
                    earlier = index.add(record_id, text)
                    if earlier is not None and earlier != record_id:
                        attributes["near_duplicate_of"] = earlier
                        counts["near_duplicates"] += 1
                author = row.get(author_col) if author_col else None
                record = Record(
                    record_id=record_id,
                    source=source_value,
                    channel=channel,
                    brand=_main_brand(result.brands),
                    occurred_at=_timestamp(row.get(time_col) if time_col else None, tz),
                    text=text,
                    author_ref=pseudonymize(str(author), salt=salt)
                    if author not in (None, "") and salt
                    else None,
                    url=str(row[url_col]) if url_col and row.get(url_col) else None,
                    sentiment=_sentiment(result.sentiment),
                    aspects=tuple(_aspect(a) for a in result.aspects),
                    attributes=attributes,
                    content_hash=_text_id(text),
                    provenance=provenance,
                )
            except (ValidationError, TextInputError) as exc:
                problem(line, str(exc))
                continue
            records.append(record)
        counts["scored"] += len(records)
        counts["written"] += sink.upsert(records) if records else 0
        pending.clear()

    try:
        for line, row, reason in read_rows(path, format=format, encoding=encoding):
            counts["rows"] += 1
            if row is not None:
                row = _without_nul(row, counts)
            if row is None:
                problem(line, reason or "unreadable row")
            elif text_col not in row:
                problem(line, f"no column {text_col!r} (columns: {sorted(row)[:10]})")
            else:
                value = row[text_col]
                if value is None or (isinstance(value, str) and not value.strip()):
                    problem(line, f"column {text_col!r} is empty")
                else:
                    try:
                        text, n_pii = scorer.clean(check_text(value, max_chars=scorer.max_chars))
                    except ModelError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - normalize or mask_pii on this row
                        problem(line, str(exc))
                    else:
                        pending.append((line, row, text, n_pii))
            if len(pending) >= batch_size:
                flush()
            if hook is not None and counts["rows"] % 1000 == 0:
                hook(counts["rows"], total)
        if pending:
            flush()
    finally:
        if own_store:
            sink.close()
    if hook is not None:
        hook(counts["rows"], counts["rows"])
    return ScoreReport(
        path=str(path),
        rows=counts["rows"],
        scored=counts["scored"],
        written=counts["written"],
        malformed=counts["malformed"],
        near_duplicates=counts["near_duplicates"],
        problems=tuple(sorted(problems, key=lambda p: p.line)),
        analyzers=tuple(scorer.names),
        nul_removed=counts["nul_removed"],
    )


def _without_nul(row: dict[str, Any], counts: Counter[str]) -> dict[str, Any]:
    """``row`` with NUL characters removed from its text values (counted): PostgreSQL refuses
    them and no reader wants them."""
    if not any(isinstance(v, str) and "\x00" in v for v in row.values()):
        return row
    clean = {}
    for key, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            counts["nul_removed"] += value.count("\x00")
            value = value.replace("\x00", "")
        clean[key] = value
    return clean


def _text_id(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _main_brand(found: Sequence[BrandSpan]) -> str | None:
    if not found:
        return None
    counts = Counter(b.brand for b in found)
    top = max(counts.values())
    return next(b.brand for b in found if counts[b.brand] == top)


def _timestamp(value: Any, tz: timezone) -> datetime:
    if value is None or value == "":
        return datetime.now(UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return datetime.fromtimestamp(seconds, tz=UTC)
    text = str(value).strip()
    if text.isdigit():
        return _timestamp(int(text), tz)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TextInputError(
            f"timestamp {text!r} is not ISO 8601 (2026-10-12T20:30:00+07:00) or epoch seconds"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _sentiment(value: Any) -> Any:
    if value is None:
        return None
    from cxvoc import Sentiment

    return Sentiment(label=value.label, score=float(value.score))


def _aspect(value: Any) -> Any:
    from cxvoc import AspectSentiment

    return AspectSentiment(aspect=value.aspect, label=value.label, score=float(value.score))
