"""A page's job is followed in a field from its start to how it ended."""

from __future__ import annotations

from nianbao.desktop.viewmodels.job_state import JobState, JobTracker


def test_a_job_that_gave_its_result_is_done():
    job = JobTracker()
    assert job.state is JobState.IDLE and not job.busy
    job.started()
    assert job.state is JobState.RUNNING and job.busy
    job.succeeded()
    job.ended()
    assert job.state is JobState.DONE and not job.busy


def test_a_job_that_ended_without_a_result_or_a_cancel_failed():
    job = JobTracker()
    job.started()
    job.ended()
    assert job.state is JobState.FAILED and not job.busy


def test_a_cancel_asked_for_is_cancelling_until_the_job_says_it_stopped():
    job = JobTracker()
    assert not job.cancel()  # nothing runs: nothing to cancel
    job.started()
    assert job.cancel() and job.state is JobState.CANCELLING and job.busy
    assert not job.cancel()  # asked once
    job.cancelled()
    job.ended()
    assert job.state is JobState.CANCELLED


def test_a_job_that_finished_although_cancelled_is_done():
    job = JobTracker()
    job.started()
    job.cancel()
    job.succeeded()
    job.ended()
    assert job.state is JobState.DONE


def test_a_job_cancelled_without_being_asked_here_is_cancelled():
    job = JobTracker()  # e.g. the window's own 取消 button in the status bar
    job.started()
    job.cancelled()
    job.ended()
    assert job.state is JobState.CANCELLED


def test_a_new_job_starts_afresh_after_any_end():
    job = JobTracker()
    job.started()
    job.ended()
    job.started()
    assert job.state is JobState.RUNNING
