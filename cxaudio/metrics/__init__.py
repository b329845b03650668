"""Call metrics (SPEC section 4): conversation metrics from the diarization, signal metrics."""

from __future__ import annotations

from .conversation import (
    ConversationMetrics,
    Interruption,
    Silence,
    conversation_metrics,
    party_turns,
)

__all__ = [
    "ConversationMetrics",
    "Interruption",
    "Silence",
    "conversation_metrics",
    "party_turns",
]
