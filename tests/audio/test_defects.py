"""Defects: clipped runs located in time, DC offset, silence padding, NaN samples."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from meters_support import brickwall_limit, defects_of, measure_file, music, music_in
from signals import sine, write

from mixcoach.audio.defects import MAX_CLIP_RUNS


def clipped_sine(
    *, frequency_hz: float, over_db: float, seconds: float, sample_rate_hz: int
) -> np.ndarray:
    """A sine ``over_db`` above full scale, hard-clipped at +/-1, shaped ``(1, n)``."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    return np.clip(10 ** (over_db / 20) * np.sin(2 * np.pi * frequency_hz * t), -1.0, 1.0)[
        np.newaxis
    ]


def expected_runs(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every stretch of samples at +/-1, by direct inspection."""
    at_rail = np.concatenate([[0], (np.abs(audio[0]) >= 1.0).astype(int), [0]])
    edges = np.diff(at_rail)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_a_hard_clipped_sine_has_one_run_per_half_cycle_where_it_was_cut(
    sample_rate_hz: int,
) -> None:
    sr = sample_rate_hz
    audio = clipped_sine(frequency_hz=100.0, over_db=3.0, seconds=1.0, sample_rate_hz=sr)
    runs = expected_runs(audio)
    result = defects_of(audio, sample_rate_hz=sr)
    assert result.clip_run_count == len(runs) == 200  # 100 cycles, two clipped tops each
    assert result.clipped_samples == sum(n for _, n in runs)
    # Clipping 3 dB over cuts the part of each half cycle where |sin| > 10^(-3/20).
    fraction = 1 - 2 * math.asin(10 ** (-3 / 20)) / math.pi
    assert result.clipped_samples == pytest.approx(fraction * sr, abs=len(runs))  # +/-1 per run
    assert result.clip_level_dbfs == 0.0
    found = {(round(r.start_s * sr), r.samples) for r in result.clip_runs}
    assert found == set(runs)  # all 200 fit in the list
    assert all(
        r.end_s - r.start_s == pytest.approx(r.samples / sr, abs=1e-4) for r in result.clip_runs
    )


def test_runs_are_listed_longest_first_and_capped() -> None:
    sr = 44100
    # A clipped sine whose overshoot grows: later half cycles give longer runs.
    t = np.arange(3 * sr) / sr
    audio = np.clip((1.1 + t) * np.sin(2 * np.pi * 100 * t), -1, 1)[np.newaxis]
    result = defects_of(audio, sample_rate_hz=sr)
    assert result.clip_run_count == 600 and len(result.clip_runs) == MAX_CLIP_RUNS
    lengths = [r.samples for r in result.clip_runs]
    assert lengths == sorted(lengths, reverse=True)
    assert min(r.start_s for r in result.clip_runs) > 1.5  # the longest runs come late


def test_a_clipped_then_gained_down_file_reports_its_lower_ceiling(tmp_path: Path) -> None:
    sr = 44100
    audio = clipped_sine(frequency_hz=220.0, over_db=6.0, seconds=2.0, sample_rate_hz=sr)
    quieter = 10 ** (-6 / 20) * audio
    runs = expected_runs(audio)
    for subtype in ("PCM_16", "PCM_24", "FLOAT"):
        path = write(
            tmp_path / f"clipped_{subtype}.wav", quieter, sample_rate_hz=sr, subtype=subtype
        )
        result = measure_file("defects", path, block_seconds=0.37)
        assert result.clip_level_dbfs == pytest.approx(-6.0, abs=0.01), subtype
        assert result.clip_run_count == len(runs), subtype
        assert result.clipped_samples == sum(n for _, n in runs), subtype


def test_only_the_clipped_channel_is_named() -> None:
    sr = 48000
    clean = sine(frequency_hz=100.0, dbfs=-3.0, seconds=1.0, sample_rate_hz=sr, channels=1)
    clipped = clipped_sine(frequency_hz=100.0, over_db=2.0, seconds=1.0, sample_rate_hz=sr)
    result = defects_of(np.concatenate([clean, clipped]), sample_rate_hz=sr)
    assert result.clip_run_count == 200
    assert {r.channel for r in result.clip_runs} == {1}


@pytest.mark.parametrize("sample_rate_hz", [44100, 192000])
@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_clean_loud_waves_and_a_limited_master_are_not_clipped(
    tmp_path: Path, sample_rate_hz: int, subtype: str
) -> None:
    """Rounded wave tops sit near their peak for several samples (in a 16-bit file, several
    equal samples), and a brick-wall limiter holds peaks at one ceiling: neither is clipping."""
    sr = sample_rate_hz
    t = np.arange(sr) / sr
    sweep = np.concatenate(
        [
            10 ** (level / 20) * np.sin(2 * np.pi * f * t)
            for f in (40, 63, 100, 250, 1000)
            for level in (-0.01, -1.0)
        ]
    )
    limited, _ = brickwall_limit(
        music(seconds=10, sample_rate_hz=sr), sample_rate_hz=sr, gain_db=10.0
    )
    for name, audio in (("sines", sweep[np.newaxis]), ("limited", limited)):
        path = write(tmp_path / f"{name}.wav", audio, sample_rate_hz=sr, subtype=subtype)
        result = measure_file("defects", path)
        assert result.clip_run_count == 0, name
        assert result.clip_level_dbfs is None and result.clipped_samples == 0, name


@pytest.mark.parametrize("offset_dbfs", [-20.0, -46.0])
def test_dc_offset_of_known_size(offset_dbfs: float) -> None:
    sr = 44100
    audio = music(seconds=5, sample_rate_hz=sr)
    audio -= audio.mean(axis=1, keepdims=True)
    audio[0] += 10 ** (offset_dbfs / 20)  # left channel only
    result = defects_of(audio, sample_rate_hz=sr)
    assert result.dc_offset_dbfs[0] == pytest.approx(offset_dbfs, abs=0.05)
    right = result.dc_offset_dbfs[1]
    assert right is None or right < -100  # float32 rounding residue only


def test_no_offset_at_all_is_none() -> None:
    tone = sine(frequency_hz=1000.0, seconds=1.0, sample_rate_hz=48000, channels=2)
    tone[:, tone.shape[1] // 2 :] = -tone[:, : tone.shape[1] // 2]  # second half mirrors the first
    assert defects_of(tone, sample_rate_hz=48000).dc_offset_dbfs == [None, None]


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_silence_padding_of_known_length(sample_rate_hz: int) -> None:
    sr = sample_rate_hz
    body = music(seconds=3, sample_rate_hz=sr)
    quiet_tail = 10 ** (-70 / 20) * np.ones((2, sr // 4))  # below -60 dBFS: counts as silence
    audio = np.concatenate(
        [np.zeros((2, round(1.5 * sr))), body, quiet_tail, np.zeros((2, sr // 2))], axis=1
    )
    result = defects_of(audio, sample_rate_hz=sr)
    sound = np.flatnonzero(np.abs(body).max(axis=0) > 10 ** (-60 / 20))
    assert result.silence_start_s == pytest.approx(1.5 + sound[0] / sr, abs=1e-4)
    expected_end = (body.shape[1] - 1 - sound[-1]) / sr + 0.25 + 0.5
    assert result.silence_end_s == pytest.approx(expected_end, abs=1e-4)


@pytest.mark.parametrize(("tail_dbfs", "counts_as_sound"), [(-58.0, True), (-62.0, False)])
def test_the_silence_threshold_sits_at_minus_60_dbfs(
    tail_dbfs: float, counts_as_sound: bool
) -> None:
    """A 0.25 s tail just above -60 dBFS is sound (the padding is only the 0.5 s of zeros after
    it); just below, it is part of the padding."""
    sr = 44100
    tail = 10 ** (tail_dbfs / 20) * np.ones((2, sr // 4))
    body = sine(frequency_hz=1000.0, dbfs=-20.0, seconds=2.0, sample_rate_hz=sr)
    audio = np.concatenate([body, tail, np.zeros((2, sr // 2))], axis=1)
    result = defects_of(audio, sample_rate_hz=sr)
    assert result.silence_end_s == pytest.approx(0.5 if counts_as_sound else 0.75, abs=1e-3)


def test_nan_and_inf_samples_are_counted_and_replaced() -> None:
    sr = 44100
    audio = music(seconds=2, sample_rate_hz=sr)
    audio[0, 1000:1010] = np.nan
    audio[1, 5000] = np.inf
    result = defects_of(audio, sample_rate_hz=sr)
    assert result.nonfinite_samples == 11
    assert any("NaN" in note for note in result.notes)
    assert result.clip_run_count == 0  # the replaced zeros are not a flat run at the ceiling
    json.loads(result.model_dump_json(), parse_constant=pytest.fail)


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_digital_silence_is_all_silence_and_no_offset(sample_rate_hz: int, channels: int) -> None:
    result = defects_of(np.zeros((channels, sample_rate_hz)), sample_rate_hz=sample_rate_hz)
    assert result.dc_offset_dbfs == [None] * channels
    assert result.silence_start_s == result.silence_end_s == 1.0
    assert result.clip_run_count == 0 and result.clip_level_dbfs is None
    assert any("silent" in note for note in result.notes)


@pytest.mark.parametrize(("sample_rate_hz", "channels"), [(8000, 1), (44100, 2), (48000, 6)])
def test_block_size_changes_nothing(sample_rate_hz: int, channels: int) -> None:
    audio = np.clip(2.0 * music_in(channels, seconds=12, sample_rate_hz=sample_rate_hz), -1, 1)
    audio = np.concatenate([np.zeros((channels, sample_rate_hz)), audio], axis=1)
    large = defects_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=10.0)
    assert large.clip_run_count > 20  # the comparison covers many runs
    # 0.01 s is a single STFT hop per block: runs are cut by block edges again and again.
    for block_seconds in (0.01, 0.37):
        small = defects_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=block_seconds)
        assert small == large, block_seconds


#: The clip-run definition of the defects meter, written out so that moving it fails below:
#: runs of 3 or more samples, equal within 2e-6, within 1e-4 of the file's highest sample, whose
#: wave falls 3e-4 or more below them within two samples beyond each end.
CLIP_LEVEL = 0.9


def planted(*tops: list[float], sample_rate_hz: int = 44100) -> np.ndarray:
    """A 200 Hz sine at -12 dBFS, mono ``(1, n)``, with each of ``tops`` (a few samples,
    shoulders included) written over it one tenth of a second apart."""
    audio = sine(frequency_hz=200.0, dbfs=-12.0, seconds=0.1 * (len(tops) + 1), channels=1)
    for i, top in enumerate(tops):
        at = round(0.1 * (i + 1) * sample_rate_hz)
        audio[0, at : at + len(top)] = top
    return audio


def flat(length: int, level: float = CLIP_LEVEL, shoulder: float = 0.5) -> list[float]:
    return [shoulder, shoulder, *([level] * length), shoulder, shoulder]


def runs_of(audio: np.ndarray) -> list[int]:
    result = defects_of(audio, sample_rate_hz=44100)
    return sorted(r.samples for r in result.clip_runs)


def test_three_samples_at_the_ceiling_are_a_clip_and_two_are_not() -> None:
    audio = planted(*[flat(3)] * 4, *[flat(2)] * 4)
    result = defects_of(audio, sample_rate_hz=44100)
    assert [r.samples for r in result.clip_runs] == [3, 3, 3, 3]
    assert result.clip_run_count == 4 and result.clipped_samples == 12
    assert result.clip_level_dbfs == pytest.approx(20 * math.log10(CLIP_LEVEL), abs=0.01)


def test_a_run_counts_within_1e_4_of_the_highest_sample_and_not_beyond() -> None:
    audio = planted(flat(4), flat(5, CLIP_LEVEL - 5e-5), flat(6, CLIP_LEVEL - 5e-4))
    assert runs_of(audio) == [4, 5]


def test_a_run_is_flat_within_2e_6() -> None:
    """Float rounding or a 24-bit step (1.2e-7) keeps a run whole; 1e-5 steps are not flat."""
    small, large = CLIP_LEVEL - 1e-6, CLIP_LEVEL - 1e-5
    audio = planted(flat(4), [0.5, 0.5, CLIP_LEVEL, small, CLIP_LEVEL, small, CLIP_LEVEL, 0.5])
    assert runs_of(audio) == [4, 5]
    audio = planted(flat(4), [0.5, 0.5, CLIP_LEVEL, large, CLIP_LEVEL, large, CLIP_LEVEL, 0.5])
    assert runs_of(audio) == [4]


def test_a_clipped_wave_falls_3e_4_below_its_ceiling_within_two_samples() -> None:
    """A rounded top slopes away gently: 2e-4 down on both sides within two samples is not a
    clip; 5e-4 down at the second sample beyond each end is."""
    gentle = [CLIP_LEVEL - 2e-4] * 2
    steep = [CLIP_LEVEL - 5e-4, CLIP_LEVEL - 2e-4]
    audio = planted(flat(4), [*gentle, *[CLIP_LEVEL] * 5, *gentle])
    assert runs_of(audio) == [4]
    audio = planted(flat(4), [*steep, *[CLIP_LEVEL] * 5, *steep[::-1]])
    assert runs_of(audio) == [4, 5]
