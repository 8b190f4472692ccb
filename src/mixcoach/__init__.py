"""Mixcoach: a mixing and mastering assistant that measures a track and explains what to change."""

__version__ = "0.1.0"
