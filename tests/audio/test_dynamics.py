"""Dynamics: crest factor, DR, transient strength and limiting against closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from meters_support import brickwall_limit, dynamics_of, music, music_in, white_noise
from signals import sine


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("channels", [1, 2])
def test_a_sine_has_crest_3_db_and_dr_0(sample_rate_hz: int, channels: int) -> None:
    tone = sine(
        frequency_hz=997.0, dbfs=-6.0, seconds=8, sample_rate_hz=sample_rate_hz, channels=channels
    )
    result = dynamics_of(tone, sample_rate_hz=sample_rate_hz)
    assert result.crest_factor_db == pytest.approx(10 * math.log10(2), abs=0.02)
    assert result.dynamic_range_db == pytest.approx(
        0.0, abs=0.05
    )  # the DR meter's sqrt(2) makes a sine 0
    assert result.transient_strength_db is None  # a steady tone has no onsets
    # Every window peaks at the same level, as if pinned: a steady tone is not read as limited.
    assert result.limiting_db is None
    assert any("steady sound" in note for note in result.notes)


def test_crest_factor_and_dr_of_a_quiet_sine_with_two_clicks() -> None:
    sr = 44100
    tone = sine(frequency_hz=440.0, dbfs=-20.0, seconds=30, sample_rate_hz=sr, channels=2)
    click = 10 ** (-2 / 20)
    tone[:, 5 * sr] = click  # two clicks at -2 dBFS in different 3-second windows
    tone[:, 17 * sr] = click
    result = dynamics_of(tone, sample_rate_hz=sr)
    # Crest: -2 dBFS peak over the sine's RMS (-23.01 dBFS); the clicks add next to nothing.
    assert result.crest_factor_db == pytest.approx(-2 + 23.01, abs=0.02)
    # DR: second-highest window peak (-2 dBFS) over sqrt(2) x RMS of the loudest windows (-20).
    assert result.dynamic_range_db == pytest.approx(18.0, abs=0.05)


@pytest.mark.parametrize("decay_s", [0.05, 0.1, 0.3])
def test_transient_strength_of_decaying_notes_matches_its_closed_form(decay_s: float) -> None:
    """A note ``exp(-t/decay) sin(2 pi 1000 t)`` every second: the peak of its first 20 ms
    (1) over the RMS from 50 to 150 ms after it, which is
    ``sqrt(decay / (2 * 0.2) * (exp(-0.1 / decay) - exp(-0.3 / decay)))``."""
    sr = 48000
    t = np.arange(sr) / sr
    note = np.exp(-t / decay_s) * np.sin(2 * np.pi * 1000 * t)
    audio = 0.5 * np.tile(note, 10)[np.newaxis]
    mean_square = decay_s / (2 * 0.2) * (math.exp(-0.1 / decay_s) - math.exp(-0.3 / decay_s))
    expected = -10 * math.log10(mean_square)
    result = dynamics_of(audio, sample_rate_hz=sr)
    assert result.transient_strength_db is not None
    # Onsets are found on a 5 ms grid, so the sustain window may start up to 5 ms late.
    late = -10 * math.log10(math.exp(-2 * 0.005 / decay_s))
    assert expected - 0.3 <= result.transient_strength_db <= expected + late + 0.3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_brick_wall_limiting_is_seen_and_unprocessed_music_is_not(seed: int) -> None:
    sr = 44100
    mix = music(seconds=30, sample_rate_hz=sr, seed=seed)
    limited, reduction_db = brickwall_limit(mix, sample_rate_hz=sr, gain_db=10.0)
    assert reduction_db > 9.0
    raw = dynamics_of(mix, sample_rate_hz=sr)
    squashed = dynamics_of(limited, sample_rate_hz=sr)
    assert raw.limited_peak_fraction is not None and raw.limited_peak_fraction < 0.02
    assert raw.limiting_db is not None and raw.limiting_db < 1.0
    assert squashed.limited_peak_fraction is not None and squashed.limited_peak_fraction > 0.3
    assert squashed.limiting_db is not None and squashed.limiting_db > 3.0
    for figure in ("crest_factor_db", "dynamic_range_db", "transient_strength_db"):
        before, after = getattr(raw, figure), getattr(squashed, figure)
        assert after < before - 1.0, figure
    assert raw.crest_factor_db - squashed.crest_factor_db > 5.0  # type: ignore[operator]


def test_a_quieter_verse_and_outro_are_not_read_as_limiting() -> None:
    """Sections at different levels make the whole track's peak distribution lopsided; the
    section-by-section reading must not mistake that for a limiter."""
    sr = 44100
    mix = music(seconds=40, sample_rate_hz=sr)
    t = np.arange(mix.shape[1]) / sr
    # verse at -8 dB for 12 s, chorus at 0 dB, an outro at -15 dB from 34 s (0.5 s ramps)
    gain_db = np.interp(t, [0, 12, 12.5, 34, 34.5, 40], [-8, -8, 0, 0, -15, -15])
    sections = mix * 10 ** (gain_db / 20)
    result = dynamics_of(sections, sample_rate_hz=sr)
    assert result.limiting_db is not None and result.limiting_db < 1.0
    limited, _ = brickwall_limit(sections, sample_rate_hz=sr, gain_db=10.0)
    squashed = dynamics_of(limited, sample_rate_hz=sr)
    assert squashed.limiting_db is not None and squashed.limiting_db > 3.0


def test_limiting_grows_with_the_gain_reduction() -> None:
    sr = 44100
    mix = music(seconds=30, sample_rate_hz=sr)
    readings = [
        dynamics_of(brickwall_limit(mix, sample_rate_hz=sr, gain_db=g)[0], sample_rate_hz=sr)
        for g in (0.0, 4.0, 7.0, 10.0)
    ]
    fractions = [r.limited_peak_fraction for r in readings]
    assert fractions == sorted(fractions)  # type: ignore[type-var]
    estimates = [r.limiting_db for r in readings]
    assert estimates == sorted(estimates)  # type: ignore[type-var]


def test_noise_has_no_onsets_and_no_limiting() -> None:
    result = dynamics_of(
        white_noise(seconds=10, sample_rate_hz=44100, channels=2), sample_rate_hz=44100
    )
    assert result.transient_strength_db is None
    assert result.limiting_db is None  # steady: its loud windows all sit at one level
    assert result.limited_peak_fraction is not None and result.limited_peak_fraction < 0.1
    assert result.crest_factor_db is not None and 11 < result.crest_factor_db < 16


def test_the_lfe_channel_is_left_out() -> None:
    sr = 48000
    surround = music_in(6, seconds=10, sample_rate_hz=sr)
    boomy = surround.copy()
    boomy[3] = 0.99 * np.sign(np.sin(2 * np.pi * 40 * np.arange(boomy.shape[1]) / sr))  # a loud LFE
    assert dynamics_of(boomy, sample_rate_hz=sr) == dynamics_of(surround, sample_rate_hz=sr)


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_digital_silence_gives_none_and_a_note(sample_rate_hz: int, channels: int) -> None:
    result = dynamics_of(np.zeros((channels, sample_rate_hz)), sample_rate_hz=sample_rate_hz)
    assert result.crest_factor_db is None and result.dynamic_range_db is None
    assert result.transient_strength_db is None and result.limiting_db is None
    assert result.limited_peak_fraction is None
    assert any("silence" in note for note in result.notes)
    json.loads(result.model_dump_json(), parse_constant=pytest.fail)  # no NaN or Infinity


@pytest.mark.parametrize("sample_rate_hz", [8000, 192000])
def test_a_200_ms_file_gives_finite_figures_and_says_what_it_cannot(sample_rate_hz: int) -> None:
    result = dynamics_of(
        music(seconds=0.2, sample_rate_hz=sample_rate_hz), sample_rate_hz=sample_rate_hz
    )
    assert result.crest_factor_db is not None and math.isfinite(result.crest_factor_db)
    assert result.dynamic_range_db is not None and math.isfinite(result.dynamic_range_db)
    assert result.limiting_db is None and result.notes


@pytest.mark.parametrize(("sample_rate_hz", "channels"), [(8000, 1), (44100, 2), (48000, 6)])
def test_block_size_changes_nothing(sample_rate_hz: int, channels: int) -> None:
    audio = music_in(channels, seconds=12, sample_rate_hz=sample_rate_hz)
    small = dynamics_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=0.37)
    large = dynamics_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=10.0)
    assert small == large
