"""Loading the TSV lexicons (teencode, emoji) with errors that name the file and the line."""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import LexiconError

__all__ = ["DATA_DIR", "read_tsv"]

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_tsv(path: str | Path, *, what: str) -> dict[str, str]:
    """Read ``KEY<TAB>VALUE`` lines (``#`` comments, blank lines skipped) into a dict.

    Raises :class:`LexiconError` naming ``path:line`` for a missing file, a line without exactly
    one tab, an empty key or value, or a key given twice.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LexiconError(f"{what} lexicon {path}: cannot read it ({exc.strerror})") from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(
            f"{path}:{bad_line}: {what} lexicon is not UTF-8 ({exc.reason})"
        ) from None
    entries: dict[str, str] = {}
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise LexiconError(
                f"{path}:{lineno}: {what} lexicon line {line!r} must be KEY<TAB>VALUE "
                "(one tab, both sides non-empty)"
            )
        key, value = parts[0].strip(), parts[1].strip()
        if key in entries:
            raise LexiconError(f"{path}:{lineno}: {what} lexicon key {key!r} is given twice")
        entries[key] = value
    log.debug("read %d %s entries from %s", len(entries), what, path)
    return entries
