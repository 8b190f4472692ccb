"""An album's outliers in words: "Track 4 is 2.5 LU louder and 3.0 dB brighter above 6 kHz
than the rest"."""

from __future__ import annotations

from itertools import groupby

from mixcoach.findings.album import AlbumReport, Outlier
from mixcoach.formatting import listing, number


def explain_album(report: AlbumReport) -> list[str]:
    """One sentence per track that stands out, in album order; empty when none does."""
    ordered = sorted(report.outliers, key=lambda o: o.position)
    return [
        f"Track {position} is {listing([_amount(o) for o in outliers])} than the rest"
        for position, outliers in ((p, list(g)) for p, g in groupby(ordered, lambda o: o.position))
    ]


def _amount(outlier: Outlier) -> str:
    words = outlier.label if outlier.difference > 0 else outlier.opposite
    decimals = 2 if outlier.unit == "" else 1
    return f"{number(abs(outlier.difference), decimals=decimals)} {outlier.unit} {words}".replace(
        "  ", " "
    )
