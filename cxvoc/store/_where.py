"""User-given SQL filters (``--where``): one boolean expression, run read-only.

A filter is parsed (DuckDB's parser, a descendant of PostgreSQL's) as the condition of
``SELECT … FROM records WHERE (…)``; anything that is not exactly one SELECT statement then —
a ``;`` followed by more SQL, a closing parenthesis that escapes the condition — is refused
before any database sees it. The stores also run filtered reads in read-only transactions, so a
filter that slips through cannot change data either.
"""

from __future__ import annotations

import duckdb

from ..errors import ValidationError

__all__ = ["check_where"]


def check_where(where: str) -> str:
    """``where`` unchanged when it is one SQL expression, else :class:`ValidationError`."""
    if not isinstance(where, str) or not where.strip():
        raise ValidationError(
            f"where={where!r} must be a non-empty SQL condition, e.g. \"source = 'call'\"",
            [("where", where, "empty")],
        )
    con = duckdb.connect()
    try:
        statements = con.extract_statements(f"SELECT 1 FROM records WHERE ({where})")
    except duckdb.Error as exc:
        raise ValidationError(
            f"where={where!r} is not a SQL condition: {exc}", [("where", where, "syntax")]
        ) from None
    finally:
        con.close()
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ValidationError(
            f"where={where!r} must be one condition on the records (no ';', no other "
            "statements); it is run read-only",
            [("where", where, "not one expression")],
        )
    return where
