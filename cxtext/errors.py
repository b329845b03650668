"""Errors raised by cxtext.

Exception tree::

    CxTextError             root of every error raised by cxtext
    ├── TextInputError      the input is not usable text (None, undecodable bytes, too long)
    ├── LexiconError        a lexicon or config file is missing or malformed (names file and line)
    └── ModelError          a model is missing, corrupt, or failed to run
"""

from __future__ import annotations


class CxTextError(Exception):
    """Root of every error raised by cxtext."""

    exit_code = 1


class TextInputError(CxTextError, ValueError):
    """The input is not usable text; the message says what was given and what is accepted."""

    exit_code = 65


class LexiconError(CxTextError, ValueError):
    """A lexicon or config file is missing or malformed."""

    exit_code = 78


class ModelError(CxTextError, RuntimeError):
    """A model is missing, corrupt, or failed to run; the message says how to rebuild it."""

    exit_code = 3
