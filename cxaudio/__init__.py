"""cxaudio: call analytics — decode, VAD, features, diarization, prosody, QA metrics."""

from .errors import AudioFileError, CxAudioError, ModelError, ParameterError
from .io import AudioInfo, info, load, stream
from .types import Diarization, Segment, SpeakerTurn
from .diarization import diarize, embed
from .vad import vad  # noqa: E402  (the function shadows the subpackage name on purpose)

__all__ = [
    "AudioFileError",
    "AudioInfo",
    "CxAudioError",
    "Diarization",
    "ModelError",
    "ParameterError",
    "Segment",
    "SpeakerTurn",
    "diarize",
    "embed",
    "info",
    "load",
    "stream",
    "vad",
]
