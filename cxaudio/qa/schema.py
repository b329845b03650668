"""The QA scorecard YAML schema (SPEC section 5), validated into frozen dataclasses.

A scorecard::

    id: vn_telecom_default          # letters, digits, _ . -
    version: "1"
    name: {vi: "...", en: "..."}
    diacritics_insensitive: true     # phrase matching default for every criterion
    pass_score: 80                   # a call passes at this score or more (and no auto-fail)
    criteria:
      - id: greeting
        description: {vi: "...", en: "..."}
        rule: phrase                 # phrase | forbidden | metric | emotion
        speaker: agent               # agent | customer | any (phrase and forbidden rules)
        phrases: ["xin chào", "chào anh"]
        within_first_s: 15           # optional: the phrase must start in the first N seconds
        weight: 10                   # > 0
        auto_fail: false             # a failed auto-fail criterion makes the score 0
      - id: no_dead_air
        rule: metric
        metric: silence_longest_s    # any key of the call metrics
        max: 10                      # min and/or max, inclusive
        weight: 15
      - id: customer_calmer
        rule: emotion
        check: calmer_at_end         # end arousal below the peak by at least `margin`
        margin: 0.2

Every problem raises :class:`ScorecardError` naming the file, the criterion id and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParameterError

__all__ = ["RULES", "Criterion", "Scorecard", "ScorecardError", "load_scorecard", "parse_scorecard"]

RULES = ("phrase", "forbidden", "metric", "emotion")
SPEAKERS = ("agent", "customer", "any")
EMOTION_CHECKS = ("calmer_at_end", "no_escalation")
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_KEYS = {
    "common": {"id", "description", "rule", "weight", "auto_fail"},
    "phrase": {"speaker", "phrases", "within_first_s", "within_last_s", "diacritics_insensitive"},
    "forbidden": {"speaker", "phrases", "diacritics_insensitive"},
    "metric": {"metric", "min", "max"},
    "emotion": {"check", "margin"},
}


class ScorecardError(ParameterError):
    """A scorecard file or mapping is invalid; the message names file, criterion and field."""


@dataclass(frozen=True)
class Criterion:
    """One scorecard criterion (see the module docstring for the fields of each rule)."""

    id: str
    rule: str
    weight: float = 1.0
    auto_fail: bool = False
    description: dict[str, str] = field(default_factory=dict)
    speaker: str = "agent"
    phrases: tuple[str, ...] = ()
    within_first_s: float | None = None
    within_last_s: float | None = None
    diacritics_insensitive: bool | None = None
    metric: str | None = None
    min: float | None = None
    max: float | None = None
    check: str | None = None
    margin: float = 0.2

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "rule": self.rule,
            "weight": self.weight,
            "auto_fail": self.auto_fail,
            "description": dict(self.description),
        }
        if self.rule in ("phrase", "forbidden"):
            out.update(
                speaker=self.speaker,
                phrases=list(self.phrases),
                diacritics_insensitive=self.diacritics_insensitive,
            )
            if self.within_first_s is not None:
                out["within_first_s"] = self.within_first_s
            if self.within_last_s is not None:
                out["within_last_s"] = self.within_last_s
        elif self.rule == "metric":
            out.update(metric=self.metric, min=self.min, max=self.max)
        else:
            out.update(check=self.check, margin=self.margin)
        return out


@dataclass(frozen=True)
class Scorecard:
    """A validated scorecard: an ordered tuple of criteria."""

    id: str
    version: str
    criteria: tuple[Criterion, ...]
    name: dict[str, str] = field(default_factory=dict)
    diacritics_insensitive: bool = True
    source: str = "<memory>"
    pass_score: float = 80.0

    def serialize(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "name": dict(self.name),
            "diacritics_insensitive": self.diacritics_insensitive,
            "pass_score": self.pass_score,
            "criteria": [c.serialize() for c in self.criteria],
        }


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScorecardError(f"{path}: cannot read scorecard: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScorecardError(f"{path}: not valid YAML: {exc}") from None
    return parse_scorecard(data, source=str(path))


def parse_scorecard(data: Any, *, source: str = "<memory>") -> Scorecard:
    """Validate a mapping (parsed YAML) into a :class:`Scorecard`."""
    if not isinstance(data, Mapping):
        raise ScorecardError(f"{source}: a scorecard must be a mapping, got {type(data).__name__}")
    unknown = set(data) - {
        "id",
        "version",
        "name",
        "diacritics_insensitive",
        "criteria",
        "description",
        "pass_score",
    }
    if unknown:
        raise ScorecardError(
            f"{source}: unknown top-level field(s) {sorted(unknown)}; accepted: "
            "id, version, name, description, diacritics_insensitive, pass_score, criteria"
        )
    pass_score = data.get("pass_score", 80.0)
    if (
        isinstance(pass_score, bool)
        or not isinstance(pass_score, int | float)
        or not 0 <= pass_score <= 100
    ):
        raise ScorecardError(
            f"{source}: field 'pass_score'={pass_score!r} must be a number in 0-100"
        )
    card_id = data.get("id")
    if not isinstance(card_id, str) or not _ID.match(card_id):
        raise ScorecardError(
            f"{source}: field 'id'={card_id!r} must be 1-64 letters, digits, _ . -"
        )
    crits = data.get("criteria")
    if not isinstance(crits, list) or not crits:
        raise ScorecardError(f"{source}: field 'criteria' must be a non-empty list, got {crits!r}")
    criteria = [_criterion(c, i, source) for i, c in enumerate(crits)]
    seen: set[str] = set()
    for c in criteria:
        if c.id in seen:
            raise ScorecardError(f"{source}: criterion {c.id!r}: field 'id' is used twice")
        seen.add(c.id)
    di = data.get("diacritics_insensitive", True)
    if not isinstance(di, bool):
        raise ScorecardError(
            f"{source}: field 'diacritics_insensitive'={di!r} must be true or false"
        )
    return Scorecard(
        id=card_id,
        version=str(data.get("version", "1")),
        criteria=tuple(criteria),
        name=_texts(data.get("name", {}), source, "<scorecard>", "name"),
        diacritics_insensitive=di,
        source=source,
        pass_score=float(pass_score),
    )


def _texts(value: Any, source: str, cid: str, name: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ScorecardError(
            f"{source}: criterion {cid!r}: field {name!r}={value!r} must be text or "
            "a mapping of language to text, e.g. {vi: ..., en: ...}"
        )
    return {str(k): v for k, v in value.items()}


def _number(
    c: Mapping[str, Any], key: str, source: str, cid: str, *, positive: bool = False
) -> float | None:
    value = c.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScorecardError(
            f"{source}: criterion {cid!r}: field {key!r}={value!r} must be a number"
        )
    if positive and value <= 0:
        raise ScorecardError(f"{source}: criterion {cid!r}: field {key!r}={value!r} must be > 0")
    return float(value)


def _criterion(c: Any, index: int, source: str) -> Criterion:
    if not isinstance(c, Mapping):
        raise ScorecardError(f"{source}: criteria[{index}] must be a mapping, got {c!r}")
    cid = c.get("id")
    if not isinstance(cid, str) or not _ID.match(cid):
        raise ScorecardError(
            f"{source}: criteria[{index}]: field 'id'={cid!r} must be 1-64 letters, digits, _ . -"
        )
    rule = c.get("rule")
    if rule not in RULES:
        raise ScorecardError(
            f"{source}: criterion {cid!r}: field 'rule'={rule!r} must be one of {', '.join(RULES)}"
        )
    allowed = _KEYS["common"] | _KEYS[rule]
    extra = sorted(set(c) - allowed)
    if extra:
        raise ScorecardError(
            f"{source}: criterion {cid!r}: field {extra[0]!r} is not accepted by rule "
            f"{rule!r}; accepted: {', '.join(sorted(allowed))}"
        )
    weight = _number(c, "weight", source, cid, positive=True)
    auto_fail = c.get("auto_fail", False)
    if not isinstance(auto_fail, bool):
        raise ScorecardError(
            f"{source}: criterion {cid!r}: field 'auto_fail'={auto_fail!r} must be true or false"
        )
    kw: dict[str, Any] = {
        "id": cid,
        "rule": rule,
        "weight": 1.0 if weight is None else weight,
        "auto_fail": auto_fail,
        "description": _texts(c.get("description", {}), source, cid, "description"),
    }
    if rule in ("phrase", "forbidden"):
        speaker = c.get("speaker", "agent")
        if speaker not in SPEAKERS:
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'speaker'={speaker!r} must be one "
                f"of {', '.join(SPEAKERS)}"
            )
        phrases = c.get("phrases")
        if (
            not isinstance(phrases, list)
            or not phrases
            or not all(isinstance(p, str) and p.strip() for p in phrases)
        ):
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'phrases'={phrases!r} must be a "
                "non-empty list of non-empty strings"
            )
        di = c.get("diacritics_insensitive")
        if di is not None and not isinstance(di, bool):
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'diacritics_insensitive'={di!r} "
                "must be true or false"
            )
        kw.update(
            speaker=speaker,
            phrases=tuple(phrases),
            diacritics_insensitive=di,
            within_first_s=_number(c, "within_first_s", source, cid, positive=True),
            within_last_s=_number(c, "within_last_s", source, cid, positive=True),
        )
    elif rule == "metric":
        metric = c.get("metric")
        if not isinstance(metric, str) or not metric:
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'metric'={metric!r} must name a "
                "call metric, e.g. silence_longest_s"
            )
        lo, hi = _number(c, "min", source, cid), _number(c, "max", source, cid)
        if lo is None and hi is None:
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'min'/'max': give at least one bound"
            )
        if lo is not None and hi is not None and lo > hi:
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'min'={lo} is above 'max'={hi}"
            )
        kw.update(metric=metric, min=lo, max=hi)
    else:
        check = c.get("check", "calmer_at_end")
        if check not in EMOTION_CHECKS:
            raise ScorecardError(
                f"{source}: criterion {cid!r}: field 'check'={check!r} must be one of "
                f"{', '.join(EMOTION_CHECKS)}"
            )
        margin = _number(c, "margin", source, cid)
        kw.update(check=check, margin=0.2 if margin is None else margin)
    return Criterion(**kw)
