"""crawlers (work in progress)."""
