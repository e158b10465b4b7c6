"""The 生成填报表 page's build without Qt: what the status line says and whether 生成 works
while a build runs, after it, and after the clerk said no at an overwrite question."""

from __future__ import annotations

from nianbao.desktop.viewmodels.job_state import JobState
from nianbao.desktop.viewmodels.template_state import DECLINED, GENERATING, TemplateController


def test_before_a_build_the_status_is_empty_and_generate_works():
    page = TemplateController()
    assert page.status_text == "" and page.generate_enabled


def test_a_running_build_says_so_and_generate_does_nothing_until_it_ended():
    page = TemplateController()
    page.started()
    assert page.status_text == GENERATING == "正在生成……"
    assert not page.generate_enabled  # Enter in a field while it runs starts no second build
    page.generated()
    page.ended()
    assert page.build.state is JobState.DONE
    assert page.status_text == "" and page.generate_enabled


def test_a_build_that_fails_leaves_the_status_empty_the_window_said_why():
    page = TemplateController()
    page.started()
    page.ended()
    assert page.build.state is JobState.FAILED
    assert page.status_text == "" and page.generate_enabled


def test_no_at_the_overwrite_question_says_nothing_was_written_until_the_next_build():
    page = TemplateController()
    page.declined()
    assert page.status_text == DECLINED == "已取消，没有写出任何文件。"
    page.started()
    assert page.status_text == GENERATING
    page.generated()
    page.ended()
    assert page.status_text == ""
    page.declined()
    assert page.status_text == DECLINED
