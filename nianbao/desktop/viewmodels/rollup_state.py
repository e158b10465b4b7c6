"""The 汇总 page's jobs, without Qt: handing out, rolling up and writing returns. Their states
are held here in fields; the notes, the counts line, the progress and which buttons work are
said from them, and the page displays what this says."""

from __future__ import annotations

from pathlib import Path

from nianbao.county.explain import excluding_helps
from nianbao.county.handout import HandoutFile
from nianbao.county.model import RollupResult

from .job_state import JobState, JobTracker
from .rollup import UnitRow, counts_line, handout_note

HANDOUT_RUNNING = "正在生成……"
HANDOUT_CANCELLED = (
    "已取消下发：已经生成的单位文件留在文件夹中，下发清单没有生成。"
    "再次下发前请换一个空文件夹，或删除这些文件。"
)
HANDOUT_FAILED = "没有下发。请按提示处理后再点“下发填报表”。"
IDLE_COUNTS = "选择收表文件夹后点“开始汇总”。"
READING = "正在读取收到的文件……"
CANCELLING = "正在取消……"
ROLLUP_CANCELLED = "已取消，没有写出汇总表。"
ROLLUP_FAILED = "汇总没有完成，没有写出汇总表。请按提示处理后再点“开始汇总”。"
EXCLUDE_TIP = "用同样的文件和名单重新汇总，有错误的单位不计入汇总（同 --exclude-invalid）。"


class RollupController:
    """The state of the 汇总 page's three jobs, and what the page shows of them.

    The page tells it each event (a job started, progressed, was asked to stop, gave its
    result, was cancelled, ended) and then shows its properties. A job that ended without a
    result or a cancel failed; the window has shown why in a dialog, and the page says what
    was not done.
    """

    def __init__(self) -> None:
        self.handout = JobTracker()
        self.rollup = JobTracker()
        self.returns = JobTracker()
        self.handout_folder: Path | None = None  # where the last handout done wrote
        self.result: RollupResult | None = None  # the last rollup done
        self.progress = 0.0
        self.progress_message = ""
        self._handed_out = ""  # what the last handout done wrote
        self._counts = ""  # the counts line of the last rollup done
        self._output_note = ""

    # -- 下发 ------------------------------------------------------------------------------------

    def handout_started(self) -> None:
        """Note that a handout started."""
        self.handout.started()

    def handed_out(self, folder: Path, files: list[HandoutFile]) -> None:
        """Note that a handout wrote ``files`` into ``folder``."""
        self.handout.succeeded()
        self.handout_folder = folder
        self._handed_out = handout_note(folder, files)

    def handout_cancelled(self) -> None:
        """Note that the handout stopped on a cancel (some units' files may be written)."""
        self.handout.cancelled()

    def handout_ended(self) -> None:
        """Note that the handout's job finished."""
        self.handout.ended()

    @property
    def handout_note(self) -> str:
        """Return what the note under 下发填报表 says."""
        return {
            JobState.IDLE: "",
            JobState.RUNNING: HANDOUT_RUNNING,
            JobState.CANCELLING: HANDOUT_RUNNING,
            JobState.DONE: self._handed_out,
            JobState.CANCELLED: HANDOUT_CANCELLED,
            JobState.FAILED: HANDOUT_FAILED,
        }[self.handout.state]

    @property
    def handout_enabled(self) -> bool:
        """Return whether 下发填报表 can be clicked: not while a handout runs."""
        return not self.handout.busy

    @property
    def open_handout_enabled(self) -> bool:
        """Return whether there is a handout folder to open."""
        return self.handout_folder is not None

    # -- 收表汇总 --------------------------------------------------------------------------------

    def rollup_started(self) -> None:
        """Note that a rollup started: the last result and its notes are forgotten."""
        self.rollup.started()
        self.result = None
        self._output_note = ""
        self.progress, self.progress_message = 0.0, READING

    def rollup_progressed(self, fraction: float, message: str) -> None:
        """Note how far the rollup got; while it stops, the message stays 正在取消."""
        self.progress = min(max(fraction, 0.0), 1.0)
        if self.rollup.state == JobState.RUNNING:
            self.progress_message = message

    def cancel_rollup(self) -> bool:
        """Note that the clerk asked the rollup to stop; return whether one was running (the
        page then cancels its job)."""
        if not self.rollup.cancel():
            return False
        self.progress_message = CANCELLING
        return True

    def rolled_up(self, result: RollupResult) -> None:
        """Note the rollup's result: the summary it wrote and who sent what."""
        self.rollup.succeeded()
        self.result = result
        self._counts = counts_line(result)
        self._output_note = f"汇总表：{result.output}"

    def rollup_cancelled(self) -> None:
        """Note that the rollup stopped on a cancel (no summary is written)."""
        self.rollup.cancelled()

    def rollup_ended(self) -> None:
        """Note that the rollup's job finished."""
        self.rollup.ended()

    @property
    def reading(self) -> bool:
        """Return whether the rollup's progress is shown (in place of the counts line)."""
        return self.rollup.busy

    @property
    def cancel_enabled(self) -> bool:
        """Return whether 取消 can be clicked: while a rollup runs and was not asked to stop."""
        return self.rollup.state == JobState.RUNNING

    @property
    def run_enabled(self) -> bool:
        """Return whether 开始汇总 can be clicked: not while a rollup runs."""
        return not self.rollup.busy

    @property
    def counts_text(self) -> str:
        """Return the counts line: what to do, who sent what, or why there is no summary."""
        return {
            JobState.IDLE: IDLE_COUNTS,
            JobState.RUNNING: "",
            JobState.CANCELLING: "",
            JobState.DONE: self._counts,
            JobState.CANCELLED: ROLLUP_CANCELLED,
            JobState.FAILED: ROLLUP_FAILED,
        }[self.rollup.state]

    @property
    def summary_written(self) -> bool:
        """Return whether there is a summary to open."""
        return self.result is not None and self.result.output is not None

    def findings_enabled(self, row: UnitRow | None) -> bool:
        """Return whether 查看问题 can show ``row`` (the selected unit) in 校验."""
        return row is not None and row.file is not None

    @property
    def accept_enabled(self) -> bool:
        """Return whether 验收 can run: a summary was written and no job is running (it rolls
        the same files up again)."""
        return self.summary_written and not self.rollup.busy and not self.returns.busy

    @property
    def summary_findings_enabled(self) -> bool:
        """Return whether 查看汇总数校验 can show the written summary's check in 校验."""
        return self.summary_written and not self.rollup.busy

    @property
    def blamed_units(self) -> tuple[str, ...]:
        """Return the included units with errors that account for the summary's failing
        balances (none when they were left out already)."""
        result = self.result
        explanation = result.summary_explanation if result else None
        if result is None or explanation is None or result.request.exclude_invalid:
            return ()
        return explanation.units

    @property
    def exclude_rerun_enabled(self) -> bool:
        """Return whether 不计入有错误的单位重新汇总 can be clicked: the summary fails because of
        included units with errors, some unit is left without them, and no rollup runs."""
        explanation = self.result.summary_explanation if self.result else None
        left = explanation is not None and explanation.exclude_passes is not None
        return bool(self.blamed_units) and left and not self.rollup.busy

    @property
    def exclude_rerun_tip(self) -> str:
        """Return what re-rolling up without the units with errors would do."""
        result = self.result
        if not self.exclude_rerun_enabled or result is None:
            return EXCLUDE_TIP
        words = result.spec.summary.parts
        then = words.exclude_passes if excluding_helps(result) else words.exclude_fails
        return f"{EXCLUDE_TIP}\n{then}"

    # -- 退回材料 --------------------------------------------------------------------------------

    def returns_started(self) -> None:
        """Note that writing the returns started."""
        self.returns.started()

    def returns_written(self, folder: Path, paths: list[Path]) -> None:
        """Note that the returns were written: annotated copies, then the 退回清单, in
        ``folder``."""
        self.returns.succeeded()
        self._output_note = f"退回材料：{folder}（{len(paths) - 1} 个批注副本和“{paths[-1].name}”）"
        failed = self.result.returns_failed if self.result else {}
        if failed:
            names = "、".join(list(failed)[:3]) + ("等" if len(failed) > 3 else "")
            self._output_note += (
                f"；{len(failed)} 个单位（{names}）未能生成批注副本，原因写在“{paths[-1].name}”中"
            )

    def returns_ended(self) -> None:
        """Note that the returns' job finished."""
        self.returns.ended()

    @property
    def returns_enabled(self) -> bool:
        """Return whether 生成退回材料 can be clicked: a summary was written, some unit is to be
        sent back or sent nothing, and the returns are not being written."""
        result = self.result
        to_return = bool(result and (result.failing or result.missing))
        return self.summary_written and to_return and not self.returns.busy

    @property
    def output_note(self) -> str:
        """Return the note beside the buttons: where the summary or the returns are."""
        return self._output_note
