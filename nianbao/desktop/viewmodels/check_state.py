"""The 校验 page's state machine, without Qt: when a check starts, what a check asked for while
one runs becomes, the one retry of a workbook caught half-saved, and what a save on disk does.

``CheckController`` holds the state; each of its methods is an event (a check asked for, a
result, the job's end, the files touched or settled) and returns the actions the page performs
with its jobs, timers, widgets and dialogs, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import CheckInputs, CheckResult, SaveTracker

SETTLE_MS = 700  # WPS/Excel write a file in several steps: wait until they are done
MISSING_RETRY_MS = 300  # the file is briefly gone while the new one is renamed into place
UNREADABLE_RETRY_MS = 1200  # a save caught half-written: look once more before saying so


@dataclass(frozen=True)
class NoWorkbook:
    """Say in a dialog that no workbook is chosen yet."""


@dataclass(frozen=True)
class WorkbookMissing:
    """Show on the page that ``path`` is not there; when ``tell``, say so in a dialog too."""

    path: Path
    tell: bool


@dataclass(frozen=True)
class StartCheck:
    """Watch the files of ``inputs`` and check them as a job; ``auto`` when a save asked."""

    inputs: CheckInputs
    auto: bool


@dataclass(frozen=True)
class ShowResult:
    """Show ``result``; ``auto`` when a save asked for it (no dialogs but for an unreadable
    workbook, and the focus stays where it is)."""

    result: CheckResult
    auto: bool


@dataclass(frozen=True)
class CheckAgain:
    """Ask for a check of the files in the fields: at once when ``delay_ms`` is None, else after
    ``delay_ms`` (0: once the event loop runs again)."""

    auto: bool
    delay_ms: int | None = None


@dataclass(frozen=True)
class CheckUnfinished:
    """Say on the page that the check did not finish (the window has shown why)."""


@dataclass(frozen=True)
class LookAgain:
    """Look at the files again in ``delay_ms``, unless they are touched again before."""

    delay_ms: int


@dataclass(frozen=True)
class Watch:
    """Watch the files of ``inputs`` (a file renamed over the old one is a new one to watch)."""

    inputs: CheckInputs


@dataclass(frozen=True)
class WorkbookGone:
    """Say in the status line that ``path`` has stayed missing after a save."""

    path: Path


CheckAction = (
    NoWorkbook
    | WorkbookMissing
    | StartCheck
    | ShowResult
    | CheckAgain
    | CheckUnfinished
    | LookAgain
    | Watch
    | WorkbookGone
)
Actions = tuple[CheckAction, ...]


class CheckController:
    """Decides when the 校验 page checks and what it does with what comes back.

    One check runs at a time. Checks asked for while one runs become one more check after it,
    an automatic one only if every request was automatic. A result of an automatic check that
    cannot be read is looked at once more after ``UNREADABLE_RETRY_MS`` before it is shown: WPS
    and Excel save in several steps, and a check may catch the file half-written.
    """

    def __init__(self, saves: SaveTracker | None = None) -> None:
        self.saves = saves or SaveTracker()
        self.requested: CheckInputs | None = None  # the inputs of the last check started
        self.running = False
        self.running_auto = False  # the running check was asked for by a save
        self.got_result = False  # the running check has given its result
        self.pending: bool | None = None  # another check after the running one (auto?)
        self.unreadable_retried = False

    # -- a check is asked for --------------------------------------------------------------------

    def request(self, inputs: CheckInputs | None, *, auto: bool = False) -> Actions:
        """Ask for a check of ``inputs`` (None: no workbook chosen); ``auto`` when a save asked.
        Return what to say, or the check to start, or nothing when it waits for the running one.
        """
        if inputs is None:
            return (NoWorkbook(),)
        if not inputs.workbook.exists():
            return (WorkbookMissing(inputs.workbook, tell=not auto),)
        if self.running:
            self.pending = auto if self.pending is None else (self.pending and auto)
            return ()
        if not auto:
            self.unreadable_retried = False  # the clerk asked: the next half-saved file is new
        self.requested = inputs
        self.running = True
        self.running_auto = auto
        self.got_result = False
        self.saves.checking(inputs)
        return (StartCheck(inputs, auto),)

    def fields_changed(self, inputs: CheckInputs | None) -> Actions:
        """Return what to do when the clerk changed the files in the fields: check them, unless
        they are the ones last checked or there is no workbook yet."""
        if inputs is None or inputs == self.requested:
            return ()
        if not inputs.workbook.exists():
            return (WorkbookMissing(inputs.workbook, tell=False),)
        return self.request(inputs)

    # -- the check's job -------------------------------------------------------------------------

    def result(self, result: CheckResult) -> Actions:
        """Return what to do with the running check's result: show it, or look once more."""
        self.got_result = True
        if self.running_auto and not result.readable and not self.unreadable_retried:
            self.unreadable_retried = True
            return (CheckAgain(auto=True, delay_ms=UNREADABLE_RETRY_MS),)
        if result.readable:
            self.unreadable_retried = False
        return (ShowResult(result, self.running_auto),)

    def job_ended(self) -> Actions:
        """Return what to do once the check's job ended: say that it did not finish when it gave
        no result (it failed), then start the check that waited for it."""
        self.running = False
        actions: list[CheckAction] = [] if self.got_result else [CheckUnfinished()]
        if self.pending is not None:
            actions.append(CheckAgain(auto=self.pending, delay_ms=0))
            self.pending = None
        return tuple(actions)

    # -- the files on disk -----------------------------------------------------------------------

    def touched(self) -> Actions:
        """Return what to do when a checked file or its folder changed: wait until the save is
        done (every touch starts the wait again)."""
        return (LookAgain(SETTLE_MS),) if self.requested is not None else ()

    def settled(self) -> Actions:
        """Return what to do once the files stopped changing: look again while the workbook is
        being renamed into place, say that it is gone, or watch the new files and check them
        when they changed."""
        inputs = self.requested
        if inputs is None:
            return ()
        state = self.saves.settled(inputs)
        if state == "missing":
            return (LookAgain(MISSING_RETRY_MS),)
        if state == "gone":
            return (WorkbookGone(inputs.workbook),)
        if state == "changed":
            return (Watch(inputs), CheckAgain(auto=True))
        return (Watch(inputs),)
