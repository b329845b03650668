"""``diarize``: who spoke when, by channel (stereo) or by speaker embeddings (mono).

Stereo (PBX exports keep each party on its own channel): 10 ms energies per channel, adaptive
thresholds, crosstalk removed by comparing the channels frame by frame (:mod:`.activity`); the
roles come from ``channel_map`` (default channel 0 = agent, 1 = customer).

Mono, as named steps (each reported to the hook with its artifact):

1. ``features`` (:mod:`.features`): speech frames, GE2E embeddings of 1.6 s windows inside
   speech, cepstra per 10 ms frame; two passes over the audio in blocks (bounded memory);
2. ``clustering`` (:mod:`.labels`): the windows' speakers; two unless told otherwise;
3. ``labels`` (:mod:`.labels`): a speaker per speech frame by Viterbi over cepstral Gaussians
   and window similarities, so that a change without a pause lands within a few frames;
4. turns, numbered by first appearance; the first speaker is the agent, the second the customer,
   any other speaker takes the role of the nearer of the two (centroid cosine), so that no
   speech is left without a party.

The tunable settings are :class:`.params.MonoParams`, a declared search space.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..types import Diarization, SpeakerTurn
from ._audio import Source, open_source
from .activity import ActivityParams, channel_activity, mask_to_runs, speech_threshold
from .cluster import check_speaker_counts
from .embedding import check_device
from .features import FRAME_S, MonoFeatures, energies, extract, report
from .labels import centroids, cluster_windows, label_frames, speaker_count_range
from .params import MonoParams

logger = logging.getLogger(__name__)

Hook = Callable[..., Any]

__all__ = ["MonoParams", "diarize"]


def _channel_roles(channel_map: Any, channels: int) -> list[str]:
    default = ["agent", "customer"] + [f"ch{i}" for i in range(2, channels)]
    if channel_map is None:
        return default[:channels]
    if isinstance(channel_map, Mapping):
        bad = [k for k in channel_map if not isinstance(k, int) or not 0 <= k < channels]
        if bad:
            raise ParameterError(
                f"channel_map={dict(channel_map)!r}: keys must be channel numbers 0..{channels - 1}"
            )
        roles = [str(channel_map.get(i, default[i])) for i in range(channels)]
    elif isinstance(channel_map, Sequence) and not isinstance(channel_map, str):
        if len(channel_map) != channels:
            raise ParameterError(
                f"channel_map={list(channel_map)!r} names {len(channel_map)} channels; "
                f"the audio has {channels}"
            )
        roles = [str(r) for r in channel_map]
    else:
        raise ParameterError(
            f"channel_map={channel_map!r} must be a dict {{channel: role}} or a list of roles"
        )
    if len(set(roles)) != len(roles):
        raise ParameterError(f"channel_map gives the roles {roles}; each must be distinct")
    return roles


def diarize(
    audio: str | os.PathLike[str] | np.ndarray,
    sr: int | None = None,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    channel_map: Mapping[int, str] | Sequence[str] | None = None,
    device: str = "auto",
    intra_op_num_threads: int = 0,
    hook: Hook | None = None,
    params: MonoParams | None = None,
) -> Diarization:
    """Who spoke when in a call.

    ``audio`` is a path (read in blocks; ``sr`` None) or a float array ``(n,)`` / ``(channels, n)``
    with its ``sr``. Two or more channels are diarized by channel (``channel_map`` gives the roles,
    default ``{0: "agent", 1: "customer"}``) unless both carry the same mix or one is silent (a
    mono call saved as stereo, diarized as mono); mono by speaker embeddings and clustering, with
    ``num_speakers`` or an estimated count in ``[min_speakers, max_speakers]``, speakers labelled
    ``SPK1``, ``SPK2``… in order of appearance (``roles``: the first is the agent).
    ``device`` (``auto``/``cpu``/``cuda``) runs the embedding model. ``hook(step, artifact,
    completed=, total=)`` reports progress.

    >>> d = cxaudio.diarize("call.wav")
    >>> d.segments[0]
    SpeakerTurn(start=0.52, end=3.1, speaker='agent')
    """
    check_device(device)
    check_speaker_counts(num_speakers, 1 if min_speakers is None else min_speakers, max_speakers)
    src = open_source(audio, sr)
    if src.channels >= 2:
        roles = _channel_roles(channel_map, src.channels)
        energy, frame_s = energies(src, mono=False, hook=hook)
        if not _one_mix_in_channels(energy, frame_s):
            return _diarize_stereo(src, roles, energy, frame_s)
        logger.info("the channels carry one mix (identical or one silent): diarizing as mono")
    elif channel_map is not None:
        _channel_roles(channel_map, 1)
    p = params or MonoParams()
    feat = extract(src, p, device=device, threads=intra_op_num_threads, hook=hook)
    report(hook, "features", 1, 1, feat)
    return diarize_features(
        feat, p, speaker_count_range(num_speakers, min_speakers, max_speakers), hook=hook
    )


def _turns(mask: np.ndarray, speaker: str, frame_s: float) -> list[SpeakerTurn]:
    return [
        SpeakerTurn(round(float(s) * frame_s, 3), round(float(e) * frame_s, 3), speaker)
        for s, e in mask_to_runs(mask)
    ]


def _one_mix_in_channels(energy: np.ndarray, frame_s: float) -> bool:
    """True when two channels hold the same mix (a mono call saved as stereo) or one is silent."""
    if energy.shape[0] != 2 or energy.shape[1] == 0:
        return False
    p = ActivityParams(frame_s=frame_s)
    active = np.stack([ch > speech_threshold(ch, p) for ch in energy])
    counts = active.sum(axis=1)
    if counts.max() == 0:
        return False
    if counts.min() < 0.01 * counts.max():
        return True
    either = active.any(axis=0)
    return float(np.median(np.abs(energy[0, either] - energy[1, either]))) < 3.0


def _diarize_stereo(
    src: Source, roles: list[str], energy: np.ndarray, frame_s: float
) -> Diarization:
    active = channel_activity(energy, ActivityParams(frame_s=frame_s))
    turns = [t for ch, role in enumerate(roles) for t in _turns(active[ch], role, frame_s)]
    return Diarization.from_turns(
        turns, src.duration_s, roles={r: r for r in roles}, method="channel", overlap_aware=True
    )


def diarize_features(
    feat: MonoFeatures, p: MonoParams, count: tuple[int, int], *, hook: Hook | None = None
) -> Diarization:
    """The mono steps after the front end: clustering, frame labels, turns and roles."""
    labels, k = cluster_windows(feat.embeddings, count[0], count[1], p)
    report(hook, "clustering", 1, 1, labels)
    path = label_frames(feat, labels, k, p)
    report(hook, "labels", 1, 1, path)
    active = np.stack([path == i for i in range(k)])
    firsts = sorted((int(np.argmax(row)), i) for i, row in enumerate(active) if row.any())
    order = [i for _, i in firsts]  # speakers by first appearance
    turns = [t for n, i in enumerate(order) for t in _turns(active[i], f"SPK{n + 1}", FRAME_S)]
    roles = dict(zip(("SPK1", "SPK2"), ("agent", "customer"), strict=False))
    if len(order) > 2:  # nobody's speech is left without a party: the nearer voice's role
        cents = centroids(feat.embeddings, labels, k) if len(labels) else np.eye(k)
        for n, i in enumerate(order[2:], start=3):
            near = int(np.argmax(cents[[order[0], order[1]]] @ cents[i]))
            roles[f"SPK{n}"] = ("agent", "customer")[near]
    roles = {s: r for s, r in roles.items() if s in {t.speaker for t in turns}}
    return Diarization.from_turns(turns, feat.duration_s, roles=roles, method="embedding")
