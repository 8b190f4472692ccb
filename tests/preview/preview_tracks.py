"""Real recordings with one planted defect each, analysed once, so their plans hold each move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mixes
import numpy as np
import soundfile as sf
from recordings import DRASCULA as DRASCULA_DIR
from recordings import SINGULARITY as SINGULARITY_DIR
from recordings import excerpt
from scipy import signal

from mixcoach.analysis import Analysis, analyze
from mixcoach.feedback.model import Plan, Step
from mixcoach.feedback.plan import build_plan

DRASCULA = DRASCULA_DIR / "track1.ogg"  # 44.1 kHz
SINGULARITY = SINGULARITY_DIR / "A New Journey.ogg"  # 48 kHz
START_S, SECONDS = 30.0, 20.0


def _wide_lows(audio: np.ndarray, rate: int) -> np.ndarray:
    """Spaced microphones: the right channel's lows (below 250 Hz) arrive 1.5 ms later."""
    sos = signal.butter(4, 250.0, fs=rate, output="sos")
    low = signal.sosfiltfilt(sos, audio[1])
    shift = round(0.0015 * rate)
    late = np.concatenate([np.zeros(shift), low[:-shift]])
    return np.stack([audio[0], audio[1] - low + late])


PLANTS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "clean": lambda a, r: a,
    "polarity_flip": lambda a, r: mixes.plant_polarity_flip(a),
    "high_shelf": lambda a, r: mixes.plant_high_shelf(a, sample_rate_hz=r),
    "quiet": lambda a, r: mixes.plant_gain(a),
    "dc_offset": lambda a, r: mixes.plant_dc_offset(a),
    "imbalance": lambda a, r: mixes.plant_imbalance(a),
    "wide_lows": _wide_lows,
}


@dataclass(frozen=True)
class Planted:
    audio: np.ndarray  # (2, n) float64, as written and analysed
    rate: int
    analysis: Analysis
    plan: Plan

    def step(self, move: str) -> Step:
        steps = [s for s in self.plan.steps if s.move == move]
        assert steps, f"the plan has no {move} step: {[s.move for s in self.plan.steps]}"
        return steps[0]


class PlantedTracks:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple[Path, str], Planted] = {}

    def get(self, path: Path, plant: str) -> Planted:
        if (path, plant) not in self._made:
            audio, rate = excerpt(path, start_s=START_S, seconds=SECONDS)
            planted = PLANTS[plant](audio, rate)
            file = self.folder / f"{path.stem}-{plant}.wav"
            sf.write(str(file), planted.T, rate, subtype="FLOAT")
            analysis = analyze(file, genre="general", feedback_type="master_review")
            self._made[(path, plant)] = Planted(planted, rate, analysis, build_plan(analysis))
        return self._made[(path, plant)]
