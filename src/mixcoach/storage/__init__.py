"""Persistence: typed SQLAlchemy models, the database and its migrations, the audio file store,
and the repository functions the API and the job runner call (all SQL lives here)."""
