"""A review's waveform outline (:mod:`mixcoach.audio.peaks`), computed once per audio content.

The outline is kept as JSON named by the content's sha256 in ``<data_dir>/peaks/``, like the
codec runs, so every review and session of the same audio, and every restart, reads one
decode. It is written to a temporary name and renamed, so a reader never meets half a file;
two first requests at once may both decode, and both write the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from mixcoach.api.schemas import PeaksOut
from mixcoach.api.state import AppState
from mixcoach.audio.peaks import PeakLevel, Peaks, compute_peaks
from mixcoach.errors import NotFound
from mixcoach.storage.reviews import get_review
from mixcoach.storage.store import AudioStore

NO_REFERENCE = "Review {review_id} has no reference."
#: In the file name: a change of the outline's shape or levels starts new files.
PEAKS_FORMAT = 1

Which = Literal["track", "reference"]


def review_peaks(state: AppState, *, session_id: str, review_id: str, which: Which) -> PeaksOut:
    """The outline of the review's track or reference; NotFound for another session's review
    (exactly like a missing one) and for the reference of a review that has none."""
    with state.database.session() as db:
        row = get_review(db, session_id=session_id, review_id=review_id)
        track = row.track if which == "track" else row.reference
        if track is None:
            raise NotFound(NO_REFERENCE.format(review_id=review_id))
        sha256 = track.file_sha256
    outline = cached_outline(peaks_folder(state), state.store, sha256)
    return PeaksOut.model_validate({"which": which, **outline})


def peaks_folder(state: AppState) -> Path:
    """Where the outlines are kept: in the data folder, whichever store holds the audio."""
    return state.settings.data_dir / "peaks"


def cached_peaks(folder: Path, store: AudioStore, sha256: str) -> Peaks:
    """The content's outline (the endpoint's cached document) as :class:`Peaks`."""
    outline: dict[str, Any] = cached_outline(folder, store, sha256)
    return Peaks(
        duration_s=float(outline["duration_s"]),
        sample_rate_hz=int(outline["sample_rate_hz"]),
        levels=[
            PeakLevel(columns=int(level["columns"]), low=level["min"], high=level["max"])
            for level in outline["levels"]
        ],
    )


def cached_outline(folder: Path, store: AudioStore, sha256: str) -> dict[str, object]:
    """The content's outline as the JSON document kept in ``folder`` (made on first use)."""
    path = folder / f"{sha256}.v{PEAKS_FORMAT}.json"
    try:
        cached: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return cached
    except (OSError, ValueError):
        pass
    with store.local_copy(sha256) as local:
        peaks = compute_peaks(local)
    outline: dict[str, object] = {
        "duration_s": peaks.duration_s,
        "sample_rate_hz": peaks.sample_rate_hz,
        "levels": [
            {"columns": level.columns, "min": level.low, "max": level.high}
            for level in peaks.levels
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_text(json.dumps(outline), encoding="utf-8")
    partial.replace(path)
    return outline
