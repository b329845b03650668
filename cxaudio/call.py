"""One call end to end: :func:`analyze_call` → :class:`CallAnalysis` → a VoC record.

Steps: decode (``cxaudio.load``), diarize (``cxaudio.diarize``: by channel for stereo, by
speaker embeddings for mono), conversation metrics, signal metrics and prosody per party,
customer emotion, optional transcript alignment and QA scorecard.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .asr import model_name as asr_model_name
from .emotion import (
    EmotionClassifier,
    EmotionParams,
    SpeakerEmotion,
    prosody_frames,
    speaker_emotion,
)
from .emotion.arousal import ProsodyFrames
from .errors import AudioFileError, ModelError, ParameterError
from .metrics import ConversationMetrics, conversation_metrics, party_turns
from .metrics import _kernels as mk
from .metrics.signal import (
    PartySignal,
    SignalMetrics,
    clipping_ratio,
    party_loudness,
    snr_estimate_db,
    speaking_rate,
)
from .qa import QAResult, Scorecard, resolve_scorecard, score_call
from .transcript import Transcript, align_transcript, load_transcript
from .types import Diarization

__all__ = ["CallAnalysis", "CallConfig", "CallMetrics", "analyze_call", "content_hash"]

log = logging.getLogger(__name__)

PARTIES = ("agent", "customer")
HOP_S = 0.01
ANALYSIS_MAX_SR = 16000
"""Files recorded above this rate are decoded in blocks and resampled to it (models run at 8/16 kHz)."""


@dataclass(frozen=True)
class CallConfig:
    """Settings of call analysis; their hash goes into each record's provenance."""

    silence_min_s: float = 3.0
    interruption_min_s: float = 0.5
    merge_gap_s: float = 0.3
    emotion: EmotionParams = field(default_factory=EmotionParams)
    include_agent_emotion: bool = False
    emotion_model: str | None = None
    scorecard: Scorecard | None = None
    num_speakers: int | None = 2
    min_speech_s: float = 3.0
    """A call with less speech than this (range 0-30 s) is flagged ``no_speech``: QA not applicable."""

    # None: transcribe when the runtime and the model are there (and CX_ASR is not "off")
    asr: bool | None = None
    asr_model: str | None = None  # a CTranslate2 Whisper folder (None: the bundled one)
    asr_language: str = "vi"

    def asr_enabled(self) -> bool:
        """Whether calls without a supplied transcript are transcribed under this config."""
        if self.asr is False:
            return False
        if self.asr:
            return True
        if os.environ.get("CX_ASR", "").strip().lower() in ("0", "off", "false", "no"):
            return False  # automatic transcription switched off for this environment
        from .asr import asr_available

        return asr_available(self.asr_model)

    def serialize(self) -> dict[str, Any]:
        asr = (
            {"asr": {"model": asr_model_name(self.asr_model), "language": self.asr_language}}
            if self.asr_enabled()
            else {}
        )
        return {
            **asr,
            "num_speakers": self.num_speakers,
            "min_speech_s": self.min_speech_s,
            "silence_min_s": self.silence_min_s,
            "interruption_min_s": self.interruption_min_s,
            "merge_gap_s": self.merge_gap_s,
            "emotion": self.emotion.serialize(),
            "include_agent_emotion": self.include_agent_emotion,
            "emotion_model": self.emotion_model,
            "scorecard": None if self.scorecard is None else self.scorecard.serialize(),
        }

    def hash(self) -> str:
        from cxvoc._version import __version__ as version

        blob = json.dumps(
            {"cxaudio": version, **self.serialize()}, sort_keys=True, ensure_ascii=False
        )
        return hashlib.blake2b(blob.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class CallMetrics:
    """SPEC section 4 metrics: the conversation part and, when audio was given, the signal part."""

    conversation: ConversationMetrics
    signal: SignalMetrics | None = None

    def __getattr__(self, name: str) -> Any:
        for part in (self.conversation, self.signal):
            if part is not None and hasattr(part, name):
                return getattr(part, name)
        flat = self.serialize()
        if name in flat:
            return flat[name]
        raise AttributeError(name)

    def serialize(self) -> dict[str, Any]:
        out = self.conversation.serialize()
        if self.signal is not None:
            out.update(self.signal.serialize())
        return out


def content_hash(path: str | Path, *, chunk: int = 1 << 22) -> str:
    """xxh3-128 of the file's bytes (hex)."""
    import xxhash

    h = xxhash.xxh3_128()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
    except OSError as exc:
        raise AudioFileError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    return h.hexdigest()


@dataclass(frozen=True)
class CallAnalysis:
    """Everything known about one call."""

    path: str
    sr: int
    channels: int
    duration_s: float
    diarization: Diarization
    metrics: CallMetrics
    emotion: dict[str, SpeakerEmotion]
    qa: QAResult | None
    transcript: Transcript | None
    content_hash: str
    config_hash: str
    models: dict[str, str] = field(default_factory=dict)
    # speakers of the diarization that map to neither party (e.g. an imported RTTM whose roles
    # name two of three speakers): their speech is in no party's metrics, and this says so
    unassigned_speakers: tuple[str, ...] = ()
    no_speech: bool = False
    warnings: tuple[str, ...] = ()
    asr_error: str | None = None  # why speech recognition failed on this call (scored without)

    @property
    def customer_emotion(self) -> SpeakerEmotion | None:
        return self.emotion.get("customer")

    def serialize(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sr": self.sr,
            "channels": self.channels,
            "duration_s": self.duration_s,
            "diarization": self.diarization.serialize(),
            "metrics": self.metrics.serialize(),
            "emotion": {k: v.serialize() for k, v in self.emotion.items()},
            "qa": None if self.qa is None else self.qa.serialize(),
            "transcript": None if self.transcript is None else self.transcript.serialize(),
            "content_hash": self.content_hash,
            "config_hash": self.config_hash,
            "models": dict(self.models),
            "unassigned_speakers": list(self.unassigned_speakers),
            "no_speech": self.no_speech,
            "warnings": list(self.warnings),
            "asr_error": self.asr_error,
        }

    def to_record(
        self,
        *,
        call_id: str | None = None,
        occurred_at: datetime | None = None,
        customer_id: str | None = None,
        agent_id: str | None = None,
        salt: str | None = None,
        brand: str | None = None,
        service: str | None = None,
        unit: str | None = None,
        touchpoint: int = 12,
        attributes: Mapping[str, Any] | None = None,
    ) -> Any:
        """A ``cxvoc.Record`` (source ``call``, channel ``call_center``, touchpoint 12).

        ``call_id`` defaults to the file name; ``customer_id``/``agent_id`` are pseudonymized
        with ``salt`` (or the ``CX_PSEUDONYM_SALT`` environment variable) and never stored raw.
        """
        from cxvoc import Provenance, Record, make_record_id, pseudonymize

        salt = salt or os.environ.get("CX_PSEUDONYM_SALT")
        if (customer_id or agent_id) and not salt:
            raise ParameterError(
                "customer_id/agent_id need a salt to be pseudonymized: pass salt= or set "
                "CX_PSEUDONYM_SALT"
            )
        if occurred_at is None:
            occurred_at = datetime.fromtimestamp(os.stat(self.path).st_mtime, tz=UTC)
        customer = self.customer_emotion
        emotion: dict[str, Any] = {"customer": customer.serialize()} if customer is not None else {}
        if "agent" in self.emotion:
            emotion["agent"] = self.emotion["agent"].serialize()
        if customer is not None:
            served = customer.serialize()
            emotion.update(
                # canonical keys read by cxvoc's KPIs and report (escalation rate, timeline)
                escalation_events=[
                    {"start_s": e["start"], "end_s": e["end"], "duration_s": e["duration_s"],
                     "peak_arousal": e["peak_arousal"]}
                    for e in served["escalations"]
                ],
                timeline=[
                    {"start_s": seg["start"], "end_s": seg["end"], "arousal": seg["arousal"],
                     "valence": seg.get("valence")}
                    for seg in served["segments"]
                ],
            )  # fmt: skip
            emotion.update(
                arousal=served["arousal_mean"],
                valence=customer.valence,
                category=customer.category,
                escalated=customer.escalated,
                trajectory=customer.trajectory,
            )
        sentiment = None
        if customer is not None and customer.valence is not None:
            v = max(-1.0, min(1.0, customer.valence))
            sentiment = {
                "label": "negative" if v < -0.2 else "positive" if v > 0.2 else "neutral",
                "score": v,
            }
        parties, withheld = _masked_parties(self.transcript)
        text = (parties.get("customer") or {}).get("text") if parties is not None else None
        aspects: tuple[Any, ...] = ()
        if text:
            aspects, text_sentiment = _text_opinion(text)
            if sentiment is None:
                sentiment = text_sentiment
        extra: dict[str, Any] = {}
        if self.transcript is not None and self.transcript.is_asr and parties is not None:
            extra["transcript"] = {"asr_model": self.transcript.asr_model, "parties": parties}
        if self.asr_error:
            extra["asr_error"] = self.asr_error
        return Record(
            record_id=make_record_id("call", call_id or Path(self.path).name),
            source="call",
            channel="call_center",
            brand=brand,
            service=service,
            unit=unit,
            touchpoint=touchpoint,
            occurred_at=occurred_at,
            language="vi",
            text=text or None,
            customer_ref=pseudonymize(customer_id, salt=salt) if customer_id and salt else None,
            agent_ref=pseudonymize(agent_id, salt=salt) if agent_id and salt else None,
            audio_uri=Path(self.path).resolve().as_uri(),
            sentiment=sentiment,
            aspects=aspects,
            emotion=emotion,
            metrics=self.metrics.serialize(),
            qa=None if self.qa is None else self.qa.serialize(),
            attributes={
                "sr": self.sr,
                "channels": self.channels,
                "diarization_method": self.diarization.method,
                **({"text_withheld": withheld} if withheld else {}),
                **({"no_speech": True} if self.no_speech else {}),
                **({"warnings": list(self.warnings)} if self.warnings else {}),
                **extra,
                **dict(attributes or {}),
            },
            content_hash=self.content_hash,
            provenance=Provenance(models=dict(self.models), config_hash=self.config_hash),
        )


def _masked_parties(
    transcript: Transcript | None,
) -> tuple[dict[str, dict[str, Any]] | None, str | None]:
    """Each party's words and segments, PII-masked jointly over the party's turns (a number
    spoken across two turns is still found), and why text was withheld.

    Fails closed: the masker is imported unconditionally, and when it fails no text is kept.
    """
    import cxtext  # unconditional: no masker, no record

    if transcript is None:
        return None, None
    out: dict[str, dict[str, Any]] = {}
    for party in PARTIES:
        segs = [s for s in transcript.for_speaker(party) if s.text.strip()]
        if not segs:
            continue
        try:
            pieces = cxtext.mask_pii_segments([" ".join(s.text.split()) for s in segs])
        except Exception as exc:  # noqa: BLE001 - never store text that could not be masked
            log.warning("PII masking failed (%s); the record keeps no text", exc)
            return None, f"PII masking failed: {type(exc).__name__}"
        out[party] = {
            "text": " ".join(p for p in pieces if p),
            "segments": [
                {
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "text": pieces[i],
                    **({"confidence": s.confidence} if s.confidence is not None else {}),
                }
                for i, s in enumerate(segs)
            ],
        }
    return out, None


def _text_opinion(text: str) -> tuple[tuple[Any, ...], dict[str, Any] | None]:
    """Aspects and sentiment of the customer's words (``cxtext``), or nothing when unavailable."""
    aspects_fn, sentiment_fn = _text_fn("aspects"), _text_fn("sentiment")
    found: tuple[Any, ...] = ()
    label = None
    try:
        if aspects_fn is not None:
            found = tuple(
                {"aspect": a.aspect, "label": a.label, "score": a.score} for a in aspects_fn(text)
            )
        if sentiment_fn is not None:
            r = sentiment_fn(text)
            label = {"label": r.label, "score": float(r.score)}
    except Exception as exc:  # noqa: BLE001 - a text model must not sink the call
        log.warning("text sentiment/aspects unavailable: %s", exc)
    return found, label


# -- the pipeline ---------------------------------------------------------------------------
def _party_channels(
    y: np.ndarray,
    sr: int,
    turns: dict[str, list[tuple[float, float]]],
    channel_map: Mapping[str, int] | None,
) -> dict[str, np.ndarray]:
    """Mono signal of each party: its channel for stereo, the mix for mono."""
    if y.ndim == 1:
        return {p: y for p in PARTIES}
    if channel_map:
        return {p: y[int(channel_map[p])] for p in PARTIES if p in channel_map}
    # the channel where a party's turns carry the most energy is theirs
    out = {}
    for party in PARTIES:
        energy = np.zeros(y.shape[0])
        for a, b in turns[party]:
            seg = y[:, int(a * sr) : int(b * sr)]
            energy += (seg.astype(np.float64) ** 2).sum(axis=1)
        out[party] = y[int(np.argmax(energy))]
    if out["agent"] is out["customer"]:
        out = {"agent": y[0], "customer": y[1]}
    return out


def _normalize_channel_map(channel_map: Mapping[Any, Any] | None) -> dict[str, int] | None:
    if channel_map is None:
        return None
    out: dict[str, int] = {}
    for k, v in channel_map.items():
        if str(k) in PARTIES:
            out[str(k)] = int(v)
        elif str(v) in PARTIES:
            out[str(v)] = int(k)
        else:
            raise ParameterError(
                f"channel_map={dict(channel_map)!r} must map 'agent'/'customer' to channel "
                "numbers, e.g. {'agent': 0, 'customer': 1}"
            )
    return out


def _solo_frames(turns: dict[str, list[tuple[float, float]]], n: int) -> dict[str, np.ndarray]:
    masks = {}
    for p in PARTIES:
        arr = np.asarray(turns[p], dtype=np.float64).reshape(-1, 2)
        masks[p] = mk.activity_mask(arr[:, 0].copy(), arr[:, 1].copy(), n, HOP_S)
    return {
        "agent": masks["agent"] & (1 - masks["customer"]),
        "customer": masks["customer"] & (1 - masks["agent"]),
        "any": masks["agent"] | masks["customer"],
    }


def _runs(mask: np.ndarray) -> list[tuple[float, float]]:
    runs = mk.zero_runs((1 - mask).astype(np.uint8))
    return [(float(s * HOP_S), float((s + n) * HOP_S)) for s, n in runs]


def _lufs(pieces: list[np.ndarray], sr: int) -> float:
    from .features.level import loudness_of_pieces

    return float(loudness_of_pieces(pieces, sr))


def analyze_call(
    path: str | os.PathLike[str],
    *,
    scorecard: Scorecard | str | os.PathLike[str] | None = None,
    transcript: Transcript | str | os.PathLike[str] | None = None,
    channel_map: Mapping[Any, Any] | None = None,
    device: str = "auto",
    config: CallConfig | None = None,
    diarization: Diarization | None = None,
    threads: int = 0,
) -> CallAnalysis:
    """Analyze one recorded call.

    ``scorecard``: a Scorecard, a YAML path, or None for the default Vietnamese telecom card.
    ``transcript``: a Transcript or a file (JSON, SRT, VTT, STM, CTM); aligned to the speakers.
    ``channel_map``: for stereo files, e.g. ``{"agent": 0, "customer": 1}``.
    ``config``: thresholds and emotion settings (its ``scorecard`` is overridden by ``scorecard``).
    ``diarization``: skip diarization and use this one (e.g. from an RTTM reference).
    ``threads``: ONNX Runtime intra-op threads of the diarization model (0: all cores; the
    batch runner gives each worker process 1).
    """
    from .io import info, load

    if device not in ("auto", "cpu", "cuda"):
        raise ParameterError(f"device={device!r} must be 'auto', 'cpu' or 'cuda'")
    cfg = config or CallConfig()
    card = resolve_scorecard(
        Path(scorecard)
        if isinstance(scorecard, os.PathLike)
        else scorecard
        if scorecard is not None
        else cfg.scorecard
    )
    if cfg.scorecard is not card:
        cfg = CallConfig(
            **{**{f: getattr(cfg, f) for f in cfg.__dataclass_fields__}, "scorecard": card}
        )
    path = str(path)
    chash = content_hash(path)
    meta = info(path)
    y, sr = load(path, sr=min(meta.sr, ANALYSIS_MAX_SR))
    warnings: list[str] = []
    declared_s = (meta.declared_frames or meta.frames) / meta.sr
    if declared_s - y.shape[-1] / sr > 0.05:
        warnings.append(
            f"truncated: the header declares {declared_s:.1f} s, the file holds "
            f"{y.shape[-1] / sr:.1f} s; scored what is there"
        )
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim == 2 and y.shape[0] > 2:
        raise AudioFileError(
            f"{path!r}: {y.shape[0]} channels; calls are mono or stereo (agent, customer)"
        )
    duration = y.shape[-1] / sr
    if duration < 1.0:
        raise AudioFileError(f"{path!r}: {duration:.2f} s of audio is too short to score as a call")
    cmap = _normalize_channel_map(channel_map)
    models: dict[str, str] = {}
    if diarization is None:
        from . import diarize

        stereo = y.ndim == 2
        diarization = diarize(
            y,
            sr,
            device=device,
            intra_op_num_threads=threads,
            channel_map={v: k for k, v in cmap.items()} if (cmap and stereo) else None,
            num_speakers=None if stereo else cfg.num_speakers,
        )
    models.update(getattr(diarization, "models", {}) or {})
    models.setdefault("diarization", diarization.method)

    conv = conversation_metrics(
        diarization,
        silence_min_s=cfg.silence_min_s,
        interruption_min_s=cfg.interruption_min_s,
        merge_gap_s=cfg.merge_gap_s,
    )
    turns = party_turns(diarization, merge_gap_s=cfg.merge_gap_s)
    unassigned = _unassigned_speakers(diarization)
    if unassigned:
        log.warning(
            "%s: speakers %s map to neither agent nor customer (roles %s); their speech is "
            "left out of the party metrics",
            path,
            list(unassigned),
            diarization.roles,
        )
    signals = _party_channels(y, sr, turns, cmap)
    n = int(round(duration / HOP_S))
    solo = _solo_frames(turns, n)
    anyone = solo["any"]
    speech_s = float(anyone.sum()) * HOP_S
    no_speech = speech_s < cfg.min_speech_s
    if no_speech:
        warnings.append(
            f"no speech: {speech_s:.1f} s of speech in {duration:.1f} s (min_speech_s="
            f"{cfg.min_speech_s}); QA not applicable"
        )

    frames: dict[str, ProsodyFrames] = {}
    if y.ndim == 1:
        mono = prosody_frames(y, sr, hop_s=HOP_S, n_frames=n, active=anyone)
        frames = {"agent": mono, "customer": mono}
    else:
        for p in PARTIES:
            frames[p] = prosody_frames(signals[p], sr, hop_s=HOP_S, n_frames=n, active=solo[p])

    parties = {}
    for p in PARTIES:
        fr = frames[p]
        voiced = np.isfinite(fr.f0_hz)
        rate = speaking_rate(fr.band_db, voiced, solo[p], hop_s=HOP_S)
        lufs, dbfs = party_loudness(signals[p], sr, _runs(solo[p]), _lufs)
        parties[p] = PartySignal(rate, lufs, dbfs)
    mix_power = (
        frames["customer"].power
        if y.ndim == 1
        else np.maximum(frames["agent"].power, frames["customer"].power)
    )
    sig = SignalMetrics(
        parties["agent"], parties["customer"], clipping_ratio(y), snr_estimate_db(mix_power, anyone)
    )
    metrics = CallMetrics(conv, sig)

    tr: Transcript | None = None
    asr_error = None
    if transcript is not None:
        tr = transcript if isinstance(transcript, Transcript) else load_transcript(Path(transcript))
        tr = align_transcript(tr, diarization)
    elif cfg.asr_enabled() and not no_speech:  # nothing to recognize in a silent call
        tr, asr_error = _recognize(path, signals, sr, turns, duration, cfg, device, threads)
        if tr is not None and tr.asr_model:
            models["asr"] = tr.asr_model

    classifier = EmotionClassifier(cfg.emotion_model, device=device) if cfg.emotion_model else None
    if classifier is not None:
        models["emotion_classifier"] = classifier.version
    emotion: dict[str, SpeakerEmotion] = {}
    roles = ["customer"] + (["agent"] if cfg.include_agent_emotion else [])
    if cfg.include_agent_emotion:
        log.warning(
            "agent emotion enabled: inferring a worker's emotion is prohibited at work in the EU "
            "(AI Act art. 5(1)(f)); make sure this use is lawful"
        )
    for role in roles:
        emotion[role] = _emotion_for(
            role, frames[role], _runs(solo[role]), duration, cfg, tr, classifier, signals[role], sr
        )
    models.setdefault("arousal", "prosody-baseline-1")
    qa: QAResult | None = score_call(
        card,
        metrics=metrics.serialize(),
        duration_s=duration,
        transcript=tr,
        emotion=emotion["customer"].serialize() if "customer" in emotion else None,
    )
    if no_speech:
        qa = None  # nothing was said: a scorecard would pass every silence rule
    return CallAnalysis(
        path=path,
        sr=sr,
        channels=1 if y.ndim == 1 else int(y.shape[0]),
        duration_s=duration,
        diarization=diarization,
        metrics=metrics,
        emotion=emotion,
        qa=qa,
        transcript=tr,
        content_hash=chash,
        config_hash=cfg.hash(),
        models=models,
        unassigned_speakers=unassigned,
        no_speech=no_speech,
        warnings=tuple(warnings),
        asr_error=asr_error,
    )


def _unassigned_speakers(d: Diarization) -> tuple[str, ...]:
    """Speakers whose turns ``party_turns`` gives to no party: with roles that name a party,
    a speaker without one (without any party role, every other speaker is the customer)."""
    if not any(r in PARTIES for r in d.roles.values()):
        return ()
    return tuple(s for s in d.speakers if d.roles.get(s, s) not in PARTIES)


def _recognize(
    path: str,
    signals: Mapping[str, np.ndarray],
    sr: int,
    turns: Mapping[str, list[tuple[float, float]]],
    duration: float,
    cfg: CallConfig,
    device: str,
    threads: int,
) -> tuple[Transcript | None, str | None]:
    """The call's transcript by speech recognition of each party's turns on its own signal.

    A missing or broken model raises :class:`ModelError` (the call fails with the fix in the
    message); any other failure leaves the call scored without a transcript, reason returned.
    """
    from .asr import _vad_spans, check_model_dir, transcribe_parties

    check_model_dir(cfg.asr_model)
    roles = [p for p in PARTIES if p in signals]
    try:
        if len({id(signals[p]) for p in roles}) > 1:
            # stereo: each party's own channel, all its speech (the diarized turns are trimmed
            # for timing metrics and can clip a word's edges)
            spans = {p: _vad_spans(signals[p], sr, device) for p in roles}
        else:
            spans = {p: turns[p] for p in roles}
        tr = transcribe_parties(
            {p: signals[p] for p in roles},
            sr,
            spans,
            duration_s=duration,
            language=cfg.asr_language,
            model=cfg.asr_model,
            device=device,
            threads=threads,
            source=path,
        )
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - one call's recognition must not sink the call
        log.warning("speech recognition failed on %s: %s", path, exc)
        return None, f"{type(exc).__name__}: {exc}"
    return tr, None


def _text_fn(name: str) -> Any:
    """A verb of cxtext (``sentiment``, ``mask_pii``) when that package provides it, else None."""
    try:
        import cxtext
    except ImportError:
        return None
    fn = getattr(cxtext, name, None)
    return fn if callable(fn) else None


def _sentiment_batch() -> Any:
    """``cxtext.sentiment_batch`` when cxtext provides it, else None."""
    import importlib

    for name in ("cxtext", "cxtext.sentiment"):
        try:
            fn = getattr(importlib.import_module(name), "sentiment_batch", None)
        except ImportError:
            continue
        if callable(fn):
            return fn
    return None


def _valence_of(
    tr: Transcript | None, role: str, spans: list[tuple[float, float]]
) -> dict[tuple[float, float], float]:
    """Valence in [-1, 1] of each span from the words said in it (``cxtext`` sentiment)."""
    batch = _sentiment_batch() if tr is not None else None
    if tr is None or batch is None:
        return {}
    segs = tr.for_speaker(role)
    keyed = []
    for a, b in spans:
        text = " ".join(s.text for s in segs if min(s.end, b) - max(s.start, a) > 0).strip()
        if text:
            keyed.append(((a, b), text))
    if not keyed:
        return {}
    try:
        results = batch([t for _, t in keyed])
    except Exception as exc:  # noqa: BLE001 - a text model must not sink the call
        log.warning("text sentiment unavailable, no valence: %s", exc)
        return {}
    out = {}
    for (span, _), r in zip(keyed, results, strict=True):
        score = r.get("score") if isinstance(r, Mapping) else getattr(r, "score", None)
        if isinstance(score, int | float):
            out[span] = float(score)
    return out


def _emotion_for(
    role: str,
    frames: ProsodyFrames,
    turns: list[tuple[float, float]],
    duration: float,
    cfg: CallConfig,
    tr: Transcript | None,
    classifier: EmotionClassifier | None,
    y: np.ndarray,
    sr: int,
) -> SpeakerEmotion:
    from .emotion.arousal import _split

    spans = _split(turns, cfg.emotion.segment_max_s, cfg.emotion.segment_min_s)
    result = speaker_emotion(
        frames,
        turns,
        duration_s=duration,
        role=role,
        params=cfg.emotion,
        valence_of=_valence_of(tr, role, spans),
    )
    if classifier is not None and result.segments:
        from dataclasses import replace

        cats = classifier.classify(y, sr, [(s.start, s.end) for s in result.segments])
        segs = tuple(
            replace(s, category=c, category_scores=p)
            for s, (c, p) in zip(result.segments, cats, strict=True)
        )
        counts: dict[str, float] = {}
        for s in segs:
            counts[s.category or ""] = counts.get(s.category or "", 0.0) + s.end - s.start
        result = replace(
            result, segments=segs, category=max(counts.items(), key=lambda kv: kv[1])[0]
        )
    return result
