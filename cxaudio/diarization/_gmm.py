"""Diagonal-covariance Gaussian mixtures (EM), for the overlap pass of the mono pipeline.

Small and deterministic: fitted on a few thousand frames with a seeded generator, scored in
blocks so that a long call needs memory for one block only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DiagGMM", "fit_diag_gmm"]

_LOG_2PI = float(np.log(2.0 * np.pi))
_BLOCK = 100_000


@dataclass(frozen=True)
class DiagGMM:
    """Mixture weights ``(k,)``, means ``(k, d)`` and variances ``(k, d)``."""

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    def component_loglik(self, x: np.ndarray, x2: np.ndarray | None = None) -> np.ndarray:
        """``(n, k)``: log weight + log density of each row of ``x`` under each component
        (``x2``: ``x * x`` when the caller has it already)."""
        x = np.asarray(x, np.float64)
        prec = 1.0 / self.variances
        const = np.log(self.weights) - 0.5 * (
            np.log(self.variances).sum(1)
            + self.means.shape[1] * _LOG_2PI
            + ((self.means * self.means) * prec).sum(1)
        )
        quad = (x * x if x2 is None else x2) @ prec.T - 2.0 * x @ (self.means * prec).T
        return const[None, :] - 0.5 * quad

    def loglik(self, x: np.ndarray) -> np.ndarray:
        """Log density of each row of ``x`` ``(n, d)``, computed in blocks."""
        out = np.empty(len(x), np.float64)
        for b0 in range(0, len(x), _BLOCK):
            out[b0 : b0 + _BLOCK] = _logsumexp(self.component_loglik(x[b0 : b0 + _BLOCK]))
        return out


def _logsumexp(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=1)
    return m + np.log(np.exp(a - m[:, None]).sum(axis=1))


def fit_diag_gmm(
    x: np.ndarray,
    n_components: int,
    rng: np.random.Generator,
    *,
    iterations: int = 20,
    max_rows: int = 4000,
    reg: float = 1e-3,
) -> DiagGMM:
    """EM for a ``n_components`` diagonal Gaussian mixture of the rows of ``x`` ``(n, d)``.

    Fitted on at most ``max_rows`` random rows. Starts from randomly chosen rows as means and
    the overall variance; a component that loses its frames restarts at a random row. ``reg`` is
    added to every variance.
    """
    x = np.asarray(x, np.float64)
    if len(x) > max_rows:
        x = x[np.sort(rng.choice(len(x), max_rows, replace=False))]
    n, _ = x.shape
    k = max(1, min(n_components, n // 2))
    overall = x.var(axis=0) + reg
    means = x[rng.choice(n, k, replace=False)].copy()
    variances = np.tile(overall, (k, 1))
    weights = np.full(k, 1.0 / k)
    x2 = x * x
    for _ in range(iterations):
        comp = DiagGMM(weights, means, variances).component_loglik(x, x2)
        resp = np.exp(comp - _logsumexp(comp)[:, None])
        nk = resp.sum(axis=0)
        empty = nk < 1e-3 * n / k
        nk = np.maximum(nk, 1e-12)
        means = (resp.T @ x) / nk[:, None]
        variances = np.maximum((resp.T @ x2) / nk[:, None] - means * means, 0.0) + reg
        weights = nk / n
        if empty.any():
            means[empty] = x[rng.choice(n, int(empty.sum()), replace=False)]
            variances[empty] = overall
            weights[empty] = 1.0 / k
        weights = weights / weights.sum()
    return DiagGMM(weights, means, variances)
