"""The grounding check: numbers are read back with their units and precision, matched against
the measured facts, repaired when a metric is named, dropped otherwise, the same in chunks."""

from __future__ import annotations

import pytest

from mixcoach.feedback.facts import Fact
from mixcoach.feedback.grounding import GroundedStream, Grounder, find_numbers
from mixcoach.findings.metrics import MetricStatus

FACTS = [
    Fact(key="loudness.integrated_lufs", label="Integrated loudness", value=-13.62, unit="LUFS"),
    Fact(key="loudness.true_peak_dbtp", label="True peak", value=0.41, unit="dBTP"),
    Fact(key="loudness.loudness_range_lu", label="Loudness range", value=7.25, unit="LU"),
    Fact(key="rhythm.tempo_bpm", label="Tempo", value=123.96, unit="BPM"),
    Fact(key="presets.eq.0.frequency_hz", label="EQ", value=353.6, unit="Hz"),
    Fact(key="presets.eq.1.frequency_hz", label="EQ", value=2828.4, unit="Hz"),
    Fact(key="presets.compressor.attack_ms", label="Attack", value=30.0, unit="ms"),
    Fact(key="presets.compressor.ratio", label="Ratio", value=2.0, unit=":1"),
    Fact(key="findings.clipping.time_ranges.0.start_s", label="Starts", value=83.4, unit="s"),
    Fact(key="stereo.width_percent", label="Width", value=18.2, unit="%"),
    Fact(key="loudness.integrated_lufs.outside_target", label="Out by", value=-2.62, unit="LU"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-13.6 LUFS", [(-13.6, "lufs", True)]),
        ("+0.4 dBTP", [(0.4, "level", True)]),
        ("\u221214 LUFS", [(-14.0, "lufs", True)]),  # a Unicode minus
        ("2.5 kHz", [(2500.0, "hz", False)]),
        ("1,000 Hz", [(1000.0, "hz", False)]),
        ("10-30 ms", [(0.01, "s", False), (0.03, "s", False)]),
        ("between -10 and -8 LUFS", [(-10.0, "lufs", True), (-8.0, "lufs", True)]),
        ("at 1:23", [(83.0, "s", False)]),
        ("a 4:1 ratio", [(4.0, "ratio", False)]),
        ("3 dB/oct", [(3.0, "slope", False)]),
        ("12%", [(12.0, "pct", False)]),
        ("late 80s drums, 808s, 24-bit, 3 things", []),
        ("a 3s window", [(3.0, "s", False)]),
    ],
)
def test_numbers_are_read_with_their_units(
    text: str, expected: list[tuple[float, str, bool]]
) -> None:
    found = [(round(q.value, 6), q.family, q.signed) for q in find_numbers(text)]
    assert found == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Your track sits at -13.6 LUFS.",
        "It sits around -14 LUFS.",  # written to the nearest LU: -13.62 rounds there
        "True peak is +0.4 dBTP.",
        "Cut at 354 Hz and 2.8 kHz.",
        "Use a 30 ms attack and a 2:1 ratio.",
        "The clipping starts at 1:23.",
        "It is 2.6 LU too quiet.",
        "Width is 18%.",
        "Tempo 124 BPM.",
    ],
)
def test_measured_numbers_pass(sentence: str) -> None:
    text, account = Grounder(FACTS).ground(sentence)
    assert text == sentence
    assert account.dropped == [] and account.repaired == []


@pytest.mark.parametrize(
    ("sentence", "replacement"),
    [
        ("Your integrated loudness is -12.0 LUFS, a bit hot.", "-13.6 LUFS"),
        ("The true peak reaches -0.5 dBTP.", "0.4 dBTP"),
        ("The tempo is 128 BPM.", "124 BPM"),
    ],
)
def test_a_misquoted_measurement_is_repaired(sentence: str, replacement: str) -> None:
    text, account = Grounder(FACTS).ground(sentence)
    assert replacement in text
    assert [c.action for c in account.repaired] == ["repaired"]
    assert account.dropped == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Spotify will play it at -9 LUFS.",  # no fact says -9 and no metric is named
        "High-pass everything at 80 Hz.",
        "Set the release to 150 ms.",
        "The chorus at 2:45 is louder.",
        "Aim for -6.0 dBTP.",
    ],
)
def test_an_invented_number_drops_its_sentence(sentence: str) -> None:
    text, account = Grounder(FACTS).ground(f"Keep this. {sentence} Keep that.")
    assert text == "Keep this. Keep that."
    assert len(account.dropped) == 1 and account.dropped[0].sentence == sentence


def test_a_number_between_the_metric_and_the_claim_blocks_a_repair() -> None:
    # "integrated" names the first number, not the invented second one: drop, do not repair.
    text, account = Grounder(FACTS).ground("Integrated is -13.6 LUFS versus a goal of -9 LUFS.")
    assert text == ""
    assert account.repaired == [] and len(account.dropped) == 1


def test_a_bullet_whose_only_sentence_is_dropped_disappears() -> None:
    text, _ = Grounder(FACTS).ground("## Fixes\n\n- Cut 5 dB at 354 Hz.\n- Cut at 354 Hz.\n")
    assert text == "## Fixes\n\n- Cut at 354 Hz.\n"


@pytest.mark.parametrize("chunk_chars", [1, 3, 7, 40, 10_000])
def test_streaming_gives_the_same_text_as_grounding_at_once(chunk_chars: int) -> None:
    text = (
        "Verdict: close.\n\n## Loudness\nYour integrated loudness is -12.0 LUFS. Spotify plays it "
        "at -9 LUFS. It is 2.6 LU too quiet.\n- Cut at 354 Hz. Then 2.8 kHz! Also 99 Hz.\n"
    )
    whole, whole_account = Grounder(FACTS).ground(text)
    stream = GroundedStream(Grounder(FACTS))
    pieces = [stream.feed(text[i : i + chunk_chars]) for i in range(0, len(text), chunk_chars)]
    assert "".join(pieces) + stream.flush() == whole
    assert stream.report() == whole_account
    assert "-13.6 LUFS" in whole and "-9 LUFS" not in whole and "99 Hz" not in whole


# --- the claim around a number, against the metric table -------------------------------------

JUDGED = [
    MetricStatus(
        metric="loudness.integrated_lufs",
        label="Integrated loudness",
        value=-13.62,
        unit="LUFS",
        target_low=-16.0,
        target_high=-12.0,
        status="ok",
        note="",
    ),
    MetricStatus(
        metric="loudness.true_peak_dbtp",
        label="True peak",
        value=0.41,
        unit="dBTP",
        target_low=None,
        target_high=-1.0,
        status="high",
        note="",
    ),
]
TARGETS = [
    Fact(key="t.low", label="Target", value=-16.0, unit="LUFS"),
    Fact(key="t.high", label="Target", value=-12.0, unit="LUFS"),
    Fact(key="t.ceiling", label="Ceiling", value=-1.0, unit="dBTP"),
]


@pytest.mark.parametrize(
    ("sentence", "claim", "rewritten"),
    [
        (
            "Your integrated loudness is -9.0 LUFS, far too loud.",
            "too loud",
            "Integrated loudness is -13.6 LUFS, within its target of -16.0 LUFS to -12.0 LUFS.",
        ),
        (
            "- At -13.6 LUFS integrated it is too quiet for the genre.",
            "too quiet",
            "- Integrated loudness is -13.6 LUFS, within its target of -16.0 LUFS to -12.0 LUFS.",
        ),
        (
            "The true peak of +0.4 dBTP sits within the target.",
            "within the target",
            "True peak is 0.4 dBTP, 1.4 dB above its target of at most -1.0 dBTP.",
        ),
        (
            "The true peak is 0.4 dBTP, so you can raise the limiter's input.",
            "raise",
            "True peak is 0.4 dBTP, 1.4 dB above its target of at most -1.0 dBTP.",
        ),
    ],
)
def test_a_claim_against_the_measurement_is_rewritten(
    sentence: str, claim: str, rewritten: str
) -> None:
    text, account = Grounder(FACTS + TARGETS, metrics=JUDGED).ground(sentence)
    assert text == rewritten
    assert account.repaired[-1].text == claim and account.repaired[-1].replacement in rewritten


@pytest.mark.parametrize(
    "sentence",
    [
        "Integrated loudness is -13.6 LUFS, inside the target range.",
        "The true peak reaches +0.4 dBTP, above the -1.0 dBTP ceiling: lower the ceiling.",
        "It is not too loud: the integrated loudness is -13.6 LUFS.",
        "At -13.6 LUFS integrated, Spotify turns it down, so it is too loud for Spotify.",
        "The true peak is +0.4 dBTP; the integrated loudness of -13.6 LUFS is fine.",
    ],
)
def test_a_claim_that_matches_the_measurement_is_kept(sentence: str) -> None:
    text, account = Grounder(FACTS + TARGETS, metrics=JUDGED).ground(sentence)
    assert text == sentence and account.repaired == []


def test_numbers_mixcoach_stated_may_be_quoted() -> None:
    sentence = "The correlation turns negative for 11% of the track."
    assert Grounder(FACTS).ground(sentence)[0] == ""
    stated = Grounder(FACTS, stated=["It is negative for 1.0 s in all (11% of it)."])
    assert stated.ground(sentence)[0] == sentence
