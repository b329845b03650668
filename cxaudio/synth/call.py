"""``generate_call``: a synthetic two-party Vietnamese care call with its truth by construction."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.signal import butter, sosfilt

from cxaudio.errors import ParameterError
from cxaudio.synth import phrases as ph
from cxaudio.synth import script
from cxaudio.synth.pitch import median_f0
from cxaudio.synth.result import CallFiles, SyntheticCall, Utterance
from cxaudio.synth.script import Cast, Line
from cxaudio.synth.spec import BRANDS, TOPICS, CallSpec
from cxaudio.synth.truth import segment_truth
from cxaudio.synth.tts import BAND_HZ, MIN_PAUSE_S, TRIM_THRESHOLD_DB, EspeakTTS, Speech, Voice
from cxaudio.types import SpeakerTurn

log = logging.getLogger(__name__)

GENERATOR_VERSION = 1
_CHUNK = 1 << 20
_MEASURE_S = 600.0
SEMITONES_PER_PITCH_UNIT = 4.1 / 20.0  # espeak-ng -p, measured on vi+f3 / vi+m3


def generate_call(spec: CallSpec | None = None, *, tts: EspeakTTS | None = None) -> SyntheticCall:
    """Generate one synthetic call from ``spec`` (deterministic for ``spec.seed``).

    ``tts`` is the speech engine (default: :class:`EspeakTTS` at ``spec.sr`` with the default
    disk cache). Raises ``TTSUnavailableError`` when espeak-ng is missing.
    """
    spec = spec if spec is not None else CallSpec()
    if not isinstance(spec, CallSpec):
        raise ParameterError(f"spec={spec!r} must be a CallSpec")
    if tts is None:
        tts = EspeakTTS(sr=spec.sr)
    elif tts.sr != spec.sr:
        raise ParameterError(f"tts.sr={tts.sr} must equal spec.sr={spec.sr}")
    tts.check()
    plan_ss, level_ss, noise_ss = np.random.SeedSequence(spec.seed).spawn(3)
    builder = _Builder(spec, tts, np.random.default_rng(plan_ss), np.random.default_rng(level_ss))
    builder.run()
    return builder.finish(np.random.default_rng(noise_ss))


@dataclass
class _Placed:
    line: Line
    speech: Speech
    start_n: int
    gain: float

    @property
    def end_n(self) -> int:
        return self.start_n + self.speech.audio.shape[-1]


class _Builder:
    """Plans the dialogue, synthesizes it and places it on the timeline, one line at a time."""

    def __init__(
        self,
        spec: CallSpec,
        tts: EspeakTTS,
        rng: np.random.Generator,
        level_rng: np.random.Generator,
    ) -> None:
        self.spec, self.tts, self.rng, self.level_rng = spec, tts, rng, level_rng
        self.sr = spec.sr
        agent_name, agent_gender, agent_voice = ph.AGENTS[int(rng.integers(len(ph.AGENTS)))]
        customer_gender = "male" if agent_gender == "female" else "female"
        customers = ph.CUSTOMER_VOICES[customer_gender]
        customer_voice = customers[int(rng.integers(len(customers)))]
        self.cast = Cast(
            topic=spec.topic or str(rng.choice(TOPICS)),
            brand=spec.brand or str(rng.choice(BRANDS)),
            agent_name=agent_name,
            agent_gender=agent_gender,
            customer_gender=customer_gender,
            customer_name=str(rng.choice(ph.CUSTOMER_NAMES[customer_gender])),
            phone=str(rng.choice(ph.PHONES)),
        )
        self.voices = {"agent": Voice(*agent_voice), "customer": Voice(*customer_voice)}
        esc = spec.escalation
        if esc is not None:
            base = self.voices["customer"]
            pitch = min(99, base.pitch + int(round(esc.pitch_semitones / SEMITONES_PER_PITCH_UNIT)))
            self.escalated_voice = Voice(
                base.name, pitch, int(round(base.speed * esc.speed_factor))
            )
        self.placed: list[_Placed] = []
        self.cursor_n = int(round(rng.uniform(0.2, 1.0) * self.sr))
        self.explicit_gaps = {
            g.after_turn: g.duration_s for g in spec.silences if g.after_turn is not None
        }
        self.explicit_overlaps = {o.at_turn: o for o in spec.overlaps if o.at_turn is not None}

    # -- planning ------------------------------------------------------------------------------

    def run(self) -> None:
        """Opening, ordinary exchanges and events until the length is reached, closing."""
        spec, rng, cast = self.spec, self.rng, self.cast
        n_turns = spec.n_turns
        opening = script.opening(cast, rng, verify=n_turns is None or n_turns >= 11)
        if n_turns is None:
            closing = script.closing(cast, rng, short=False, bye=False)
        else:  # the middle is made of (agent, customer) pairs: fix the parity with a "bye"
            rem = n_turns - len(opening)
            short = rem < 3
            closing = script.closing(
                cast, rng, short=short, bye=(rem - (1 if short else 3)) % 2 == 1
            )
        closing_n = sum(self._speech(line).audio.shape[-1] for line in closing)
        closing_n += int(len(closing) * np.mean(spec.turn_gap_s) * self.sr)
        target_n = None if spec.duration_s is None else spec.duration_s * self.sr
        events = self._events()
        for line in opening:
            self._place(line)
        pairs = script.exchanges(cast, rng)
        while True:
            lines_left: int | None = None
            if n_turns is not None:
                lines_left = n_turns - len(closing) - len(self.placed)
                if lines_left <= 0:
                    break
                due = bool(events) and self._due(events[0][0])
            else:
                assert target_n is not None
                reached = self.cursor_n + closing_n >= target_n
                if reached and not events:
                    break
                due = bool(events) and (reached or self._due(events[0][0]))
            if due:
                _, kind, value = events.pop(0)
                self._event(kind, value, lines_left)
            else:
                for line in next(pairs):
                    self._place(line)
        if events:
            raise ParameterError(
                f"CallSpec.n_turns={n_turns} is too small for the requested silences, overlaps "
                "and escalation; give more turns or a duration_s"
            )
        for line in closing:
            self._place(line)
        last = len(self.placed) - 1
        for after in sorted(self.explicit_gaps):
            if after >= last:
                raise ParameterError(
                    f"Gap.after_turn={after} must be below the last turn index {last} of this call"
                )
        if self.explicit_overlaps:
            at = min(self.explicit_overlaps)
            raise ParameterError(f"Overlap.at_turn={at} must be at most the last turn index {last}")

    def _events(self) -> list[tuple[float, str, Any]]:
        """(trigger fraction of the call, kind, parameter), sorted by trigger."""
        spec, rng = self.spec, self.rng
        events: list[tuple[float, str, Any]] = []
        for gap in spec.silences:
            if gap.after_turn is None:
                events.append((float(rng.uniform(0.25, 0.8)), "hold", gap.duration_s))
        for ov in spec.overlaps:
            if ov.at_turn is None:
                events.append((float(rng.uniform(0.2, 0.85)), "overlap", ov))
        if spec.escalation is not None:
            events.append((spec.escalation.start_fraction, "escalation", spec.escalation))
        return sorted(events, key=lambda e: e[0])

    def _due(self, fraction: float) -> bool:
        if self.spec.n_turns is not None:
            return len(self.placed) >= fraction * self.spec.n_turns
        assert self.spec.duration_s is not None
        return self.cursor_n >= fraction * self.spec.duration_s * self.sr

    def _event(self, kind: str, value: Any, lines_left: int | None) -> None:
        cast, rng = self.cast, self.rng
        if kind == "hold":
            lines = script.hold_lines(cast, gap_s=value)
        elif kind == "overlap":
            lines = script.interruption_pairs(cast, rng, by=value.by, overlap_s=value.duration_s)
        else:
            self._escalate(value, lines_left)
            return
        if lines_left is not None and len(lines) > lines_left:
            raise ParameterError(
                f"CallSpec.n_turns={self.spec.n_turns} leaves no room for a {kind} event; "
                "give more turns or a duration_s"
            )
        for line in lines:
            self._place(line)

    def _escalate(self, esc: Any, lines_left: int | None) -> None:
        angry_n, first = 0, True
        target_n = esc.min_duration_s * self.sr
        while angry_n < target_n:
            if lines_left is not None and lines_left < 2:
                raise ParameterError(
                    f"CallSpec.n_turns={self.spec.n_turns} is too small for an escalation of "
                    f"{esc.min_duration_s} s; give more turns or a duration_s"
                )
            pair = script.escalation_pair(self.cast, self.rng, first=first)
            first = False
            for line in pair:
                placed = self._place(line)
                if line.escalated:
                    angry_n += sum(b - a for a, b in placed.speech.segments)
            if lines_left is not None:
                lines_left -= 2
        if lines_left is None or lines_left >= 2:
            for line in script.calm_down_pair(self.cast):
                self._place(line)

    # -- placement -----------------------------------------------------------------------------

    def _speech(self, line: Line) -> Speech:
        voice = self.escalated_voice if line.escalated else self.voices[line.speaker]
        return self.tts.synthesize(line.text, voice)

    def _place(self, line: Line) -> _Placed:
        index = len(self.placed)
        speech = self._speech(line)
        start_n = self.cursor_n
        overlap_s = line.overlap_s
        explicit = self.explicit_overlaps.pop(index, None)
        if explicit is not None:
            if explicit.by == line.speaker:
                overlap_s = explicit.duration_s
            else:  # turn ``index`` belongs to the other party: the next turn interrupts instead
                self.explicit_overlaps[index + 1] = explicit
        if overlap_s > 0 and self.placed:
            prev = self.placed[-1]
            if prev.line.speaker != line.speaker:
                overlap_n = int(round(overlap_s * self.sr))
                last_a, last_b = prev.speech.segments[-1]
                if last_b - last_a < overlap_n + int(0.1 * self.sr):
                    log.debug("overlap %.2f s spans a pause of turn %d", overlap_s, index - 1)
                start_n = max(prev.start_n + int(0.2 * self.sr), prev.end_n - overlap_n)
        level = (
            self.spec.agent_level_dbfs if line.speaker == "agent" else self.spec.customer_level_dbfs
        )
        level += float(self.level_rng.uniform(-1.0, 1.0))
        if line.escalated and self.spec.escalation is not None:
            level += self.spec.escalation.gain_db
        placed = _Placed(line, speech, start_n, 10.0 ** (level / 20.0))
        self.placed.append(placed)
        if index in self.explicit_gaps:
            gap_s = self.explicit_gaps[index]
        elif line.gap_after_s is not None:
            gap_s = line.gap_after_s
        else:
            gap_s = float(self.rng.uniform(*self.spec.turn_gap_s))
        end_n = max(placed.end_n, self.placed[-2].end_n if len(self.placed) > 1 else 0)
        self.cursor_n = end_n + int(round(gap_s * self.sr))
        return placed

    # -- mixing and truth ----------------------------------------------------------------------

    def finish(self, noise_rng: np.random.Generator) -> SyntheticCall:
        spec, sr = self.spec, self.sr
        last_n = max(p.end_n for p in self.placed)
        total_n = last_n + int(round(float(noise_rng.uniform(0.4, 1.0)) * sr))
        audio = np.zeros((2 if spec.stereo else 1, total_n), dtype=np.float32)
        for p in self.placed:
            ch = 0 if p.line.speaker == "agent" or not spec.stereo else 1
            audio[ch, p.start_n : p.end_n] += p.speech.audio * np.float32(p.gain)
        if spec.snr_db is not None:
            level = min(spec.agent_level_dbfs, spec.customer_level_dbfs) - spec.snr_db
            for ch in range(audio.shape[0]):
                _add_noise(audio[ch], 10.0 ** (level / 20.0), sr, noise_rng)
        peak = max(float(np.abs(audio[:, i : i + _CHUNK]).max()) for i in range(0, total_n, _CHUNK))
        scale = 1.0 if peak <= 0.98 else 0.98 / peak
        if scale != 1.0:
            audio *= np.float32(scale)
        turns = tuple(self._utterance(p) for p in self.placed)
        segments = tuple(
            sorted(
                (SpeakerTurn(a, b, t.speaker) for t in turns for a, b in t.segments),
                key=lambda s: (s.start, s.end, s.speaker),
            )
        )
        truth = self._truth(turns, segments, total_n / sr, scale)
        return SyntheticCall(audio, sr, turns, segments, truth, spec)

    def _utterance(self, p: _Placed) -> Utterance:
        sr = self.sr
        segs = tuple((_t(p.start_n + a, sr), _t(p.start_n + b, sr)) for a, b in p.speech.segments)
        return Utterance(
            p.line.speaker,
            p.line.text,
            _t(p.start_n, sr),
            _t(p.end_n, sr),
            segs,
            p.line.kind,
            p.line.escalated,
        )

    def _truth(
        self,
        turns: tuple[Utterance, ...],
        segments: tuple[SpeakerTurn, ...],
        duration_s: float,
        scale: float,
    ) -> dict[str, Any]:
        spec, cast = self.spec, self.cast
        per_party: dict[str, list[tuple[float, float]]] = {"agent": [], "customer": []}
        for s in segments:
            per_party[s.speaker].append((s.start, s.end))
        truth: dict[str, Any] = {
            "is_synthetic": True,
            "generator": "cxaudio.synth",
            "generator_version": GENERATOR_VERSION,
            "tts": f"espeak-ng {self.tts.version}",
            "seed": spec.seed,
            "sr": spec.sr,
            "channels": 2 if spec.stereo else 1,
            "channel_map": {"agent": 0, "customer": 1} if spec.stereo else None,
            "encoding": "mulaw" if spec.mulaw else "pcm16",
            "labels": list(spec.labels),
            "topic": cast.topic,
            "brand": cast.brand,
            "agent_name": cast.agent_name,
            "agent_gender": cast.agent_gender,
            "customer_gender": cast.customer_gender,
            "voices": {k: asdict(v) for k, v in self.voices.items()},
            "levels_dbfs": {  # speech RMS after the peak scaling, before escalation gain
                "agent": round(spec.agent_level_dbfs + 20 * np.log10(scale), 3),
                "customer": round(spec.customer_level_dbfs + 20 * np.log10(scale), 3),
            },
            "peak_scale": round(scale, 6),
            "snr_db": spec.snr_db,
            "trim": {
                "threshold_db": TRIM_THRESHOLD_DB,
                "min_pause_s": MIN_PAUSE_S,
                "frame_s": 0.01,
            },
        }
        truth.update(segment_truth(per_party, duration_s))
        truth["n_utterances"] = len(turns)
        truth["greeting"] = _span(turns[0])
        farewell = [t for t in turns if t.kind == "farewell"]
        truth["closing"] = _span(farewell[-1]) if farewell else None
        truth["escalations"] = self._escalations(turns)
        truth["spec"] = spec.serialize()
        return _jsonable(truth)

    def _escalations(self, turns: tuple[Utterance, ...]) -> list[dict[str, Any]]:
        esc = self.spec.escalation
        angry = [t for t in turns if t.escalated]
        if esc is None or not angry:
            return []
        start, end = angry[0].start, angry[-1].end
        base, up = self.voices["customer"], self.escalated_voice
        return [
            {
                "start": start,
                "end": end,
                "duration_s": round(end - start, 6),
                "party": "customer",
                "customer_speech_s": round(sum(b - a for t in angry for a, b in t.segments), 6),
                "cues": [
                    cue
                    for cue, present in (
                        ("loudness", esc.gain_db > 0),
                        ("pitch", up.pitch != base.pitch),
                        ("rate", up.speed != base.speed),
                    )
                    if present
                ],
                "gain_db": esc.gain_db,
                "pitch_semitones": round((up.pitch - base.pitch) * SEMITONES_PER_PITCH_UNIT, 3),
                "measured": self._measured_rise(),
                "espeak_pitch": [base.pitch, up.pitch],
                "speed_wpm": [base.speed, up.speed],
                "segments": [list(s) for t in angry for s in t.segments],
            }
        ]

    def _measured_rise(self) -> dict[str, float]:
        """Customer loudness (RMS dB) and median pitch (semitones) of the escalated speech
        relative to the customer's other speech, measured on the clean signal (on at most
        ``_MEASURE_S`` seconds of each, utterances picked evenly through the call)."""
        parts: dict[bool, list[np.ndarray]] = {}
        for escalated in (True, False):
            placed = [
                p
                for p in self.placed
                if p.line.speaker == "customer" and p.line.escalated == escalated
            ]
            total = sum(p.speech.audio.shape[-1] for p in placed) / self.sr
            step = max(1, int(np.ceil(total / _MEASURE_S)))
            parts[escalated] = [
                p.speech.audio[a:b].astype(np.float64) * p.gain
                for p in placed[::step]
                for a, b in p.speech.segments
            ]
        up, calm = np.concatenate(parts[True]), np.concatenate(parts[False])
        gain = 10 * np.log10(np.mean(up**2) / np.mean(calm**2))
        f_up, f_calm = median_f0(up, self.sr), median_f0(calm, self.sr)
        semitones = 12 * np.log2(f_up / f_calm) if f_up > 0 and f_calm > 0 else float("nan")
        return {"gain_db": round(float(gain), 2), "pitch_semitones": round(float(semitones), 2)}


def _add_noise(y: np.ndarray, rms: float, sr: int, rng: np.random.Generator) -> None:
    """Add telephone-band Gaussian noise of RMS ``rms`` to ``y`` in place, chunk by chunk."""
    sos = butter(4, BAND_HZ, btype="bandpass", fs=sr, output="sos")
    impulse = np.zeros(sr)
    impulse[0] = 1.0
    gain = rms / float(np.sqrt(np.sum(sosfilt(sos, impulse) ** 2)))  # white noise power is 1
    zi = np.zeros((sos.shape[0], 2))
    for i in range(0, len(y), _CHUNK):
        n = min(_CHUNK, len(y) - i)
        noise, zi = sosfilt(sos, rng.standard_normal(n, dtype=np.float32), zi=zi)
        y[i : i + n] += (noise * gain).astype(np.float32)


def _t(n: int, sr: int) -> float:
    return round(n / sr, 6)


def _span(t: Utterance) -> dict[str, Any]:
    return {"start": t.start, "end": t.end, "speaker": t.speaker, "text": t.text}


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


__all__ = ["CallFiles", "SyntheticCall", "Utterance", "generate_call", "median_f0"]
