"""Voice activity detection: :func:`vad` (Silero ONNX or energy backend) -> list of Segments."""

from .api import energy_levels, vad
from .silero import SileroVAD

__all__ = ["SileroVAD", "energy_levels", "vad"]
