"""Small value types shared by the measurement families."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base for every measurement result: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TimeRange(Model):
    """A stretch of the track, in seconds from its start."""

    start_s: float
    end_s: float


class Series(Model):
    """A measurement over time, for plots: ``values[i]`` belongs to ``start_s + i * hop_s``.

    ``None`` marks a point where the value is undefined (digital silence).
    """

    start_s: float
    hop_s: float
    values: list[float | None]
