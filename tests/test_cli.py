"""The `mixcoach` command as a user runs it: a real process, real files, real output streams."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from signals import sine, write

from mixcoach.findings.model import FINDING_CODES


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mixcoach.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(7)
    noise = rng.standard_normal((2, 44100 * 6)) * 0.05
    return {
        "tone": write(
            folder / "tone.wav",
            sine(dbfs=-23, seconds=6, sample_rate_hz=44100),
            sample_rate_hz=44100,
        ),
        "noise": write(folder / "noise.flac", noise, sample_rate_hz=44100, subtype="PCM_24"),
        "bad": (folder / "notes.wav").resolve(),
    }


@pytest.fixture(scope="module", autouse=True)
def _bad_file(tracks: dict[str, Path]) -> None:
    tracks["bad"].write_text("not audio")


def test_json_lines_in_order_and_errors_do_not_stop_the_others(tracks: dict[str, Path]) -> None:
    result = run("analyze", str(tracks["tone"]), str(tracks["bad"]), str(tracks["noise"]), "--json")
    assert result.returncode == 1
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["file"]["path"] for d in documents] == [str(tracks["tone"]), str(tracks["noise"])]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1
    assert str(tracks["bad"]) in errors[0] and "not an audio file" in errors[0]


def test_json_document_carries_the_contract_fields(tracks: dict[str, Path]) -> None:
    result = run(
        "analyze", str(tracks["tone"]), "--json", "--genre", "pop", "--type", "master_review"
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"]
    assert doc["request"] == {
        "feedback_type": "master_review",
        "genre": "pop",
        "subgenre": None,
        "genre_label": doc["request"]["genre_label"],
    }
    loudness = doc["loudness"]
    assert loudness["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    for name in (
        "loudness_range_lu",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "short_term_max_lufs",
        "momentary_max_lufs",
    ):
        assert name in loudness
    assert loudness["sample_peak_dbfs"] == pytest.approx(-23.0, abs=0.05)
    assert "tempo_bpm" in doc["rhythm"]
    tonality = doc["tonality"]
    assert tonality["key"] is None or re.fullmatch(r"[A-G](#|b)?", tonality["key"])
    assert tonality["mode"] in (None, "major", "minor")
    assert all(f["code"] in FINDING_CODES for f in doc["findings"])
    # A quiet test tone judged as a pop master is too quiet for delivery.
    assert "too_quiet" in {f["code"] for f in doc["findings"]}


def test_text_report_shows_metrics_targets_and_findings(tracks: dict[str, Path]) -> None:
    result = run("analyze", str(tracks["noise"]), "--genre", "edm/house")
    assert result.returncode == 0, result.stderr
    assert "noise.flac" in result.stdout
    assert "Integrated loudness" in result.stdout
    assert "Target" in result.stdout
    assert "Findings" in result.stdout or "No findings" in result.stdout


def test_reference_comparison_in_json(tracks: dict[str, Path]) -> None:
    result = run("analyze", str(tracks["tone"]), "--reference", str(tracks["noise"]), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    reference = doc["reference"]
    assert reference["measurements"]["file"]["path"] == str(tracks["noise"])
    difference = (
        doc["loudness"]["integrated_lufs"]
        - reference["measurements"]["loudness"]["integrated_lufs"]
    )
    assert reference["comparison"]["loudness_difference_lu"] == pytest.approx(difference, abs=0.05)


def test_unknown_genre_is_a_usage_error_naming_the_known_ones(tracks: dict[str, Path]) -> None:
    result = run("analyze", str(tracks["tone"]), "--genre", "polka-step")
    assert result.returncode == 2
    assert "polka-step" in result.stderr and "edm" in result.stderr
    assert result.stdout == ""


def test_unreadable_reference_fails_clearly(tracks: dict[str, Path]) -> None:
    result = run("analyze", str(tracks["tone"]), "--reference", str(tracks["bad"]))
    assert result.returncode == 1
    assert "reference" in result.stderr and str(tracks["bad"]) in result.stderr


def test_genres_lists_profiles_usable_with_genre() -> None:
    result = run("genres")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert len({n.split("/")[0] for n in names}) >= 12
    assert "edm/house" in names and "hip-hop/trap" in names


def test_help_and_version() -> None:
    assert "analyze" in run("--help").stdout
    assert re.fullmatch(r"mixcoach \d+\.\d+\.\d+\n", run("--version").stdout)


def test_progress_bar_on_a_terminal_when_several_files_are_analysed(
    tracks: dict[str, Path],
) -> None:
    """On a terminal the command draws a progress bar; piped output (above) never carries one."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, on a 120x40 terminal as a user's would be
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "mixcoach.cli",
                "analyze",
                str(tracks["tone"]),
                str(tracks["noise"]),
            ],
        )
    chunks = []
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    screen = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert re.search(r"(decoding|measuring) \S*(tone\.wav|noise\.flac)", screen) and "%" in screen
    assert "tone.wav" in screen and "noise.flac" in screen and screen.count("Integrated") == 2


def test_codecs_prints_each_codecs_peak_change_and_carries_on_past_bad_files(
    tracks: dict[str, Path], tmp_path: Path
) -> None:
    # Noise pushed into a clipper at full scale: lossy coding overshoots what the file held.
    rng = np.random.default_rng(3)
    hot = write(
        tmp_path / "hot.wav",
        np.clip(rng.standard_normal((2, 44100 * 4)) * 0.5, -1.0, 1.0),
        sample_rate_hz=44100,
        subtype="FLOAT",
    )
    silent = write(tmp_path / "silent.wav", np.zeros((2, 44100)), sample_rate_hz=44100)
    result = run("codecs", str(tracks["bad"]), str(hot), str(silent))
    assert result.returncode == 1
    assert "notes.wav" in result.stderr and "silent" in result.stderr
    rows = re.findall(
        r"(AAC|Opus|MP3) \d+ kbps +peaks at ([+-]?[\d.]+) dBTP \(([+-]?[\d.]+) dB\), "
        r"loudness ([+-]?[\d.]+) LU, ([\d,]+) clipped samples?",
        result.stdout,
    )
    assert [row[0] for row in rows] == ["AAC", "Opus", "MP3"], result.stdout
    header = re.search(r"hot\.wav: true peak ([+-]?[\d.]+) dBTP", result.stdout)
    assert header, result.stdout
    for _, peak, change, _loudness, _clipped in rows:
        # The printed change is the decoded peak minus the file's.
        assert float(peak) - float(header[1]) == pytest.approx(float(change), abs=0.011)
    assert any(float(change) > 0 for _, _, change, _, _ in rows)
