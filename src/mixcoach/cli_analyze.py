"""``mixcoach analyze``: measure files, print a report or JSON Lines, keep going past bad files."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mixcoach.analysis import Analysis
    from mixcoach.audio.analyze import Measurements, ProgressFn
    from mixcoach.findings.model import FeedbackType


_PIPED_WIDTH = 110


def run_analyze(
    files: Sequence[str],
    *,
    reference: str | None,
    genre: str | None,
    feedback_type: FeedbackType,
    as_json: bool,
) -> int:
    """Analyse each file in order. Returns 0 if all succeeded, 1 if any failed, 2 on bad options."""
    from mixcoach.analysis import assemble
    from mixcoach.audio.analyze import measure
    from mixcoach.errors import InputError, MixcoachError
    from mixcoach.knowledge.genres import resolve_profile

    try:
        profile = resolve_profile(genre)
    except InputError as exc:
        _error(exc.message)
        return 2

    failed = False
    with _Progress(
        len(files) + (reference is not None), enabled=_wants_progress(files, reference)
    ) as bar:
        reference_measurements: Measurements | None = None
        if reference is not None:
            try:
                reference_measurements = measure(
                    reference, progress=bar.tracker(f"{reference} (reference)")
                )
            except MixcoachError as exc:
                _error(f"reference {exc.message}")
                return 1
        for path in files:
            try:
                track = measure(path, progress=bar.tracker(path))
                analysis = assemble(
                    track,
                    profile=profile,
                    feedback_type=feedback_type,
                    reference=reference_measurements,
                )
            except MixcoachError as exc:
                failed = True
                _error(exc.message)
                continue
            except Exception as exc:  # one broken file must not stop the others
                failed = True
                _error(f"{path}: could not be analysed ({type(exc).__name__}: {exc}).")
                continue
            if as_json:
                sys.stdout.write(analysis.model_dump_json() + "\n")
                sys.stdout.flush()
            else:
                bar.print(_render(analysis))
    return 1 if failed else 0


def run_genres() -> int:
    """Print every genre profile, with its subgenres, as ``--genre`` accepts them."""
    from mixcoach.knowledge.genres import list_profiles

    for profile in list_profiles():
        name = profile.genre if profile.subgenre is None else f"{profile.genre}/{profile.subgenre}"
        print(f"{name:28} {profile.label}")
    return 0


def _error(message: str) -> None:
    print(f"mixcoach: error: {message}", file=sys.stderr, flush=True)


def _wants_progress(files: Sequence[str], reference: str | None) -> bool:
    return sys.stderr.isatty() and (len(files) > 1 or reference is not None)


class _Progress:
    """A progress bar across all files, on the terminal only (never mixed into piped output)."""

    def __init__(self, total_files: int, *, enabled: bool) -> None:
        self._total = total_files
        self._enabled = enabled
        self._done = 0
        self._bar: Any = None
        self._task: Any = None
        self._context: AbstractContextManager[Any] = nullcontext()

    def __enter__(self) -> _Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                # Share stdout's console when it is the terminal, so reports print above the bar.
                console=Console(stderr=not sys.stdout.isatty()),
                transient=True,
            )
            self._context = self._bar
            self._context.__enter__()
            self._task = self._bar.add_task("", total=self._total)
        return self

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(None, None, None)

    def tracker(self, label: str) -> ProgressFn:
        """A progress callback for one file; advances the shared bar as that file is measured."""
        start = self._done
        self._done += 1
        if self._bar is None:
            return lambda stage, fraction: None
        bar, task = self._bar, self._task

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=start + fraction, description=f"{stage} {label}")

        return update

    def print(self, renderable: Any) -> None:
        if self._bar is not None and not self._bar.console.stderr:
            self._bar.console.print(renderable)
            return
        from rich.console import Console

        # Piped or redirected output has no width of its own; give the table room to breathe.
        console = Console() if sys.stdout.isatty() else Console(width=_PIPED_WIDTH)
        console.print(renderable)


def _render(analysis: Analysis) -> Any:
    from mixcoach.textreport import render_analysis

    return render_analysis(analysis)
