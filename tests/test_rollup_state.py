"""The 汇总 page's jobs without Qt: what its notes, counts line, progress and buttons say while
handing out, rolling up and writing returns, and after each ended, cancelled or failed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.county.handout import HandoutFile
from nianbao.county.model import FileEntry, RollupRequest, RollupResult, Status, UnitEntry
from nianbao.desktop.viewmodels import rollup as view
from nianbao.desktop.viewmodels.job_state import JobState
from nianbao.desktop.viewmodels.rollup_state import (
    CANCELLING,
    EXCLUDE_TIP,
    HANDOUT_CANCELLED,
    HANDOUT_FAILED,
    HANDOUT_RUNNING,
    IDLE_COUNTS,
    READING,
    ROLLUP_CANCELLED,
    ROLLUP_FAILED,
    RollupController,
)
from nianbao.validation.parts import PartsCause, PartsExplanation, Share
from nianbao.workbook_templates.loader import spec_for_year


def _result(tmp_path: Path, *statuses: Status) -> RollupResult:
    output = tmp_path / "2025年度汇总表.xlsx"
    return RollupResult(
        request=RollupRequest(inputs=(tmp_path / "收到的报表",), output=output),
        spec=spec_for_year(2025),
        year=2025,
        units=[UnitEntry(f"单位{n}", status=s) for n, s in enumerate(statuses)],
        files=[],
        totals={},
        output=output,
    )


@pytest.fixture
def page() -> RollupController:
    return RollupController()


@pytest.fixture
def to_return(tmp_path) -> RollupResult:
    """A rollup with a unit that sent nothing: there is something to send back."""
    return _result(tmp_path, Status.PASSED, Status.MISSING)


def _handout_files(tmp_path: Path) -> list[HandoutFile]:
    book = tmp_path / "下发" / "单位0.xlsx"
    return [HandoutFile("单位0", "乡镇政府", book, book.with_name("单位0-正文.docx"))]


# -- 下发 ----------------------------------------------------------------------------------------


def test_before_a_handout_the_note_is_empty_and_the_folder_cannot_be_opened(page):
    assert page.handout.state is JobState.IDLE
    assert page.handout_note == "" and page.handout_enabled and not page.open_handout_enabled


def test_a_running_handout_says_so_and_cannot_be_started_again(page):
    page.handout_started()
    assert page.handout_note == HANDOUT_RUNNING == "正在生成……"
    assert not page.handout_enabled


def test_a_handout_done_says_what_was_written_and_the_folder_can_be_opened(page, tmp_path):
    files = _handout_files(tmp_path)
    page.handout_started()
    page.handed_out(tmp_path / "下发", files)
    page.handout_ended()
    assert page.handout.state is JobState.DONE
    assert page.handout_note == view.handout_note(tmp_path / "下发", files)
    assert page.handout_enabled and page.open_handout_enabled
    assert page.handout_folder == tmp_path / "下发"


def test_a_handout_job_that_fails_puts_the_note_to_not_handed_out(page):
    page.handout_started()
    page.handout_ended()
    assert page.handout.state is JobState.FAILED
    assert page.handout_note == HANDOUT_FAILED == "没有下发。请按提示处理后再点“下发填报表”。"
    assert page.handout_enabled and not page.open_handout_enabled


def test_a_handout_that_fails_after_one_done_still_opens_the_earlier_folder(page, tmp_path):
    page.handout_started()
    page.handed_out(tmp_path / "下发", _handout_files(tmp_path))
    page.handout_ended()
    page.handout_started()
    page.handout_ended()
    assert page.handout_note == HANDOUT_FAILED and page.open_handout_enabled


def test_a_cancelled_handout_says_what_was_left_in_the_folder(page):
    page.handout_started()
    page.handout_cancelled()
    page.handout_ended()
    assert page.handout.state is JobState.CANCELLED
    assert page.handout_note == HANDOUT_CANCELLED and "下发清单没有生成" in HANDOUT_CANCELLED
    assert page.handout_enabled


# -- 收表汇总 ------------------------------------------------------------------------------------


def test_before_a_rollup_the_counts_line_says_what_to_do(page):
    assert page.counts_text == IDLE_COUNTS == "选择收表文件夹后点“开始汇总”。"
    assert page.run_enabled and not page.reading and not page.summary_written
    assert page.output_note == "" and page.result is None


def test_a_running_rollup_shows_its_progress_in_place_of_the_counts(page):
    page.rollup_started()
    assert page.reading and not page.run_enabled and page.cancel_enabled
    assert (page.progress, page.progress_message) == (0.0, READING)
    page.rollup_progressed(0.25, "已读取 3/12 个文件")
    assert (page.progress, page.progress_message) == (0.25, "已读取 3/12 个文件")
    page.rollup_progressed(1.5, "")
    assert page.progress == 1.0  # a fraction, whatever the core reported


def test_a_rollup_done_shows_its_counts_and_where_the_summary_is(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    assert page.rollup.state is JobState.DONE and page.result is to_return
    assert page.counts_text == view.counts_line(to_return)
    assert page.output_note == f"汇总表：{to_return.output}"
    assert page.run_enabled and not page.reading and page.summary_written


def test_cancel_during_rollup_says_no_summary_was_written(page):
    page.rollup_started()
    assert page.cancel_rollup()
    assert page.rollup.state is JobState.CANCELLING
    assert page.progress_message == CANCELLING and not page.cancel_enabled and page.reading
    page.rollup_progressed(0.5, "已读取 6/12 个文件")  # in flight before the worker saw it
    assert page.progress_message == CANCELLING and page.progress == 0.5
    page.rollup_cancelled()
    page.rollup_ended()
    assert page.counts_text == ROLLUP_CANCELLED == "已取消，没有写出汇总表。"
    assert page.run_enabled and not page.reading and not page.summary_written


def test_cancel_without_a_rollup_running_does_nothing(page):
    assert not page.cancel_rollup()
    assert page.rollup.state is JobState.IDLE and page.progress_message == ""


def test_a_rollup_that_fails_says_no_summary_was_written_and_what_to_do(page):
    page.rollup_started()
    page.rollup_ended()
    assert page.rollup.state is JobState.FAILED
    assert page.counts_text == ROLLUP_FAILED and ROLLUP_FAILED.startswith("汇总没有完成")
    assert page.run_enabled and not page.summary_written


def test_a_new_rollup_forgets_the_last_result_and_its_notes(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    page.rollup_started()
    assert page.result is None and page.output_note == "" and not page.summary_written
    assert not page.returns_enabled


# -- 退回材料 ------------------------------------------------------------------------------------


def test_returns_can_be_written_only_when_a_unit_is_to_be_sent_back(page, tmp_path, to_return):
    assert not page.returns_enabled  # no summary yet
    page.rollup_started()
    page.rolled_up(_result(tmp_path, Status.PASSED, Status.WARNINGS))
    page.rollup_ended()
    assert page.summary_written and not page.returns_enabled
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    assert page.returns_enabled


def test_returns_being_written_cannot_be_started_again_and_say_where_they_went(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    page.returns_started()
    assert not page.returns_enabled
    folder = to_return.output.parent / "退回材料"
    paths = [folder / "单位1-批注.xlsx", folder / "退回清单.xlsx"]
    page.returns_written(folder, paths)
    page.returns_ended()
    assert page.returns.state is JobState.DONE and page.returns_enabled
    assert page.output_note == f"退回材料：{folder}（1 个批注副本和“退回清单.xlsx”）"


def test_returns_say_which_units_got_no_annotated_copy(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    page.returns_started()
    to_return.returns_failed = {"单位1": "填报表标记的报告年度 2150 超出范围"}
    folder = to_return.output.parent / "退回材料"
    page.returns_written(folder, [folder / "退回清单.xlsx"])
    page.returns_ended()
    assert page.output_note == (
        f"退回材料：{folder}（0 个批注副本和“退回清单.xlsx”）；"
        "1 个单位（单位1）未能生成批注副本，原因写在“退回清单.xlsx”中"
    )


def test_returns_that_fail_leave_the_summary_note_and_can_be_tried_again(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    page.returns_started()
    page.returns_ended()
    assert page.returns.state is JobState.FAILED and page.returns_enabled
    assert page.output_note == f"汇总表：{to_return.output}"


def test_the_findings_of_a_unit_can_be_shown_only_when_it_sent_a_file(page, tmp_path):
    assert not page.findings_enabled(None)
    result = _result(tmp_path, Status.MISSING, Status.UNREADABLE)
    book = tmp_path / "收到的报表" / "单位1.xlsx"
    result.units[1].file = FileEntry(book, Status.UNREADABLE, unit="单位1")
    missing, unreadable = view.unit_rows(result)
    assert not page.findings_enabled(missing)
    assert page.findings_enabled(unreadable)  # 校验 says why it cannot be read


# -- the summary's own check ---------------------------------------------------------------------


def _blamed(result: RollupResult, passes: bool | None) -> RollupResult:
    """Return ``result`` with a summary balance that 单位0 (with errors) accounts for."""
    share = Share("单位0", Decimal(-1), None)
    cause = PartsCause("H3-1@表三!D30", Decimal(-1), (share,))
    result.summary_explanation = PartsExplanation((cause,), passes)
    return result


def test_the_summary_check_can_be_opened_once_a_summary_is_written(page, to_return):
    assert not page.summary_findings_enabled
    page.rollup_started()
    assert not page.summary_findings_enabled
    page.rolled_up(to_return)
    page.rollup_ended()
    assert page.summary_findings_enabled


@pytest.mark.parametrize(
    ("passes", "exclude_invalid", "enabled", "said"),
    [
        pytest.param(True, False, True, "即可通过校验", id="leaving-them-out-passes"),
        pytest.param(False, False, True, "仍不能通过校验", id="leaving-them-out-fails"),
        pytest.param(None, False, False, "", id="no-unit-would-be-left"),
        pytest.param(True, True, False, "", id="already-left-out"),
    ],
)
def test_rolling_up_without_the_units_with_errors_is_offered_when_they_are_to_blame(
    page, tmp_path, passes, exclude_invalid, enabled, said
):
    result = _blamed(_result(tmp_path, Status.ERRORS, Status.PASSED), passes)
    result = replace(result, request=replace(result.request, exclude_invalid=exclude_invalid))
    page.rollup_started()
    page.rolled_up(result)
    page.rollup_ended()
    assert page.exclude_rerun_enabled is enabled
    assert page.blamed_units == (() if exclude_invalid else ("单位0",))
    assert page.exclude_rerun_tip.startswith(EXCLUDE_TIP) and said in page.exclude_rerun_tip
    page.rollup_started()  # the rerun itself: nothing to offer until it is done
    assert not page.exclude_rerun_enabled and not page.summary_findings_enabled


def test_a_summary_its_units_do_not_explain_offers_no_rerun(page, to_return):
    page.rollup_started()
    page.rolled_up(to_return)
    page.rollup_ended()
    assert not page.blamed_units and not page.exclude_rerun_enabled
    assert page.exclude_rerun_tip == EXCLUDE_TIP
