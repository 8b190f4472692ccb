"""Technique notes (Markdown), one per finding code and per common question; see
:mod:`mixcoach.feedback.retrieval` for their format and how they are searched."""
