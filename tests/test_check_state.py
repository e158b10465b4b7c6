"""The 校验 page's state machine without Qt: when a check starts, what happens to a check asked
for while one runs, the one retry of a file caught half-saved, and what a save on disk does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nianbao.desktop.viewmodels.check import CheckInputs, CheckResult, SaveTracker
from nianbao.desktop.viewmodels.check_state import (
    MISSING_RETRY_MS,
    SETTLE_MS,
    UNREADABLE_RETRY_MS,
    CheckAgain,
    CheckController,
    CheckUnfinished,
    LookAgain,
    NoWorkbook,
    ShowResult,
    StartCheck,
    Watch,
    WorkbookGone,
    WorkbookMissing,
)
from nianbao.validation import Report


@pytest.fixture
def inputs(tmp_path) -> CheckInputs:
    book = tmp_path / "青禾镇.xlsx"
    book.write_bytes(b"as saved")
    return CheckInputs(book)


def _result(inputs: CheckInputs, readable: bool = True) -> CheckResult:
    return CheckResult(inputs, Report(file=inputs.workbook.name, readable=readable), None)


def _running(inputs: CheckInputs, auto: bool = False) -> CheckController:
    checks = CheckController()
    assert checks.request(inputs, auto=auto) == (StartCheck(inputs, auto),)
    return checks


def _resave(path: Path, content: bytes) -> None:
    """Save as WPS and Excel do: write a new file and rename it over the old one."""
    new = path.with_name("~save.tmp")
    new.write_bytes(content)
    os.replace(new, path)


def test_a_check_starts_with_the_inputs_asked_for_and_remembers_them(inputs):
    checks = CheckController()
    assert checks.requested is None and not checks.running
    assert checks.request(inputs) == (StartCheck(inputs, auto=False),)
    assert checks.requested == inputs and checks.running


def test_no_workbook_chosen_is_said_and_nothing_starts(inputs):
    checks = CheckController()
    assert checks.request(None) == (NoWorkbook(),)
    assert not checks.running and checks.requested is None


def test_a_missing_workbook_is_shown_and_told_in_a_dialog_only_when_asked_for(tmp_path):
    gone = CheckInputs(tmp_path / "不在了.xlsx")
    checks = CheckController()
    assert checks.request(gone) == (WorkbookMissing(gone.workbook, tell=True),)
    assert checks.request(gone, auto=True) == (WorkbookMissing(gone.workbook, tell=False),)
    assert not checks.running


def test_a_manual_check_while_an_auto_check_runs_queues_one_manual_check(inputs):
    checks = _running(inputs, auto=True)
    assert checks.request(inputs) == ()
    assert checks.request(inputs, auto=True) == ()  # auto does not undo the manual one
    assert checks.result(_result(inputs)) == (ShowResult(_result(inputs), auto=True),)
    assert checks.job_ended() == (CheckAgain(auto=False, delay_ms=0),)
    assert checks.job_ended() == ()  # queued once, started once


def test_auto_checks_asked_for_while_one_runs_queue_one_auto_check(inputs):
    checks = _running(inputs)
    assert checks.request(inputs, auto=True) == ()
    assert checks.request(inputs, auto=True) == ()
    checks.result(_result(inputs))
    assert checks.job_ended() == (CheckAgain(auto=True, delay_ms=0),)


def test_the_queued_check_starts_once_the_running_one_ended(inputs):
    checks = _running(inputs)
    checks.request(inputs)
    checks.result(_result(inputs))
    (again,) = checks.job_ended()
    assert not checks.running
    assert checks.request(inputs, auto=again.auto) == (StartCheck(inputs, auto=False),)


def test_an_unreadable_result_of_an_auto_check_is_retried_once_after_1200_ms_then_shown(inputs):
    assert UNREADABLE_RETRY_MS == 1200
    checks = _running(inputs, auto=True)
    broken = _result(inputs, readable=False)
    assert checks.result(broken) == (CheckAgain(auto=True, delay_ms=1200),)
    assert checks.job_ended() == ()  # a result came: the check finished

    assert checks.request(inputs, auto=True) == (StartCheck(inputs, auto=True),)
    assert checks.result(broken) == (ShowResult(broken, auto=True),)
    checks.job_ended()
    checks.request(inputs, auto=True)
    assert checks.result(broken) == (ShowResult(broken, auto=True),)  # still only once


def test_a_readable_result_allows_the_next_half_saved_file_its_retry(inputs):
    checks = _running(inputs, auto=True)
    broken = _result(inputs, readable=False)
    checks.result(broken)
    checks.job_ended()
    checks.request(inputs, auto=True)
    checks.result(_result(inputs))
    checks.job_ended()
    checks.request(inputs, auto=True)
    assert checks.result(broken) == (CheckAgain(auto=True, delay_ms=UNREADABLE_RETRY_MS),)


def test_an_unreadable_result_of_a_check_asked_for_is_shown_at_once(inputs):
    checks = _running(inputs, auto=True)
    broken = _result(inputs, readable=False)
    checks.result(broken)  # retried
    checks.job_ended()
    checks.request(inputs)  # the clerk asks: a fresh start, shown whatever it says
    assert checks.result(broken) == (ShowResult(broken, auto=False),)


def test_a_manual_check_gives_the_next_auto_check_its_retry_again(inputs):
    checks = _running(inputs, auto=True)
    broken = _result(inputs, readable=False)
    checks.result(broken)
    checks.job_ended()
    checks.request(inputs)
    checks.result(broken)
    checks.job_ended()
    checks.request(inputs, auto=True)
    assert checks.result(broken) == (CheckAgain(auto=True, delay_ms=UNREADABLE_RETRY_MS),)


def test_a_check_that_ended_without_a_result_says_it_did_not_finish(inputs):
    checks = _running(inputs)
    assert checks.job_ended() == (CheckUnfinished(),)
    assert not checks.running


def test_a_failed_check_with_one_queued_says_so_and_starts_the_queued_one(inputs):
    checks = _running(inputs)
    checks.request(inputs, auto=True)
    assert checks.job_ended() == (CheckUnfinished(), CheckAgain(auto=True, delay_ms=0))


def test_changed_fields_start_a_check_unless_they_are_the_ones_checked(inputs, tmp_path):
    checks = CheckController()
    assert checks.fields_changed(None) == ()
    assert checks.fields_changed(inputs) == (StartCheck(inputs, auto=False),)
    checks.result(_result(inputs))
    checks.job_ended()
    assert checks.fields_changed(inputs) == ()  # e.g. the same file chosen again
    gone = CheckInputs(tmp_path / "别的.xlsx")
    assert checks.fields_changed(gone) == (WorkbookMissing(gone.workbook, tell=False),)


def test_touched_files_are_looked_at_once_they_settled_only_after_a_check(inputs):
    checks = CheckController()
    assert checks.touched() == ()
    assert checks.settled() == ()
    checks.request(inputs)
    assert checks.touched() == (LookAgain(SETTLE_MS),)


def test_a_save_by_rename_is_watched_again_and_checked_by_itself(inputs):
    checks = _running(inputs)
    checks.result(_result(inputs))
    checks.job_ended()
    assert checks.settled() == (Watch(inputs),)  # e.g. a lock file came and went
    _resave(inputs.workbook, b"saved again")
    assert checks.settled() == (Watch(inputs), CheckAgain(auto=True))


def test_a_workbook_missing_after_a_save_is_looked_for_again_then_said_to_be_gone(inputs):
    checks = CheckController(SaveTracker(missing_tries=2))
    checks.request(inputs)
    inputs.workbook.unlink()
    assert checks.settled() == (LookAgain(MISSING_RETRY_MS),)
    assert checks.settled() == (LookAgain(MISSING_RETRY_MS),)
    assert checks.settled() == (WorkbookGone(inputs.workbook),)
