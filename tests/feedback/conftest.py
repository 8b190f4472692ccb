from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import mixes
import signals

from mixcoach.analysis import Analysis, analyze
from mixcoach.findings.model import FeedbackType

RATE = mixes.SAMPLE_RATE_HZ
#: Planted defects (tests/mixes.py), by name: audio -> audio.
DEFECTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clean": lambda audio: audio,
    "clipping": mixes.plant_clipping,
    "mono_fold": mixes.plant_mono_fold,
    "polarity_flip": mixes.plant_polarity_flip,
    "high_shelf": lambda a: mixes.plant_high_shelf(a, sample_rate_hz=RATE),
    "low_shelf": lambda a: mixes.plant_low_shelf(a, sample_rate_hz=RATE),
    "low_pass": lambda a: mixes.plant_low_pass(a, sample_rate_hz=RATE),
    "quiet": mixes.plant_gain,
    "brickwall": lambda a: mixes.plant_brickwall(a, sample_rate_hz=RATE),
    "dc_offset": mixes.plant_dc_offset,
    "imbalance": mixes.plant_imbalance,
}


@pytest.fixture(scope="session")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Analysis]:
    """``analysed(defect, kind=..., mastered=..., reference=None)``: the Analysis of a
    synthesized pop track with one planted defect, measured by mixcoach.analysis.analyze."""
    folder = tmp_path_factory.mktemp("tracks")

    @cache
    def mix(mastered: bool) -> np.ndarray:
        return mixes.clean_mix("pop", seconds=12.0, mastered=mastered)

    @cache
    def file(defect: str, mastered: bool) -> Path:
        path = folder / f"{defect}-{'master' if mastered else 'mix'}.wav"
        return signals.write(
            path, DEFECTS[defect](mix(mastered)), sample_rate_hz=RATE, subtype="FLOAT"
        )

    @cache
    def run(
        defect: str,
        kind: FeedbackType = "master_review",
        mastered: bool = True,
        reference: str | None = None,
    ) -> Analysis:
        return analyze(
            file(defect, mastered),
            genre="pop",
            feedback_type=kind,
            reference_path=None if reference is None else file(reference, mastered),
        )

    return run
