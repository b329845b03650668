"""cxaudio: call analytics — decode, VAD, features, diarization, prosody, QA metrics."""

from .asr import transcribe
from .batch import BatchSummary, score_calls
from .call import CallAnalysis, CallConfig, CallMetrics, analyze_call
from .diarization import diarize, embed
from .errors import AudioFileError, CxAudioError, ModelError, ParameterError
from .features import (
    frame,
    k_weighting,
    log_mel,
    loudness_lufs,
    mel_filterbank,
    pitch,
    power_spectrogram,
    rms,
    rms_db,
    spectral_slope,
    zero_crossing_rate,
)
from .io import AudioInfo, info, load, stream
from .qa import QAResult, Scorecard, default_scorecard, load_scorecard
from .transcript import Transcript, load_transcript
from .types import Diarization, Segment, SpeakerTurn
from .vad import vad  # noqa: E402  (the function shadows the subpackage name on purpose)

__all__ = [
    "frame",
    "k_weighting",
    "log_mel",
    "loudness_lufs",
    "mel_filterbank",
    "pitch",
    "power_spectrogram",
    "rms",
    "rms_db",
    "spectral_slope",
    "zero_crossing_rate",
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
    "BatchSummary",
    "CallAnalysis",
    "CallConfig",
    "CallMetrics",
    "QAResult",
    "Scorecard",
    "Transcript",
    "analyze_call",
    "default_scorecard",
    "load_scorecard",
    "load_transcript",
    "transcribe",
    "score_calls",
]
