"""cxaudio (work in progress)."""
