"""The PDF's "As listeners get it" section, read back from the PDF: a real recording pushed into
hard clipping, through the real encoders, each codec's decoded peak, clipped samples and
loudness change, and each service's playback gain for its codec's copy."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pdfcheck import body_text, page_texts
from recordings import DRASCULA, excerpt, hard_clipped, write
from reviews import review

from mixcoach.analysis import analyze
from mixcoach.api.codec_journey import with_decoded_peaks
from mixcoach.audio.codecs import CODECS, loudness_of, through_codec
from mixcoach.export.report import render_report
from mixcoach.jobs.codec_runs import CodecRun
from mixcoach.knowledge.platforms import platform

WHEN = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def _number(text: str) -> float:
    return float(text.replace("+", ""))


def test_the_report_shows_each_codec_and_each_services_playback_of_its_copy(
    tmp_path: Path,
) -> None:
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=8.0)
    master = hard_clipped(audio / np.abs(audio).max(), gain_db=6.0).astype(np.float32)
    analysis = analyze(write(tmp_path / "loud.wav", master, rate), feedback_type="master_review")
    original = loudness_of(master, rate)
    results = [through_codec(master, rate, c, original=original) for c in CODECS]
    judged = with_decoded_peaks(analysis, CodecRun(results=results))
    r = review(judged)
    pdf = render_report(judged, feedback=r.feedback, presets=r.presets, generated_at=WHEN)
    text = body_text(page_texts(pdf))
    section = text[text.index("As listeners get it") :]

    for result in results:
        # "AAC 256 kbps  +1.9 dBTP  +0.4 dB  1,234  -0.0 LU"
        row = re.search(
            re.escape(result.codec) + r"\s+([+-]?\d+\.\d) dBTP\s+([+-]?\d+\.\d) dB\s+([\d,]+)\s+"
            r"([+-]?\d+\.\d) LU",
            section,
        )
        assert row, (result.codec, section[:600])
        assert _number(row[1]) == round(result.true_peak_dbtp or 0.0, 1)
        assert _number(row[2]) == round(result.true_peak_change_db or 0.0, 1)
        assert int(row[3].replace(",", "")) == result.clipped_samples
        assert abs(_number(row[4]) - (result.loudness_change_lu or 0.0)) <= 0.051
    # A master pushed this hard overshoots after AAC and clips in a fixed-point decoder.
    aac = results[0]
    assert (aac.true_peak_dbtp or 0.0) > 0.0 and aac.clipped_samples > 0

    # Spotify turns this loud master down to its -14 LUFS: the gain is negative, by about the
    # distance from the decoded copy's loudness to the target.
    spotify = platform("spotify")
    row = re.search(r"Spotify\s+(\w+) \d+ kbps\s+([+-]?\d+\.\d) dB\s+([+-]?\d+\.\d) dBTP", section)
    assert row, section
    decoded_lufs = (analysis.loudness.integrated_lufs or 0.0) + (aac.loudness_change_lu or 0.0)
    assert spotify.target_lufs is not None
    assert row[1] == "AAC"  # Spotify delivers AAC (platforms.toml)
    assert _number(row[2]) < 0
    assert abs(_number(row[2]) - (spotify.target_lufs - decoded_lufs)) <= 0.11


def test_without_a_codec_check_the_report_has_no_listening_section(tmp_path: Path) -> None:
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=6.0)
    analysis = analyze(write(tmp_path / "plain.wav", audio, rate), feedback_type="master_review")
    r = review(analysis)
    pdf = render_report(analysis, feedback=r.feedback, presets=r.presets, generated_at=WHEN)
    assert "As listeners get it" not in body_text(page_texts(pdf))
