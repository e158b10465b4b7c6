"""Where the program keeps its log file, and what becomes of a fault of ours: it is logged, and
the user gets a Chinese message with what to do, never a traceback (no Qt here)."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

LOG_NAME = "nianbao.log"
ERROR_LOG_NAME = "error.log"
_MAX_LOG_BYTES = 2_000_000


def log_dir() -> Path:
    """Return the user's app-data folder for nianbao (not created here).

    Windows: %LOCALAPPDATA%\\nianbao; Linux (统信UOS/麒麟 included): $XDG_STATE_HOME/nianbao or
    ~/.local/state/nianbao; macOS: ~/Library/Logs/nianbao.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA")
        return Path(base or Path.home() / "AppData" / "Local") / "nianbao"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "nianbao"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "nianbao"


def log_internal(exc: BaseException) -> Path | None:
    """Append a fault's traceback to the user's error log; return its path (None if unwritable)."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / ERROR_LOG_NAME
        with log.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        return log
    except OSError:
        return None


@dataclass(frozen=True)
class Fault:
    """A fault of ours, in words for the user: what happened (naming the log) and what to do."""

    message: str
    action: str
    log: Path | None


T = TypeVar("T")


def record_fault(exc: BaseException, *, in_batch: bool = False) -> Fault:
    """Log ``exc`` and return how to tell the user; ``in_batch``: one file of several failed."""
    log = log_internal(exc)
    where = f"详细信息已记录在 {log}。" if log else ""
    if in_batch:
        action = "请把这条信息和该文件发给维护人员；其他文件的结果不受影响。"
    else:
        action = "请把这条信息和所用文件发给维护人员。"
    return Fault(f"年报助手内部出错（{type(exc).__name__}）。{where}", action, log)


def guarded(work: Callable[[], T], on_fault: Callable[[Fault], T]) -> T:
    """Return ``work()``; a fault of ours is logged and ``on_fault(fault)`` is returned instead,
    so that one file never stops a batch (a check of many files, a rollup)."""
    try:
        return work()
    except Exception as exc:  # a bug must not stop the batch
        return on_fault(record_fault(exc, in_batch=True))


def setup_app_log() -> Path | None:
    """Send the ``nianbao`` logger to LOG_NAME in log_dir(); return the file (None if unwritable).

    The file is started afresh when it grows past about 2 MB, keeping one old copy (.1).
    """
    logger = logging.getLogger("nianbao")
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        if path.exists() and path.stat().st_size > _MAX_LOG_BYTES:
            path.replace(path.with_suffix(".log.1"))
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path
