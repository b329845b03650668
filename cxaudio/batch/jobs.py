"""What a batch scores: calls found in a folder, or listed in a manifest.

A call's identity (its ``record_id``) is the manifest's ``call_id`` when one is given, else the
hash of its audio bytes: the same recording scored through its folder, a parent folder or a
manifest without ids is stored once.

A folder is searched recursively for audio files; a transcript next to a call is picked up
when it has the same stem (``call.wav`` → ``call.transcript.json``, ``call.srt``, ``call.vtt``,
``call.stm``, ``call.ctm``). A manifest is a CSV, JSONL or JSON list with one call per row:

=================  ===============================================================
``path``           the audio file, relative to the manifest's folder (required)
``call_id``        source-native id: the record's identity (default: the audio's content hash)
``transcript``     transcript file
``channel_map``    ``agent=0,customer=1`` or a JSON object
``customer_id``    pseudonymized before storage (needs a salt)
``agent_id``       pseudonymized before storage (needs a salt)
``occurred_at``    ISO 8601 with a timezone (default: the file's modification time)
``brand``, ``service``, ``unit``   copied into the record
=================  ===============================================================
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..io import SUPPORTED_EXTENSIONS

__all__ = ["CallJob", "discover_jobs", "mask_name"]

_TRANSCRIPT_SUFFIXES = (".transcript.json", ".srt", ".vtt", ".stm", ".ctm")
_MANIFEST_SUFFIXES = (".csv", ".jsonl", ".json")
_FIELDS = {
    "path",
    "call_id",
    "transcript",
    "channel_map",
    "customer_id",
    "agent_id",
    "occurred_at",
    "brand",
    "service",
    "unit",
}


@dataclass(frozen=True)
class CallJob:
    """One call to score.

    ``call_id``: the source-native id (the record's identity), or None to identify the call by
    its audio content. ``name``: the path relative to the scored folder or manifest (a label).
    """

    path: str
    call_id: str | None = None
    transcript: str | None = None
    channel_map: dict[str, int] | None = None
    customer_id: str | None = None
    agent_id: str | None = None
    occurred_at: str | None = None
    brand: str | None = None
    service: str | None = None
    unit: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """How the call is named in errors and records: its call_id, else its file name."""
        return self.call_id or self.name or Path(self.path).name

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


# Vietnamese phone numbers as PBX exports write them into file names: 0 or (+)84, then 8-10
# digits, as one digit run (dates and times start with 1 or 2 and are left alone)
_PHONE_RUN = re.compile(r"(?<![0-9])(?:\+?84|0)[1-9][0-9]{7,9}(?![0-9])")


def mask_name(text: str) -> str:
    """A file name or call id with phone numbers (and any PII ``cxtext.mask_pii`` finds) masked."""
    from cxtext import mask_pii

    return str(mask_pii(_PHONE_RUN.sub("[PHONE]", text)))


def _transcript_for(audio: Path) -> str | None:
    stem = audio.with_suffix("")
    for suffix in _TRANSCRIPT_SUFFIXES:
        cand = Path(str(stem) + suffix)
        if cand.is_file():
            return str(cand)
    return None


def _channel_map(value: Any, where: str) -> dict[str, int] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            value = json.loads(text)
        else:
            try:
                value = {k.strip(): int(v) for k, v in (p.split("=") for p in text.split(","))}
            except ValueError:
                raise ParameterError(
                    f"{where}: channel_map={text!r} must look like agent=0,customer=1"
                ) from None
    if not isinstance(value, dict) or not set(value) <= {"agent", "customer"}:
        raise ParameterError(
            f"{where}: channel_map={value!r} must map agent/customer to channel numbers"
        )
    return {str(k): int(v) for k, v in value.items()}


def _rows(manifest: Path) -> list[dict[str, Any]]:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ParameterError(
            f"cannot read manifest {str(manifest)!r}: {exc.strerror or exc}"
        ) from None
    suffix = manifest.suffix.lower()
    if suffix == ".csv":
        return [dict(r) for r in csv.DictReader(text.splitlines())]
    try:
        if suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"manifest {str(manifest)!r} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("calls"), list):
        data = data["calls"]
    if not isinstance(data, list):
        raise ParameterError(
            f"manifest {str(manifest)!r} must be a list of calls or {{'calls': [...]}}"
        )
    return data


def _from_manifest(manifest: Path) -> list[CallJob]:
    base = manifest.parent
    jobs = []
    for i, row in enumerate(_rows(manifest), 1):
        where = f"{manifest}: row {i}"
        if not isinstance(row, dict) or not row.get("path"):
            raise ParameterError(f"{where}: needs a 'path' to the audio file, got {row!r}")
        unknown = set(row) - _FIELDS
        if unknown:
            raise ParameterError(
                f"{where}: unknown column(s) {sorted(unknown)}; accepted: {sorted(_FIELDS)}"
            )
        audio = Path(row["path"])
        audio = audio if audio.is_absolute() else base / audio
        tr = row.get("transcript") or None
        if tr:
            tr = str(Path(tr) if Path(tr).is_absolute() else base / tr)
        occurred = row.get("occurred_at") or None
        if occurred:
            try:
                when = datetime.fromisoformat(str(occurred))
            except ValueError:
                raise ParameterError(f"{where}: occurred_at={occurred!r} is not ISO 8601") from None
            if when.tzinfo is None:
                raise ParameterError(
                    f"{where}: occurred_at={occurred!r} needs a timezone, e.g. +07:00"
                )
        jobs.append(
            CallJob(
                path=str(audio),
                call_id=str(row["call_id"]) if row.get("call_id") else None,
                name=str(row["path"]),
                transcript=tr if tr else _transcript_for(audio),
                channel_map=_channel_map(row.get("channel_map"), where),
                customer_id=(str(row["customer_id"]) if row.get("customer_id") else None),
                agent_id=(str(row["agent_id"]) if row.get("agent_id") else None),
                occurred_at=str(occurred) if occurred else None,
                brand=row.get("brand") or None,
                service=row.get("service") or None,
                unit=row.get("unit") or None,
            )
        )
    return jobs


def discover_jobs(source: str | Path) -> list[CallJob]:
    """Calls in a folder (recursively), a manifest, or a single audio file."""
    src = Path(source)
    if src.is_dir():
        files = sorted(
            p
            for p in src.rglob("*")
            if p.is_file()
            and not p.name.startswith(".")
            and p.suffix.lower() in SUPPORTED_EXTENSIONS
        )
        return [
            CallJob(path=str(p), name=p.relative_to(src).as_posix(), transcript=_transcript_for(p))
            for p in files
        ]
    if src.is_file() and src.suffix.lower() in _MANIFEST_SUFFIXES:
        return _from_manifest(src)
    if src.is_file():
        return [CallJob(path=str(src), name=src.name, transcript=_transcript_for(src))]
    raise ParameterError(
        f"{str(src)!r} does not exist: give a folder of calls, an audio file, or a manifest "
        "(.csv, .jsonl, .json)"
    )
