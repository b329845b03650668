"""cxvoc: Voice-of-Customer records, their stores, CX indices and the ``cx`` command line."""

from ._version import __version__
from .errors import ConfigError, CxVocError, StoreError, ValidationError
from .record import (
    SCHEMA_VERSION,
    AspectSentiment,
    BrandSentiment,
    Provenance,
    Record,
    Sentiment,
    Source,
    make_record_id,
    pseudonymize,
)
from .store import ARROW_SCHEMA, Store, StoreStats, open_store

# Heavier parts load on first use: ``cxvoc.kpi_table``, ``cxvoc.build_report``, …
_LAZY = {
    "kpi_table": ("kpi", "kpi_table"),
    "import_table": ("kpi", "import_table"),
    "detect_spikes": ("spikes", "detect_spikes"),
    "SpikeAlert": ("spikes", "SpikeAlert"),
    "build_report": ("report", "build_report"),
    "compute_cemi": ("cemi", "compute_cemi"),
    "load_cemi_config": ("cemi", "load_config"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ARROW_SCHEMA",
    "SCHEMA_VERSION",
    "AspectSentiment",
    "BrandSentiment",
    "ConfigError",
    "CxVocError",
    "Provenance",
    "Record",
    "Sentiment",
    "Source",
    "Store",
    "StoreError",
    "StoreStats",
    "SpikeAlert",
    "ValidationError",
    "build_report",
    "compute_cemi",
    "detect_spikes",
    "import_table",
    "kpi_table",
    "load_cemi_config",
    "__version__",
    "make_record_id",
    "open_store",
    "pseudonymize",
]
