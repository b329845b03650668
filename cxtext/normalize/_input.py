"""The one validator every public cxtext function runs on its text argument."""

from __future__ import annotations

from ..errors import TextInputError

__all__ = ["DEFAULT_MAX_CHARS", "check_text"]

#: longest text accepted by default (characters); an hour-long call transcript is ~60,000
DEFAULT_MAX_CHARS = 200_000


def check_text(text: object, *, max_chars: int = DEFAULT_MAX_CHARS, name: str = "text") -> str:
    """Return ``text`` as ``str`` or raise :class:`TextInputError` saying what was wrong.

    ``str`` passes; ``bytes`` must be UTF-8 (decoded strictly); ``None`` and other types, text
    longer than ``max_chars`` and undecodable bytes raise. The empty string is valid text.
    """
    if isinstance(text, str):
        pass
    elif isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 4]
            raise TextInputError(
                f"{name} is {len(raw):,} bytes that are not valid UTF-8 (byte {bad[:1]!r} at "
                f"offset {exc.start}: {exc.reason}); pass str, or decode the bytes first with "
                "their real encoding (e.g. data.decode('cp1258'))"
            ) from None
    elif text is None:
        raise TextInputError(f"{name}=None: expected a str (or UTF-8 bytes); use '' for no text")
    else:
        raise TextInputError(
            f"{name}={_show(text)} of type {type(text).__name__}: expected a str (or UTF-8 bytes)"
        )
    if not isinstance(max_chars, int) or max_chars < 1:
        raise TextInputError(f"max_chars={max_chars!r} must be a positive integer")
    if len(text) > max_chars:
        raise TextInputError(
            f"{name} has {len(text):,} characters; at most max_chars={max_chars:,} are accepted "
            "(split the text, or pass a larger max_chars=)"
        )
    return text


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
