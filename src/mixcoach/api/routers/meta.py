"""Health, version, and the options the upload form offers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mixcoach import __version__
from mixcoach.api.deps import SettingsDep, StateDep
from mixcoach.api.errors import COMMON_RESPONSES
from mixcoach.api.schemas import Genre, Health, Options, Subgenre, Version
from mixcoach.feedback.model import DETAIL_LEVELS
from mixcoach.findings.model import FEEDBACK_TYPES

router = APIRouter(prefix="/api", tags=["service"], responses=COMMON_RESPONSES)

#: What a storage condition other than ``ok`` means (no address: the operator's log has it).
STORAGE_PROBLEMS = {
    "full": "The server's storage is full: new uploads cannot be kept.",
    "unwritable": "The server's data folder cannot be written: new uploads cannot be kept.",
    "unreachable": "The audio store (object storage) is unreachable: it did not answer within "
    "two seconds, or refused Mixcoach's credentials.",
}


@router.get(
    "/health",
    responses={
        503: {
            "model": Health,
            "description": "The database is down, the audio store is full, unwritable or "
            "unreachable, or the job runner is stuck or stopped.",
        }
    },
)
def health(state: StateDep, response: Response) -> Health:
    """Whether the database answers, the audio store (the data folder, or the object store's
    bucket) can take new files, and the job runner is taking and finishing jobs (503 when
    not). An object store is given one try of under a second, so a dead one is reported within
    about two seconds."""
    database: Literal["ok", "unreachable"] = "ok"
    try:
        with state.database.session() as db:
            db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        database = "unreachable"
    storage = state.store.condition()
    runner = state.jobs_health()
    healthy = database == "ok" and storage == "ok" and runner.state == "running"
    if not healthy:
        response.status_code = 503
    return Health(
        status="ok" if healthy else "degraded",
        database=database,
        storage=storage,
        storage_problem=STORAGE_PROBLEMS.get(storage),
        jobs=runner.state,
        jobs_problem=runner.reason,
    )


@router.get("/version")
def version() -> Version:
    from mixcoach.analysis import SCHEMA_VERSION

    return Version(version=__version__, analysis_schema_version=SCHEMA_VERSION)


@router.get("/options")
def options(settings: SettingsDep) -> Options:
    """Feedback types, detail levels, genres with their subgenres, and the upload limits."""
    from mixcoach.knowledge.genres import list_profiles

    profiles = list_profiles()
    genres = {
        p.genre: Genre(genre=p.genre, label=p.label, description=p.description, subgenres=[])
        for p in profiles
        if p.subgenre is None
    }
    for p in profiles:
        if p.subgenre is not None:
            genres[p.genre].subgenres.append(
                Subgenre(subgenre=p.subgenre, label=p.label, description=p.description)
            )
    return Options(
        feedback_types=list(FEEDBACK_TYPES),
        detail_levels=list(DETAIL_LEVELS),
        genres=list(genres.values()),
        max_file_mb=settings.uploads.max_file_mb,
        max_duration_minutes=settings.audio.max_duration_minutes,
    )
