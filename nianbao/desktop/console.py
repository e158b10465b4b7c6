"""What the command line prints besides its reports: JSON, errors with what to do, and progress
on one line of stderr (only when stderr is a terminal)."""

from __future__ import annotations

import json
import sys
import time

from nianbao.errors import NianbaoError


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def print_error(exc: NianbaoError) -> None:
    """Print an error and what to do about it to stderr (never a traceback)."""
    print(f"错误：{exc.message}", file=sys.stderr)
    if exc.action:
        print(f"怎么办：{exc.action}", file=sys.stderr)


def utf8_stdio() -> None:
    """Print Chinese even on consoles whose default encoding cannot (old Windows code pages)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.encoding and stream.encoding.lower().replace("-", "") not in ("utf8",):
                stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


class ProgressBar:
    """A progress bar on one line of stderr, redrawn at most ten times a second."""

    WIDTH = 24

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and fraction < 1:
            return
        self._last = now
        done = int(self.WIDTH * min(max(fraction, 0.0), 1.0))
        bar = "█" * done + "░" * (self.WIDTH - done)
        line = f"\r{bar} {fraction:4.0%} {message}"
        print(line[:100].ljust(80), end="", file=sys.stderr, flush=True)


def progress_line(fraction: float, message: str) -> None:
    """Show the fraction done and the message on one line of stderr, rewritten in place."""
    # "\r" rewrites one line in place; the padding clears a longer previous message.
    print(f"\r{fraction:4.0%} {message}".ljust(60), end="", file=sys.stderr, flush=True)


def end_progress() -> None:
    """End the progress line, so that what follows starts on a line of its own."""
    print(file=sys.stderr)
