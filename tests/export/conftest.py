"""Reviews for the PDF report tests: synthesized tracks measured by mixcoach.analysis.analyze."""

from __future__ import annotations

from pathlib import Path

import mixes
import numpy as np
import pytest
import signals
from reviews import Review, review

from mixcoach.analysis import analyze
from mixcoach.findings.model import FeedbackType

RATE = mixes.SAMPLE_RATE_HZ


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-audio")


@pytest.fixture(scope="session")
def pop_master() -> np.ndarray:
    return mixes.clean_mix("pop", seconds=12.0, mastered=True)


def _write(folder: Path, name: str, audio: np.ndarray, rate: int = RATE) -> Path:
    return signals.write(folder / name, audio, sample_rate_hz=rate, subtype="FLOAT")


@pytest.fixture(scope="session")
def clipped(audio_dir: Path, pop_master: np.ndarray) -> Review:
    """A clipped pop master judged for delivery, against its unclipped self as the reference."""
    track = _write(audio_dir, "clipped.wav", mixes.plant_clipping(pop_master))
    reference = _write(audio_dir, "unclipped.wav", pop_master)
    analysis = analyze(track, genre="pop", feedback_type="master_review", reference_path=reference)
    return review(analysis, ["How do I fix the clipping?", "Is it loud enough for Spotify?"])


@pytest.fixture(scope="session")
def crowded(audio_dir: Path, pop_master: np.ndarray) -> Review:
    """A pop mix with six planted defects against a house track in another key: many findings,
    and a long conversation about them."""
    audio = mixes.plant_high_shelf(pop_master, sample_rate_hz=RATE)
    audio = mixes.plant_polarity_flip(audio)
    audio = mixes.plant_clipping(mixes.plant_dc_offset(mixes.plant_imbalance(audio)))
    track = _write(audio_dir, "crowded.wav", audio)
    house = mixes.clean_mix("edm/house", seconds=12.0, mastered=True, semitones=3)
    reference = _write(audio_dir, "house.wav", house)
    kind: FeedbackType = "mixdown"
    analysis = analyze(track, genre="pop", feedback_type=kind, reference_path=reference)
    questions = [f"Tell me more about this: {finding.title}" for finding in analysis.findings]
    questions += [
        "What should I do first?",
        "How does my low end compare with the reference?",
        "Which EQ moves do you suggest, and why?",
    ]
    return review(analysis, questions)


@pytest.fixture(scope="session")
def plain_master(audio_dir: Path, pop_master: np.ndarray) -> Review:
    """The clean pop master, no reference."""
    analysis = analyze(_write(audio_dir, "master.wav", pop_master), genre="pop")
    return review(analysis, ["Is the stereo image wide enough?"])
