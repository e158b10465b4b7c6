"""Files put in the wrong box: a Word document, PDF, web page or text file dropped, chosen or
typed where a workbook goes is not read as one; the window says what it is and which box it
belongs in, and a refused or unreadable file never becomes a recent workbook."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from nianbao.desktop.viewmodels.file_kinds import Box, refusal

pytestmark = pytest.mark.gui

SHEETS = Box("填报表", "填报表", "填好的填报表（.xlsx）", (".xlsx", ".xlsm"))
TEXTS = Box("正文", "正文", "正文（.docx、.txt 或 .html）", (".docx", ".txt", ".html", ".htm"))
FOLDER = Box("收表文件夹", "文件夹", "存放收回报表的文件夹", folder=True)


@pytest.mark.parametrize(
    ("name", "box", "others", "expected"),
    [
        pytest.param("a.xlsx", SHEETS, (TEXTS,), None, id="workbook-taken"),
        pytest.param(
            "正文.docx",
            SHEETS,
            (TEXTS,),
            "“正文.docx”是 Word 文档，不是填报表，请放到「正文」一栏。",
            id="word-in-workbook-box",
        ),
        pytest.param(
            "报告.HTML",
            SHEETS,
            (TEXTS,),
            "“报告.HTML”是网页文件，不是填报表，请放到「正文」一栏。",
            id="html-in-workbook-box",
        ),
        pytest.param(
            "a.xlsx",
            TEXTS,
            (SHEETS,),
            "“a.xlsx”是 Excel 工作簿，不是正文，请放到「填报表」一栏。",
            id="workbook-in-narrative-box",
        ),
        pytest.param(
            "扫描件.pdf",
            TEXTS,
            (SHEETS,),
            "“扫描件.pdf”是 PDF 文件，不是正文：「正文」一栏放正文（.docx、.txt 或 .html）。"
            "打印或扫描的文件读不出文字，请使用原来的 Word 或 Excel 文件。",
            id="pdf-nowhere",
        ),
        pytest.param(
            "正文.docx",
            SHEETS,
            (),
            "“正文.docx”是 Word 文档，不是填报表：「填报表」一栏放填好的填报表（.xlsx）。",
            id="word-no-other-box",
        ),
        pytest.param(
            "a.xlsx",
            FOLDER,
            (SHEETS,),
            "“a.xlsx”是文件，不是文件夹：「收表文件夹」一栏放存放收回报表的文件夹。",
            id="file-in-folder-box",
        ),
    ],
)
def test_refusal_says_what_a_file_is_and_where_it_goes(tmp_path, name, box, others, expected):
    path = tmp_path / name
    path.write_bytes(b"")
    assert refusal(path, box, others) == expected


def _drop(widget, path: Path) -> bool:
    """Drag ``path`` over ``widget`` and drop it there, as a file manager does; return whether
    the widget accepted the drag."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    data.setText(str(path))  # file managers send the path as text too: a line would insert it
    centre = widget.rect().center()
    action, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(centre, action, data, button, Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(centre), action, data, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted()


@pytest.fixture
def word(tmp_path) -> Path:
    document = docx.Document()
    document.add_paragraph("青禾镇人民政府2025年政府信息公开工作年度报告")
    path = tmp_path / "青禾镇-正文.docx"
    document.save(str(path))
    return path


def test_a_word_document_dropped_in_the_workbook_box_is_sent_to_the_narrative_box(
    gui, word, sample_path
):
    page = gui.window.go("check")
    field = page.workbook_field
    # Qt gives a drop to the widget under it that takes drops: the field, not its line.
    assert not field.edit.acceptDrops() and field.acceptDrops()
    assert _drop(field, word)
    message = gui.window.statusBar().currentMessage()
    assert message == "“青禾镇-正文.docx”是 Word 文档，不是填报表，请放到「正文」一栏。"
    assert field.path() is None and not gui.window.jobs
    assert gui.settings.recent("workbook") == []

    _drop(page.drop_area, word)  # the big 把填报表拖到这里 area says the same
    assert gui.window.statusBar().currentMessage() == message
    assert page.workbook_field.path() is None

    field.edit.setText(str(word))  # typed (or pasted) and Enter
    field.edit.editingFinished.emit()
    assert field.edit.text() == "" and gui.window.statusBar().currentMessage() == message

    assert _drop(field, sample_path)
    gui.wait_jobs()
    assert _drop(page.narrative_field, word)
    gui.wait_jobs()
    assert (field.path(), page.narrative_field.path()) == (sample_path, word)
    assert gui.settings.recent("workbook") == [sample_path]


def test_wrong_files_on_the_report_and_rollup_pages_are_refused_where_they_belong(
    gui, tmp_path, sample_path
):
    page = gui.window.go("report")
    html = tmp_path / "正文.html"
    html.write_text("<p>一、总体情况</p>", encoding="utf-8")
    _drop(page.workbook, html)
    assert gui.window.statusBar().currentMessage() == (
        "“正文.html”是网页文件，不是填报表，请放到「正文」一栏。"
    )
    assert page.workbook.path() is None and page.name.text() == ""
    _drop(page.narrative, sample_path)
    assert "请放到「填报表」一栏" in gui.window.statusBar().currentMessage()

    rollup = gui.window.go("rollup")
    _drop(rollup.inbox, sample_path)
    assert gui.window.statusBar().currentMessage() == (
        "“sample.xlsx”是文件，不是文件夹：「收表文件夹」一栏放存放收回报表的文件夹。"
    )
    assert rollup.inbox.path() is None


def test_a_document_dropped_on_the_window_says_where_documents_go(gui, word):
    window = gui.window
    window.go("template")
    window.open_files([word])
    message = window.statusBar().currentMessage()
    assert message.startswith("不能打开“青禾镇-正文.docx”：它是 Word 文档。")
    assert "正文一栏" in message and gui.settings.recent("workbook") == []


def test_an_unreadable_workbook_is_checked_but_never_a_recent_file(gui, tmp_path, sample_path):
    broken = tmp_path / "损坏的填报表.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    page = gui.window.go("check")
    page.show_workbook(broken)
    gui.wait_jobs()
    assert page.summary.text() == "无法读取这个文件"
    assert gui.settings.recent("workbook") == []
    report = gui.window.go("report")
    report.workbook.set_path(broken)
    report.generate()
    gui.wait_jobs()
    assert [title for title, _ in gui.dialogs.failures] == ["无法读取填报表", "生成报告失败"]
    assert gui.settings.recent("workbook") == []
    report.workbook.set_path(sample_path)
    assert gui.settings.recent("workbook") == []  # chosen, not yet read
    report.generate()
    gui.wait_jobs()
    assert gui.settings.recent("workbook") == [sample_path]
