"""The dialogue plan of a synthetic call: who says which line, in what manner, in which order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from cxaudio.synth import phrases as ph

T = TypeVar("T")


@dataclass(frozen=True)
class Line:
    """One planned utterance. ``kind`` names its role (greeting, exchange, angry, closing, ...);
    ``overlap_s`` > 0 makes it start that long before the previous line ends."""

    speaker: str
    text: str
    kind: str = "exchange"
    escalated: bool = False
    overlap_s: float = 0.0
    gap_after_s: float | None = None


@dataclass(frozen=True)
class Cast:
    """The fixed facts of one call, used to fill the phrase placeholders."""

    topic: str
    brand: str
    agent_name: str
    agent_gender: str
    customer_gender: str
    customer_name: str
    phone: str

    @property
    def kh(self) -> str:
        return "chị" if self.customer_gender == "female" else "anh"

    def fill(self, text: str) -> str:
        return text.format(
            name=self.agent_name,
            brand=self.brand,
            kh=self.kh,
            Kh=self.kh.capitalize(),
            phone=self.phone,
            cname=self.customer_name,
        )


def opening(cast: Cast, rng: np.random.Generator, *, verify: bool = True) -> list[Line]:
    lines = [
        Line("agent", cast.fill(_pick(rng, ph.GREETINGS)), "greeting"),
        Line("customer", cast.fill(_pick(rng, ph.PROBLEMS[cast.topic])), "problem"),
    ]
    if verify:
        for a, c in ph.VERIFY:
            lines += [
                Line("agent", cast.fill(a), "verify"),
                Line("customer", cast.fill(c), "verify"),
            ]
    return lines


def closing(cast: Cast, rng: np.random.Generator, *, short: bool, bye: bool) -> list[Line]:
    lines = []
    if not short:
        a, c = ph.CLOSING[0]
        lines += [Line("agent", cast.fill(a), "closing"), Line("customer", cast.fill(c), "closing")]
    lines.append(Line("agent", cast.fill(_pick(rng, ph.FAREWELLS)), "farewell"))
    if bye:
        lines.append(Line("customer", "Vâng, chào em.", "bye"))
    return lines


def exchanges(cast: Cast, rng: np.random.Generator) -> Iterator[list[Line]]:
    """Endless ordinary (agent, customer) pairs: the call's topic first, then the others."""
    others = [t for t in ph.EXCHANGES if t != cast.topic]
    while True:
        pool = list(ph.EXCHANGES[cast.topic])
        rng.shuffle(pool)
        extra = list(ph.EXCHANGES[others[int(rng.integers(len(others)))]]) + list(ph.GENERIC)
        rng.shuffle(extra)
        for a, c in pool + extra[:4]:
            yield [Line("agent", cast.fill(a)), Line("customer", cast.fill(c))]


def hold_lines(cast: Cast, *, gap_s: float) -> list[Line]:
    """The agent puts the customer on hold, ``gap_s`` of dead air, then the agent comes back."""
    a, c = ph.HOLD
    before = [
        Line("agent", cast.fill(a), "hold"),
        Line("customer", cast.fill(c), "hold", gap_after_s=gap_s),
    ]
    after = [
        Line("agent", cast.fill(ph.AFTER_HOLD), "after_hold"),
        Line("customer", "Vâng, sao rồi em?", "after_hold"),
    ]
    return before + after


def interruption_pairs(
    cast: Cast, rng: np.random.Generator, *, by: str, overlap_s: float
) -> list[Line]:
    """Lines in which ``by`` cuts into a long line of the other party."""
    if by == "customer":
        return [
            Line("agent", cast.fill(_pick(rng, ph.LONG_AGENT)), "long"),
            Line(
                "customer",
                cast.fill(_pick(rng, ph.INTERRUPT_CUSTOMER)),
                "interrupt",
                False,
                overlap_s,
            ),
        ]
    a, _ = _pick(rng, ph.EXCHANGES[cast.topic])
    return [
        Line("agent", cast.fill(a)),
        Line("customer", cast.fill(_pick(rng, ph.LONG_CUSTOMER)), "long"),
        Line("agent", cast.fill(_pick(rng, ph.INTERRUPT_AGENT)), "interrupt", False, overlap_s),
        Line("customer", "Vâng, em kiểm tra đi.", "exchange"),
    ]


def escalation_pair(cast: Cast, rng: np.random.Generator, *, first: bool) -> list[Line]:
    if first:
        agent = cast.fill(_pick(rng, ph.EXCHANGES[cast.topic])[0])
    else:
        agent = cast.fill(_pick(rng, ph.APOLOGIES))
    return [
        Line("agent", agent, "apology" if not first else "exchange"),
        Line("customer", _pick(rng, ph.ANGRY), "angry", True),
    ]


def calm_down_pair(cast: Cast) -> list[Line]:
    a, c = ph.CALM_DOWN
    return [Line("agent", cast.fill(a), "calm_down"), Line("customer", cast.fill(c), "calm_down")]


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]
