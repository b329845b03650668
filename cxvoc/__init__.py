"""cxvoc: Voice-of-Customer records, their stores, CX indices and the ``cx`` command line."""

from ._version import __version__
from .errors import ConfigError, CxVocError, StoreError, ValidationError
from .record import (
    SCHEMA_VERSION,
    AspectSentiment,
    Provenance,
    Record,
    Sentiment,
    Source,
    make_record_id,
    pseudonymize,
)
from .store import ARROW_SCHEMA, Store, StoreStats, open_store

__all__ = [
    "ARROW_SCHEMA",
    "SCHEMA_VERSION",
    "AspectSentiment",
    "ConfigError",
    "CxVocError",
    "Provenance",
    "Record",
    "Sentiment",
    "Source",
    "Store",
    "StoreError",
    "StoreStats",
    "ValidationError",
    "__version__",
    "make_record_id",
    "open_store",
    "pseudonymize",
]
