"""The offline engine's wording and structure: detail levels, feedback types, phrasing that
follows the evidence, determinism, speed, and the errors a caller can make."""

from __future__ import annotations

import time

import builders as b
import pytest

from mixcoach.errors import InputError
from mixcoach.feedback.model import FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine

ENGINE = OfflineEngine()


def compose(analysis: b.Analysis, detail: str = "detailed"):  # type: ignore[no-untyped-def]
    return ENGINE.compose(
        analysis, FeedbackRequest(feedback_type=analysis.request.feedback_type, detail=detail)
    )


def many_defects(kind: str = "master_review") -> b.Analysis:
    analysis = b.clean(kind)  # type: ignore[arg-type]
    for plant in (
        b.clipped,
        b.too_loud,
        b.polarity_flipped,
        b.imbalanced,
        b.dc_offset,
        b.wide_low_end,
        b.overs,
    ):
        analysis = plant(analysis)
    return b.spectral(analysis, "low_mid", 4.0, "muddy")


def test_simple_gives_the_three_actions_that_matter_most_worst_first() -> None:
    analysis = many_defects()
    simple = compose(analysis, "simple")
    findings = [s for s in simple.sections if s.kind == "finding"]
    assert len(findings) == 3
    # The inverted channel explains the phase, width and tone findings: it leads.
    assert "polarity" in findings[0].body
    # Then the other problems (clipping, the loudness); the DC offset, a warning, waits.
    plan = simple.plan
    assert plan is not None
    chosen = sorted(plan.first(3), key=lambda step: step.rank)
    assert [s.finding_codes for s in findings] == [s.finding_codes for s in chosen]
    assert [s.move for s in chosen] == ["polarity_flip", "clip_repair", "limiter"]
    assert all(step.severity == "problem" for step in chosen)
    assert "dc_removal" in [s.move for s in plan.steps]
    assert all("|" not in s.body and "\n" not in s.body for s in findings)  # a sentence or two


def test_detailed_covers_every_finding_and_pro_adds_evidence_and_settings() -> None:
    analysis = many_defects()
    detailed, pro = compose(analysis, "detailed"), compose(analysis, "pro")
    codes = {f.code for f in analysis.findings}
    for feedback in (detailed, pro):
        assert {
            c for s in feedback.sections if s.kind == "finding" for c in s.finding_codes
        } == codes
    assert "| Measure | Value | Target | Source |" in pro.markdown()
    assert "| Measure |" not in detailed.markdown()
    assert "Limiter: true-peak mode, ceiling" in pro.markdown()
    assert pro.sections[-1].title == "All measurements"


@pytest.mark.parametrize(
    ("kind", "handoff", "chain"),
    [
        ("mixdown", True, "What to fix in the mix"),
        ("mastering", False, "Mastering chain"),
        ("master_review", False, "Fixes before release"),
    ],
)
def test_each_feedback_type_has_its_own_sections(kind: str, handoff: bool, chain: str) -> None:
    analysis = b.spectral(b.clean(kind), "low_mid", 4.0, "muddy")  # type: ignore[arg-type]
    titles = [s.title for s in compose(analysis).sections]
    assert ("Before you send it to mastering" in titles) == handoff
    assert chain in titles
    assert ("Delivery to streaming services" in titles) == (kind == "master_review")


def test_a_mixdown_fixes_in_the_mix_and_a_master_in_the_master() -> None:
    mix = compose(b.spectral(b.clean("mixdown"), "low_mid", 4.0, "muddy"))
    master = compose(b.spectral(b.clean("master_review"), "low_mid", 4.0, "muddy"))
    assert "Dip the low mids on guitars, keys and pads" in mix.markdown()
    assert "On the mix bus" in mix.markdown()
    # The master's EQ takes at most 3 dB of the build-up, at its peak.
    stretch = b.spectral(b.clean("master_review"), "low_mid", 4.0, "muddy").spectrum.deviations[0]
    assert f"On the master: a bell cut of 3.0 dB at {stretch.peak_hz:.0f} Hz" in master.markdown()


@pytest.mark.parametrize(("lufs", "word"), [(-6.5, "a touch"), (-4.0, "clearly"), (-2.0, "far")])
def test_the_wording_follows_how_far_outside_the_range_it_is(lufs: float, word: str) -> None:
    analysis = b.clean()
    loud = analysis.loudness.model_copy(update={"integrated_lufs": lufs})
    analysis = b.with_changes(
        analysis,
        b.finding("too_loud", b.evidence("loudness.integrated_lufs", lufs, "LUFS", -11.0, -7.0)),
        loudness=loud,
    )
    summary = compose(analysis, "simple").sections[-1].body
    assert f"At {lufs:.1f} LUFS the master is {word} louder than Pop needs" in summary
    assert f"back the limiter off by {lufs + 7.0:.1f} dB" in summary


def test_a_clean_master_is_called_ready_and_its_strengths_are_named() -> None:
    feedback = compose(b.clean())
    assert feedback.headline.startswith(
        "This master measures within the Pop ranges, with one "
        "delivery caveat: Spotify asks for a lower true peak."
    )
    assert not [s for s in feedback.sections if s.kind == "finding"]
    strengths = next(s for s in feedback.sections if s.kind == "strengths")
    assert (
        "- Integrated loudness: -9.4 LUFS, inside the -11.0 LUFS to -7.0 LUFS range."
        in strengths.body
    )


def test_a_master_review_judges_every_platform() -> None:
    feedback = compose(b.too_loud(b.clean()))
    by_name = {v.platform: v for v in feedback.delivery}
    assert len(by_name) == len(ENGINE.platforms())
    spotify = by_name["spotify"]
    assert (spotify.target_lufs, spotify.gain_db) == (-14.0, -8.2)
    # -0.7 dBTP is over the -2 dBTP Spotify asks of masters louder than -14 LUFS.
    assert spotify.verdict == "peaks_over" and spotify.true_peak_max_dbtp == -2.0
    assert spotify.playback_note == "Spotify turns it down by 8.2 dB to -14.0 LUFS."
    assert by_name["soundcloud"].gain_db == 0.0  # SoundCloud does not normalise
    quiet = compose(b.too_quiet(b.clean()))
    apple = next(v for v in quiet.delivery if v.platform == "apple-music")
    assert (apple.verdict, apple.gain_db) == ("ok", 0.0)  # 0.3 LU under -16 LUFS is inaudible
    youtube = next(v for v in quiet.delivery if v.platform == "youtube")
    assert youtube.verdict == "plays_quiet" and youtube.level_below_target_db == 2.3


def test_the_stream_is_the_markdown_and_the_engine_is_deterministic() -> None:
    analysis = many_defects()
    request = FeedbackRequest(feedback_type="master_review", detail="pro")
    stream = ENGINE.feedback(analysis, request)
    chunks = list(stream)
    assert len(chunks) > 10
    assert "".join(chunks) == stream.result().markdown()
    assert ENGINE.feedback(analysis, request).text() == "".join(chunks)


def test_feedback_takes_well_under_a_second() -> None:
    analysis = many_defects()
    request = FeedbackRequest(feedback_type="master_review", detail="pro")
    ENGINE.compose(analysis, request)  # the knowledge base is built once per process
    started = time.perf_counter()
    for _ in range(10):
        ENGINE.feedback(analysis, request).result()
    assert (time.perf_counter() - started) / 10 < 0.1


def test_a_request_for_another_feedback_type_is_refused() -> None:
    with pytest.raises(InputError, match="judged as master_review, not mixdown"):
        ENGINE.compose(b.clean(), FeedbackRequest(feedback_type="mixdown"))


def test_an_unknown_platform_is_refused_with_the_known_ones() -> None:
    request = FeedbackRequest(feedback_type="master_review", platforms=["spotify", "napster"])
    with pytest.raises(
        InputError, match="Unknown platform napster; known platforms: amazon-music, apple-music"
    ):
        ENGINE.compose(b.clean(), request)
    only = ENGINE.compose(b.clean(), request.model_copy(update={"platforms": ["tidal"]}))
    assert [v.platform for v in only.delivery] == ["tidal"]


@pytest.mark.parametrize(("limiting_db", "said"), [(6.2, "about 6.2 dB"), (13.0, "10 dB or more")])
def test_limiting_is_quoted_as_measured_and_as_a_lower_bound_past_the_floor(
    limiting_db: float, said: str
) -> None:
    squashed = b.too_loud(b.clean("mastering"))
    squashed = squashed.model_copy(
        update={"dynamics": squashed.dynamics.model_copy(update={"limiting_db": limiting_db})}
    )
    text = " ".join(s.body for s in compose(squashed, "pro").sections)
    assert f"{said} of limiting" in text
    assert "13.0 dB" not in text  # past the floor the estimate is never quoted as exact
