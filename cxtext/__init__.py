"""cxtext (work in progress)."""
