from __future__ import annotations

from storage.s3_server import s3_bucket, s3_server

__all__ = ["s3_bucket", "s3_server"]  # fixtures shared with the storage tests
