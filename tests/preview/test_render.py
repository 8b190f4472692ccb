"""Each rendered move, measured on real recordings, moves what its preset says by its amount."""

from __future__ import annotations

import numpy as np
import pytest
from preview_tracks import DRASCULA, SINGULARITY, Planted, PlantedTracks

from mixcoach.audio.codecs import loudness_of
from mixcoach.feedback.model import EqMove
from mixcoach.feedback.presets import presets_from_plan
from mixcoach.preview.previews import (
    ALL_FIXES,
    balance_db,
    band_level_db,
    correlation,
    level_spread_db,
    preview_specs,
    render_preview,
    side_level_db,
)
from mixcoach.preview.render import (
    apply_eq,
    excerpt_around,
    loudest_excerpt,
    render_step,
    true_peak,
)

TRACKS = pytest.mark.parametrize("path", [DRASCULA, SINGULARITY], ids=["44k1", "48k"])


@pytest.fixture(scope="session")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> PlantedTracks:
    return PlantedTracks(tmp_path_factory.mktemp("preview-tracks"))


def _db(value: float) -> float:
    return float(20 * np.log10(value))


def _eq_steps(planted: Planted) -> list[EqMove]:
    return [s.eq for s in planted.plan.steps if s.move == "eq" and s.eq is not None]


@TRACKS
def test_each_eq_move_changes_its_band_by_its_gain(tracks: PlantedTracks, path: object) -> None:
    planted = tracks.get(path, "high_shelf")  # type: ignore[arg-type]
    moves = _eq_steps(planted)
    assert {m.kind for m in moves} & {"bell", "high_shelf", "low_shelf"}
    for move in moves:
        after = apply_eq(planted.audio, move, sample_rate_hz=planted.rate)
        at = move.frequency_hz
        # A bell reaches its gain at its centre; a shelf half its gain at its corner and nearly
        # all of it two octaves into the shelf.
        expected = move.gain_db if move.kind == "bell" else move.gain_db / 2
        change = band_level_db(after, at, sample_rate_hz=planted.rate) - band_level_db(
            planted.audio, at, sample_rate_hz=planted.rate
        )
        assert change == pytest.approx(expected, abs=0.5), (move.kind, at)
        if move.kind != "bell":
            deep = at * 4 if move.kind == "high_shelf" else at / 4
            change = band_level_db(after, deep, sample_rate_hz=planted.rate) - band_level_db(
                planted.audio, deep, sample_rate_hz=planted.rate
            )
            assert change == pytest.approx(move.gain_db, abs=0.5), (move.kind, deep)


@TRACKS
def test_the_polarity_flip_restores_the_original_correlation(
    tracks: PlantedTracks, path: object
) -> None:
    original = tracks.get(path, "clean").audio  # type: ignore[arg-type]
    planted = tracks.get(path, "polarity_flip")  # type: ignore[arg-type]
    assert correlation(planted.audio) < -0.3
    after = render_step(planted.audio, planted.step("polarity_flip"), sample_rate_hz=planted.rate)
    assert correlation(after) == pytest.approx(correlation(original), abs=1e-9)


def test_the_low_end_width_move_folds_the_side_below_its_corner(tracks: PlantedTracks) -> None:
    planted = tracks.get(SINGULARITY, "wide_lows")
    step = planted.step("width")
    assert step.width is not None and step.width.width_percent == 0.0
    w = step.width
    after = render_step(planted.audio, step, sample_rate_hz=planted.rate)
    rate = planted.rate
    below = side_level_db(after, 20.0, w.high_hz / 2, sample_rate_hz=rate)
    assert below < side_level_db(planted.audio, 20.0, w.high_hz / 2, sample_rate_hz=rate) - 20
    # Above the corner (an octave clear of the crossover) the side is left alone.
    above = (w.high_hz * 2, 8000.0)
    assert side_level_db(after, *above, sample_rate_hz=rate) == pytest.approx(
        side_level_db(planted.audio, *above, sample_rate_hz=rate), abs=0.2
    )
    # Mid is untouched: left plus right is the same signal.
    assert np.max(np.abs(after.sum(axis=0) - planted.audio.sum(axis=0))) < 1e-9


@TRACKS
def test_the_limiter_reaches_the_loudness_and_holds_the_ceiling(
    tracks: PlantedTracks, path: object
) -> None:
    planted = tracks.get(path, "quiet")  # type: ignore[arg-type]
    step = planted.step("limiter")
    assert step.limiter is not None and step.limiter.input_gain_db > 15
    after = render_step(planted.audio, step, sample_rate_hz=planted.rate)
    peak = _db(true_peak(after, sample_rate_hz=planted.rate))
    # Raised by the input gain until the ceiling holds it.
    raised = _db(true_peak(planted.audio, sample_rate_hz=planted.rate)) + step.limiter.input_gain_db
    assert peak <= step.limiter.ceiling_dbtp + 1e-6
    assert peak == pytest.approx(min(raised, step.limiter.ceiling_dbtp), abs=0.3)
    # The analysis' own meter agrees that nothing passes the ceiling.
    measured = loudness_of(after, planted.rate)
    assert measured.true_peak_dbtp is not None
    assert measured.true_peak_dbtp <= step.limiter.ceiling_dbtp + 0.01
    before = loudness_of(planted.audio, planted.rate).integrated_lufs
    assert before is not None and measured.integrated_lufs is not None
    assert measured.integrated_lufs - before > step.limiter.input_gain_db - 3


def test_the_compressor_narrows_the_loud_to_quiet_spread(tracks: PlantedTracks) -> None:
    planted = tracks.get(DRASCULA, "imbalance")
    step = planted.step("compressor")
    after = render_step(planted.audio, step, sample_rate_hz=planted.rate)
    before_spread = level_spread_db(planted.audio, sample_rate_hz=planted.rate)
    after_spread = level_spread_db(after, sample_rate_hz=planted.rate)
    assert after_spread < before_spread - 0.25


@TRACKS
def test_balance_and_dc_removal_undo_their_planted_defects(
    tracks: PlantedTracks, path: object
) -> None:
    planted = tracks.get(path, "imbalance")  # type: ignore[arg-type]
    assert abs(balance_db(planted.audio)) > 6
    after = render_step(planted.audio, planted.step("balance"), sample_rate_hz=planted.rate)
    assert abs(balance_db(after)) < 0.5
    planted = tracks.get(path, "dc_offset")  # type: ignore[arg-type]
    after = render_step(planted.audio, planted.step("dc_removal"), sample_rate_hz=planted.rate)
    settled = after[:, planted.rate :]  # the 20 Hz high-pass settles within a second
    assert np.max(np.abs(planted.audio.mean(axis=1))) > 0.02
    assert np.max(np.abs(settled.mean(axis=1))) < 1e-3


@TRACKS
@pytest.mark.parametrize("plant", ["quiet", "high_shelf", "imbalance"])
def test_every_preview_is_loudness_matched_and_never_peaks_above_the_original(
    tracks: PlantedTracks, path: object, plant: str
) -> None:
    planted = tracks.get(path, plant)  # type: ignore[arg-type]
    specs = preview_specs(planted.plan, planted.analysis.findings)
    assert specs[-1].id == ALL_FIXES and len(specs[-1].steps) == len(specs) - 1
    for spec in specs:
        preview = render_preview(planted.audio, spec, sample_rate_hz=planted.rate)
        before, after = preview.matched.before, preview.matched.after
        assert before.shape == after.shape
        assert before.shape[1] == pytest.approx(10 * planted.rate, abs=1)
        b = loudness_of(before, planted.rate).integrated_lufs
        a = loudness_of(after, planted.rate).integrated_lufs
        assert a is not None and b is not None
        assert a == pytest.approx(b, abs=0.5), spec.id
        original_peak = true_peak(before, sample_rate_hz=planted.rate)
        original_peak /= 10 ** (preview.matched.before_gain_db / 20)
        for excerpt in (before, after):
            assert true_peak(excerpt, sample_rate_hz=planted.rate) <= original_peak * (1 + 1e-9)
        assert preview.matched.before_gain_db <= 0 and preview.matched.after_gain_db <= 0
        # The gain reported is the loudness difference of the unmatched excerpts.
        assert preview.matched.before_lufs is not None and preview.matched.after_lufs is not None
        difference = abs(preview.matched.after_lufs - preview.matched.before_lufs)
        assert preview.matched.gain_db == pytest.approx(-difference, abs=0.02)


def test_the_quiet_masters_limiter_preview_turns_the_after_down_by_about_its_input_gain(
    tracks: PlantedTracks,
) -> None:
    planted = tracks.get(DRASCULA, "quiet")
    (spec,) = [
        s for s in preview_specs(planted.plan, planted.analysis.findings) if s.move == "limiter"
    ]
    preview = render_preview(planted.audio, spec, sample_rate_hz=planted.rate)
    assert preview.matched.turned_down == "after"
    assert spec.steps[0].limiter is not None
    assert -preview.matched.gain_db == pytest.approx(spec.steps[0].limiter.input_gain_db, abs=1.5)


def test_the_excerpt_is_the_loudest_ten_seconds_or_centred_on_the_finding() -> None:
    rate = 8000
    audio = np.full((2, 60 * rate), 0.01)
    audio[:, 41 * rate : 49 * rate] = 0.5  # a loud passage from 41 s to 49 s
    start, end = loudest_excerpt(audio, sample_rate_hz=rate)
    assert end - start == 10 * rate
    assert start <= 41 * rate and end >= 49 * rate
    assert excerpt_around(audio, sample_rate_hz=rate, time_s=20.0) == (15 * rate, 25 * rate)
    # Near an end, the excerpt stays inside the track at its full length.
    assert excerpt_around(audio, sample_rate_hz=rate, time_s=58.0) == (50 * rate, 60 * rate)
    assert loudest_excerpt(audio[:, : 4 * rate], sample_rate_hz=rate) == (0, 4 * rate)


@pytest.mark.parametrize("plant", ["quiet", "high_shelf", "wide_lows", "polarity_flip"])
def test_each_previews_preset_places_hold_the_settings_it_plays(
    tracks: PlantedTracks, plant: str
) -> None:
    planted = tracks.get(DRASCULA, plant)
    presets = presets_from_plan(planted.plan)
    specs = preview_specs(planted.plan, planted.analysis.findings)
    single = [s for s in specs if s.id != ALL_FIXES]
    assert single, [s.move for s in planted.plan.steps]
    for spec in single:
        (step,) = spec.steps
        if step.move in ("polarity_flip", "gain", "balance"):
            assert spec.presets == [], spec.id  # by hand or a fader: no plugin setting
            continue
        (place,) = spec.presets
        kind, _, index = place.partition(".")
        held = {
            "eq": presets.eq,
            "stereo": presets.stereo,
            "compressor": presets.compressor,
            "limiter": presets.limiter,
        }[kind]
        if index:
            assert isinstance(held, list)
            held = held[int(index)]
        played = {
            "eq": step.eq,
            "stereo": step.width,
            "compressor": step.compressor,
            "limiter": step.limiter,
        }[kind]
        # The same numbers: what the preset file says is what the preview renders.
        assert held is not None and held == played, (spec.id, place)
    everything = specs[-1]
    assert everything.id == ALL_FIXES
    assert everything.presets == [place for s in single for place in s.presets]
    # Every plugin setting of the presets can be heard in some preview.
    places = {p for s in single for p in s.presets}
    expected = {f"eq.{i}" for i in range(len(presets.eq))}
    expected |= {f"stereo.{i}" for i in range(len(presets.stereo))}
    expected |= {name for name in ("compressor", "limiter") if getattr(presets, name)}
    assert places == expected
