"""The processing presets derived for a review, kept as first derived (so the page, the preset
files and the report show the same settings)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.storage.models import Preset

#: One row holds the whole set (EQ, compressor, limiter, width) as one document.
PRESET_SET = "preset_set"


def stored_presets(db: Session, *, review_id: str) -> Preset | None:
    return db.scalar(
        select(Preset)
        .where(Preset.review_id == review_id, Preset.kind == PRESET_SET)
        .order_by(Preset.id)
    )


def keep_presets(db: Session, *, review_id: str, name: str, data: dict[str, Any]) -> Preset:
    """The review's stored presets; ``data`` is stored only when there are none yet (the first
    of two concurrent writers wins)."""
    stored = stored_presets(db, review_id=review_id)
    if stored is not None:
        return stored
    row = Preset(review_id=review_id, kind=PRESET_SET, name=name, data=data)
    db.add(row)
    db.flush()
    return row
