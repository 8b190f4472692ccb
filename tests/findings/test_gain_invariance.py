"""A pure gain change never changes a judgement that is not about level: tempo, key and every
finding but the level ones (loudness, peaks, clipping, DC offset, silence, which are judged in
dBFS or LUFS by definition) stay as they were, on real recordings nobody on the team made
(the Drascula soundtrack, and the Singularity soundtrack, held out of all tuning)."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from mixcoach.analysis import Analysis, analyze

TRACKS = {
    "drascula-3": Path("/usr/share/scummvm/drascula/audio/track3.ogg"),
    "drascula-9": Path("/usr/share/scummvm/drascula/audio/track9.ogg"),
    "singularity-coherence": Path("/usr/share/games/singularity/music/Coherence.ogg"),
    "singularity-nebula": Path("/usr/share/games/singularity/music/Nebula.ogg"),
}
EXCERPT_S = 20.0
#: Down only, so no gain clips; -20 dB keeps the loudest music far above every silence gate.
GAINS_DB = (-6.0, -20.0)
#: Judged against absolute levels by definition.
LEVEL_CODES = {
    "too_loud",
    "too_quiet",
    "true_peak_over",
    "clipping",
    "dc_offset",
    "silence_padding",
}


def _judgements(analysis: Analysis) -> dict[str, object]:
    return {
        "findings": sorted(
            (f.code, f.severity) for f in analysis.findings if f.code not in LEVEL_CODES
        ),
        "tempo_bpm": analysis.rhythm.tempo_bpm,
        "tempo_uncertain": analysis.rhythm.uncertain,
        "key": (analysis.tonality.key, analysis.tonality.mode),
    }


@pytest.mark.parametrize("name", list(TRACKS))
def test_a_gain_change_keeps_every_judgement_not_about_level(tmp_path: Path, name: str) -> None:
    path = TRACKS[name]
    if not path.exists():
        pytest.skip(f"{path} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(path)).samplerate
    audio, rate = sf.read(
        str(path), start=10 * rate, frames=round(EXCERPT_S * rate), always_2d=True
    )
    judged = {}
    for gain_db in (0.0, *GAINS_DB):
        copy = tmp_path / f"{gain_db:+.0f}dB.wav"
        sf.write(str(copy), audio * 10 ** (gain_db / 20), rate, subtype="FLOAT")
        judged[gain_db] = _judgements(analyze(copy, genre="general", feedback_type="mixdown"))
    for gain_db in GAINS_DB:
        assert judged[gain_db] == judged[0.0], gain_db
