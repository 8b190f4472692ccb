"""The ``mixcoach`` command: ``analyze`` files in the terminal, see them through the delivery
``codecs``, ``serve`` the web app, run a ``worker`` for the task queue.

Start-up stays fast: only argparse is imported here; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

FEEDBACK_TYPES = ("mixdown", "mastering", "master_review")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mixcoach",
        description="Mixing and mastering assistant: measures tracks and explains what to change.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze",
        help="measure audio files: loudness, dynamics, balance, stereo, tempo, key, defects",
        description="Measure audio files (WAV, AIFF, FLAC, OGG, MP3, M4A...) and judge them "
        "against a genre profile for the chosen feedback type.",
    )
    analyze.add_argument("files", nargs="+", metavar="FILE", help="audio files to analyse")
    analyze.add_argument("--reference", metavar="REF", help="a reference track to compare with")
    analyze.add_argument(
        "--genre",
        metavar="GENRE[/SUBGENRE]",
        help="genre profile to judge against, e.g. edm/house or pop (see `mixcoach genres`)",
    )
    analyze.add_argument(
        "--type",
        dest="feedback_type",
        choices=FEEDBACK_TYPES,
        default="mixdown",
        help="what the file is judged as: a mixdown (headroom, balance), a mix to be mastered, "
        "or a finished master (delivery); default: mixdown",
    )
    analyze.add_argument(
        "--json", action="store_true", help="print one Analysis JSON document per file (JSON Lines)"
    )

    commands.add_parser("genres", help="list the genre profiles and their subgenres")

    codecs = commands.add_parser(
        "codecs",
        help="hear-through figures: each file encoded as AAC, Opus and MP3, decoded and measured",
        description="Encode each file as streaming services deliver it (AAC 256 kbps, Opus "
        "160 kbps, MP3 320 kbps), decode it and measure again: the true peak after decoding, how "
        "far it moved, the loudness change and the samples a decoder clips.",
    )
    codecs.add_argument("files", nargs="+", metavar="FILE", help="audio files (mono or stereo)")

    serve = commands.add_parser("serve", help="run the web app (default http://127.0.0.1:8000)")
    serve.add_argument("--host", default=None, help="address to listen on (default from settings)")
    serve.add_argument("--port", type=int, default=None, help="port (default from settings)")

    worker = commands.add_parser(
        "worker",
        help="run analyses from the task queue (scale-out; needs MIXCOACH_JOBS_BROKER_URL)",
        description="Take analyses from the task queue (RabbitMQ at MIXCOACH_JOBS_BROKER_URL) and "
        "run them, one per process, until stopped (SIGTERM or Ctrl+C lets a running analysis "
        "finish, then requeues it past MIXCOACH_JOBS_SHUTDOWN_GRACE_SECONDS).",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="analyses at the same time, one process each (default 1)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from mixcoach import __version__

        print(f"mixcoach {__version__}")
        return 0
    if args.command == "analyze":
        from mixcoach.cli_analyze import run_analyze

        return run_analyze(
            args.files,
            reference=args.reference,
            genre=args.genre,
            feedback_type=args.feedback_type,
            as_json=args.json,
        )
    if args.command == "genres":
        from mixcoach.cli_analyze import run_genres

        return run_genres()
    if args.command == "codecs":
        from mixcoach.cli_codecs import run_codecs

        return run_codecs(args.files)
    if args.command == "serve":
        from mixcoach.api.server import serve

        return serve(host=args.host, port=args.port)
    if args.command == "worker":
        if args.concurrency < 1:
            parser.error(f"--concurrency must be 1 or more, not {args.concurrency}")
        from mixcoach.config import get_settings
        from mixcoach.jobs.consumer import run_workers

        return run_workers(get_settings(), concurrency=args.concurrency)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
