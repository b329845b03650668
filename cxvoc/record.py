"""The Voice-of-Customer record: one schema for calls, social posts, surveys, tickets and chats."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ._version import __version__
from .errors import ValidationError

SCHEMA_VERSION = 1

__all__ = [
    "SCHEMA_VERSION",
    "AspectSentiment",
    "BrandSentiment",
    "Provenance",
    "Record",
    "Sentiment",
    "Source",
    "make_record_id",
    "pseudonymize",
]


class Source(StrEnum):
    CALL = "call"
    SOCIAL = "social"
    SURVEY = "survey"
    TICKET = "ticket"
    CHAT = "chat"


SentimentLabel = Literal["negative", "neutral", "positive"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Sentiment(_Frozen):
    """A sentiment label with a score in [-1, 1] (negative to positive)."""

    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)


class AspectSentiment(_Frozen):
    """One aspect mentioned in the text (e.g. ``network_quality``) and its sentiment."""

    aspect: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)


class BrandSentiment(_Frozen):
    """The sentiment of the text towards one brand it names (``cxtext.brand_sentiment``)."""

    brand: str = Field(min_length=1, max_length=200)
    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)


class Provenance(_Frozen):
    """What produced a record: the cxkit version, the models used and a hash of the config."""

    cxkit_version: str = __version__
    models: dict[str, str] = Field(default_factory=dict)
    config_hash: str | None = None


_REF_PATTERN = r"^[0-9a-f]{16,64}$"


class Record(_Frozen):
    """A Voice-of-Customer record (SPEC section 3).

    Construct with keyword arguments or :meth:`parse`; invalid input raises
    :class:`cxvoc.ValidationError` naming each bad field and its value.
    """

    SCHEMA_VERSION: ClassVar[int] = SCHEMA_VERSION

    schema_version: Literal[1] = 1
    record_id: str = Field(min_length=1, max_length=128)
    source: Source
    channel: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    brand: str | None = None
    service: str | None = None
    touchpoint: int | None = Field(default=None, ge=1, le=99)
    unit: str | None = None
    occurred_at: AwareDatetime
    collected_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    language: str = Field(default="vi", pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
    text: str | None = None
    author_ref: str | None = Field(default=None, pattern=_REF_PATTERN)
    customer_ref: str | None = Field(default=None, pattern=_REF_PATTERN)
    agent_ref: str | None = Field(default=None, pattern=_REF_PATTERN)
    url: str | None = None
    audio_uri: str | None = None
    sentiment: Sentiment | None = None
    aspects: tuple[AspectSentiment, ...] = ()
    brand_sentiment: tuple[BrandSentiment, ...] = ()
    emotion: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    qa: dict[str, Any] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    content_hash: str | None = None
    provenance: Provenance = Field(default_factory=Provenance)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise _convert(exc, data) from None

    @field_validator("record_id")
    @classmethod
    def _no_blank_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("record_id must not be blank")
        return value

    @field_validator("brand_sentiment")
    @classmethod
    def _one_label_per_brand(cls, value: tuple[BrandSentiment, ...]) -> tuple[BrandSentiment, ...]:
        seen: set[str] = set()
        for item in value:
            if item.brand in seen:
                raise ValueError(f"brand {item.brand!r} is given twice; one entry per brand")
            seen.add(item.brand)
        return value

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str | bytes) -> Record:
        """Validate a mapping or a JSON document into a Record."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"record is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"record must be a mapping, got {type(data).__name__}",
                [("record", data, "not a mapping")],
            )
        return cls(**dict(data))

    def serialize(self) -> dict[str, Any]:
        """A JSON-compatible dict (timestamps as ISO 8601 strings)."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        return json.dumps(self.serialize(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return cls.model_json_schema()


def _convert(exc: pydantic.ValidationError, data: Mapping[str, Any]) -> ValidationError:
    problems: list[tuple[str, object, str]] = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) or "record"
        value = err.get("input", data)
        if err["type"] == "missing":
            value = None
        problems.append((field, value, err["msg"]))
    lines = [f"{field}={_show(value)}: {msg}" for field, value, msg in problems]
    return ValidationError("invalid record: " + "; ".join(lines), problems)


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value.isoformat()!r} (naive)" if value.tzinfo is None else repr(value.isoformat())
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def make_record_id(source: str | Source, native_id: str) -> str:
    """Stable record id from the source and the source-native id (re-running never duplicates)."""
    source = Source(source).value if not isinstance(source, Source) else source.value
    if not isinstance(native_id, str) or not native_id:
        raise ValidationError(
            f"native_id={native_id!r} must be a non-empty string",
            [("native_id", native_id, "empty")],
        )
    digest = hashlib.blake2b(f"{source}\x1f{native_id}".encode(), digest_size=16).hexdigest()
    return f"{source}-{digest}"


def pseudonymize(value: str, *, salt: str | bytes) -> str:
    """Salted keyed hash (HMAC-SHA256, 32 hex characters) of a person identifier.

    Normalizes first so that one person maps to one key: whitespace and case (names), and
    phone numbers to their national form (``+84 912 345 678``, ``0084912345678``,
    ``0912.345.678`` and ``0912-345-678`` all hash as ``0912345678``).
    """
    if not salt:
        raise ValidationError("salt must be a non-empty string", [("salt", salt, "empty")])
    key = salt.encode() if isinstance(salt, str) else salt
    normalized = _canonical_phone(" ".join(str(value).split()).casefold())
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()[:32]


_PHONE_SEPARATORS = re.compile(r"[ .\-()]")


def _canonical_phone(value: str) -> str:
    """A Vietnamese phone number in its national form (``0912345678``); anything else as is."""
    compact = _PHONE_SEPARATORS.sub("", value)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not 9 <= len(digits) <= 14:
        return value
    if digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and (plus or len(digits) == 11 or digits[2] == "0"):
        national = digits[2:]
    elif digits.startswith("0"):
        return digits if compact != value else value
    else:
        return value
    national = national.lstrip("0")  # +84 (0) 912…
    return "0" + national if len(national) in (9, 10) else value
