"""Planted EQ moves on real recordings, for bench/tonal_eval.py.

Each move is one RBJ-cookbook biquad (a bell of Q 1 or a shelf of slope 1) applied to both
channels of an excerpt. What a correct judgement says about it is written beside it: the codes
that name it (its family: too much or too little in its region), the codes that would read it
backwards, and the planted gain, which the named amount must come near.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
from scipy import signal

from mixcoach.audio.analyze import Measurements, measure
from mixcoach.audio.decode import open_audio

#: Real recordings nobody on the team made, from Debian's game-music packages, by collection.
#: The tonal curve's tolerances are fitted on the tuning collections (bench/tonal_curve_fit.py);
#: the held-out collections are only ever measured. Each is judged with the genre it is closest to.
TUNING = {
    "drascula": (Path("/usr/share/scummvm/drascula/audio"), "track*.ogg", "general"),
    "warzone2100": (Path("/usr/share/games/warzone2100/music"), "**/*.opus", "edm"),
    "hyperrogue": (Path("/usr/share/hyperrogue/music"), "*.ogg", "general"),
}
HELD_OUT = {
    "singularity": (Path("/usr/share/games/singularity/music"), "**/*.ogg", "general"),
    "fretsonfire": (Path("/usr/share/games/fretsonfire/data/songs"), "**/song.ogg", "rock"),
    "asc": (Path("/usr/share/games/asc/music"), "*.mp3", "general"),
}
#: Tracks shorter than this are jingles, not programme to judge a balance on.
MIN_TRACK_S = 20.0

TONAL_CODES = ("too_boomy", "too_thin", "muddy", "harsh", "too_bright", "too_dull")
Shape = Literal["bell", "low_shelf", "high_shelf"]


def tracks(collections: dict[str, tuple[Path, str, str]]) -> list[tuple[str, Path, str]]:
    """(collection, file, genre) of every installed track of the collections."""
    return [
        (name, path, genre)
        for name, (folder, pattern, genre) in collections.items()
        for path in sorted(folder.glob(pattern))
    ]


def excerpt(path: Path, *, seconds: float) -> tuple[np.ndarray, int] | None:
    """``seconds`` from the middle of a file, float64 ``(channels, n)``, and its rate; None for
    a file shorter than :data:`MIN_TRACK_S`. A Frets on Fire song is its backing track plus
    its guitar stem (the game plays them together); peaks over full scale are scaled down."""
    audio, rate = _read(path)
    guitar = path.with_name("guitar.ogg")
    if path.name == "song.ogg" and guitar.exists():
        stem, _ = _read(guitar)
        n = min(audio.shape[1], stem.shape[1])
        audio = audio[:, :n] + stem[:, :n]
    if audio.shape[1] < MIN_TRACK_S * rate:
        return None
    n = min(round(seconds * rate), audio.shape[1])
    start = (audio.shape[1] - n) // 2
    clip = audio[:, start : start + n].astype(np.float64)
    peak = float(np.abs(clip).max(initial=0.0))
    return (clip / peak if peak > 1.0 else clip), rate


def measured(path: Path, move: Move | None, *, seconds: float, cache: Path) -> Measurements | None:
    """The excerpt's measurements with ``move`` planted (None: clean), from the cache if there."""
    key = hashlib.sha1(f"{path}|{seconds}|{move}".encode()).hexdigest()[:16]
    cached = cache / f"{key}.json"
    if cached.exists():
        return Measurements.model_validate_json(cached.read_text())
    clip = excerpt(path, seconds=seconds)
    if clip is None:
        return None
    audio, rate = clip
    if move is not None:
        audio = move.apply(audio, sample_rate_hz=rate)
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "variant.wav"
        sf.write(str(wav), audio.T, rate, subtype="FLOAT")
        result = measure(wav)
    cached.write_text(result.model_dump_json())
    return result


def _read(path: Path) -> tuple[np.ndarray, int]:
    """The whole file, float32 ``(channels, n)``, through Mixcoach's own decoder."""
    with open_audio(path) as source:
        blocks = list(source.blocks(block_frames=1 << 16))
        rate = source.info.sample_rate_hz
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((1, 0), np.float32), rate


@dataclass(frozen=True)
class Move:
    shape: Shape
    frequency_hz: float
    gain_db: float

    @property
    def name(self) -> str:
        return f"{self.shape} {self.gain_db:+g} dB at {self.frequency_hz:g} Hz"

    @property
    def region(self) -> str:
        """Where the move lives: "low", "low_mid", "mid", "upper" or "top"."""
        if self.shape == "low_shelf" or self.frequency_hz < 200:
            return "low"
        if self.shape == "high_shelf":
            return "top"
        if self.frequency_hz < 600:
            return "low_mid"
        if self.frequency_hz < 1800:
            return "mid"
        return "upper" if self.frequency_hz < 6000 else "top"

    @property
    def expected(self) -> frozenset[str]:
        """The codes that name the move the right way round."""
        boost = self.gain_db > 0
        return frozenset(_FAMILIES[self.region][0 if boost else 1])

    @property
    def opposite(self) -> frozenset[str]:
        """The codes that would read the move backwards."""
        boost = self.gain_db > 0
        return frozenset(_FAMILIES[self.region][1 if boost else 0])

    def apply(self, audio: np.ndarray, *, sample_rate_hz: int) -> np.ndarray:
        sos = biquad(self.shape, self.frequency_hz, self.gain_db, sample_rate_hz=sample_rate_hz)
        return np.asarray(signal.sosfilt(sos, audio, axis=1))


#: region -> (codes for too much there, codes for too little there).
_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "low": (("too_boomy",), ("too_thin",)),
    "low_mid": (("muddy", "too_boomy"), ("too_thin",)),
    "mid": (("muddy", "harsh"), ("too_thin", "too_dull")),
    "upper": (("harsh", "too_bright"), ("too_dull",)),
    "top": (("too_bright", "harsh"), ("too_dull",)),
}

#: The moves the evaluation plants: bells of Q 1 and shelves, +-8-10 dB and a few of +-6 dB.
MOVES: tuple[Move, ...] = (
    Move("bell", 300.0, 8.0),
    Move("bell", 300.0, -8.0),
    Move("bell", 1000.0, 8.0),
    Move("bell", 1000.0, -8.0),
    Move("bell", 3000.0, 8.0),
    Move("bell", 3000.0, -8.0),
    Move("high_shelf", 6000.0, -10.0),
    Move("high_shelf", 5000.0, 10.0),
    Move("low_shelf", 120.0, -10.0),
    Move("low_shelf", 100.0, 8.0),
    Move("bell", 150.0, 6.0),
    Move("bell", 600.0, -6.0),
    Move("bell", 2000.0, 6.0),
    Move("bell", 5000.0, -6.0),
    Move("high_shelf", 8000.0, 6.0),
    Move("low_shelf", 150.0, -6.0),
)


def biquad(shape: Shape, frequency_hz: float, gain_db: float, *, sample_rate_hz: int) -> np.ndarray:
    """One RBJ-cookbook biquad as a one-section SOS array: a bell of Q 1 or a shelf of slope 1."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * frequency_hz / sample_rate_hz
    cos = np.cos(w0)
    if shape == "bell":
        alpha = np.sin(w0) / 2  # Q = 1
        b = [1 + alpha * a, -2 * cos, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cos, 1 - alpha / a]
    else:
        alpha = np.sin(w0) / 2 * np.sqrt(2)  # slope 1
        root = 2 * np.sqrt(a) * alpha
        s = 1 if shape == "high_shelf" else -1
        b = [
            a * ((a + 1) + s * (a - 1) * cos + root),
            -2 * s * a * ((a - 1) + s * (a + 1) * cos),
            a * ((a + 1) + s * (a - 1) * cos - root),
        ]
        den = [
            (a + 1) - s * (a - 1) * cos + root,
            2 * s * ((a - 1) - s * (a + 1) * cos),
            (a + 1) - s * (a - 1) * cos - root,
        ]
    return np.array([[*b, *den]]) / den[0]
