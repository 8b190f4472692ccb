"""The LLM's fact sheet on real recordings nobody on the team made: compact (under 3k tokens,
estimated at four characters a token, however many places a defect has), complete (key, tempo and
their confidence, the metric table with targets, the plan), free of internal keys, and every
number on it passes the grounding check unchanged.

Excerpts of 25 s: the Drascula soundtrack (the tuning set) and the Singularity soundtrack (held
out), each as it is and with clipping planted (hundreds of clipped runs: the case that once put
400 lines of times into the prompt).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import mixes
import numpy as np
import pytest
import soundfile as sf
from signals import write

from mixcoach.analysis import Analysis, analyze
from mixcoach.feedback.chat import estimate_tokens
from mixcoach.feedback.delivery import platform_verdicts
from mixcoach.feedback.grounding import Grounder
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.openai_engine import OpenAIEngine

#: The facts' budget in the prompt (issue 10: "under 3k tokens for the facts").
SHEET_BUDGET_TOKENS = 3000
EXCERPT_S = 25.0
TUNING = [Path(f"/usr/share/scummvm/drascula/audio/track{i}.ogg") for i in (1, 5, 12)]
HELD_OUT = [
    Path("/usr/share/games/singularity/music") / name
    for name in ("Awakening.ogg", "Media Threat.ogg", "Through Space.ogg")
]
PLANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "as_is": lambda audio: audio,
    "clipped": mixes.plant_clipping,
}
OFFLINE = OfflineEngine()
ENGINE = OpenAIEngine(
    api_key="unused",
    base_url="http://127.0.0.1:9/v1",  # never called: only the prompt is built
    model="test-model",
    timeout_s=1.0,
    max_retries=0,
    fallback=OFFLINE,
)
CASES = [
    pytest.param(track, plant, id=f"{set_name}-{track.stem}-{plant}")
    for set_name, tracks in (("tuning", TUNING), ("held_out", HELD_OUT))
    for track in tracks
    for plant in PLANTS
]


@pytest.fixture(scope="session")
def review(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, str], Analysis]:
    folder = tmp_path_factory.mktemp("sheets")

    @cache
    def run(track: Path, plant: str) -> Analysis:
        if not track.exists():
            pytest.skip(f"{track} is not installed")
        info = sf.info(str(track))
        start = int(min(20.0, max(0.0, info.duration - EXCERPT_S)) * info.samplerate)
        audio, rate = sf.read(
            str(track), start=start, frames=int(EXCERPT_S * info.samplerate), always_2d=True
        )
        path = write(
            folder / f"{track.stem}-{plant}.wav",
            PLANTS[plant](audio.T),
            sample_rate_hz=rate,
            subtype="FLOAT",
        )
        return analyze(path, genre="pop", feedback_type="master_review")

    return run


def sheet_of(analysis: Analysis) -> tuple[str, Grounder]:
    platforms = OFFLINE.platforms()
    grounder, sheet = ENGINE._facts(analysis, platforms, platform_verdicts(analysis, platforms))
    return sheet, grounder


@pytest.mark.parametrize(("track", "plant"), CASES)
def test_the_sheet_is_compact_and_complete(
    review: Callable[[Path, str], Analysis], track: Path, plant: str
) -> None:
    analysis = review(track, plant)
    sheet, _ = sheet_of(analysis)
    tokens = estimate_tokens(sheet)
    print(f"{track.name} {plant}: {tokens} tokens, {len(analysis.defects.clip_runs)} clip runs")
    assert tokens < SHEET_BUDGET_TOKENS
    if plant == "clipped":
        assert len(analysis.defects.clip_runs) > 50  # the planted case has many places...
        runs = re.search(r"- Clipped runs: (\d+) places?; ([^\n]*)", sheet)
        assert runs is not None and int(runs.group(1)) == len(analysis.defects.clip_runs)
        assert runs.group(2).count(":") <= 5  # ...summarised: the longest and a few, not all
        assert "PLAN" in sheet and "clipping [problem]" in sheet
    if analysis.tonality.key is not None:
        confidence = round(100 * analysis.tonality.confidence)
        key = f"{analysis.tonality.key} {analysis.tonality.mode}"
        assert f"Key {key} (confidence {confidence}%)" in sheet
    if analysis.rhythm.tempo_bpm is not None:
        assert re.search(r"- Tempo [\d.]+ BPM \(confidence \d+%", sheet)
    measured = analysis.loudness.integrated_lufs
    assert measured is not None
    assert f"- Integrated loudness: {measured:.1f} LUFS; target " in sheet
    # No internal keys: the model repeats what it reads.
    assert not re.search(r"\b[a-z]+\.[a-z_]+_(?:lufs|dbtp|db|lu|count|percent)\b", sheet)


@pytest.mark.parametrize(("track", "plant"), CASES)
def test_every_number_on_the_sheet_passes_grounding(
    review: Callable[[Path, str], Analysis], track: Path, plant: str
) -> None:
    sheet, grounder = sheet_of(review(track, plant))
    grounded, account = grounder.ground(sheet)
    assert account.dropped == [] and account.repaired == []
    assert grounded == sheet
