"""Speaker diarization: GE2E embeddings (ONNX Runtime), clustering, and :func:`diarize`."""

from .cluster import cluster
from .embedding import SpeakerEncoder, embed, get_encoder
from .params import MonoParams
from .pipeline import diarize

__all__ = ["MonoParams", "SpeakerEncoder", "cluster", "diarize", "embed", "get_encoder"]
