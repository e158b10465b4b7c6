"""The 生成报告 page, end to end: workbook → Word/HTML, refused → problems or a draft, existing
files never overwritten unasked, unreadable input → a Chinese dialog."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from nianbao.workbook_templates.sample import sample_with_mistakes
from nianbao.workbook_templates.spec import CellKey

pytestmark = pytest.mark.gui
# The sample's report title: what a report is named when its name is left empty.
TITLE = "青禾镇人民政府2025年政府信息公开工作年度报告"

LICENSING = CellKey("t2", "licensing", "decisions")  # an input cell no rule ties to another


def _page(gui, workbook: Path, previous: Path | None = None):
    """Return the report page with ``workbook`` dropped on the window."""
    page = gui.window.go("report")
    gui.window.open_files([workbook])
    if previous is not None:
        page.previous.set_path(previous)
    return page


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_valid_workbook_exports_word_and_html_and_lists_them(gui, build, sample, previous_path):
    workbook = build(sample, "青禾镇.xlsx", values={LICENSING: Decimal(4321)})
    page = _page(gui, workbook, previous_path)
    assert gui.window.windowTitle().startswith("青禾镇.xlsx")
    # Left empty, the name field shows the report's title, the name it will get.
    assert page.name.text() == "" and page.name.placeholderText() == f"不填：{TITLE}"

    page.generate_button.click()
    gui.wait_jobs()

    assert not gui.dialogs.failures
    docx_path, html_path = (workbook.with_name(f"{TITLE}{s}") for s in (".docx", ".html"))
    assert page.written() == [("Word 报告", docx_path), ("网页版（HTML）", html_path)]
    text = _docx_text(docx_path)
    assert "青禾镇人民政府" in text and "4321" in text
    assert "4321" in html_path.read_text("utf-8")
    assert page.result.isVisible() and not page.refusal.isVisible()
    assert page.result_title.text() == "报告已生成"
    from nianbao.converters.fonts_installed import missing_fonts
    from nianbao.converters.word_styles import FontSet

    missing = missing_fonts(FontSet())  # what this computer lacks, as the export saw it
    assert ("本机没有安装" in page.result_info.text()) is bool(missing)
    assert all(name in page.result_info.text() for name in missing)
    assert ("--fonts common" in page.result_info.toolTip()) is bool(missing)
    for button in page.open_buttons:
        button.click()
    page.open_folder_button.click()
    assert gui.dialogs.opened == [docx_path, html_path, workbook.parent]
    assert gui.settings.recent("workbook") == [workbook]
    page.workbook.edit.editingFinished.emit()  # leaving the field changes nothing
    assert page.result.isVisible()
    page.workbook.set_path(previous_path)
    assert not page.result.isVisible()


def test_dropped_files_go_to_their_fields_and_reports_to_the_set_folder(gui, sample_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    gui.settings.output_dir = out
    page = gui.window.go("report")
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n本年度……\n", encoding="utf-8")
    assert page.open_files([sample_path, narrative])
    assert (page.workbook.path(), page.narrative.path()) == (sample_path, narrative)
    assert page.plan_label.text() == f"将生成 {TITLE}.docx／.html，保存在 {out}"
    assert not page.open_files([tmp_path])
    assert not page.open_files([sample_path, sample_path])


def test_broken_workbook_is_refused_then_problems_shown_or_a_draft_written(gui, build, sample):
    workbook = build(sample_with_mistakes(sample), "broken.xlsx")
    page = _page(gui, workbook)

    page.generate_button.click()
    gui.wait_jobs()

    assert not gui.dialogs.failures
    assert not list(workbook.parent.glob(f"{TITLE}*"))
    assert page.refusal.isVisible() and not page.result.isVisible()
    assert page.refusal_title.text().startswith("填报表有 2 个错误（第一处在 表三!E22）")
    details = page.refusal_details.text().split("\n")
    assert details[0] == (
        "校验结论：✗ 未通过（错误 2 项，警告 1 项，提示 0 项；另有 1 项由上述问题引起，不另计）"
    )
    assert [line.split("：")[0] for line in details[1:]] == ["• 表三 E22", "• 表三 D30"]
    assert "不要留空" in details[1] and "应为 2，现为 3" in details[2]

    page.view_problems_button.click()
    check = gui.window.current_page()
    assert check is gui.window.pages["check"]
    if hasattr(check, "show_workbook"):
        gui.wait_jobs()
        assert check.current_file() == workbook

    page = gui.window.go("report")
    page.draft_button.click()
    gui.wait_jobs()

    draft = workbook.with_name(f"{TITLE}-草稿.docx")
    assert page.written()[0] == ("Word 报告", draft)
    assert page.result_title.text() == "已生成草稿（不能作为正式报告发布）"
    header = docx.Document(str(draft)).sections[0].header.paragraphs[0].text
    assert header == "草稿（未通过校验）"
    assert "草稿（未通过校验）" in draft.with_suffix(".html").read_text("utf-8")


def test_existing_report_is_kept_unless_the_user_says_overwrite(gui, sample_path):
    page = _page(gui, sample_path)
    existing = sample_path.with_name(f"{TITLE}.docx")
    existing.write_bytes(b"last week's report")

    page.generate_button.click()
    gui.wait_jobs()
    assert gui.dialogs.asked == [existing]
    assert existing.read_bytes() == b"last week's report"
    numbered = existing.with_name(f"{TITLE}-2.docx")
    assert page.written()[0] == ("Word 报告", numbered) and zipfile.is_zipfile(numbered)

    gui.dialogs.overwrite = "cancel"
    reports = sample_path.parent.glob  # the reports are named by the report's title
    before = {p: p.read_bytes() for p in reports(f"{TITLE}*")}
    assert len(before) == 3  # the existing one, -2.docx and -2.html
    page.generate_button.click()
    assert not gui.window.jobs
    assert {p: p.read_bytes() for p in reports(f"{TITLE}*")} == before

    gui.dialogs.overwrite = "overwrite"
    page.generate_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    assert zipfile.is_zipfile(existing)
    assert sorted(reports(f"{TITLE}*")) == sorted(before)


def test_unreadable_workbook_becomes_a_chinese_dialog(gui, sample_path, tmp_path):
    corrupt = tmp_path / "坏文件.xlsx"
    corrupt.write_bytes(sample_path.read_bytes()[:3000])
    page = _page(gui, corrupt)

    page.generate_button.click()
    gui.wait_jobs()

    (title, failure), *_ = gui.dialogs.failures
    assert title == "生成报告失败" and not failure.internal
    assert "坏文件.xlsx" in failure.message and failure.action
    assert "Traceback" not in failure.message + failure.action
    assert page.generate_button.isEnabled()
    assert not list(tmp_path.glob("坏文件-年度报告*"))


def test_missing_inputs_are_explained_before_anything_runs(gui, sample_path):
    page = gui.window.go("report")
    page.generate_button.click()
    page.workbook.set_path(sample_path)
    for box in (page.docx_box, page.html_box, page.pdf_box):
        box.setChecked(False)
    page.generate_button.click()
    assert not gui.window.jobs
    assert [f.message for _, f in gui.dialogs.failures] == [
        "还没有选择填报表。",
        "没有勾选要生成的格式。",
    ]


def test_cancel_is_honoured_only_until_files_are_written(sample_path, tmp_path):
    from nianbao.converters.export import ExportRequest
    from nianbao.desktop.gui.pages.report_page import NOT_CANCELLABLE, export_work
    from nianbao.errors import Cancelled

    out = tmp_path / "r.docx"
    work = export_work(ExportRequest(workbook=sample_path, docx=out))
    with pytest.raises(Cancelled):
        work(lambda fraction, message: None, lambda: True)
    assert not out.exists()

    seen: list[str] = []
    work(lambda fraction, message: seen.append(message), lambda: len(seen) > 3)
    assert out.exists()
    assert seen[3] == "准备写出文件" + NOT_CANCELLABLE and seen[-1] == "完成"
    assert "生成 Word 文件" + NOT_CANCELLABLE in seen


@pytest.mark.libreoffice
def test_pdf_is_written_through_libreoffice(gui, libreoffice_ok, sample_path):
    page = _page(gui, sample_path)
    page.html_box.setChecked(False)
    page.pdf_box.setChecked(True)
    page.generate_button.click()
    gui.wait_jobs(timeout=300_000)
    assert not gui.dialogs.failures
    pdf = sample_path.with_name(f"{TITLE}.pdf")
    assert [path for _, path in page.written()] == [pdf.with_suffix(".docx"), pdf]
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_default_report_name_is_the_one_the_command_line_writes(gui, build, sample, tmp_path):
    """One rule for both shells (services.naming.default_report_path): what 生成报告 names a
    report when the name is left alone is what ``nianbao export`` writes without ``-o`` — the
    report's title, or the workbook's name when its 基本信息 has no unit."""
    import shutil
    import subprocess
    import sys

    from nianbao.files import workbook_name

    workbook = build(sample, workbook_name(sample.unit, sample.year))
    page = _page(gui, workbook)
    page.html_box.setChecked(False)
    page.generate_button.click()
    gui.wait_jobs()
    ((_, written),) = page.written()

    elsewhere = tmp_path / "命令行"
    elsewhere.mkdir()
    copy = shutil.copy(workbook, elsewhere / workbook.name)
    cli = subprocess.run(
        [sys.executable, "-m", "nianbao", "export", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert [p.name for p in elsewhere.glob("*.docx")] == [written.name]
    assert written == workbook.with_name(f"{TITLE}.docx")
    assert page.name.placeholderText() == f"不填：{written.stem}"


def test_without_a_unit_both_shells_name_the_report_after_the_workbook(gui, build, sample):
    import subprocess
    import sys

    nameless = replace(sample, unit="", info={**sample.info, "unit": ""})
    workbook = build(nameless, "无单位的填报表.xlsx")
    page = _page(gui, workbook)
    assert page.name.placeholderText() == "不填：无单位的填报表-年度报告"
    cli = subprocess.run(  # without a unit it fails the check: only a draft is written
        [sys.executable, "-m", "nianbao", "export", str(workbook), "--draft"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert [p.name for p in workbook.parent.glob("*.docx")] == ["无单位的填报表-年度报告.docx"]
