"""The 生成填报表 page's build, without Qt: its state is held here in a field, and the status
line and the 生成 button are said from it."""

from __future__ import annotations

from .job_state import JobTracker

GENERATING = "正在生成……"
DECLINED = "已取消，没有写出任何文件。"


class TemplateController:
    """Where the page's build is, and what the status line beside 生成填报表 says of it.

    A build that fails says nothing here: the window has shown why in a dialog, and the form
    is as it was. A no at an overwrite question starts no build; the line says that nothing was
    written until the next build starts.
    """

    def __init__(self) -> None:
        self.build = JobTracker()
        self._declined = False  # the last 生成 ended at an overwrite question

    def declined(self) -> None:
        """Note that the clerk said no when asked whether to overwrite: nothing is written."""
        self._declined = True

    def started(self) -> None:
        """Note that a build started."""
        self._declined = False
        self.build.started()

    def generated(self) -> None:
        """Note that the build wrote its files."""
        self.build.succeeded()

    def ended(self) -> None:
        """Note that the build's job finished."""
        self.build.ended()

    @property
    def generate_enabled(self) -> bool:
        """Return whether 生成填报表 works: not while a build runs."""
        return not self.build.busy

    @property
    def status_text(self) -> str:
        """Return the status line: that a build runs, that nothing was written, or nothing."""
        if self.build.busy:
            return GENERATING
        return DECLINED if self._declined else ""
