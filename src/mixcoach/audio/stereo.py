"""Stereo image: width overall and per band, correlation over time, mono compatibility, balance.

Read from the stereo pair (L/R, the one channel of a mono file taken as both sides, or the
BS.775 fold-down of a surround file). With ``LL``, ``RR`` and ``LR`` the energies and the cross
term of the two sides over a stretch of time:

- width = side / (mid + side) energy = ``(LL + RR - 2 LR) / (2 (LL + RR))``: 0 for mono, 0.5 for
  unrelated sides, 1 when one side is the other with its polarity flipped;
- correlation = ``LR / sqrt(LL RR)``, -1..1 (Pearson's, about zero: audio has no DC worth
  removing, and the DC offset is reported by the defects meter);
- mono loss = the level of ``(L + R) / 2`` against the mean level of L and R: 0 dB for mono,
  3 dB for unrelated sides, large (capped at :data:`MAX_DB`) when the sides cancel;
- balance = the level of L minus the level of R (capped at +/- :data:`MAX_DB`).

Per-band figures use the same formulas on the STFT (by Parseval, the energies within a band);
the 1-second correlation series uses 1-second windows counted from the start of the file.
"""

from __future__ import annotations

import math

import numpy as np

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model, Series, TimeRange
from mixcoach.audio.spectrum import BANDS, band_weights, segment_frames
from mixcoach.audio.windows import FixedWindows

#: The low end whose width matters for vinyl cutting, mono club systems and mix translation.
LOW_END_HZ = (20.0, 120.0)
#: Seconds whose mean square is below this are silent: no correlation there.
SILENT_SECOND_DBFS = -70.0
#: Samples closer than this count as identical channels.
IDENTICAL_TOLERANCE = 1e-6
#: Level differences are capped here, so a silent side gives a large finite figure, not inf.
MAX_DB = 60.0


class BandWidth(Model):
    name: str  # the band names of mixcoach.audio.spectrum.BANDS
    low_hz: float
    high_hz: float
    width: (
        float | None
    )  # side energy / (mid + side energy): 0 mono, 0.5 uncorrelated, 1 out of phase
    correlation: float | None


class Stereo(Model):
    is_mono_source: bool  # one channel, or two identical channels
    width: float | None
    correlation: float | None  # L/R correlation, whole track, -1..1
    correlation_min: float | None  # lowest 1-second correlation among non-silent seconds
    correlation_low_points: list[TimeRange]  # where 1-second correlation drops below 0
    correlation_series: Series  # 1-second L/R correlation, for plots
    mono_loss_db: float | None  # level lost when folded to mono: (L+R)/2 vs the stereo average
    balance_db: float | None  # left level minus right level
    low_end_width: float | None  # width below 120 Hz
    bands: list[BandWidth]
    notes: list[str]


def _sample_products(windows: np.ndarray) -> np.ndarray:
    """``LL, RR, LR`` per window: ``(pair, k, n)`` -> ``(3, k)`` float64."""
    left, right = windows[0], windows[-1]
    return np.stack(
        [
            np.einsum("kn,kn->k", left, left),
            np.einsum("kn,kn->k", right, right),
            np.einsum("kn,kn->k", left, right),
        ]
    ).astype(np.float64)


def _spectral_products(windows: np.ndarray) -> np.ndarray:
    """``LL, RR, LR`` per bin and segment: ``(pair, bins, k, frames)`` complex -> ``(3, bins, k)``.

    Viewing the complex values as interleaved (re, im) floats makes ``Re(L conj(R))`` a plain dot
    product, so no temporary arrays are made.
    """
    left = windows[0].view(np.float32)  # (bins, k, 2 * frames); the frame axis is contiguous
    right = windows[-1].view(np.float32)
    return np.stack(
        [
            np.einsum("bkf,bkf->bk", left, left),
            np.einsum("bkf,bkf->bk", right, right),
            np.einsum("bkf,bkf->bk", left, right),
        ]
    ).astype(np.float64)


def _width(ll: float, rr: float, lr: float) -> float | None:
    if ll + rr <= 0.0:
        return None
    return min(max((ll + rr - 2 * lr) / (2 * (ll + rr)), 0.0), 1.0)


def _correlation(ll: float, rr: float, lr: float) -> float | None:
    if ll <= 0.0 or rr <= 0.0:
        return None
    return min(max(lr / math.sqrt(ll * rr), -1.0), 1.0)


def _ratio_db(numerator: float, denominator: float) -> float:
    """``10 log10(numerator / denominator)`` within +/- :data:`MAX_DB`; both >= 0, one > 0."""
    floor = max(numerator, denominator) * 10 ** (-MAX_DB / 10)
    return 10 * math.log10(max(numerator, floor) / max(denominator, floor))


class StereoMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec
        self._seconds = FixedWindows(spec.sample_rate_hz)
        self._per_second: list[np.ndarray] = []  # (3, k) chunks: LL, RR, LR of each second
        self._segments = FixedWindows(segment_frames(spec))
        # Only bins reaching into the bands (below 20 kHz) are needed: at 192 kHz that is a tenth.
        df = spec.sample_rate_hz / spec.n_fft
        self._bins = min(spec.n_fft // 2 + 1, math.ceil(BANDS[-1][2] / df + 0.5))
        self._bin_totals = np.zeros((3, self._bins))  # LL, RR, LR per bin, whole track
        self._largest_difference = 0.0  # max |L - R| (until it exceeds the tolerance)
        self._samples = 0

    def update(self, block: Block) -> None:
        pair = block.pair
        self._samples += pair.shape[1]
        self._per_second.append(self._seconds.push(pair, _sample_products))
        # Once the sides are known to differ, there is no need to look again.
        if pair.shape[0] == 2 and pair.shape[1] and self._largest_difference <= IDENTICAL_TOLERANCE:
            side = pair[0] - pair[1]
            self._largest_difference = max(float(side.max()), -float(side.min()))
        spectra = block.spectra[:, : self._bins]
        self._add_segments(self._segments.push(spectra, _spectral_products))

    def _add_segments(self, products: np.ndarray) -> None:
        for k in range(products.shape[-1]):  # in order, so the sums never depend on block size
            self._bin_totals += products[..., k]

    def result(self) -> Stereo:
        spec = self.spec
        rest, rest_samples = self._seconds.flush(_sample_products)
        if rest is not None:
            self._per_second.append(rest)
        segment_rest, _ = self._segments.flush(_spectral_products)
        if segment_rest is not None:
            self._add_segments(segment_rest)
        per_second = (
            np.concatenate(self._per_second, axis=-1) if self._per_second else np.zeros((3, 0))
        )
        ll, rr, lr = (float(v) for v in per_second.sum(axis=-1))
        is_mono = spec.channels == 1 or self._largest_difference <= IDENTICAL_TOLERANCE
        silent = ll + rr <= 0.0
        notes: list[str] = []
        if spec.channels == 1:
            notes.append("The file is mono: it has no stereo image (width 0, correlation 1).")
        elif spec.channels > 2:
            notes.append("Measured on the BS.775 stereo fold-down of the surround channels.")
        if silent:
            notes.append("The file is digital silence: no stereo image can be measured.")
        elif spec.channels == 2 and is_mono:
            notes.append("Both channels are identical: the file is mono in a stereo container.")
        elif min(ll, rr) <= 0.0:
            notes.append(f"The {'right' if rr <= 0.0 else 'left'} channel is silent.")
        mono_loss = None if silent else _ratio_db(2 * (ll + rr), ll + rr + 2 * lr)
        if mono_loss is not None and mono_loss >= MAX_DB:
            notes.append("The two sides cancel when folded to mono: one is the other inverted.")

        series = self._series(per_second, rest_samples)
        defined = [v for v in series if v is not None]
        low_points = _low_points(series, duration_s=self._samples / spec.sample_rate_hz)
        band_edges = [(lo, hi) for _, lo, hi in BANDS]
        band_totals = (
            band_weights(spec, [*band_edges, LOW_END_HZ])[:, : self._bins] @ self._bin_totals.T
        )  # (bands, 3)
        nyquist = spec.sample_rate_hz / 2
        bands = [
            BandWidth(
                name=name,
                low_hz=lo,
                high_hz=hi,
                width=None if lo >= nyquist else _rounded(_width(*totals)),
                correlation=None if lo >= nyquist else _rounded(_correlation(*totals)),
            )
            for (name, lo, hi), totals in zip(BANDS, band_totals[:-1], strict=True)
        ]
        return Stereo(
            is_mono_source=is_mono,
            width=_rounded(_width(ll, rr, lr)),
            correlation=_rounded(_correlation(ll, rr, lr)),
            correlation_min=min(defined) if defined else None,
            correlation_low_points=low_points,
            correlation_series=Series(start_s=0.0, hop_s=1.0, values=series),
            mono_loss_db=None if mono_loss is None else round(mono_loss, 2),
            balance_db=None if silent else round(_ratio_db(ll, rr), 2),
            low_end_width=_rounded(_width(*band_totals[-1])),
            bands=bands,
            notes=notes,
        )

    def _series(self, per_second: np.ndarray, rest_samples: int) -> list[float | None]:
        """1-second correlations; ``None`` where the second is silent or one side is."""
        counts = np.full(per_second.shape[-1], float(self.spec.sample_rate_hz))
        if rest_samples:
            counts[-1] = rest_samples
        loud = (per_second[0] + per_second[1]) / (2 * counts) >= 10 ** (SILENT_SECOND_DBFS / 10)
        return [
            _rounded(_correlation(*column)) if is_loud else None
            for column, is_loud in zip(per_second.T.tolist(), loud.tolist(), strict=True)
        ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _low_points(series: list[float | None], *, duration_s: float) -> list[TimeRange]:
    """Stretches of consecutive seconds whose correlation is below zero."""
    ranges: list[TimeRange] = []
    start: int | None = None
    for i, value in enumerate([*series, None]):
        negative = value is not None and value < 0.0
        if negative and start is None:
            start = i
        elif not negative and start is not None:
            ranges.append(
                TimeRange(start_s=float(start), end_s=min(float(i), round(duration_s, 3)))
            )
            start = None
    return ranges
