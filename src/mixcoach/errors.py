"""One error hierarchy for Mixcoach, with user-facing messages.

    MixcoachError
    ├── AudioError            the file cannot be decoded or is not audio
    ├── InputError            a request or argument is malformed (unknown genre, bad option)
    ├── NotFound              a resource does not exist (or belongs to another session)
    │   └── AudioMissing      a stored file's audio is not in the store any more
    ├── FeedbackUnavailable   no feedback engine could answer
    ├── StorageFull           the disk (or the database) has no room for what was to be kept
    └── StorageUnavailable    the audio store (S3-compatible object storage) does not answer

Messages are complete sentences a producer can act on; they name the file or value at fault.
"""

from __future__ import annotations


class MixcoachError(Exception):
    """Base of every error Mixcoach raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AudioError(MixcoachError):
    code = "audio_error"


class InputError(MixcoachError):
    code = "input_error"


class NotFound(MixcoachError):
    code = "not_found"


class FeedbackUnavailable(MixcoachError):
    code = "feedback_unavailable"


class StorageFull(MixcoachError):
    code = "storage_full"


class AudioMissing(NotFound):
    code = "audio_missing"


class StorageUnavailable(MixcoachError):
    code = "storage_unavailable"
