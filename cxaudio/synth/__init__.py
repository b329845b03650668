"""Synthetic Vietnamese contact-center calls with truth by construction (tests, benchmarks, demo).

Two parties (agent, customer) spoken by espeak-ng's Vietnamese voices, telephone band, 8 kHz,
stereo or mono, optional G.711 µ-law, with controllable silences, interruptions, escalation and
noise. Every written call carries a reference RTTM, a transcript and a truth JSON, and is
labelled synthetic.
"""

from cxaudio.synth.archive import generate_archive
from cxaudio.synth.call import CallFiles, SyntheticCall, Utterance, generate_call
from cxaudio.synth.spec import CallSpec, Escalation, Gap, Overlap
from cxaudio.synth.truth import count_silences, segment_truth
from cxaudio.synth.tts import EspeakTTS, TTSUnavailableError, Voice

__all__ = [
    "CallFiles",
    "CallSpec",
    "Escalation",
    "EspeakTTS",
    "Gap",
    "Overlap",
    "SyntheticCall",
    "TTSUnavailableError",
    "Utterance",
    "Voice",
    "count_silences",
    "generate_archive",
    "generate_call",
    "segment_truth",
]
