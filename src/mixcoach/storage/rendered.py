"""What Mixcoach renders from a review, kept where every server reads it: :class:`RenderedStore`.

    previews/<review_id>/<plan hash>/<preview id>.npz   a rendered before/after, matched
    reports/<review_id>/<inputs hash>.pdf               the PDF report of those inputs
    codecs/<sha256>.json                                the content through the delivery codecs

The names are the same in both places: the data folder (``<data_dir>/previews/...``, the
embedded default) and the bucket of ``MIXCOACH_STORAGE_URL`` under its prefix
(``s3://BUCKET/PREFIX/previews/...``, in ``storage/s3.py``), so a preview, a report or a codec
run made by one server is served by any other. Renders are a cache: a name that is missing is
rendered again, and what is stored under a name is what those inputs render to. Deleting a
review removes its folders (and the codec run with the last review of that content); the orphan
sweep removes what a deletion interrupted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mixcoach.errors import StorageUnavailable
from mixcoach.storage.files import no_room_is_storage_full

if TYPE_CHECKING:
    from mixcoach.config import Settings
    from mixcoach.storage.store import AudioStore

log = logging.getLogger(__name__)

#: The top-level folders the rendered kinds live in (the sweep lists nothing else).
KINDS = ("previews/", "reports/", "codecs/", "peaks/")
_NAME = re.compile(
    r"(?:(?:previews|reports)/(?P<review>[0-9a-f]{32})/[\w-]+(?:/[\w-]+)*\.(?:npz|pdf)"
    r"|(?:codecs|peaks)/(?P<sha256>[0-9a-f]{64})(?:\.v\d+)?\.json)"
)
_FOLDER = re.compile(r"(?:previews|reports)/[0-9a-f]{32}/")


@dataclass(frozen=True)
class Owner:
    """What a stored render belongs to: a review, or (a codec run) an audio content."""

    review_id: str | None
    sha256: str | None


def owner_of(name: str) -> Owner | None:
    """Whose render ``name`` is; None for a name Mixcoach does not make (left alone)."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    return Owner(match["review"], match["sha256"])


def check_name(name: str) -> str:
    """``name`` if it is a render's name or a review's folder of them, else ValueError."""
    if owner_of(name) is None and _FOLDER.fullmatch(name) is None:
        raise ValueError(f"not a render's name: {name!r}")
    return name


def preview_name(review_id: str, plan_hash: str, preview_id: str) -> str:
    return f"previews/{review_id}/{plan_hash}/{preview_id}.npz"


def report_name(review_id: str, inputs_hash: str) -> str:
    return f"reports/{review_id}/{inputs_hash}.pdf"


def codecs_name(sha256: str) -> str:
    return f"codecs/{sha256}.json"


#: In the outline's name: a change of its shape or levels starts new names.
PEAKS_FORMAT = 1


def peaks_name(sha256: str) -> str:
    """The waveform outline of a content."""
    return f"peaks/{sha256}.v{PEAKS_FORMAT}.json"


def report_folder(review_id: str) -> str:
    return f"reports/{review_id}/"


def review_folders(review_id: str) -> list[str]:
    return [f"previews/{review_id}/", report_folder(review_id)]


class RenderedStore(Protocol):
    """Rendered bytes by name (names as above; a folder name ends in ``/``)."""

    def get(self, name: str) -> bytes | None:
        """The bytes stored under ``name``; None when there are none."""

    def put(self, name: str, content: bytes) -> None:
        """Store ``content`` under ``name``, whole or not at all."""

    def remove_folder(self, folder: str) -> None:
        """Remove everything under ``folder`` (nothing happens when it is empty)."""

    def remove(self, name: str) -> None: ...

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """Every stored name of the kinds above, with when it was stored."""


def open_rendered(settings: Settings, store: AudioStore) -> RenderedStore:
    """The renders beside the audio: in the bucket when the audio is there, else the data folder."""
    from mixcoach.storage.s3 import S3Rendered, S3Store

    if isinstance(store, S3Store):
        return S3Rendered(store)
    return FolderRendered(settings.data_dir)


def forget_review(rendered: RenderedStore, review_id: str, *, content: str | None) -> None:
    """Remove a deleted review's renders (and the codec run of ``content``, its last review
    gone). Called after the rows' commit: a store that does not answer now leaves them to the
    orphan sweep, and the delete still stands."""
    try:
        for folder in review_folders(review_id):
            rendered.remove_folder(folder)
    except StorageUnavailable as exc:
        log.warning("renders of review %s left for the sweep: %s", review_id, exc.message)
    if content is not None:
        forget_content(rendered, content)


def forget_content(rendered: RenderedStore, sha256: str) -> None:
    """Remove the codec run and the waveform outlines of a content no review uses any more
    (or leave them to the sweep)."""
    try:
        rendered.remove(codecs_name(sha256))
        rendered.remove(peaks_name(sha256))
    except StorageUnavailable as exc:
        log.warning("renders of content %s left for the sweep: %s", sha256[:12], exc.message)


def sweep_renders(
    rendered: RenderedStore,
    owners: Callable[[], tuple[set[str], set[str]]],
    *,
    older_than: datetime,
) -> int:
    """Remove renders stored before ``older_than`` whose review (or, for a codec run, content)
    is not among ``owners()`` (review ids, content sha256s); names Mixcoach does not make are
    left alone. Listed before the rows are read, so a render of a review made meanwhile is
    kept. Returns how many went."""
    stored = [
        (name, owner)
        for name, at in rendered.listing()
        if at < older_than and (owner := owner_of(name)) is not None
    ]
    reviews, contents = owners()
    doomed = [
        name
        for name, owner in stored
        if (owner.review_id is not None and owner.review_id not in reviews)
        or (owner.sha256 is not None and owner.sha256 not in contents)
    ]
    for name in doomed:
        rendered.remove(name)
    return len(doomed)


class FolderRendered:
    """Renders in the data folder, under the same names as in a bucket."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / check_name(name)

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # a file where a folder goes: none
            return None

    def put(self, name: str, content: bytes) -> None:
        path = self._path(name)
        partial = path.with_name(f"{uuid.uuid4().hex}.part")  # not a render's name: never listed
        with no_room_is_storage_full():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                partial.write_bytes(content)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        os.replace(partial, path)  # readers see the whole render or none

    def remove_folder(self, folder: str) -> None:
        shutil.rmtree(self._path(folder), ignore_errors=True)

    def remove(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for kind in KINDS:
            for path in (self.root / kind).rglob("*"):
                if path.is_file():
                    stat = path.stat()
                    name = path.relative_to(self.root).as_posix()
                    yield name, datetime.fromtimestamp(stat.st_mtime, UTC)
