"""CX KPIs (SPEC section 6): the formulas, and KPI tables computed with DuckDB over records.

Formulas (each also available as a plain function on Python values):

- ``csat`` = 100 × answers 4–5 / answers (1–5 scale);
- ``nps`` = 100 × (promoters 9–10 − detractors 0–6) / answers (0–10 scale);
- ``ces`` = mean effort score (1–7, lower is easier);
- ``ttr`` = mean hours from opening to resolving a ticket (resolved tickets only);
- ``churn`` = 100 × customers lost / customers at the start of the period; from records the
  lost are the distinct customers of ``terminate``/``port_out`` tickets and the base is the
  distinct customers with any record in the group (a proxy; give the true base in a KPI values
  file where it is known). Groups without tickets get no churn row;
- ``net_sentiment`` = 100 × (positive − negative) / records with a sentiment;
- ``share_of_voice`` = 100 × a brand's mentions / all brands' mentions (social records);
- ``escalation_rate`` = 100 × calls with at least one customer escalation event / calls with emotion;
- ``qa_pass_rate`` = 100 × calls whose QA scorecard passed / calls with a QA result;
- ``mentions`` = number of social records (a volume, no denominator).

:func:`kpi_table` returns one row per group and KPI in the *long* layout that the CEMI index
also reads from files: the group keys, ``kpi``, ``numerator``, ``denominator`` and ``value``.
Survey answers live in ``Record.attributes`` (``csat``, ``nps``, ``ces``); ticket times in
``attributes.ttr_h`` (set by :func:`import_table` from ``opened_at``/``resolved_at``) and churn
in ``attributes.request_type`` (``terminate`` or ``port_out``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, overload

import duckdb
import pyarrow as pa

from .errors import ConfigError, ValidationError
from .record import Record, make_record_id, pseudonymize
from .store import Store
from .touchmap import DEFAULT_TOUCHPOINT_MAP, TouchpointMap

log = logging.getLogger(__name__)

__all__ = [
    "GROUP_KEYS",
    "KPI_NAMES",
    "PERIODS",
    "Period",
    "ces",
    "churn_rate",
    "csat",
    "import_table",
    "kpi_records",
    "kpi_table",
    "map_touchpoints",
    "mapped_records",
    "net_sentiment",
    "nps",
    "period_expression",
    "previous_period",
    "read_table",
    "share_of_voice",
    "ttr_hours",
]

Period = Literal["day", "week", "month", "quarter"]
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter")
GROUP_KEYS: tuple[str, ...] = (
    "period",
    "brand",
    "service",
    "touchpoint",
    "unit",
    "channel",
    "source",
)
KPI_NAMES: tuple[str, ...] = (
    "csat", "nps", "ces", "ttr", "churn", "net_sentiment", "share_of_voice", "escalation_rate",
    "qa_pass_rate", "mentions",
)  # fmt: skip
CHURN_REQUESTS = ("terminate", "port_out")


# -- formulas on plain values ------------------------------------------------------------------
def _clean(scores: Iterable[float | None], *, name: str, lo: float, hi: float) -> list[float]:
    out = []
    for s in scores:
        if s is None or (isinstance(s, float) and math.isnan(s)):
            continue
        if not lo <= s <= hi:
            raise ValidationError(f"{name} answer {s!r} is outside the scale {lo:g}–{hi:g}")
        out.append(float(s))
    return out


def csat(scores: Iterable[float | None]) -> float | None:
    """Percent of 1–5 answers that are 4 or 5; ``None`` when there is no answer."""
    xs = _clean(scores, name="csat", lo=1, hi=5)
    return 100.0 * sum(x >= 4 for x in xs) / len(xs) if xs else None


def nps(scores: Iterable[float | None]) -> float | None:
    """Percent promoters (9–10) minus percent detractors (0–6) of 0–10 answers."""
    xs = _clean(scores, name="nps", lo=0, hi=10)
    if not xs:
        return None
    return 100.0 * (sum(x >= 9 for x in xs) - sum(x <= 6 for x in xs)) / len(xs)


def ces(scores: Iterable[float | None]) -> float | None:
    """Mean customer effort score on a 1–7 scale."""
    xs = _clean(scores, name="ces", lo=1, hi=7)
    return sum(xs) / len(xs) if xs else None


def ttr_hours(pairs: Iterable[tuple[datetime, datetime | None]]) -> float | None:
    """Mean hours from opening to resolving, over the resolved requests."""
    hours = [(r - o).total_seconds() / 3600.0 for o, r in pairs if r is not None]
    return sum(hours) / len(hours) if hours else None


def churn_rate(lost: int, at_start: int) -> float | None:
    """Percent of the customers at the start of the period who were lost in it."""
    if lost < 0 or at_start < 0:
        raise ValidationError(
            f"churn needs non-negative counts, got lost={lost}, at_start={at_start}"
        )
    return 100.0 * lost / at_start if at_start else None


def net_sentiment(positive: int, negative: int, total: int) -> float | None:
    """100 × (positive − negative) / all records with a sentiment."""
    return 100.0 * (positive - negative) / total if total else None


def share_of_voice(mentions: Mapping[str, int]) -> dict[str, float]:
    """Each brand's percent of all mentions."""
    total = sum(mentions.values())
    return {b: 100.0 * n / total for b, n in mentions.items()} if total else {}


# -- KPI tables with DuckDB ------------------------------------------------------------------
def period_expression(period: Period, column: str = "occurred_at") -> str:
    """DuckDB SQL for the period label of a (naive UTC) timestamp column."""
    if period == "day":
        return f"strftime({column}, '%Y-%m-%d')"
    if period == "week":
        return f"strftime({column}, '%G-W%V')"
    if period == "month":
        return f"strftime({column}, '%Y-%m')"
    if period == "quarter":
        return f"(strftime({column}, '%Y') || '-Q' || CAST(quarter({column}) AS VARCHAR))"
    raise ValidationError(f"period={period!r} is not supported; use one of {', '.join(PERIODS)}")


@overload
def previous_period(label: str) -> str: ...
@overload
def previous_period(label: str, *, strict: Literal[False]) -> str | None: ...


def previous_period(label: str, *, strict: bool = True) -> str | None:
    """The calendar period before a period label of :func:`period_expression`.

    ``2026-10`` -> ``2026-09``, ``2026-01`` -> ``2025-12``, ``2026-Q1`` -> ``2025-Q4``,
    ``2026-W01`` -> the ISO week before, ``2026-03-01`` -> ``2026-02-28``. The one definition
    of "previous period" used by ``cx cemi compute``, ``cx report`` and the KPI tiles. A label
    of another form (a KPI values file may name periods freely) raises, or gives None when not
    ``strict``.
    """
    import re
    from datetime import date, timedelta

    text = str(label).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, q = int(m[1]), int(m[2])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    elif m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            pass
        else:
            y, w, _ = (monday - timedelta(days=7)).isocalendar()
            return f"{y}-W{w:02d}"
    else:
        try:
            return (date.fromisoformat(text) - timedelta(days=1)).isoformat()
        except ValueError:
            pass
    if not strict:
        return None
    raise ValidationError(
        f"period {label!r} is not a period label; use 2026-10, 2026-Q4, 2026-W43 or 2026-10-31"
    )


def records_arrow(source: Store | pa.Table, *, where: str | None = None) -> pa.Table:
    """The records as an Arrow table with naive-UTC timestamps, ready for DuckDB SQL."""
    table = source if isinstance(source, pa.Table) else source.to_arrow(where=where)
    for name in ("occurred_at", "collected_at"):
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.timestamp("us")))
    return table


# name -> (row filter, per-row x, numerator, denominator, factor[, having])
_KPI_SQL: dict[str, tuple[Any, ...]] = {
    "csat": (
        "source = 'survey'",
        "TRY_CAST(json_extract_string(attributes, '$.csat') AS DOUBLE)",
        "count(*) FILTER (WHERE x >= 4)",
        "count(x)",
        100.0,
    ),
    "nps": (
        "source = 'survey'",
        "TRY_CAST(json_extract_string(attributes, '$.nps') AS DOUBLE)",
        "count(*) FILTER (WHERE x >= 9) - count(*) FILTER (WHERE x <= 6)",
        "count(x)",
        100.0,
    ),
    "ces": (
        "source = 'survey'",
        "TRY_CAST(json_extract_string(attributes, '$.ces') AS DOUBLE)",
        "sum(x)",
        "count(x)",
        1.0,
    ),
    "ttr": (
        "source = 'ticket'",
        "TRY_CAST(json_extract_string(attributes, '$.ttr_h') AS DOUBLE)",
        "sum(x)",
        "count(x)",
        1.0,
    ),
    "churn": (
        "customer_ref IS NOT NULL",
        "CASE WHEN source = 'ticket' AND json_extract_string(attributes, '$.request_type') "
        "IN ('terminate', 'port_out') THEN customer_ref END",
        "count(DISTINCT x)",
        "count(DISTINCT customer_ref)",
        100.0,
        "count(*) FILTER (WHERE source = 'ticket') > 0",
    ),
    "net_sentiment": (
        "sentiment_label IS NOT NULL",
        "sentiment_label",
        "count(*) FILTER (WHERE x = 'positive') - count(*) FILTER (WHERE x = 'negative')",
        "count(x)",
        100.0,
    ),
    "escalation_rate": (
        "source = 'call' AND emotion IS NOT NULL",
        "coalesce(json_array_length(emotion, '$.escalation_events'), 0)",
        "count(*) FILTER (WHERE x > 0)",
        "count(*)",
        100.0,
    ),
    "qa_pass_rate": (
        "source = 'call'",
        "TRY_CAST(json_extract_string(qa, '$.passed') AS BOOLEAN)",
        "count(*) FILTER (WHERE x)",
        "count(x)",
        100.0,
    ),
    "mentions": ("source = 'social' AND brand IS NOT NULL", "1", "count(*)", "NULL", 1.0),
}


def kpi_table(
    source: Store | pa.Table,
    *,
    by: Sequence[str] = ("period", "brand"),
    period: Period = "month",
    kpis: Sequence[str] | None = None,
    where: str | None = None,
    touchpoints: TouchpointMap | None = DEFAULT_TOUCHPOINT_MAP,
) -> pa.Table:
    """KPIs per group, in the long layout: ``by`` columns, kpi, numerator, denominator, value.

    With ``touchpoint`` in ``by``, records without a touchpoint are mapped onto touchpoints by
    ``touchpoints`` (:mod:`cxvoc.touchmap`: calls to 12 and by topic, social posts by aspect,
    with the aspect's sentiment); ``touchpoints=None`` keeps the stored column as it is.

    ``source`` is a store or an Arrow table of records (:data:`cxvoc.ARROW_SCHEMA`); ``by`` any of
    :data:`GROUP_KEYS`; ``where`` a SQL filter on the records. Rows whose denominator is 0 are
    not produced (the group had no occurrence of the KPI). ``share_of_voice`` needs ``brand``
    in ``by``; its denominator is all brands' mentions in the same group without the brand.
    """
    by = list(by)
    for key in by:
        if key not in GROUP_KEYS:
            raise ValidationError(
                f"group key {key!r} is not supported; use any of {', '.join(GROUP_KEYS)}"
            )
    if len(set(by)) != len(by):
        raise ValidationError(f"by={by!r} repeats a key")
    wanted = list(kpis) if kpis is not None else list(KPI_NAMES)
    for name in wanted:
        if name not in KPI_NAMES:
            raise ValidationError(f"KPI {name!r} is unknown; use any of {', '.join(KPI_NAMES)}")
    if "share_of_voice" in wanted and "brand" not in by:
        if kpis is not None:
            raise ValidationError("share_of_voice needs 'brand' among the group keys (by=)")
        wanted.remove("share_of_voice")
    table = records_arrow(source)
    if where:
        table = _filter(table, where)
    key_sql = [period_expression(period) + " AS period" if k == "period" else k for k in by]
    keys = ", ".join(by)
    con = duckdb.connect()
    con.register("records", table)
    src = "records"
    if "touchpoint" in by and touchpoints is not None:
        map_touchpoints(con, touchpoints)
        src = "mapped"
    con.execute(
        f"CREATE TEMP VIEW g AS SELECT {', '.join([*key_sql, '*'] if by else ['*'])} FROM {src}"
    )
    parts = []
    for name in wanted:
        if name == "share_of_voice":
            continue
        flt, x, num, den, factor, *having = _KPI_SQL[name]
        sel = f"{keys}, " if by else ""
        grp = "GROUP BY ALL" if by else ""
        if having:
            grp += f" HAVING {having[0]}"
        parts.append(
            f"SELECT {sel}'{name}' AS kpi, CAST({num} AS DOUBLE) AS numerator, "
            f"CAST({den} AS DOUBLE) AS denominator, {factor} AS factor "
            f"FROM (SELECT *, {x} AS x FROM g WHERE {flt}) {grp}"
        )
    if "share_of_voice" in wanted:
        others = [k for k in by if k != "brand"]
        part = ", ".join(others) if others else "NULL"
        sel = ", ".join(by)
        parts.append(
            f"SELECT {sel}, 'share_of_voice' AS kpi, CAST(n AS DOUBLE) AS numerator, "
            f"CAST(sum(n) OVER (PARTITION BY {part}) AS DOUBLE) AS denominator, 100.0 AS factor "
            f"FROM (SELECT {sel}, count(*) AS n FROM g WHERE source = 'social' AND brand IS NOT NULL "
            f"GROUP BY ALL)"
        )
    if not parts:
        return _empty(by, period)
    union = " UNION ALL ".join(f"({p})" for p in parts)
    order = ", ".join([*by, "kpi"])
    sql = (
        f"SELECT * EXCLUDE (factor), CASE WHEN denominator IS NULL THEN numerator "
        f"ELSE factor * numerator / denominator END AS value FROM ({union}) "
        f"WHERE denominator IS NULL OR denominator > 0 ORDER BY {order}"
    )
    result = con.sql(sql).to_arrow_table()
    con.close()
    if "touchpoint" in result.column_names:
        i = result.column_names.index("touchpoint")
        result = result.set_column(i, "touchpoint", result.column("touchpoint").cast(pa.int64()))
    return result


_ASPECT_TYPE = '[{"aspect": "VARCHAR", "label": "VARCHAR", "score": "DOUBLE"}]'


def map_touchpoints(con: duckdb.DuckDBPyConnection, tmap: TouchpointMap) -> None:
    """Create the view ``mapped`` over the registered ``records``: one row per (record,
    touchpoint) as :mod:`cxvoc.touchmap` says (a social post about coverage and billing gives
    two rows, each with its aspect's sentiment label)."""
    aspects = [(k, v) for k, v in tmap.aspects.items()] or [("\x00", 0)]
    topics = [(k, v) for k, v in tmap.topics.items()] or [("\x00", 0)]
    con.execute("CREATE OR REPLACE TEMP TABLE tp_aspects (aspect VARCHAR, tp SMALLINT)")
    con.executemany("INSERT INTO tp_aspects VALUES (?, ?)", aspects)
    con.execute("CREATE OR REPLACE TEMP TABLE tp_topics (topic VARCHAR, tp SMALLINT)")
    con.executemany("INSERT INTO tp_topics VALUES (?, ?)", topics)
    calls = "NULL" if tmap.calls is None else str(int(tmap.calls))
    social = "NULL" if tmap.social_default is None else str(int(tmap.social_default))
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE social_aspects AS
SELECT record_id, tp, min(label) AS label FROM (
  SELECT record_id, a.tp AS tp,
    CASE WHEN x.label = 'negative' THEN 'a-negative' WHEN x.label = 'positive' THEN 'c-positive'
         ELSE 'b-neutral' END AS label
  FROM (SELECT record_id, unnest(from_json(aspects, '{_ASPECT_TYPE}')) AS x FROM records
        WHERE source = 'social' AND touchpoint IS NULL AND aspects IS NOT NULL AND aspects <> '[]')
  JOIN tp_aspects a ON a.aspect = x.aspect) GROUP BY 1, 2;
CREATE OR REPLACE TEMP TABLE mapped AS
SELECT * REPLACE (CAST(CASE WHEN touchpoint IS NULL AND source = 'call' THEN {calls}
                            WHEN touchpoint IS NULL AND source = 'social' THEN {social}
                            ELSE touchpoint END AS SMALLINT) AS touchpoint)
FROM records r
WHERE NOT (source = 'social' AND touchpoint IS NULL
           AND record_id IN (SELECT record_id FROM social_aspects))
UNION ALL BY NAME
SELECT r.* REPLACE (s.tp AS touchpoint, substr(s.label, 3) AS sentiment_label)
FROM records r JOIN social_aspects s ON r.record_id = s.record_id
UNION ALL BY NAME
SELECT r.* REPLACE (t.tp AS touchpoint)
FROM records r JOIN tp_topics t ON json_extract_string(r.attributes, '$.topic') = t.topic
WHERE r.source = 'call' AND t.tp IS DISTINCT FROM coalesce(r.touchpoint, {calls});
""")


_KPI_COLUMNS = ("record_id", "source", "channel", "brand", "service", "touchpoint", "unit",
                "occurred_at", "customer_ref", "sentiment_label", "aspects", "emotion", "qa",
                "attributes")  # fmt: skip
_SLIM = """
SELECT * REPLACE (
  CASE WHEN emotion IS NULL THEN NULL ELSE CAST(json_object('escalation_events',
       coalesce(json_extract(emotion, '$.escalation_events'), '[]'::JSON)) AS VARCHAR) END AS emotion,
  CASE WHEN qa IS NULL THEN NULL ELSE CAST(json_object('passed', json_extract(qa, '$.passed')) AS VARCHAR) END AS qa)
FROM raw
"""


def kpi_records(table: pa.Table) -> pa.Table:
    """The columns of the records (as from :func:`records_arrow`) that the KPIs read, with the
    call JSON cut down to what they use (escalation events, QA passed): the same KPIs, read
    faster by :func:`kpi_table` when a report computes them more than once."""
    con = duckdb.connect()
    try:
        con.register("raw", table.select([c for c in _KPI_COLUMNS if c in table.column_names]))
        return con.sql(_SLIM).to_arrow_table()
    finally:
        con.close()


def mapped_records(table: pa.Table, tmap: TouchpointMap) -> pa.Table:
    """The records (as from :func:`records_arrow` or :func:`kpi_records`) with their touchpoints
    mapped, one row per (record, touchpoint): see :func:`map_touchpoints`."""
    con = duckdb.connect()
    try:
        con.register("records", table)
        map_touchpoints(con, tmap)
        return con.sql("SELECT * FROM mapped").to_arrow_table()
    finally:
        con.close()


def _empty(by: Sequence[str], period: Period) -> pa.Table:
    fields = [pa.field(k, pa.int64() if k == "touchpoint" else pa.string()) for k in by]
    fields += [pa.field("kpi", pa.string())] + [
        pa.field(n, pa.float64()) for n in ("numerator", "denominator", "value")
    ]
    return pa.schema(fields).empty_table()


def _filter(table: pa.Table, where: str) -> pa.Table:
    from .store._where import check_where

    check_where(where)  # one expression: no '; ATTACH …' on this connection
    con = duckdb.connect()
    con.register("records", table)
    try:
        return con.sql(f"SELECT * FROM records WHERE {where}").to_arrow_table()
    except duckdb.Error as exc:
        raise ValidationError(f"where={where!r} is not a valid SQL filter: {exc}") from None
    finally:
        con.close()


# -- import of survey and ticket tables ---------------------------------------------------------
def read_table(path: str | Path) -> pa.Table:
    """Read a CSV or Parquet file into an Arrow table (a clear error names the file)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"table file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if suffix in (".csv", ".tsv"):
            import pyarrow.csv as pcsv

            opts = pcsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            # identifiers stay text: a phone number's leading 0 must survive
            conv = pcsv.ConvertOptions(column_types=dict.fromkeys(_TEXT_COLUMNS, pa.string()))
            return pcsv.read_csv(path, parse_options=opts, convert_options=conv)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConfigError(f"cannot read table {str(path)!r}: {exc}") from None
    raise ConfigError(
        f"table {str(path)!r}: unsupported suffix {suffix!r}; use .csv, .tsv or .parquet"
    )


_TEXT_COLUMNS = ("id", "customer_id", "customer_ref", "unit", "service", "brand", "period", "kpi")
_RECORD_COLUMNS = ("brand", "service", "unit", "channel", "language", "text")
_ANSWERS = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
#: survey free text besides ``text``: masked and kept in ``attributes``
FREE_TEXT_COLUMNS = ("comment", "feedback", "verbatim")
_KNOWN_COLUMNS = frozenset(
    ("id", "occurred_at", "opened_at", "resolved_at", "request_type", "touchpoint",
     "customer_ref", "customer_id", *_RECORD_COLUMNS, *_ANSWERS, *FREE_TEXT_COLUMNS)
)  # fmt: skip


def _when(value: Any, *, path: Path, row: int, column: str) -> datetime:
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                f"{path}: row {row}: {column}={value!r} is not an ISO 8601 timestamp"
            ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def import_table(
    path: str | Path,
    *,
    source: Literal["survey", "ticket"],
    salt: str | None = None,
    mask_text: Callable[[str], str] | None = None,
    keep_columns: Sequence[str] = (),
) -> Iterator[Record]:
    """Records from a survey or ticket table (CSV or Parquet), one per row.

    Columns: ``id`` (required, the native id); ``occurred_at`` (surveys) or ``opened_at``
    (tickets) as ISO 8601; optional ``brand``, ``service``, ``touchpoint``, ``unit``,
    ``channel``, ``text``; ``customer_ref`` (already pseudonymous) or ``customer_id`` (hashed here
    with ``salt``, required then: there is no default salt). Survey answers ``csat`` (1–5),
    ``nps`` (0–10), ``ces`` (1–7) and free text ``comment``/``feedback``/``verbatim``; ticket
    ``resolved_at`` (gives ``ttr_h``) and ``request_type``. Free text (``text``, the free-text
    columns and the text values of ``keep_columns``) goes through ``mask_text`` (the CLI passes
    ``cxtext.mask_pii``; cxvoc cannot mask by itself), and a table with free text but no
    ``mask_text`` is refused. Any other column (a phone, a full name…) is dropped, with a
    warning, unless named in ``keep_columns``. A bad row raises :class:`cxvoc.ValidationError`
    naming the file and row.
    """
    if source not in ("survey", "ticket"):
        raise ValidationError(f"source={source!r} is not importable; use 'survey' or 'ticket'")
    path = Path(path)
    table = read_table(path)
    time_col = "occurred_at" if source == "survey" else "opened_at"
    for col in ("id", time_col):
        if col not in table.column_names:
            raise ValidationError(
                f"{path}: missing column {col!r} (columns: {', '.join(table.column_names)})"
            )
    columns = set(table.column_names)
    keep = frozenset(keep_columns)
    if "customer_id" in columns and not salt:
        raise ValidationError(
            f"{path}: customer_id needs a salt to be pseudonymized: pass --salt or set "
            "CX_PSEUDONYM_SALT (a secret kept per deployment; there is no default)"
        )
    free_text = (columns & {"text", *FREE_TEXT_COLUMNS}) | (keep & columns)
    if free_text and mask_text is None:
        raise ValidationError(
            f"{path}: columns {sorted(free_text)} hold free text, which is stored PII-masked "
            "only: pass mask_text= (e.g. cxtext.mask_pii)"
        )
    dropped = sorted(columns - _KNOWN_COLUMNS - keep)
    if dropped:
        log.warning(
            "%s: columns %s dropped (not known to the import; keep one with --keep-column)",
            path,
            dropped,
        )
    default_channel = "survey" if source == "survey" else "ticket"
    for i, row in enumerate(table.to_pylist(), start=1):
        for col in dropped:
            row.pop(col, None)
        if mask_text is not None:
            for col in free_text:
                if isinstance(row.get(col), str) and row[col]:
                    row[col] = mask_text(row[col])
        yield _row_record(row, i, path=path, source=source, time_col=time_col,
                          channel=default_channel, salt=salt or "")  # fmt: skip


def _row_record(
    row: dict[str, Any], i: int, *, path: Path, source: str, time_col: str, channel: str, salt: str
) -> Record:
    row = {k: v for k, v in row.items() if v is not None and v != ""}
    if "id" not in row:
        raise ValidationError(f"{path}: row {i}: empty id")
    when = _when(row.pop(time_col), path=path, row=i, column=time_col)
    data: dict[str, Any] = {
        "record_id": make_record_id(source, str(row.pop("id"))),
        "source": source,
        "occurred_at": when,
        "channel": channel,
    }
    for col in _RECORD_COLUMNS:
        if col in row:
            data[col] = str(row.pop(col))
    if "touchpoint" in row:
        data["touchpoint"] = int(row.pop("touchpoint"))
    if "customer_ref" in row:
        data["customer_ref"] = str(row.pop("customer_ref"))
    elif "customer_id" in row:
        data["customer_ref"] = pseudonymize(str(row.pop("customer_id")), salt=salt)
    attributes: dict[str, Any] = {}
    for name, (lo, hi) in _ANSWERS.items():
        if name in row:
            value = float(row.pop(name))
            if not lo <= value <= hi:
                raise ValidationError(f"{path}: row {i}: {name}={value:g} is outside {lo}–{hi}")
            attributes[name] = value
    if source == "ticket":
        attributes["opened_at"] = when.isoformat()
        if "resolved_at" in row:
            resolved = _when(row.pop("resolved_at"), path=path, row=i, column="resolved_at")
            if resolved < when:
                raise ValidationError(f"{path}: row {i}: resolved_at is before opened_at")
            attributes["resolved_at"] = resolved.isoformat()
            attributes["ttr_h"] = (resolved - when).total_seconds() / 3600.0
    for key, value in row.items():
        attributes[key] = value.isoformat() if isinstance(value, datetime) else value
    data["attributes"] = attributes
    try:
        return Record(**data)
    except ValidationError as exc:
        raise ValidationError(f"{path}: row {i}: {exc}", exc.errors) from None
