"""Knowledge: genre profiles and platform targets (data files with their sources, and loaders).

STUB: to be implemented.
"""
