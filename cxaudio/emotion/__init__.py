"""Customer emotion from prosody: arousal per segment, escalation events, trajectory.

Only the customer's emotion is computed by default: inferring a worker's emotion is prohibited
in the EU (AI Act art. 5(1)(f)); the agent's needs ``include_agent=True``. Valence comes from
the transcript when one exists (``cxtext.sentiment``); a categorical emotion classifier can be
plugged in as an ONNX file following the contract in :mod:`cxaudio.emotion.classifier`.
"""

from __future__ import annotations

from .arousal import (
    EmotionParams,
    EmotionSegment,
    Escalation,
    ProsodyFrames,
    SpeakerEmotion,
    speaker_emotion,
)
from .classifier import EmotionClassifier, ModelContract, read_contract
from .prosody import prosody_frames

__all__ = [
    "EmotionClassifier",
    "EmotionParams",
    "EmotionSegment",
    "Escalation",
    "ModelContract",
    "ProsodyFrames",
    "SpeakerEmotion",
    "prosody_frames",
    "read_contract",
    "speaker_emotion",
]
