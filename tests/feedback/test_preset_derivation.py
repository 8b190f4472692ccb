"""Preset derivation: each setting follows from the measurements by its stated formula."""

from __future__ import annotations

import math
import re

import builders as b
import pytest

from mixcoach.feedback.moves import LOW_END_SPLIT_HZ, q_to_octaves, side_gain_percent
from mixcoach.feedback.offline import OfflineEngine

ENGINE = OfflineEngine()


@pytest.mark.parametrize(("kind", "limit"), [("mixdown", 6.0), ("master_review", 3.0)])
@pytest.mark.parametrize("change_db", [4.0, 9.0])
def test_a_stretch_of_excess_is_cut_back_to_the_target_at_its_peak(
    kind: str, limit: float, change_db: float
) -> None:
    analysis = b.spectral(b.clean(kind), "low_mid", change_db, "muddy")  # type: ignore[arg-type]
    (stretch,) = analysis.spectrum.deviations
    assert stretch.amount_db > stretch.tolerance_db
    (move,) = ENGINE.presets(analysis).eq
    assert move.kind == "bell" and move.finding_codes == ["muddy"]
    assert move.gain_db == pytest.approx(-min(stretch.amount_db, limit), abs=0.05)
    assert move.frequency_hz == pytest.approx(stretch.peak_hz, abs=0.05)
    # As wide as the stretch (each end point stands for 1/12 octave beyond it), at least 2/3 oct.
    octaves = max(math.log2(stretch.high_hz / stretch.low_hz) + 1 / 6, 2 / 3)
    assert move.bandwidth_octaves == pytest.approx(octaves, abs=0.01)
    assert q_to_octaves(move.q) == pytest.approx(move.bandwidth_octaves, abs=0.01)


@pytest.mark.parametrize(
    ("band", "change", "code", "kind"),
    [
        ("air", 14.0, "too_bright", "high_shelf"),
        ("air", -14.0, "too_dull", "high_shelf"),
        ("low", 9.0, "too_boomy", "low_shelf"),
    ],
)
def test_a_stretch_off_the_end_of_the_judged_range_gets_a_shelf_at_its_inner_edge(
    band: str, change: float, code: str, kind: str
) -> None:
    analysis = b.spectral(b.clean(), band, change, code)
    (move,) = ENGINE.presets(analysis).eq
    (stretch,) = analysis.spectrum.deviations
    corner = (
        stretch.high_hz * 2 ** (1 / 12) if kind == "low_shelf" else stretch.low_hz / 2 ** (1 / 12)
    )
    assert (move.kind, move.finding_codes) == (kind, [code])
    assert move.frequency_hz == pytest.approx(corner, abs=0.1)
    assert math.copysign(1, move.gain_db) == -math.copysign(1, change)


def test_a_resonance_in_a_flagged_band_gets_a_narrow_cut_of_half_its_prominence() -> None:
    moves = ENGINE.presets(b.resonant(b.clean())).eq
    resonance = next(m for m in moves if m.frequency_hz == 3150.0)
    assert (resonance.gain_db, resonance.q) == (-3.5, 6.0)


def test_no_presets_on_a_clean_mixdown() -> None:
    assert ENGINE.presets(b.clean("mixdown")).is_empty()


def test_a_clean_master_gets_only_the_ceiling_a_platform_asks_for() -> None:
    # -9.4 LUFS is louder than Spotify's -14 LUFS, so its -2 dBTP guidance applies to the
    # -1.2 dBTP peaks: the delivery caveat is the one move, and the loudness stays.
    presets = ENGINE.presets(b.clean("master_review"))
    assert presets.eq == [] and presets.stereo == [] and presets.compressor is None
    assert presets.limiter is not None
    assert (presets.limiter.ceiling_dbtp, presets.limiter.input_gain_db) == (-2.0, 0.0)


@pytest.mark.parametrize(
    ("tempo", "attack", "release"),
    [
        (120.0, 30.0, 250.0),  # a 64th note is 31 ms, capped at 30; an eighth note is 250 ms
        (174.0, 22.0, 172.0),
        (70.0, 30.0, 429.0),
        (None, 30.0, 250.0),
    ],
)
def test_compressor_timing_follows_the_tempo(
    tempo: float | None, attack: float, release: float
) -> None:
    analysis = b.with_changes(
        b.clean(tempo_bpm=tempo),
        b.finding(
            "under_compressed", b.evidence("loudness.loudness_range_lu", 13.5, "LU", 4.0, 9.0)
        ),
    )
    compressor = ENGINE.presets(analysis).compressor
    assert compressor is not None
    assert (compressor.attack_ms, compressor.release_ms) == (attack, release)
    # Threshold: the 75th percentile of the short-term loudness; ratio: 13.5 / 9 LU.
    levels = sorted(v for v in analysis.loudness.short_term_lufs.values if v is not None)
    assert compressor.threshold_dbfs == levels[round(0.75 * (len(levels) - 1))]
    assert compressor.ratio == 1.5


def test_the_limiter_ceiling_is_the_strictest_guidance_and_the_gain_reaches_the_range() -> None:
    limiter = ENGINE.presets(b.too_quiet(b.clean())).limiter
    assert limiter is not None
    assert limiter.input_gain_db == pytest.approx(-11.0 - -16.3, abs=0.05)
    assert limiter.target_lufs == -11.0
    # At -11 LUFS the master is louder than Spotify's -14 LUFS: its stricter -2 dBTP applies.
    assert limiter.ceiling_dbtp == -2.0


def test_width_moves_fold_the_low_end_or_reach_the_target_width() -> None:
    (fold,) = ENGINE.presets(b.wide_low_end(b.clean())).stereo
    assert (fold.high_hz, fold.width_percent) == (LOW_END_SPLIT_HZ, 0.0)
    narrow = b.with_changes(
        b.clean(),
        b.finding("stereo_too_narrow", b.evidence("stereo.width", 0.05, "", 0.1, 0.35)),
        stereo=b.clean().stereo.model_copy(update={"width": 0.05}),
    )
    (widen,) = ENGINE.presets(narrow).stereo
    assert widen.width_percent == round(side_gain_percent(width=0.05, target=0.1))
    mono = ENGINE.presets(b.mono_folded(b.clean()))
    # A folded file is a root cause: export it again in stereo, no width move can help.
    assert mono.stereo == [] and "in stereo" in mono.notes[0]


@pytest.mark.parametrize(("width", "target"), [(0.05, 0.1), (0.4, 0.3), (0.2, 0.2)])
def test_side_gain_turns_the_width_into_the_target(width: float, target: float) -> None:
    gain = (side_gain_percent(width=width, target=target) / 100) ** 2
    # Width is S / (M + S); scaling S by gain must give the target.
    mid, side = 1 - width, width
    assert gain * side / (mid + gain * side) == pytest.approx(target, rel=1e-12)


def test_side_gain_refuses_widths_it_cannot_reach() -> None:
    with pytest.raises(ValueError, match=re.escape("strictly between 0 and 1, got 0.0, 0.2")):
        side_gain_percent(width=0.0, target=0.2)


@pytest.mark.parametrize(("q", "octaves"), [(math.sqrt(2), 1.0), (2.871, 0.5), (0.667, 2.0)])
def test_q_and_bandwidth_agree(q: float, octaves: float) -> None:
    assert q_to_octaves(q) == pytest.approx(octaves, abs=0.002)


def test_q_must_be_positive() -> None:
    with pytest.raises(ValueError, match="q must be positive, got 0"):
        q_to_octaves(0)
