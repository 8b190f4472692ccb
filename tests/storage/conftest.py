from __future__ import annotations

from storage.databases import database, database_url, postgres_url, store
from storage.s3_server import s3_bucket, s3_server

__all__ = [  # fixtures shared with the others
    "database",
    "database_url",
    "postgres_url",
    "s3_bucket",
    "s3_server",
    "store",
]
