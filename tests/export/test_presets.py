"""Preset files: Mixcoach's JSON and a REAPER ReaEQ preset library, both parsed back."""

from __future__ import annotations

import base64
import json
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "feedback"))

import builders as b

from mixcoach.export.presets import (
    LIBRARY,
    PresetFormatError,
    parse_reaeq_rpl,
    to_json,
    to_reaeq_rpl,
)
from mixcoach.feedback.model import Presets
from mixcoach.feedback.offline import OfflineEngine

ENGINE = OfflineEngine()


def presets_with_eq() -> Presets:
    analysis = b.resonant(b.dc_offset(b.spectral(b.clean("mastering"), "high_mid", 6.0, "harsh")))
    return ENGINE.presets(analysis)


def test_json_round_trips_every_setting() -> None:
    presets = presets_with_eq()
    document = json.loads(to_json(presets))
    assert (document["format"], document["version"]) == ("mixcoach-presets", 1)
    assert Presets.model_validate(document["presets"]) == presets


def test_reaeq_library_parses_back_to_the_same_bands() -> None:
    presets = presets_with_eq()
    assert {m.kind for m in presets.eq} >= {"high_pass", "bell"}
    text = to_reaeq_rpl(presets, name="Mixcoach - master EQ")
    ((name, bands),) = parse_reaeq_rpl(text).items()
    assert name == "Mixcoach - master EQ"
    assert [(x.kind, x.enabled) for x in bands] == [(m.kind, True) for m in presets.eq]
    for band, move in zip(bands, presets.eq, strict=True):
        assert band.frequency_hz == move.frequency_hz
        assert band.gain_db == pytest.approx(move.gain_db, abs=1e-9)
        assert band.bandwidth_octaves == move.bandwidth_octaves


def test_reaeq_library_has_reapers_layout() -> None:
    text = to_reaeq_rpl(presets_with_eq(), name="EQ")
    lines = text.splitlines()
    assert lines[0] == f"<REAPER_PRESET_LIBRARY `{LIBRARY}`"
    assert lines[1] == "  <PRESET `EQ`" and lines[-2:] == ["  >", ">"]
    data = [line.strip() for line in lines[2:-2]]
    assert all(len(line) <= 128 for line in data)
    state = base64.b64decode("".join(data))
    # Plugin ID, magic, 2 input pins with masks 1 and 2, 2 output pins, chunk size, flags.
    assert state[:4] == b"qeer"
    assert struct.unpack_from("<I", state, 4)[0] == 0xFEED5EEE
    assert struct.unpack_from("<iqq", state, 8) == (2, 1, 2)
    assert struct.unpack_from("<iqq", state, 28) == (2, 1, 2)
    size, flag_a, flag_b = struct.unpack_from("<iii", state, 48)
    assert (flag_a, flag_b) == (1, 0x00100000)
    chunk = state[60 : 60 + size]
    assert struct.unpack_from("<i", chunk, 0) == (33,)
    # The chunk ends with the output-gain block: 1, 1, unity gain, 0.
    assert struct.unpack_from("<iidi", chunk, size - 20) == (1, 1, 1.0, 0)
    assert state[60 + size :] == b"\0EQ\0" + struct.pack("<i", 16)


def test_gains_are_stored_as_amplitude_ratios() -> None:
    presets = presets_with_eq()
    state = base64.b64decode(
        "".join(line.strip() for line in to_reaeq_rpl(presets, name="EQ").splitlines()[2:-2])
    )
    first_gain = struct.unpack_from("<d", state, 60 + 8 + 4 + 4 + 8)[0]
    assert first_gain == pytest.approx(10 ** (presets.eq[0].gain_db / 20), rel=1e-12)


@pytest.mark.parametrize("name", ["", "has `backtick`", "two\nlines"])
def test_a_bad_preset_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="a preset name must be one line without backticks"):
        to_reaeq_rpl(presets_with_eq(), name=name)


def test_presets_without_eq_cannot_become_a_reaeq_library() -> None:
    with pytest.raises(ValueError, match="no EQ moves to write"):
        to_reaeq_rpl(ENGINE.presets(b.clean()), name="EQ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "not a ReaEQ preset library"),
        ("<REAPER_PRESET_LIBRARY `VST: ReaComp (Cockos)`\n>", "not a ReaEQ preset library"),
        (f"<REAPER_PRESET_LIBRARY `{LIBRARY}`\n  <PRESET `x`\n    AAAA\n", "'x' is not closed"),
        (
            f"<REAPER_PRESET_LIBRARY `{LIBRARY}`\n  <PRESET `x`\n    AAAAAAAAAAAA\n  >\n>",
            "'x' is not ReaEQ state",
        ),
    ],
)
def test_a_file_that_is_not_a_reaeq_library_is_refused(text: str, message: str) -> None:
    with pytest.raises(PresetFormatError, match=message):
        parse_reaeq_rpl(text)
