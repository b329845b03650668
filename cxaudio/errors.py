"""Errors raised by cxaudio.

Exception tree::

    CxAudioError            root of every error raised by cxaudio
    ├── ParameterError      a bad argument value (the message repeats it and says what is accepted)
    ├── AudioFileError      a file cannot be decoded: missing, empty, corrupt, unsupported codec
    └── ModelError          a model is missing, corrupt, or failed to run
"""

from __future__ import annotations


class CxAudioError(Exception):
    """Root of every error raised by cxaudio."""

    exit_code = 1


class ParameterError(CxAudioError, ValueError):
    """A bad argument value."""

    exit_code = 2


class AudioFileError(CxAudioError, OSError):
    """A file cannot be decoded; the message names the file and the problem."""

    exit_code = 66  # EX_NOINPUT


class ModelError(CxAudioError, RuntimeError):
    """A model is missing, corrupt, or failed to run; the message says how to rebuild it."""

    exit_code = 3
