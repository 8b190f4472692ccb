"""The renders' store (previews, reports, codec runs, waveform outlines) on both backends: the
data folder and a real S3 server (SeaweedFS). Then the orphan sweeps in a bucket shared with
other data: only this store's prefix and kinds are touched, and only names Mixcoach makes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from storage.s3_server import S3Server, new_prefix, storage_settings

from mixcoach.config import Settings
from mixcoach.storage import s3
from mixcoach.storage.rendered import (
    RenderedStore,
    codecs_name,
    forget_review,
    open_rendered,
    peaks_name,
    preview_name,
    report_name,
    sweep_renders,
)
from mixcoach.storage.s3 import S3Store
from mixcoach.storage.store import open_store

REVIEW = uuid.uuid4().hex
OTHER = uuid.uuid4().hex
SHA = "ab" * 32


def later() -> datetime:
    """A time when everything stored so far is past the sweep's grace period."""
    return datetime.now(UTC) + timedelta(seconds=s3.SWEEP_GRACE_S + 60)


@pytest.fixture(params=["files", "s3"])
def rendered(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RenderedStore]:
    settings = Settings(data_dir=tmp_path / "data")
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        bucket: str = request.getfixturevalue("s3_bucket")
        settings = Settings(
            data_dir=tmp_path / "data", storage=storage_settings(server, bucket, new_prefix())
        )
    yield open_rendered(settings, open_store(settings))


def test_renders_are_kept_by_name_listed_and_removed_with_their_review(
    rendered: RenderedStore,
) -> None:
    preview = preview_name(REVIEW, "0123456789abcdef", "all")
    report = report_name(REVIEW, "f" * 64)
    theirs = preview_name(OTHER, "0123456789abcdef", "1-eq")
    assert rendered.get(preview) is None
    for name in (preview, report, theirs, codecs_name(SHA), peaks_name(SHA)):
        rendered.put(name, name.encode())
    rendered.put(preview, b"rendered again")  # a second put replaces the first, whole
    assert rendered.get(preview) == b"rendered again"
    assert {name for name, _ in rendered.listing()} == {
        preview,
        report,
        theirs,
        codecs_name(SHA),
        peaks_name(SHA),
    }

    forget_review(rendered, REVIEW, content=SHA)
    assert rendered.get(preview) is None and rendered.get(report) is None
    assert rendered.get(codecs_name(SHA)) is None and rendered.get(peaks_name(SHA)) is None
    assert rendered.get(theirs) == theirs.encode()  # another review's renders stay


def test_the_sweep_removes_renders_no_row_owns_once_old(rendered: RenderedStore) -> None:
    kept = preview_name(REVIEW, "0123456789abcdef", "all")
    orphan = report_name(OTHER, "e" * 64)
    old_codecs = codecs_name("cd" * 32)
    old_outline = peaks_name("cd" * 32)
    for name in (kept, orphan, old_codecs, old_outline, codecs_name(SHA), peaks_name(SHA)):
        rendered.put(name, b"x")

    def owners() -> tuple[set[str], set[str]]:
        return {REVIEW}, {SHA}

    assert sweep_renders(rendered, owners, older_than=datetime.now(UTC) - timedelta(hours=1)) == 0
    assert sweep_renders(rendered, owners, older_than=later()) == 3
    assert {name for name, _ in rendered.listing()} == {kept, codecs_name(SHA), peaks_name(SHA)}


def test_a_name_mixcoach_does_not_make_is_refused(rendered: RenderedStore) -> None:
    for bad in ("../escape.pdf", f"reports/{REVIEW}/../../x.pdf", "audio/ab/cd", "mixcoach.db"):
        with pytest.raises(ValueError, match="not a render's name"):
            rendered.put(bad, b"x")


def test_the_sweeps_touch_only_their_prefix_and_the_names_they_make(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    """A bucket shared with other data: objects outside the prefix, and objects inside it whose
    names Mixcoach does not make, survive both sweeps; Mixcoach's own orphans go."""
    prefix = new_prefix()
    settings = Settings(
        data_dir=tmp_path / "data", storage=storage_settings(s3_server, s3_bucket, prefix)
    )
    store = open_store(settings)
    assert isinstance(store, S3Store)
    rendered = open_rendered(settings, store)
    client = s3_server.client()
    foreign = [
        f"elsewhere-{prefix}audio/ab/{SHA}",  # another application's copy of the same layout
        f"{prefix}audio/readme.txt",
        f"{prefix}audio/ab/{SHA}.backup",
        f"{prefix}deleted/notes",
        f"{prefix}previews/holiday.jpg",
        f"{prefix}reports/{REVIEW}.pdf",
        f"{prefix}codecs/{SHA}.json.old",
        f"{prefix}notes.txt",
    ]
    for key in foreign:
        client.put_object(Bucket=s3_bucket, Key=key, Body=b"not Mixcoach's")
    orphan_audio = f"{prefix}audio/cd/{'cd' * 32}"
    client.put_object(Bucket=s3_bucket, Key=orphan_audio, Body=b"an orphan")
    orphan_render = preview_name(OTHER, "0123456789abcdef", "all")
    rendered.put(orphan_render, b"an orphan's preview")

    assert store.sweep_orphans(set, now=later()) == 1
    assert sweep_renders(rendered, lambda: (set(), set()), older_than=later()) == 1
    left = set(s3_server.keys(s3_bucket))
    assert set(foreign) <= left
    assert orphan_audio not in left and f"{prefix}{orphan_render}" not in left
    for key in foreign:
        client.delete_object(Bucket=s3_bucket, Key=key)
