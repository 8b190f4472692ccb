"""section_no_lift on joined real recordings: a second chorus planted quieter than the first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixcoach.analysis import analyze
from mixcoach.feedback.model import FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine

SINGULARITY = Path("/usr/share/games/singularity/music")


def _excerpt(name: str, start_s: float, length_s: float) -> np.ndarray:
    path = SINGULARITY / name
    if not path.exists():
        pytest.skip(f"{path} is not installed")
    audio, rate = sf.read(
        str(path), start=int(start_s * 48_000), frames=int(length_s * 48_000), dtype="float32"
    )
    assert rate == 48_000
    return audio


def _song(tmp_path: Path, *, second_chorus_db: float) -> Path:
    """Verse, chorus, verse, chorus: the verses 10 dB under, the second chorus at a gain."""
    verse = 10 ** (-10 / 20) * _excerpt("Through Space.ogg", 40.0, 25.0)
    chorus = _excerpt("Media Threat.ogg", 90.0, 25.0)
    again = 10 ** (second_chorus_db / 20) * chorus
    path = tmp_path / "song.wav"
    sf.write(str(path), np.concatenate([verse, chorus, verse, again]), 48_000, subtype="FLOAT")
    return path


def test_a_second_chorus_3_lu_quieter_than_the_first_is_named_with_its_amount(
    tmp_path: Path,
) -> None:
    analysis = analyze(_song(tmp_path, second_chorus_db=-3.0))
    peaks = [s for s in analysis.sections if s.energy == "peak"]
    assert peaks and peaks[0].start_s == pytest.approx(25.0, abs=3.0)
    found = [f for f in analysis.findings if f.code == "section_no_lift"]
    assert len(found) == 1
    assert "second peak section" in found[0].detail
    (quieter,) = [e for e in found[0].evidence]
    assert peaks[0].integrated_lufs is not None and quieter.value is not None
    assert peaks[0].integrated_lufs - quieter.value == pytest.approx(3.0, abs=0.5)
    assert found[0].time_ranges[0].start_s == pytest.approx(75.0, abs=3.0)
    # The offline coach names the chorus and quotes the same shortfall.
    text = OfflineEngine().feedback(analysis, FeedbackRequest(feedback_type="mixdown")).text()
    assert "does not lift" in text
    assert "3.0 LU quieter" in text


def test_a_second_chorus_as_loud_as_the_first_raises_nothing(tmp_path: Path) -> None:
    analysis = analyze(_song(tmp_path, second_chorus_db=0.0))
    assert [s.energy for s in analysis.sections].count("peak") >= 2
    assert not [f for f in analysis.findings if f.code == "section_no_lift"]
