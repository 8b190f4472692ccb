"""Analysis jobs: an in-process runner that feeds queued analyses to worker processes, records
their progress and results in the database, and tells the waiting event streams."""
