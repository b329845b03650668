"""CSV files that spreadsheets open safely: text cells that would run as formulas are escaped."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

__all__ = ["escape_formulas", "write_csv"]

_FORMULA_START = r"^[=+\-@\t\r]"


def escape_formulas(table: pa.Table) -> pa.Table:
    """Text cells starting with ``= + - @``, a tab or a carriage return get a leading ``'``.

    Spreadsheets run such cells as formulas (CSV injection, OWASP); numbers are left alone.
    """
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, _FORMULA_START)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def write_csv(table: pa.Table, path: str | Path) -> None:
    """Write ``table`` as CSV with formula cells escaped."""
    pcsv.write_csv(escape_formulas(table), str(path))
