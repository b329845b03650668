"""Synthetic sample records (labelled synthetic) for demos, benchmarks and report previews."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from .record import Record, make_record_id, pseudonymize

__all__ = ["sample_records"]

_BRANDS = ("Viettel", "VNPT", "MobiFone", "Vietnamobile", "FPT Telecom")
_SERVICES = ("mobile", "fixed_broadband", "iptv", "personal_digital", "enterprise_digital")
_UNITS = ("Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ")
_ASPECTS = ("network_quality", "data_speed", "price", "billing", "customer_service", "promotion")
_TEXTS = {
    "negative": ("Mạng chập chờn cả tuần nay, gọi tổng đài mãi không ai nghe.",
                 "Cước tháng này tăng vô lý, trừ tiền mà không báo trước."),
    "neutral": ("Cho mình hỏi gói cước data 5G giá bao nhiêu?", "Tối nay có bảo trì đường truyền không ạ?"),
    "positive": ("Nhân viên hỗ trợ nhiệt tình, sửa mạng rất nhanh.", "Tốc độ 4G ổn định, giá hợp lý."),
}  # fmt: skip


def sample_records(
    n: int, *, seed: int = 0, start: datetime | None = None, days: int = 28
) -> Iterator[Record]:
    """Yield ``n`` varied synthetic records (calls, social posts, surveys) over ``days`` days."""
    rng = random.Random(seed)
    xrng = random.Random(seed + 7919)  # extra call fields; keeps the main stream unchanged
    start = start or datetime(2026, 10, 1, tzinfo=UTC)
    for i in range(n):
        when = start + timedelta(seconds=rng.uniform(0, days * 86400))
        label = rng.choices(("negative", "neutral", "positive"), weights=(3, 4, 3))[0]
        score = {
            "negative": -rng.uniform(0.3, 1),
            "neutral": rng.uniform(-0.2, 0.2),
            "positive": rng.uniform(0.3, 1),
        }[label]
        kind = rng.choices(("social", "call", "survey"), weights=(6, 3, 1))[0]
        common = dict(
            occurred_at=when,
            brand=rng.choice(_BRANDS),
            service=rng.choice(_SERVICES),
            unit=rng.choice(_UNITS),
            sentiment={"label": label, "score": round(score, 3)},
            attributes={"synthetic": True},
        )
        if kind == "social":
            yield Record(
                record_id=make_record_id("social", f"sample-{seed}-{i}"),
                source="social",
                channel=rng.choice(("news", "forum", "social_network", "review")),
                text=rng.choice(_TEXTS[label]),
                touchpoint=rng.choice((1, 2, 8, 10, 12)),
                author_ref=pseudonymize(f"user{rng.randrange(5000)}", salt="sample"),
                aspects=[
                    {"aspect": rng.choice(_ASPECTS), "label": label, "score": round(score, 3)}
                ],
                **common,
            )
        elif kind == "call":
            escalated = label == "negative" and rng.random() < 0.4
            yield Record(
                record_id=make_record_id("call", f"sample-{seed}-{i}"),
                source="call",
                channel="call_center",
                touchpoint=12,
                agent_ref=pseudonymize(f"agent{rng.randrange(40)}", salt="sample"),
                customer_ref=pseudonymize(f"cust{rng.randrange(100000)}", salt="sample"),
                **_call_extras(
                    xrng,
                    metrics={
                        "duration_s": round(rng.uniform(60, 900), 1),
                        "talk_time_pct_agent": round(rng.uniform(30, 70), 1),
                        "silence_count": rng.randrange(5),
                    },
                    emotion={
                        "escalation_events": [{"start_s": 30.0, "end_s": 45.0}] if escalated else []
                    },
                    valence=score,
                ),
                qa={"score": round(rng.uniform(40, 100), 1), "passed": rng.random() < 0.8},
                **common,
            )
        else:
            yield Record(
                record_id=make_record_id("survey", f"sample-{seed}-{i}"),
                source="survey",
                channel="sms",
                touchpoint=rng.choice((4, 6, 12, 13)),
                customer_ref=pseudonymize(f"cust{rng.randrange(100000)}", salt="sample"),
                attributes={
                    "synthetic": True,
                    "csat": rng.randint(1, 5),
                    "nps": rng.randint(0, 10),
                },
                **{k: v for k, v in common.items() if k != "attributes"},
            )


def _call_extras(
    rng: random.Random, *, metrics: dict[str, Any], emotion: dict[str, Any], valence: float
) -> dict[str, dict[str, Any]]:
    """Customer talk and silence shares, and a per-segment customer emotion timeline."""
    agent = metrics["talk_time_pct_agent"]
    customer = round(rng.uniform(0.5, 0.9) * (100 - agent), 1)
    metrics = {
        **metrics,
        "talk_time_pct_customer": customer,
        "non_talk_time_pct": round(max(0.0, 100 - agent - customer), 1),
    }
    duration = metrics["duration_s"]
    escalated = bool(emotion["escalation_events"])
    edges = [round(duration * k / 10, 1) for k in range(11)]
    timeline = []
    for a, b in zip(edges, edges[1:], strict=False):
        hot = escalated and a <= 45.0 and b >= 30.0
        arousal = rng.uniform(0.7, 0.95) if hot else rng.uniform(0.2, 0.6)
        v = max(-1.0, min(1.0, valence + rng.uniform(-0.3, 0.3) - (0.4 if hot else 0.0)))
        timeline.append(
            {"start_s": a, "end_s": b, "arousal": round(arousal, 3), "valence": round(v, 3)}
        )
    arousal_mean = sum(t["arousal"] for t in timeline) / len(timeline)
    emotion = {
        **emotion,
        "arousal": round(arousal_mean, 3),
        "valence": round(valence, 3),
        "category": "angry" if escalated else ("negative" if valence < -0.3 else "neutral"),
        "timeline": timeline,
    }
    return {"metrics": metrics, "emotion": emotion}
