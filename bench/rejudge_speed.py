"""How long re-judging takes beside the full analysis it spares (target: well under a second).

    .venv/bin/python bench/rejudge_speed.py [TRACK]

TRACK defaults to a real 44.1 kHz recording (Drascula's track 3). The track is analysed once
(decode and measure, then judge: the time of an upload's job); then, each figure the median of
repeated runs, the judgement alone (``analysis.rejudge``) for every feedback type against another
genre, and with the built-in coach's feedback written on top.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from mixcoach.analysis import analyze, rejudge
from mixcoach.feedback import FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.findings.model import FEEDBACK_TYPES
from mixcoach.knowledge.genres import resolve_profile

TRACK = Path("/usr/share/scummvm/drascula/audio/track3.ogg")
RUNS = 5


def main() -> None:
    track = Path(sys.argv[1]) if len(sys.argv) > 1 else TRACK
    started = time.perf_counter()
    analysis = analyze(track, genre="pop", feedback_type="mixdown")
    full_s = time.perf_counter() - started
    engine = OfflineEngine()
    profile = resolve_profile("rock")
    print(f"{track.name}: {analysis.file.duration_s:.0f} s of audio")
    print(f"  full analysis (decode, measure, judge)   {full_s * 1000:8.0f} ms")
    for feedback_type in FEEDBACK_TYPES:
        judged, written = [], []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            again = rejudge(analysis, profile=profile, feedback_type=feedback_type)
            t1 = time.perf_counter()
            request = FeedbackRequest(feedback_type=feedback_type, detail="pro")
            engine.feedback(again, request).result()
            t2 = time.perf_counter()
            judged.append(t1 - t0)
            written.append(t2 - t0)
        print(
            f"  rejudge as {feedback_type:<14} rock        "
            f"{statistics.median(judged) * 1000:8.1f} ms"
            f"   with feedback {statistics.median(written) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
