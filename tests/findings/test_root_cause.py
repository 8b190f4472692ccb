"""Root causes before their symptoms, dead bands at the range edges, natural recordings.

On real recordings nobody on the team made: excerpts of the Drascula soundtrack (the tuning set)
and of the Singularity soundtrack (held out: measured on, never tuned on), with defects planted
in code. Each excerpt is decoded once and each planted variant analysed once per session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mixes
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from measured import changed, clean_pop_master
from scipy import signal

from mixcoach.analysis import Analysis, analyze
from mixcoach.audio.analyze import Measurements
from mixcoach.findings.judge import judge
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.thresholds import thresholds

DRASCULA = Path("/usr/share/scummvm/drascula/audio")
SINGULARITY = Path("/usr/share/games/singularity/music")
#: name -> (file, held out). The held-out tracks are the first two of the album by name.
EXCERPTS = {
    "drascula-1": (DRASCULA / "track1.ogg", False),
    "drascula-2": (DRASCULA / "track2.ogg", False),
    "singularity-journey": (SINGULARITY / "A New Journey.ogg", True),
    "singularity-aberrations": (SINGULARITY / "Aberrations.ogg", True),
}
EXCERPT_START_S, EXCERPT_S = 20.0, 25.0
LIMITS = thresholds()

#: What an inverted channel makes the other rules read, and must not be reported.
INVERSION_SYMPTOMS = {
    "stereo_too_wide",
    "wide_low_end",
    "too_thin",
    "too_boomy",
    "muddy",
    "harsh",
    "too_bright",
    "too_dull",
}

Plant = Callable[[np.ndarray, int], np.ndarray]


def delay_lows(audio: np.ndarray, rate: int, *, delay_ms: float = 1.5) -> np.ndarray:
    """Spaced microphones: the right channel's lows (below 250 Hz) arrive ``delay_ms`` later."""
    sos = signal.butter(4, 250.0, "low", fs=rate, output="sos")
    low = signal.sosfiltfilt(sos, audio[1])
    late = round(delay_ms / 1000 * rate)
    return np.stack([audio[0], audio[1] - low + np.concatenate([np.zeros(late), low[:-late]])])


def short_clip_runs(audio: np.ndarray, *, count: int = 110, samples: int = 4) -> np.ndarray:
    """``count`` runs of ``samples`` consecutive full-scale samples, spread over the track."""
    out = audio * (0.5 / np.max(np.abs(audio)))
    for start in np.linspace(1000, out.shape[1] - 1000, count).astype(int):
        out[start % 2, start : start + samples] = 1.0
    return out


def lead_in(audio: np.ndarray, rate: int, *, seconds: float) -> np.ndarray:
    return np.concatenate([np.zeros((2, round(seconds * rate))), audio], axis=1)


def at_loudness(audio: np.ndarray, rate: int, *, lufs: float) -> np.ndarray:
    measured = pyloudnorm.Meter(rate).integrated_loudness(audio.T)
    return audio * 10 ** ((lufs - measured) / 20)


PLANTS: dict[str, Plant] = {
    "clean": lambda a, rate: a,
    "flip": lambda a, rate: mixes.plant_polarity_flip(a),
    "mono": lambda a, rate: mixes.plant_mono_fold(a),
    "clip": lambda a, rate: mixes.plant_clipping(a),
    "spaced": delay_lows,
    "flip_and_short_clips": lambda a, rate: short_clip_runs(mixes.plant_polarity_flip(a)),
    "lead_in_0.6": lambda a, rate: lead_in(a, rate, seconds=0.6),
    "lead_in_4": lambda a, rate: lead_in(a, rate, seconds=4.0),
    "at_-16.0": lambda a, rate: at_loudness(a, rate, lufs=-16.0),
    "at_-16.3": lambda a, rate: at_loudness(a, rate, lufs=-16.3),
    "at_-17.5": lambda a, rate: at_loudness(a, rate, lufs=-17.5),
}


class Excerpts:
    """Each excerpt decoded once, each planted variant written and analysed once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._audio: dict[str, tuple[np.ndarray, int]] = {}
        self._analyses: dict[tuple[str, str], Analysis] = {}

    def audio(self, name: str) -> tuple[np.ndarray, int]:
        if name not in self._audio:
            path = EXCERPTS[name][0]
            if not path.exists():
                pytest.skip(f"{path} is not installed (scripts/test.sh installs it)")
            info = sf.info(str(path))
            start = round(EXCERPT_START_S * info.samplerate)
            audio, rate = sf.read(
                str(path),
                start=start,
                frames=round(EXCERPT_S * info.samplerate),
                dtype="float64",
                always_2d=True,
            )
            self._audio[name] = (audio.T, rate)
        return self._audio[name]

    def analysis(self, name: str, plant: str) -> Analysis:
        if (name, plant) not in self._analyses:
            audio, rate = self.audio(name)
            path = self.folder / f"{name}-{plant}.wav"
            sf.write(str(path), PLANTS[plant](audio, rate).T, rate, subtype="FLOAT")
            self._analyses[(name, plant)] = analyze(
                path, genre="general", feedback_type="master_review"
            )
        return self._analyses[(name, plant)]


@pytest.fixture(scope="session")
def excerpts(tmp_path_factory: pytest.TempPathFactory) -> Excerpts:
    return Excerpts(tmp_path_factory.mktemp("root-cause"))


def codes(analysis: Analysis) -> set[str]:
    return {f.code for f in analysis.findings}


def serious(analysis: Analysis, code: str) -> bool:
    return any(f.code == code and f.severity in ("warning", "problem") for f in analysis.findings)


def _cases(*, known_misses: dict[str, str] | None = None) -> list[object]:
    """Every excerpt; a held-out miss is marked as a strict expected failure, with its reason."""
    misses = known_misses or {}
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(strict=True, reason=misses[name]) if name in misses else (),
        )
        for name in EXCERPTS
    ]


# Measured on the held-out set, not tuned away: a very wide original (whole-track correlation
# +0.28) inverted reads -0.28 with 4.4 dB lost in mono, short of the -0.5 / 6 dB of a whole-track
# inversion, though its sub band reads -0.91.
_WIDE_ORIGINAL = "a very wide original inverted reads -0.28 and loses only 4.4 dB in mono"


@pytest.mark.parametrize("name", _cases(known_misses={"singularity-aberrations": _WIDE_ORIGINAL}))
def test_an_inverted_channel_is_one_top_finding_without_its_symptoms(
    excerpts: Excerpts, name: str
) -> None:
    clean, flipped = excerpts.analysis(name, "clean"), excerpts.analysis(name, "flip")
    top = flipped.findings[0]
    assert top.code == "phase_issue" and top.severity == "problem"
    assert "polarity" in top.title.lower()
    assert [f.code for f in flipped.findings].count("phase_issue") == 1
    assert not codes(flipped) & INVERSION_SYMPTOMS
    # Nothing else is new: loudness and peaks do not change when one side flips.
    assert codes(flipped) - {"phase_issue"} <= codes(clean)
    loss = next(e for e in top.evidence if e.metric == "stereo.mono_loss_db")
    assert loss.value is not None and loss.value >= 6.0
    assert f"{loss.value:.1f} dB" in top.detail
    assert any("tonal balance" in note for note in flipped.notes)


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_a_mono_fold_is_its_root_finding_without_symptoms(excerpts: Excerpts, name: str) -> None:
    clean, folded = excerpts.analysis(name, "clean"), excerpts.analysis(name, "mono")
    narrow = [f for f in folded.findings if f.code == "stereo_too_narrow"]
    assert len(narrow) == 1 and "identical" in narrow[0].title
    assert not codes(folded) & {
        "phase_issue",
        "stereo_too_wide",
        "wide_low_end",
        "channel_imbalance",
    }
    # A fold to (L + R) / 2 lowers the level of a wide mix; it adds no other stereo finding.
    assert codes(folded) - {"stereo_too_narrow", "too_quiet"} <= codes(clean)


@pytest.mark.parametrize("name", ["drascula-1", "singularity-journey"])
def test_the_inversion_outranks_many_short_clip_runs(excerpts: Excerpts, name: str) -> None:
    analysis = excerpts.analysis(name, "flip_and_short_clips")
    ranked = [f.code for f in analysis.findings]
    assert "clipping" in ranked and ranked[0] == "phase_issue", ranked
    clipping = next(f for f in analysis.findings if f.code == "clipping")
    assert clipping.severity == "warning" and "110 runs" in clipping.detail


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_clipping_at_full_scale_explains_the_true_peak_over(excerpts: Excerpts, name: str) -> None:
    analysis = excerpts.analysis(name, "clip")
    assert "true_peak_over" not in codes(analysis)
    (clipping,) = [f for f in analysis.findings if f.code == "clipping"]
    peak = next(e for e in clipping.evidence if e.metric == "loudness.true_peak_dbtp")
    assert peak.value is not None and peak.target_high is not None and peak.value > peak.target_high
    assert "true peak" in clipping.detail


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_spaced_pair_decorrelation_is_no_phase_fault(excerpts: Excerpts, name: str) -> None:
    clean, spaced = excerpts.analysis(name, "clean"), excerpts.analysis(name, "spaced")
    low = {b.name: b.correlation for b in spaced.stereo.bands}
    assert spaced.stereo.correlation is not None and spaced.stereo.correlation > 0
    assert ("phase_issue" in codes(spaced)) == ("phase_issue" in codes(clean))
    assert not serious(spaced, "wide_low_end"), (low, spaced.stereo.low_end_width)


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_a_short_lead_in_is_no_padding_and_a_long_one_is(excerpts: Excerpts, name: str) -> None:
    assert "silence_padding" not in codes(excerpts.analysis(name, "lead_in_0.6"))
    padded = next(
        f for f in excerpts.analysis(name, "lead_in_4").findings if f.code == "silence_padding"
    )
    assert padded.time_ranges[0].end_s == pytest.approx(4.0, abs=0.05)


@pytest.mark.parametrize("name", ["drascula-2", "singularity-journey"])
def test_minus_16_lufs_passes_the_general_master_profile(excerpts: Excerpts, name: str) -> None:
    for plant in ("at_-16.0", "at_-16.3"):
        analysis = excerpts.analysis(name, plant)
        assert "too_quiet" not in codes(analysis), (plant, analysis.loudness.integrated_lufs)
        row = next(m for m in analysis.metrics if m.metric == "loudness.integrated_lufs")
        assert row.status == "ok"
    quieter = excerpts.analysis(name, "at_-17.5")
    assert "too_quiet" in codes(quieter)


# --- Dead bands: values just inside and just outside each edge (measurements built directly) ---

GENERAL = resolve_profile("general")
_MASTER, _STEREO = GENERAL.master, GENERAL.stereo


def _band(name: str) -> float:
    return LIMITS.value(f"dead_band.{name}")


#: (field to change, dead-band name, edge, direction past the edge, the code it raises)
EDGES = [
    ("loudness__integrated_lufs", "integrated_lufs", _MASTER.integrated_lufs.low, -1, "too_quiet"),
    ("loudness__integrated_lufs", "integrated_lufs", _MASTER.integrated_lufs.high, +1, "too_loud"),
    (
        "loudness__true_peak_dbtp",
        "true_peak_dbtp",
        _MASTER.true_peak_dbtp.high,
        +1,
        "true_peak_over",
    ),
    ("loudness__plr_db", "plr_db", _MASTER.plr_db.low, -1, "over_compressed"),
    ("loudness__psr_db", "psr_db", _MASTER.psr_db.low, -1, "over_compressed"),
    ("loudness__plr_db", "plr_db", _MASTER.plr_db.high, +1, "under_compressed"),
    ("stereo__width", "width", _STEREO.width.low, -1, "stereo_too_narrow"),
    ("stereo__width", "width", _STEREO.width.high, +1, "stereo_too_wide"),
    ("stereo__low_end_width", "low_end_width", _STEREO.low_end_width.high, +1, "wide_low_end"),
    (
        "stereo__balance_db",
        "balance_db",
        LIMITS.range("balance.balance_db").high,
        +1,
        "channel_imbalance",
    ),
    (
        "stereo__correlation",
        "correlation",
        LIMITS.value("phase.correlation_warning"),
        -1,
        "phase_issue",
    ),
    (
        "stereo__mono_loss_db",
        "mono_loss_db",
        LIMITS.value("phase.mono_loss_warning_db"),
        +1,
        "phase_issue",
    ),
]


def _quiet_general_master() -> Measurements:
    """A clean master sitting mid-range in the general profile, so one edge is tested at a time."""
    return changed(
        clean_pop_master(),
        loudness__integrated_lufs=-15.0,  # quieter than -14: no platform asks for a lower ceiling
        loudness__true_peak_dbtp=-1.5,
        loudness__plr_db=13.5,
        loudness__psr_db=9.0,
        stereo__low_end_width=0.02,
    )


@pytest.mark.parametrize(("field", "band", "edge", "sign", "code"), EDGES)
@pytest.mark.parametrize(("inside", "fires"), [(0.8, False), (1.2, True)])
def test_dead_band_at_each_edge(
    field: str, band: str, edge: float | None, sign: int, code: str, inside: float, fires: bool
) -> None:
    assert edge is not None and _band(band) > 0
    m = changed(_quiet_general_master(), **{field: edge + sign * inside * _band(band)})
    if field == "loudness__plr_db" and sign < 0:  # PLR below its range: keep PSR in range
        m = changed(m, loudness__psr_db=_MASTER.psr_db.low + 2.0)
    verdict = judge(m, profile=GENERAL, feedback_type="master_review")
    assert (code in {f.code for f in verdict.findings}) is fires, [f.code for f in verdict.findings]
    metric = "loudness." + field.split("__")[1] if field.startswith("loudness") else None
    row = next((r for r in verdict.metrics if r.metric == metric), None)
    if row is not None:
        assert (row.status != "ok") is fires


def test_psr_a_hair_below_the_range_is_no_over_compression() -> None:
    """The issue's case: PSR 10.96 against a range starting at 11.0."""
    m = changed(_quiet_general_master(), loudness__psr_db=10.96, loudness__plr_db=12.0)
    profile = GENERAL.model_copy(
        update={
            "master": _MASTER.model_copy(
                update={"psr_db": _MASTER.psr_db.model_copy(update={"low": 11.0})}
            )
        }
    )
    verdict = judge(m, profile=profile, feedback_type="master_review")
    assert "over_compressed" not in {f.code for f in verdict.findings}
