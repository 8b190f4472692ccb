"""Render time of each preview move and of the whole chain on 10 s of stereo real music, and
what each move measurably changed.

    .venv/bin/python bench/preview_render.py [FILE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from mixcoach.feedback.model import (
    CompressorSettings,
    EqMove,
    LimiterSettings,
    Step,
    WidthMove,
)
from mixcoach.preview.previews import measure_changes
from mixcoach.preview.render import render_step, render_steps

TRACK = Path("/usr/share/scummvm/drascula/audio/track1.ogg")
REPEATS = 5


def _step(move: str, **fields: object) -> Step:
    return Step(
        move=move,  # type: ignore[arg-type]
        finding_codes=[],
        root_cause=False,
        explains=[],
        where="master",
        title=move,
        amount="",
        evidence="",
        reason="",
        severity="suggestion",
        confidence="medium",
        **fields,  # type: ignore[arg-type]
    )


def _eq(kind: str, hz: float, gain: float, q: float) -> Step:
    move = EqMove(
        kind=kind,  # type: ignore[arg-type]
        frequency_hz=hz,
        gain_db=gain,
        q=q,
        bandwidth_octaves=0.0,
        reason="",
        finding_codes=[],
    )
    return _step("eq", eq=move)


STEPS = {
    "polarity_flip": _step("polarity_flip"),
    "gain -3 dB": _step("gain", gain_db=-3.0),
    "high_pass 30 Hz": _eq("high_pass", 30.0, 0.0, 0.707),
    "low_shelf 120 Hz -3 dB": _eq("low_shelf", 120.0, -3.0, 0.707),
    "bell 350 Hz -3 dB": _eq("bell", 350.0, -3.0, 2.0),
    "bell 3 kHz +2 dB": _eq("bell", 3000.0, 2.0, 1.4),
    "high_shelf 8 kHz +3 dB": _eq("high_shelf", 8000.0, 3.0, 0.707),
    "width 0-120 Hz mono": _step(
        "width",
        width=WidthMove(low_hz=0.0, high_hz=120.0, width_percent=0.0, reason="", finding_codes=[]),
    ),
    "compressor 2:1": _step(
        "compressor",
        compressor=CompressorSettings(
            threshold_dbfs=-20.0,
            ratio=2.0,
            attack_ms=20.0,
            release_ms=200.0,
            knee_db=6.0,
            makeup_db=0.0,
            reason="",
            finding_codes=[],
        ),
    ),
    "limiter +6 dB, -1 dBTP": _step(
        "limiter",
        limiter=LimiterSettings(
            ceiling_dbtp=-1.0,
            input_gain_db=6.0,
            release_ms=80.0,
            target_lufs=None,
            reason="",
            finding_codes=[],
        ),
    ),
}


def _timed(render: object) -> float:
    assert callable(render)
    render()
    start = time.perf_counter()
    for _ in range(REPEATS):
        render()
    return (time.perf_counter() - start) / REPEATS * 1000


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TRACK
    rate = sf.info(str(path)).samplerate
    audio, rate = sf.read(
        str(path), start=30 * rate, frames=10 * rate, dtype="float64", always_2d=True
    )
    audio = np.ascontiguousarray(audio.T)
    print(f"{path.name}: 10 s, {audio.shape[0]} channels, {rate} Hz; mean of {REPEATS} runs")
    for name, step in STEPS.items():
        ms = _timed(lambda s=step: render_step(audio, s, sample_rate_hz=rate))
        after = render_step(audio, step, sample_rate_hz=rate)
        changes = ", ".join(
            f"{c.metric} {c.before:+.2f} -> {c.after:+.2f} {c.unit}"
            for c in measure_changes(audio, after, [step], sample_rate_hz=rate)
        )
        print(f"{name:26s} {ms:7.1f} ms   {changes}")
    chain = list(STEPS.values())
    ms = _timed(lambda: render_steps(audio, chain, sample_rate_hz=rate))
    print(f"{'whole chain':26s} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
