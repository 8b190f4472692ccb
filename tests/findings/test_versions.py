"""Versions on a real recording: a clean v1, a v2 pushed into hard clipping, a clean v3; the
fingerprint tells re-renders of one song from a different song."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from recordings import DRASCULA, SINGULARITY, at_loudness, excerpt, hard_clipped, write

from mixcoach.analysis import Analysis, analyze
from mixcoach.feedback.version_notes import explain_versions
from mixcoach.findings.versions import compare_versions, fingerprint_match

CLIP_GAIN_DB = 9.0


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Analysis]:
    folder = tmp_path_factory.mktemp("versions")
    audio, rate = excerpt(DRASCULA / "track1.ogg")
    other, other_rate = excerpt(DRASCULA / "track2.ogg")
    film, film_rate = excerpt(SINGULARITY / "Awakening.ogg")
    v1 = at_loudness(audio, rate, lufs=-20.0)
    renders = {
        "v1": (v1, rate),
        "v2": (hard_clipped(v1, gain_db=CLIP_GAIN_DB), rate),
        "v3": (at_loudness(audio, rate, lufs=-20.5), rate),
        "other": (at_loudness(other, other_rate, lufs=-20.0), other_rate),
        "film": (at_loudness(film, film_rate, lufs=-20.0), film_rate),
    }
    return {
        name: analyze(
            write(Path(folder, f"{name}.wav"), samples, sample_rate),
            genre="general",
            feedback_type="master_review",
        )
        for name, (samples, sample_rate) in renders.items()
    }


@pytest.mark.parametrize("render", ["v2", "v3"])
def test_a_re_render_matches_its_first_version(versions: dict[str, Analysis], render: str) -> None:
    match = fingerprint_match(versions["v1"], versions[render])
    assert match.same_song
    assert match.curve_correlation is not None and match.curve_correlation > 0.95


@pytest.mark.parametrize("song", ["other", "film"])
def test_a_different_song_does_not_match(versions: dict[str, Analysis], song: str) -> None:
    match = fingerprint_match(versions["v1"], versions[song])
    assert not match.same_song
    assert match.curve_correlation is None or match.curve_correlation < 0.8


def test_clipping_is_new_in_v2_with_its_amount(versions: dict[str, Analysis]) -> None:
    comparison = compare_versions(versions["v1"], versions["v2"])
    clipping = next(c for c in comparison.findings if c.code == "clipping")
    assert clipping.status == "new"
    assert clipping.value_before is None
    assert clipping.value_after == versions["v2"].defects.clip_run_count > 100
    assert "clipping" not in {f.code for f in versions["v1"].findings}
    runs = next(m for m in comparison.metrics if m.metric == "defects.clip_run_count")
    assert runs.value_before == 0
    assert runs.change == versions["v2"].defects.clip_run_count
    loudness = next(m for m in comparison.metrics if m.metric == "loudness.integrated_lufs")
    assert loudness.change == pytest.approx(CLIP_GAIN_DB, abs=2.0)
    assert loudness.change < CLIP_GAIN_DB  # the clipped peaks carry less than the gain


def test_clipping_is_fixed_in_v3(versions: dict[str, Analysis]) -> None:
    comparison = compare_versions(versions["v2"], versions["v3"])
    clipping = next(c for c in comparison.findings if c.code == "clipping")
    assert clipping.status == "fixed"
    assert clipping.value_before == versions["v2"].defects.clip_run_count
    assert clipping.value_after is None
    assert not any(c.status == "new" and c.code == "clipping" for c in comparison.findings)


def test_v1_to_v3_has_no_new_finding_and_small_changes(versions: dict[str, Analysis]) -> None:
    comparison = compare_versions(versions["v1"], versions["v3"])
    assert all(c.status == "still_there" for c in comparison.findings)
    loudness = next(m for m in comparison.metrics if m.metric == "loudness.integrated_lufs")
    assert loudness.change == pytest.approx(-0.5, abs=0.1)
    bands = [m for m in comparison.metrics if m.metric.startswith("spectrum.bands.")]
    assert bands and all(m.change is not None and abs(m.change) < 0.1 for m in bands)


def test_the_words_say_new_then_fixed(versions: dict[str, Analysis]) -> None:
    pushed = explain_versions(
        compare_versions(versions["v1"], versions["v2"]), before="v1", after="v2"
    )
    runs = versions["v2"].defects.clip_run_count
    assert pushed.startswith("Compared with v1, v2 ")
    assert f"brought in the clipping ({runs:,d} runs)" in pushed.split(". ")[0]
    repaired = explain_versions(
        compare_versions(versions["v2"], versions["v3"]), before="v2", after="v3"
    )
    first = repaired.split(". ")[0]
    assert first.startswith("Compared with v2, v3 fixed ")
    assert "clipping" in first.split(" brought in ")[0]
    for summary in (pushed, repaired):
        assert all(sentence[0].isupper() for sentence in summary.split(". "))


def test_a_loudness_change_reads_in_lu_with_its_direction(versions: dict[str, Analysis]) -> None:
    """v3 is 0.5 LU quieter than v1: a level in LUFS, its change in LU, a quiet master worse."""
    comparison = compare_versions(versions["v1"], versions["v3"])
    loudness = next(m for m in comparison.metrics if m.metric == "loudness.integrated_lufs")
    assert (loudness.unit, loudness.change_unit) == ("LUFS", "LU")
    peak = next(m for m in comparison.metrics if m.metric == "loudness.true_peak_dbtp")
    assert (peak.unit, peak.change_unit) == ("dBTP", "dB")
    quiet = next(c for c in comparison.findings if c.code == "too_quiet")
    assert (quiet.status, quiet.trend, quiet.change_unit) == ("still_there", "worse", "LU")
    words = explain_versions(comparison, before="v1", after="v3")
    said = re.search(
        r"The low loudness is still there, (\w+) than in v1 by ([\d.]+) (\w+)\.", words
    )
    assert said is not None, words
    assert said[1] == "worse"
    assert float(said[2]) == pytest.approx(0.5, abs=0.1)
    assert said[3] == "LU"
    assert "LUFS" not in words  # no level is quoted, only the change
    louder = explain_versions(
        compare_versions(versions["v3"], versions["v1"]), before="v3", after="v1"
    )
    assert "still there, better than in v3 by 0.5 LU" in louder
