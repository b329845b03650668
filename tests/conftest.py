from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

# Calls are transcribed automatically when the speech model is built; the suite's many call
# tests check other things, so automatic ASR is off here (tests/cxaudio/test_asr.py turns it
# on per call with CallConfig(asr=True)). Subprocesses started by tests inherit this.
os.environ.setdefault("CX_ASR", "off")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server (the machine's, or one started for this session)."""
    from tests.services import postgres_url

    url, server = postgres_url()
    try:
        yield url
    finally:
        if server is not None:
            server.stop()


@pytest.fixture
def postgres_store_url(postgres_server: str) -> Iterator[str]:
    """A store URL in a fresh schema, dropped after the test."""
    import psycopg

    schema = f"cxtest_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{sep}schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
