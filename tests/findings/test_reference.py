"""Comparison with a reference track on measurements built directly."""

from __future__ import annotations

import pytest
from measured import CURVE_HZ, POP_BANDS, changed, clean_pop_master

from mixcoach.audio.analyze import Measurements
from mixcoach.findings.judge import Judgement, judge
from mixcoach.findings.model import FeedbackType
from mixcoach.knowledge.genres import resolve_profile


def compare(
    track: Measurements, reference: Measurements, feedback_type: FeedbackType = "master_review"
) -> Judgement:
    return judge(
        track,
        profile=resolve_profile("pop"),
        feedback_type=feedback_type,
        reference=reference,
    )


def ref_codes(verdict: Judgement) -> dict[str, str]:
    return {f.code: f.severity for f in verdict.findings if f.code.startswith("reference_")}


def test_a_track_against_itself_differs_in_nothing() -> None:
    m = clean_pop_master()
    verdict = compare(m, m)
    c = verdict.comparison
    assert c is not None
    assert c.loudness_difference_lu == 0.0 and c.gain_to_match_db == 0.0
    assert all(b.difference_db == 0.0 for b in c.band_differences)
    assert c.curve_difference is not None
    assert {v for v in c.curve_difference.level_db} == {0.0}
    assert c.tempo_relation == "same" and c.key_relation == "same" and c.key_semitones == 0
    assert ref_codes(verdict) == {}


def test_louder_reference_gives_the_gain_to_match() -> None:
    track = changed(clean_pop_master(), loudness__integrated_lufs=-14.0)
    verdict = compare(track, clean_pop_master())
    c = verdict.comparison
    assert c is not None
    assert c.loudness_difference_lu == pytest.approx(-4.5)
    assert c.gain_to_match_db == pytest.approx(4.5)
    # Curves and bands are relative to each file's own energy: the level is out of them.
    assert set(c.curve_difference.level_db) == {0.0}  # type: ignore[union-attr]
    assert ref_codes(verdict) == {"reference_louder": "warning"}
    assert ref_codes(compare(track, clean_pop_master(), "mixdown")) == {"reference_louder": "info"}


def test_band_differences_remove_the_common_shift() -> None:
    """A reference with +8 dB bass reads as more bass, not as a darker, quieter rest."""
    boomy = {f"spectrum__bands__{n}": v - 8.5 for n, v in POP_BANDS.items()}
    boomy.update(spectrum__bands__sub=-3.0, spectrum__bands__low=-3.0)
    verdict = compare(clean_pop_master(), changed(clean_pop_master(), **boomy))
    diffs = {b.name: b.difference_db for b in verdict.comparison.band_differences}  # type: ignore[union-attr]
    assert diffs["mid"] == 0.0 and diffs["air"] == 0.0
    # Track sub -4.5 against -3.0 (-1.5 raw), the rest +8.5 raw: -10 dB once the shift is gone.
    assert diffs["sub"] == pytest.approx(-10.0) and diffs["low"] == pytest.approx(-10.0)
    assert set(ref_codes(verdict)) == {"reference_more_bass"}


def test_curve_difference_follows_the_bands_on_the_references_frequencies() -> None:
    """A reference whose curve falls 0.25 dB per point faster, sampled 1 % higher in frequency
    (as another sample rate would give)."""
    sloped = [-20.0 - 0.5 * i for i in range(len(CURVE_HZ))]
    track = changed(
        clean_pop_master(),
        spectrum__curve={"frequencies_hz": [float(f) for f in CURVE_HZ], "level_db": sloped},
    )
    curve = track.spectrum.curve
    shifted = [f * 1.01 for f in curve.frequencies_hz]
    levels = [v - 0.25 * i if v is not None else None for i, v in enumerate(curve.level_db)]
    reference = changed(track, spectrum__curve={"frequencies_hz": shifted, "level_db": levels})
    c = compare(track, reference).comparison
    assert c is not None and c.curve_difference is not None
    assert c.curve_difference.frequencies_hz == shifted
    # Point i differs by 0.25 i dB, less the track's own slope over the 1 % step read between
    # its points on a log-frequency axis (0.5 dB per 1/6 octave x 0.086 = 0.04 dB); the last
    # point lies past the track's highest frequency.
    diffs = c.curve_difference.level_db
    assert diffs[-1] is None
    assert [round(d or 0.0, 1) for d in diffs[1:5]] == [0.2, 0.5, 0.7, 1.0]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"spectrum__bands__air": -15.0, "spectrum__bands__presence": -18.0}, "reference_brighter"),
        ({"spectrum__bands__air": -27.0}, "reference_darker"),
        ({"stereo__width": 0.25}, "reference_wider"),
        ({"stereo__width": 0.04}, "reference_narrower"),
        ({"loudness__plr_db": 12.0}, "reference_more_dynamic"),
        ({"loudness__plr_db": 6.0}, "reference_less_dynamic"),
        ({"rhythm__tempo_bpm": 128.0}, "reference_tempo_mismatch"),
        ({"tonality__key": "A", "tonality__camelot": "8A"}, "reference_key_mismatch"),
    ],
)
def test_each_departure_raises_its_reference_code(changes: dict[str, object], code: str) -> None:
    verdict = compare(clean_pop_master(), changed(clean_pop_master(), **changes))
    assert set(ref_codes(verdict)) == {code}


@pytest.mark.parametrize(
    ("tempo", "relation"),
    [(200.0, "half"), (50.0, "double"), (102.0, "same"), (110.0, "different")],
)
def test_tempo_relation(tempo: float, relation: str) -> None:
    c = compare(clean_pop_master(), changed(clean_pop_master(), rhythm__tempo_bpm=tempo)).comparison
    assert c is not None and c.tempo_relation == relation
    assert c.tempo_ratio == pytest.approx(100.0 / tempo, abs=1e-3)


@pytest.mark.parametrize(
    ("key", "mode", "relation", "semitones"),
    [
        ("Bb", "major", "relative", 3),
        ("G", "major", "parallel", 0),
        ("D", "minor", "fifth", -5),
        ("C", "minor", "fifth", 5),
        ("Ab", "minor", "other", 1),
        ("C#", "major", "other", 6),
    ],
)
def test_key_relation(key: str, mode: str, relation: str, semitones: int) -> None:
    reference = changed(clean_pop_master(), tonality__key=key, tonality__mode=mode)
    c = compare(clean_pop_master(), reference).comparison  # the track is in G minor
    assert c is not None
    assert (c.key_relation, c.key_semitones) == (relation, semitones)
