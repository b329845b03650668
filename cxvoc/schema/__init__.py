"""The checked-in JSON Schema of :class:`cxvoc.Record`.

Regenerate after changing the record with ``python -m cxvoc.schema``; a test fails while the
file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..record import Record

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")

__all__ = ["SCHEMA_PATH", "current_schema", "render_schema"]


def current_schema() -> dict[str, Any]:
    schema = Record.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cxkit.dev/schema/record.schema.json"
    return schema


def render_schema() -> str:
    return json.dumps(current_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
