"""Where the program keeps its log file, and what becomes of a fault of ours: it is logged, and
the user gets a Chinese message with what to do, never a traceback (no Qt here)."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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


def _rotate(path: Path) -> None:
    """Start a log afresh when it has grown past about 2 MB, keeping one old copy (.1)."""
    if path.exists() and path.stat().st_size > _MAX_LOG_BYTES:
        path.replace(path.with_name(path.name + ".1"))


def log_internal(exc: BaseException, file: str | os.PathLike | None = None) -> Path | None:
    """Append a fault to the user's error log — when, which version, which command, which file,
    then the traceback — and return the log's path (None if it cannot be written)."""
    from nianbao import __version__

    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / ERROR_LOG_NAME
        _rotate(log)
        when = datetime.now().astimezone().isoformat(timespec="seconds")
        lines = [
            f"=== {when}  nianbao {__version__}  Python {sys.version.split()[0]}",
            f"命令：{' '.join(sys.argv)}",
        ]
        if file is not None:
            lines.append(f"文件：{os.fspath(file)}")
        text = "\n".join(lines) + "\n" + "".join(traceback.format_exception(exc)) + "\n"
        with log.open("a", encoding="utf-8") as fh:
            fh.write(text)
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


def record_fault(
    exc: BaseException, *, in_batch: bool = False, file: str | os.PathLike | None = None
) -> Fault:
    """Log ``exc`` and return how to tell the user; ``in_batch``: one file of several failed;
    ``file``: the file being worked on, named in the log."""
    log = log_internal(exc, file)
    where = f"详细信息已记录在 {log}。" if log else ""
    if in_batch:
        action = "请把这条信息和该文件发给维护人员；其他文件的结果不受影响。"
    else:
        action = "请把这条信息和所用文件发给维护人员。"
    return Fault(f"年报助手内部出错（{type(exc).__name__}）。{where}", action, log)


def guarded(
    work: Callable[[], T],
    on_fault: Callable[[Fault], T],
    file: str | os.PathLike | None = None,
) -> T:
    """Return ``work()``; a fault of ours is logged (naming ``file``) and ``on_fault(fault)`` is
    returned instead, so that one file never stops a batch (a check of many files, a rollup)."""
    try:
        return work()
    except Exception as exc:  # a bug must not stop the batch
        return on_fault(record_fault(exc, in_batch=True, file=file))


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
        _rotate(path)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path
