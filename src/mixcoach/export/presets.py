"""Preset files from :class:`~mixcoach.feedback.model.Presets`: Mixcoach's JSON, and a REAPER
preset library for ReaEQ (Cockos' free EQ, part of the ReaPlugs) that REAPER imports with
"Import preset library (.rpl)" in the FX window's preset menu.

ReaEQ RPL layout, as REAPER writes it (all integers little-endian):

- The text: ``<REAPER_PRESET_LIBRARY `VST: ReaEQ (Cockos)``` then one ``<PRESET `name``` block
  per preset holding base64 lines of at most 128 characters, each block closed by ``>``.
- The decoded state: the plugin's four-character ID as a little-endian int (``reeq``), the
  magic ``0xFEED5EEE``, the input pin count and one 64-bit channel mask per pin, the same for the
  outputs, the chunk's size, two flag words (1, 0x00100000), the plugin chunk, then a NUL, the
  preset name NUL-terminated and a closing int32 (16).
- ReaEQ's chunk, version 33: int32 version, int32 band count, then per band int32 filter type
  (0 low shelf, 1 high shelf, 3 low pass, 4 high pass, 8 band), int32 enabled, float64 frequency
  in Hz, float64 gain as a linear amplitude ratio, float64 bandwidth in octaves, int8 log-scale
  flag; then int32 1, int32 1, float64 output gain (linear), int32 0.

:func:`parse_reaeq_rpl` reads the same layout back (the tests check every band survives).
"""

from __future__ import annotations

import base64
import json
import math
import struct
from dataclasses import dataclass

from mixcoach.feedback.model import EqKind, EqMove, Presets

LIBRARY = "VST: ReaEQ (Cockos)"
_PLUGIN_ID = b"qeer"  # 'reeq' as REAPER stores it (little-endian int)
_MAGIC = 0xFEED5EEE
_PINS = 2  # stereo in, stereo out
_FLAGS = (1, 0x00100000)
_CHUNK_VERSION = 33
_TRAILER = 16
_TYPE_CODES: dict[EqKind, int] = {
    "low_shelf": 0,
    "high_shelf": 1,
    "low_pass": 3,
    "high_pass": 4,
    "bell": 8,
}
_CODE_TYPES = {code: kind for kind, code in _TYPE_CODES.items()}
_BAND = struct.Struct("<iiddd b")
_LINE_CHARS = 128
#: ReaEQ's parameter ranges (values outside them are clamped by the plugin).
_FREQ_RANGE_HZ = (20.0, 24000.0)
_BW_RANGE_OCT = (0.01, 4.0)


class PresetFormatError(ValueError):
    """A preset file that is not what it claims to be."""


@dataclass(frozen=True)
class ReaEqBand:
    kind: EqKind
    enabled: bool
    frequency_hz: float
    gain_db: float
    bandwidth_octaves: float


def to_json(presets: Presets) -> str:
    """Mixcoach's own preset file: every setting with its reason and finding codes."""
    return (
        json.dumps(
            {
                "format": "mixcoach-presets",
                "version": 1,
                "presets": presets.model_dump(mode="json"),
            },
            indent=2,
        )
        + "\n"
    )


def reaeq_bands(moves: list[EqMove]) -> list[ReaEqBand]:
    """The EQ moves as ReaEQ bands, clamped to ReaEQ's ranges."""
    return [
        ReaEqBand(
            kind=move.kind,
            enabled=True,
            frequency_hz=min(max(move.frequency_hz, _FREQ_RANGE_HZ[0]), _FREQ_RANGE_HZ[1]),
            gain_db=move.gain_db,
            bandwidth_octaves=min(max(move.bandwidth_octaves, _BW_RANGE_OCT[0]), _BW_RANGE_OCT[1]),
        )
        for move in moves
    ]


def to_reaeq_rpl(presets: Presets, *, name: str) -> str:
    """A REAPER preset library holding one ReaEQ preset called ``name`` with the EQ moves."""
    if not name.strip() or "`" in name or "\n" in name:
        raise ValueError(f"a preset name must be one line without backticks, got {name!r}")
    if not presets.eq:
        raise ValueError("these presets have no EQ moves to write")
    state = _state(reaeq_bands(presets.eq), name=name)
    encoded = base64.b64encode(state).decode("ascii")
    lines = [encoded[i : i + _LINE_CHARS] for i in range(0, len(encoded), _LINE_CHARS)]
    body = "\n".join(f"    {line}" for line in lines)
    return f"<REAPER_PRESET_LIBRARY `{LIBRARY}`\n  <PRESET `{name}`\n{body}\n  >\n>\n"


def _state(bands: list[ReaEqBand], *, name: str) -> bytes:
    chunk = struct.pack("<ii", _CHUNK_VERSION, len(bands))
    for band in bands:
        chunk += _BAND.pack(
            _TYPE_CODES[band.kind],
            int(band.enabled),
            band.frequency_hz,
            10 ** (band.gain_db / 20),
            band.bandwidth_octaves,
            1,
        )
    chunk += struct.pack("<iidi", 1, 1, 1.0, 0)
    pins = struct.pack(f"<i{_PINS}q", _PINS, *(1 << i for i in range(_PINS)))
    header = _PLUGIN_ID + struct.pack("<I", _MAGIC) + pins + pins
    header += struct.pack("<iii", len(chunk), *_FLAGS)
    return header + chunk + b"\0" + name.encode("utf-8") + b"\0" + struct.pack("<i", _TRAILER)


def parse_reaeq_rpl(text: str) -> dict[str, list[ReaEqBand]]:
    """The presets of a ReaEQ preset library: name -> bands. Raises PresetFormatError."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or not lines[0].startswith("<REAPER_PRESET_LIBRARY") or LIBRARY not in lines[0]:
        raise PresetFormatError(f"not a ReaEQ preset library (first line {lines[:1]!r})")
    presets: dict[str, list[ReaEqBand]] = {}
    name: str | None = None
    data: list[str] = []
    for line in lines[1:]:
        if line.startswith("<PRESET"):
            name, data = line[len("<PRESET") :].strip().strip("`\"'"), []
        elif line == ">" and name is not None:
            presets[name] = _parse_state(base64.b64decode("".join(data), validate=True), name)
            name = None
        elif name is not None:
            data.append(line)
    if name is not None:
        raise PresetFormatError(f"preset {name!r} is not closed with '>'")
    return presets


def _parse_state(state: bytes, name: str) -> list[ReaEqBand]:
    if state[:4] != _PLUGIN_ID or struct.unpack_from("<I", state, 4)[0] != _MAGIC:
        raise PresetFormatError(f"preset {name!r} is not ReaEQ state (starts {state[:8]!r})")
    offset = 8
    for _ in ("inputs", "outputs"):
        (pins,) = struct.unpack_from("<i", state, offset)
        offset += 4 + 8 * pins
    size, _, _ = struct.unpack_from("<iii", state, offset)
    offset += 12
    chunk = state[offset : offset + size]
    version, count = struct.unpack_from("<ii", chunk, 0)
    if version != _CHUNK_VERSION:
        raise PresetFormatError(
            f"preset {name!r}: ReaEQ chunk version {version} is not {_CHUNK_VERSION}"
        )
    bands = []
    for i in range(count):
        kind, enabled, freq, gain, width, _ = _BAND.unpack_from(chunk, 8 + i * _BAND.size)
        if kind not in _CODE_TYPES:
            raise PresetFormatError(f"preset {name!r}, band {i + 1}: unknown filter type {kind}")
        bands.append(
            ReaEqBand(_CODE_TYPES[kind], bool(enabled), freq, 20 * math.log10(gain), width)
        )
    return bands
