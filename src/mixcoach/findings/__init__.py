"""Findings: rules that turn measurements (+ reference, genre profile, feedback type) into
Findings, the metric table and the reference comparison. :func:`judge` is the entry point."""
