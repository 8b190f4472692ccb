"""The ids in paths, checked once for every route of the routers that declare
``dependencies=[KnownIds]``: an id Mixcoach cannot have made (a NUL character, say, which
PostgreSQL refuses even to compare) answers 404 like any unknown id, before any query runs.

The check runs after the session token's (it depends on ``CurrentSession``), so a request
without a token still hears 401 first.
"""

from __future__ import annotations

import re

from fastapi import Depends, Request

from mixcoach.api.deps import CurrentSession
from mixcoach.errors import NotFound
from mixcoach.storage.albums import ALBUM_NOT_FOUND
from mixcoach.storage.reviews import REVIEW_NOT_FOUND
from mixcoach.storage.tracks import TRACK_NOT_FOUND

#: What ``storage.models.new_id`` makes: 32 lowercase hex digits.
ID = re.compile(r"[0-9a-f]{32}")
_NOT_FOUND = {
    "review_id": REVIEW_NOT_FOUND,
    "other_id": REVIEW_NOT_FOUND.replace("review_id", "other_id"),
    "track_id": TRACK_NOT_FOUND,
    "album_id": ALBUM_NOT_FOUND,
}


async def known_ids(request: Request, session: CurrentSession) -> None:
    for name, message in _NOT_FOUND.items():
        value = request.path_params.get(name)
        if value is not None and not ID.fullmatch(value):
            raise NotFound(message.format(**{name: value}))


KnownIds = Depends(known_ids)
