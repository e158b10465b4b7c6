"""The contract of long work, the same for the command line and the window: a core function that
takes a while accepts ``progress(fraction, message)`` and ``cancelled()`` and raises
``errors.Cancelled`` when asked to stop before it has written anything."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]  # fraction done (0…1), what is being done, in Chinese
IsCancelled = Callable[[], bool]  # True once the user asked to stop


def part(progress: Progress | None, start: float, width: float) -> Progress | None:
    """Return a progress callback that maps 0…1 onto ``start…start + width`` of ``progress``."""
    if progress is None:
        return None
    outer = progress
    return lambda fraction, message: outer(start + width * fraction, message)
