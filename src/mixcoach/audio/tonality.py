"""Key and mode with a confidence, from a chroma profile of the whole track.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from typing import Literal

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model


class Tonality(Model):
    key: str | None  # tonic spelled like "C", "F#", "Bb"; None when no tonal centre is found
    mode: Literal["major", "minor"] | None
    confidence: float  # 0..1
    camelot: str | None  # DJ notation, e.g. "8A"
    notes: list[str]


class TonalityMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Tonality:
        raise NotImplementedError
