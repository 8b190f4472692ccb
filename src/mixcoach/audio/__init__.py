"""Audio: decode once, measure everything from the shared frame. Knows nothing above it."""
