"""Where one of a page's jobs is, held in a field rather than read back from a label."""

from __future__ import annotations

from enum import Enum


class JobState(Enum):
    """The states of a page's job: none yet, running, asked to stop, and how it ended."""

    IDLE = "idle"
    RUNNING = "running"
    CANCELLING = "cancelling"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class JobTracker:
    """Follows one kind of job of a page from its start to its end.

    The window's ``Job`` says exactly one of succeeded, failed or cancelled, then that it
    finished; the page tells the tracker of the success and the cancel, and a job that finished
    without either has failed (the window has shown why in a dialog).
    """

    def __init__(self) -> None:
        self.state = JobState.IDLE

    @property
    def busy(self) -> bool:
        """Return whether a job runs (or is stopping)."""
        return self.state in (JobState.RUNNING, JobState.CANCELLING)

    def started(self) -> None:
        """Note that a job started."""
        self.state = JobState.RUNNING

    def cancel(self) -> bool:
        """Note that the clerk asked the running job to stop; return whether one was running
        (only then is there something to cancel)."""
        if self.state != JobState.RUNNING:
            return False
        self.state = JobState.CANCELLING
        return True

    def succeeded(self) -> None:
        """Note that the job gave its result (work that returned is done even if a cancel came
        late)."""
        self.state = JobState.DONE

    def cancelled(self) -> None:
        """Note that the job stopped on a cancel."""
        self.state = JobState.CANCELLED

    def ended(self) -> None:
        """Note that the job finished: one that gave no result and was not cancelled failed."""
        if self.busy:
            self.state = JobState.FAILED
