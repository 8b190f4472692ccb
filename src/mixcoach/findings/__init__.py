"""Findings: rules that turn measurements (+ reference, genre profile, feedback type) into Findings.

STUB: the rules, the metric table and the reference comparison are to be implemented.
"""
