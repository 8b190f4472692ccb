from __future__ import annotations

from storage.databases import database, database_url, postgres_url, store

__all__ = ["database", "database_url", "postgres_url", "store"]  # fixtures shared with the others
