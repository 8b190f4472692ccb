"""A review's waveform outline (:mod:`mixcoach.audio.peaks`), computed once per audio content.

The outline is kept as JSON named by the content's sha256 beside the audio (the data folder or
the bucket, :mod:`mixcoach.storage.rendered`), like the codec runs, so every review, session,
server and restart of the same audio reads one decode, and it goes with the content's last
review. Two first requests at once may both decode, and both store the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from mixcoach.api.schemas import PeaksOut
from mixcoach.api.state import AppState
from mixcoach.audio.peaks import PeakLevel, Peaks, compute_peaks
from mixcoach.errors import NotFound
from mixcoach.storage.rendered import RenderedStore, peaks_name
from mixcoach.storage.reviews import get_review
from mixcoach.storage.store import AudioStore

NO_REFERENCE = "Review {review_id} has no reference."

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
    outline = cached_outline(state.rendered, state.store, sha256)
    return PeaksOut.model_validate({"which": which, **outline})


def cached_peaks(rendered: RenderedStore, store: AudioStore, sha256: str) -> Peaks:
    """The content's outline (the endpoint's cached document) as :class:`Peaks`."""
    outline: dict[str, Any] = cached_outline(rendered, store, sha256)
    return Peaks(
        duration_s=float(outline["duration_s"]),
        sample_rate_hz=int(outline["sample_rate_hz"]),
        levels=[
            PeakLevel(columns=int(level["columns"]), low=level["min"], high=level["max"])
            for level in outline["levels"]
        ],
    )


def cached_outline(rendered: RenderedStore, store: AudioStore, sha256: str) -> dict[str, object]:
    """The content's outline as the JSON document kept beside the audio (made on first use)."""
    name = peaks_name(sha256)
    stored = rendered.get(name)
    if stored is not None:
        try:
            cached: dict[str, object] = json.loads(stored)
            return cached
        except ValueError:
            pass  # a damaged document is made again
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
    rendered.put(name, json.dumps(outline).encode())
    return outline
