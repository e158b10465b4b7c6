"""Run a core function off the GUI thread; report progress, result and errors through signals.

Core functions take ``progress(fraction, message)`` and ``cancelled()`` callbacks (the same ones
the CLI passes). A Job adapts them to Qt signals, so a worker never touches a widget and the
window stays responsive. Signals emitted from the worker thread are queued to the receivers in
the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from nianbao.applog import record_fault
from nianbao.errors import Cancelled, NianbaoError
from nianbao.jobs import IsCancelled, Progress

log = logging.getLogger("nianbao")

Work = Callable[[Progress, IsCancelled], Any]


@dataclass(frozen=True)
class Failure:
    """What went wrong in a job, in words for a dialog: message, what to do, and a log file."""

    message: str
    action: str = ""
    internal: bool = False
    log_file: str = ""

    @classmethod
    def from_exception(cls, exc: BaseException) -> Failure:
        """Return the failure for an error of the user's data, or a logged fault of ours."""
        if isinstance(exc, NianbaoError):
            return cls(exc.message, exc.action)
        fault = record_fault(exc)
        return cls(fault.message, fault.action, internal=True, log_file=str(fault.log or ""))


class Job(QThread):
    """One piece of long work. Connect to the signals, then call ``start()``.

    Exactly one of ``succeeded``, ``failed`` or ``was_cancelled`` is emitted when the work ends.
    """

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # a Failure
    was_cancelled = Signal()

    def __init__(self, work: Work, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self.label = label
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; the job then emits ``was_cancelled``."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # runs in the worker thread
        log.info("开始：%s", self.label)
        try:
            result = self._work(self.progressed.emit, self._cancel.is_set)
        except Cancelled:
            log.info("已取消：%s", self.label)
            self.was_cancelled.emit()
            return
        except BaseException as exc:
            failure = Failure.from_exception(exc)
            log.warning("失败：%s：%s", self.label, failure.message)
            self.failed.emit(failure)
            return
        # Work that returned has finished (its files are written) even if cancel came late.
        log.info("完成：%s", self.label)
        self.succeeded.emit(result)
