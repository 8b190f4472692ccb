"""Knowledge: genre profiles, streaming-platform targets and generic thresholds (TOML data files
under ``data/``, each figure with its source), and the loaders that read them."""
