"""Numba kernels of cxaudio.features (private: the public wrappers validate and allocate).

Spectral kernels run a radix-2 FFT over ``LANES`` frames at once (the innermost loops run over
frames, so they vectorize); the plain-numpy/librosa references live in the tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LANES = 64


@njit(cache=True, nogil=True)
def frame(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Copy frames ``y[i*hop : i*hop + frame_length]`` into rows (only full frames)."""
    n_frames = 0 if y.shape[0] < frame_length else 1 + (y.shape[0] - frame_length) // hop_length
    out = np.empty((n_frames, frame_length), y.dtype)
    for i in range(n_frames):
        a = i * hop_length
        for j in range(frame_length):
            out[i, j] = y[a + j]
    return out


@njit(cache=True, nogil=True)
def fft_tables(n_fft: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tables of a real FFT of size n_fft (power of two) done as a complex FFT of size n_fft/2:
    bit reversal, complex twiddles (cos, sin) and the real-split twiddles (cos, sin)."""
    m = n_fft // 2
    bits = 0
    while (1 << bits) < m:
        bits += 1
    rev = np.empty(m, np.int64)
    for i in range(m):
        r = 0
        v = i
        for _ in range(bits):
            r = (r << 1) | (v & 1)
            v >>= 1
        rev[i] = r
    k = np.arange(m // 2 if m > 1 else 1)
    tw_c = np.cos(-2.0 * np.pi * k / m).astype(np.float32)
    tw_s = np.sin(-2.0 * np.pi * k / m).astype(np.float32)
    kk = np.arange(m + 1)
    sp_c = np.cos(-2.0 * np.pi * kk / n_fft).astype(np.float32)
    sp_s = np.sin(-2.0 * np.pi * kk / n_fft).astype(np.float32)
    return rev, tw_c, tw_s, sp_c, sp_s


@njit(cache=True, nogil=True, inline="always")
def _power_lanes(
    y: np.ndarray,
    f0: int,
    n_frames: int,
    hop: int,
    window: np.ndarray,
    rev: np.ndarray,
    tw_c: np.ndarray,
    tw_s: np.ndarray,
    sp_c: np.ndarray,
    sp_s: np.ndarray,
    buf: np.ndarray,
    power: np.ndarray,
) -> None:
    """|rFFT|^2 of windowed frames f0 .. f0+LANES-1 of y into power[k, lane] (k = 0..n_fft/2).

    ``buf`` (n_fft/2, 2, LANES) holds the packed complex signal z[j] = x[2j] + i x[2j+1]."""
    m = buf.shape[0]
    n_live = min(LANES, n_frames - f0)
    if n_live < LANES:
        buf[:] = 0.0
    a0 = f0 * hop
    for j in range(m):
        r = rev[j]
        w0 = window[2 * j]
        w1 = window[2 * j + 1]
        row = buf[r]
        for lane in range(n_live):
            a = a0 + lane * hop + 2 * j
            row[0, lane] = w0 * y[a]
            row[1, lane] = w1 * y[a + 1]
    size = 2
    while size <= m:
        half = size // 2
        step = m // size
        for start in range(0, m, size):
            for j in range(half):
                wr = tw_c[j * step]
                wi = tw_s[j * step]
                p_row = buf[start + j]
                q_row = buf[start + j + half]
                for lane in range(LANES):
                    qr = q_row[0, lane]
                    qi = q_row[1, lane]
                    pr = p_row[0, lane]
                    pi = p_row[1, lane]
                    tr = wr * qr - wi * qi
                    ti = wr * qi + wi * qr
                    q_row[0, lane] = pr - tr
                    q_row[1, lane] = pi - ti
                    p_row[0, lane] = pr + tr
                    p_row[1, lane] = pi + ti
        size *= 2
    # split the packed spectrum Z into the real signal's X[k] = E[k] + e^{-2 pi i k / n} O[k]
    for k in range(m + 1):
        a_row = buf[k % m]
        b_row = buf[(m - k) % m]
        c = sp_c[k]
        s = sp_s[k]
        for lane in range(LANES):
            ar = a_row[0, lane]
            ai = a_row[1, lane]
            br = b_row[0, lane]
            bi = -b_row[1, lane]
            er = 0.5 * (ar + br)
            ei = 0.5 * (ai + bi)
            orr = 0.5 * (ai - bi)
            oi = -0.5 * (ar - br)
            xr = er + c * orr - s * oi
            xi = ei + c * oi + s * orr
            power[k, lane] = xr * xr + xi * xi


@njit(cache=True, nogil=True)
def power_spectrogram(
    y: np.ndarray, n_fft: int, hop: int, window: np.ndarray, n_frames: int
) -> np.ndarray:
    """|rFFT(window * frame)|^2 of frames ``y[i*hop : i*hop+n_fft]``: shape (n_fft//2+1, n_frames)."""
    rev, tw_c, tw_s, sp_c, sp_s = fft_tables(n_fft)
    m = n_fft // 2
    buf = np.empty((m, 2, LANES), np.float32)
    power = np.empty((m + 1, LANES), np.float32)
    out = np.empty((m + 1, n_frames), np.float32)
    for f0 in range(0, n_frames, LANES):
        _power_lanes(y, f0, n_frames, hop, window, rev, tw_c, tw_s, sp_c, sp_s, buf, power)
        for lane in range(min(LANES, n_frames - f0)):
            for k in range(m + 1):
                out[k, f0 + lane] = power[k, lane]
    return out


@njit(cache=True, nogil=True)
def mel_power(
    y: np.ndarray,
    n_fft: int,
    hop: int,
    window: np.ndarray,
    n_frames: int,
    fb_lo: np.ndarray,
    fb_hi: np.ndarray,
    fb_w: np.ndarray,
) -> np.ndarray:
    """Mel-band power of frames ``y[i*hop : i*hop+n_fft]``: shape (n_mels, n_frames).

    Band b sums ``fb_w[b, k - fb_lo[b]] * |X[k]|^2`` for k in [fb_lo[b], fb_hi[b]) (the sparse
    rows of a mel filterbank); the log is taken by the caller (vectorized numpy)."""
    rev, tw_c, tw_s, sp_c, sp_s = fft_tables(n_fft)
    m = n_fft // 2
    n_mels = fb_lo.shape[0]
    buf = np.empty((m, 2, LANES), np.float32)
    power = np.empty((m + 1, LANES), np.float32)
    mel = np.empty((n_mels, LANES), np.float32)
    out = np.empty((n_mels, n_frames), np.float32)
    for f0 in range(0, n_frames, LANES):
        _power_lanes(y, f0, n_frames, hop, window, rev, tw_c, tw_s, sp_c, sp_s, buf, power)
        mel[:] = 0.0
        for b in range(n_mels):
            acc = mel[b]
            for k in range(fb_lo[b], fb_hi[b]):
                w = fb_w[b, k - fb_lo[b]]
                pk = power[k]
                for lane in range(LANES):
                    acc[lane] += w * pk[lane]
        for b in range(n_mels):
            for lane in range(min(LANES, n_frames - f0)):
                out[b, f0 + lane] = mel[b, lane]
    return out


@njit(cache=True, nogil=True)
def frame_rms(y: np.ndarray, frame_length: int, hop: int, n_frames: int) -> np.ndarray:
    """sqrt(mean(x^2)) of frames ``y[i*hop : i*hop + frame_length]`` (zero past the end)."""
    n = y.shape[0]
    out = np.empty(n_frames, np.float32)
    for i in range(n_frames):
        a = i * hop
        b = min(a + frame_length, n)
        acc = 0.0
        for j in range(a, b):
            v = np.float64(y[j])
            acc += v * v
        out[i] = np.sqrt(acc / frame_length)
    return out


@njit(cache=True, nogil=True)
def frame_zcr(y: np.ndarray, frame_length: int, hop: int, n_frames: int, eps: float) -> np.ndarray:
    """Share of adjacent sample pairs within each frame whose signs differ (|x| <= eps counts as
    0, and 0 as positive), divided by frame_length as librosa does."""
    out = np.empty(n_frames, np.float32)
    for i in range(n_frames):
        a = i * hop
        count = 0
        prev = y[a] < -eps
        for j in range(a + 1, a + frame_length):
            neg = y[j] < -eps
            if neg != prev:
                count += 1
            prev = neg
        out[i] = count / frame_length
    return out


@njit(cache=True, nogil=True)
def biquad(x: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Second-order IIR filter (transposed direct form II, float64 state), a[0] == 1."""
    out = np.empty(x.shape[0], np.float64)
    z1 = 0.0
    z2 = 0.0
    b0, b1, b2, a1, a2 = b[0], b[1], b[2], a[1], a[2]
    for i in range(x.shape[0]):
        v = np.float64(x[i])
        o = b0 * v + z1
        z1 = b1 * v - a1 * o + z2
        z2 = b2 * v - a2 * o
        out[i] = o
    return out


@njit(cache=True, nogil=True)
def biquad_state(x: np.ndarray, b: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """:func:`biquad` continuing from state ``z`` (2 floats, updated in place): filtering a
    signal block by block with one ``z`` gives exactly the one-shot output."""
    out = np.empty(x.shape[0], np.float64)
    z1 = z[0]
    z2 = z[1]
    b0, b1, b2, a1, a2 = b[0], b[1], b[2], a[1], a[2]
    for i in range(x.shape[0]):
        v = np.float64(x[i])
        o = b0 * v + z1
        z1 = b1 * v - a1 * o + z2
        z2 = b2 * v - a2 * o
        out[i] = o
    z[0] = z1
    z[1] = z2
    return out


@njit(cache=True, nogil=True)
def block_mean_square(x: np.ndarray, block: int, step: int) -> np.ndarray:
    """Mean of x^2 over blocks ``x[i*step : i*step + block]`` (only full blocks)."""
    n = x.shape[0]
    n_blocks = 0 if n < block else 1 + (n - block) // step
    csum = np.empty(n + 1, np.float64)
    csum[0] = 0.0
    for i in range(n):
        csum[i + 1] = csum[i] + x[i] * x[i]
    out = np.empty(n_blocks, np.float64)
    for i in range(n_blocks):
        out[i] = (csum[i * step + block] - csum[i * step]) / block
    return out


@njit(cache=True, nogil=True)
def spectral_slope(
    power: np.ndarray, freqs_khz: np.ndarray, lo: int, hi: int, amin: float
) -> np.ndarray:
    """Least-squares slope (dB per kHz) of 10*log10(power) over bins [lo, hi) of each frame."""
    n_frames = power.shape[1]
    out = np.empty(n_frames, np.float32)
    n = hi - lo
    fm = 0.0
    for k in range(lo, hi):
        fm += freqs_khz[k]
    fm /= n
    sxx = 0.0
    for k in range(lo, hi):
        sxx += (freqs_khz[k] - fm) ** 2
    for t in range(n_frames):
        sxy = 0.0
        for k in range(lo, hi):
            db = 10.0 * np.log10(max(np.float64(power[k, t]), amin))
            sxy += (freqs_khz[k] - fm) * db
        out[t] = sxy / sxx
    return out


@njit(cache=True, nogil=True)
def yin(
    y: np.ndarray,
    frame_length: int,
    win_length: int,
    hop: int,
    n_frames: int,
    tau_min: int,
    tau_max: int,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """YIN per frame of ``y[i*hop : i*hop + frame_length]``.

    Returns (period, cmnd): the period in samples (parabolic interpolation; 0 if none) and the
    cumulative mean normalized difference at it. The period is the first dip below ``threshold``
    (followed to its local minimum) or, failing that, the global minimum in [tau_min, tau_max]."""
    period = np.zeros(n_frames, np.float64)
    cmnd_out = np.ones(n_frames, np.float64)
    acf = np.empty(tau_max + 1, np.float64)
    d = np.empty(tau_max + 1, np.float64)
    cm = np.empty(tau_max + 1, np.float64)
    sq = np.empty(frame_length + 1, np.float64)
    x = np.empty(frame_length, np.float64)
    for t in range(n_frames):
        a = t * hop
        for j in range(frame_length):
            x[j] = y[a + j]
        sq[0] = 0.0
        for j in range(frame_length):
            sq[j + 1] = sq[j] + x[j] * x[j]
        acf[:] = 0.0
        for j in range(win_length):
            xj = x[j]
            for tau in range(tau_max + 1):
                acf[tau] += xj * x[j + tau]
        e0 = sq[win_length]
        if e0 <= 0.0:
            continue
        d[0] = 0.0
        running = 0.0
        cm[0] = 1.0
        for tau in range(1, tau_max + 1):
            d[tau] = max(e0 + sq[tau + win_length] - sq[tau] - 2.0 * acf[tau], 0.0)
            running += d[tau]
            cm[tau] = d[tau] * tau / running if running > 0.0 else 1.0
        best = -1
        tau = tau_min
        while tau <= tau_max:
            if cm[tau] < threshold:
                while tau + 1 <= tau_max and cm[tau + 1] < cm[tau]:
                    tau += 1
                best = tau
                break
            tau += 1
        if best < 0:
            best = tau_min
            for tau in range(tau_min + 1, tau_max + 1):
                if cm[tau] < cm[best]:
                    best = tau
        shift = 0.0
        if tau_min < best < tau_max:
            left, mid, right = cm[best - 1], cm[best], cm[best + 1]
            den = left - 2.0 * mid + right
            if den > 0.0:
                shift = 0.5 * (left - right) / den
        period[t] = best + shift
        cmnd_out[t] = cm[best]
    return period, cmnd_out


@njit(cache=True, nogil=True)
def grow_runs(seed: np.ndarray, allow: np.ndarray) -> np.ndarray:
    """Frames that are ``seed``, or ``allow`` and connected to a seed frame through ``allow``
    frames (hysteresis over time: a run starts on a strict test and extends on a loose one)."""
    n = seed.shape[0]
    out = seed.copy()
    for i in range(1, n):
        if out[i - 1] and allow[i]:
            out[i] = True
    for i in range(n - 2, -1, -1):
        if out[i + 1] and allow[i]:
            out[i] = True
    return out
