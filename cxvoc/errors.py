"""Errors raised by cxvoc.

Exception tree::

    CxVocError                 root of every error raised by cxvoc
    ├── ValidationError        a record or a config value is invalid (names field and value)
    ├── ConfigError            a configuration file is missing, unreadable or inconsistent
    └── StoreError             a store URL is unsupported or a database operation failed
        └── StoreLockedError   another process held the store longer than the lock timeout
"""

from __future__ import annotations


class CxVocError(Exception):
    """Root of every error raised by cxvoc."""

    exit_code = 1


class ValidationError(CxVocError, ValueError):
    """A record or config value is invalid.

    ``errors`` lists ``(field, value, message)`` triples, one per problem found.
    """

    exit_code = 65  # EX_DATAERR

    def __init__(self, message: str, errors: list[tuple[str, object, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ConfigError(CxVocError, ValueError):
    """A configuration file is missing, unreadable or inconsistent."""

    exit_code = 78  # EX_CONFIG


class StoreError(CxVocError):
    """A store URL is unsupported or a database operation failed."""

    exit_code = 74  # EX_IOERR


class StoreLockedError(StoreError):
    """Another process (a writer, a notebook's read-only connection) held the store too long."""
