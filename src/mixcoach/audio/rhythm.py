"""Tempo with a confidence, from an onset envelope of the shared STFT.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model


class Rhythm(Model):
    tempo_bpm: float | None  # None when no steady pulse is found
    confidence: float  # 0..1
    tempo_candidates_bpm: list[float]  # best first (e.g. the half/double-time alternatives)
    notes: list[str]


class RhythmMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Rhythm:
        raise NotImplementedError
