"""The PDF's "As listeners get it" section: the track through each delivery codec (decoded true
peak, clipped samples, loudness change) and, per streaming service, the codec it delivers with
and the gain it plays that copy at. Shown once the review's codec check has run (the Analysis'
``codecs``); nothing before."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from mixcoach.analysis import Analysis
from mixcoach.export.report_styles import FRAME_WIDTH_PT, HEADING_ROOM_LINES, Styles, table_style
from mixcoach.formatting import count, number, signed
from mixcoach.knowledge.platforms import decoded_playback, delivery_codec, platforms


def listening_section(analysis: Analysis, styles: Styles) -> list[Flowable]:
    """The section's heading and two tables; empty until the codec check has run."""
    results = analysis.codecs
    if not results:
        return []
    codecs: list[list[Flowable]] = [
        _row(
            styles,
            "Codec",
            "Decoded true peak",
            "Peak change",
            "Clipped samples",
            "Loudness",
            header=True,
        )
    ]
    for r in results:
        codecs.append(
            _row(
                styles,
                r.codec,
                _db(r.true_peak_dbtp, "dBTP"),
                _db(r.true_peak_change_db, "dB"),
                count(r.clipped_samples),
                _db(r.loudness_change_lu, "LU"),
            )
        )
    by_name = {r.codec: r for r in results}
    services: list[list[Flowable]] = [
        _row(styles, "Service", "Codec", "Playback gain", "Decoded peak after gain", header=True)
    ]
    for p in platforms():
        codec = delivery_codec(p, list(by_name))
        played = decoded_playback(
            p, integrated_lufs=analysis.loudness.integrated_lufs, decoded=by_name[codec]
        )
        services.append(
            _row(
                styles,
                p.label,
                codec,
                signed(played.gain_db),
                _db(played.playback_peak_dbtp, "dBTP"),
            )
        )
    return [
        CondPageBreak(HEADING_ROOM_LINES * styles.h2.leading),
        Paragraph("As listeners get it", styles.h2),
        Paragraph(
            "The whole track encoded as the services deliver it, decoded and measured with the "
            "same meter. Clipped samples are decoded samples beyond full scale.",
            styles.body,
        ),
        Table(
            codecs,
            colWidths=_widths(0.28, 0.2, 0.16, 0.18, 0.18),
            repeatRows=1,
            style=table_style(),
        ),
        Table(
            services, colWidths=_widths(0.25, 0.25, 0.22, 0.28), repeatRows=1, style=table_style()
        ),
    ]


def _row(styles: Styles, label: str, *values: str, header: bool = False) -> list[Flowable]:
    first = styles.header if header else styles.cell_bold
    rest = styles.header_right if header else styles.cell_right
    return [Paragraph(label, first), *(Paragraph(v, rest) for v in values)]


def _db(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{number(value, signed=True)} {unit}"


def _widths(*fractions: float) -> list[float]:
    return [FRAME_WIDTH_PT * f for f in fractions]
