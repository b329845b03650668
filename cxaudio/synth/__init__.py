"""Synthetic Vietnamese contact-center calls with truth by construction (tests, benchmarks, demo).

Two parties (agent, customer) spoken by Debian's espeak-ng Vietnamese voices, telephone band
300–3400 Hz, 8 kHz, stereo (agent channel 0, customer channel 1) or mono, optional G.711 µ-law,
with controllable silences, interruptions, customer escalation and background noise::

    from cxaudio.synth import CallSpec, Escalation, Gap, Overlap, generate_call, generate_archive

    call = generate_call(CallSpec(duration_s=180, seed=1, escalation=Escalation(),
                                  silences=(Gap(12.0),), overlaps=(Overlap(1.5, by="agent"),)))
    call.audio, call.sr, call.truth["talk_pct"], call.truth["escalations"]
    call.write("out", "synthetic-0001")    # .wav .rttm .transcript.json .truth.json
    generate_archive("archive", n_calls=200, seed=0, min_duration_s=180)  # + manifest.csv, truth.csv

or ``python -m cxaudio.synth --out archive --n-calls 20 --seed 0``.

Every call is labelled synthetic: a LIST/INFO comment in the WAV, ``synthetic`` in the file
names written by :func:`generate_archive`, ``"is_synthetic": true`` in the truth and
``"synthetic": true`` on each transcript entry. The reference segments are speech-only (see
:mod:`cxaudio.synth.tts` for the trim rule) and the truth metrics are computed from them
(:func:`segment_truth`).
"""

from cxaudio.synth.archive import generate_archive
from cxaudio.synth.call import generate_call
from cxaudio.synth.result import CallFiles, SyntheticCall, Utterance
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
