"""Writing outputs: refused writes become Chinese errors, never tracebacks or half files."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.errors import OutputWriteError
from nianbao.files import atomic_output

REPO = Path(__file__).resolve().parent.parent


def test_a_folder_that_is_a_file_is_a_chinese_error(tmp_path):
    not_a_folder = tmp_path / "名单.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(OutputWriteError) as caught, atomic_output(not_a_folder / "out.xlsx"):
        pass
    assert "无法写入" in caught.value.message and "换一个保存位置" in caught.value.action


def test_a_file_locked_by_another_program_is_named_with_what_to_do(tmp_path, monkeypatch):
    # What Windows reports when WPS/Excel holds the file open (os.replace onto it is refused).
    target = tmp_path / "报告.docx"

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputWriteError) as caught, atomic_output(target) as tmp:
        tmp.write_bytes(b"data")
    assert "正在 WPS/Excel/Word 中打开" in caught.value.message
    assert "请关闭这个文件后重试" in caught.value.action
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_a_full_disk_while_writing_is_reported_and_leaves_nothing(tmp_path):
    with pytest.raises(OutputWriteError) as caught, atomic_output(tmp_path / "a.xlsx"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert "磁盘空间不足" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_an_unwritable_output_in_chinese(tmp_path):
    blocker = tmp_path / "文件"
    blocker.write_text("x", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao", "template", "-o", str(blocker / "t.xlsx")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "无法写入" in proc.stderr and "Traceback" not in proc.stderr


# -- what an intake folder holds besides files (issue 21) ---------------------------------------


@pytest.fixture
def odd_folder(tmp_path, sample_path):
    """A folder of returns with one workbook and every kind of entry that is not a file."""
    import os

    folder = tmp_path / "收表"
    (folder / "子").mkdir(parents=True)
    good = folder / "甲.xlsx"
    good.write_bytes(sample_path.read_bytes())
    os.mkfifo(folder / "管道.xlsx")
    (folder / "断链.xlsx").symlink_to(folder / "不存在.xlsx")
    (folder / "环1.xlsx").symlink_to(folder / "环2.xlsx")
    (folder / "环2.xlsx").symlink_to(folder / "环1.xlsx")
    (folder / "链到文件夹").symlink_to(folder / "子", target_is_directory=True)
    (folder / "子" / "甲的链接.xlsx").symlink_to(good)
    return folder


def test_everything_in_a_folder_is_accounted_for(odd_folder):
    from nianbao.files import scan_inputs

    problems = {e.path.name: e.problem for e in scan_inputs([odd_folder])}
    assert problems["甲.xlsx"] is None and problems["甲的链接.xlsx"] is None
    assert "FIFO" in problems["管道.xlsx"]
    assert "不存在" in problems["断链.xlsx"]
    assert "循环" in problems["环1.xlsx"] and "循环" in problems["环2.xlsx"]
    assert "文件夹的链接" in problems["链到文件夹"]


def test_check_lists_what_it_skipped_and_never_waits_on_a_fifo(odd_folder):
    from .test_cli import assert_no_traceback, nianbao

    result = nianbao("check", odd_folder)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    out = result.stdout
    for name in ("管道.xlsx", "断链.xlsx", "环1.xlsx", "链到文件夹", "甲的链接.xlsx"):
        assert name in out, name
    assert "同一个文件" in out


def test_a_fifo_named_directly_is_refused_at_once(tmp_path):
    import os

    from .test_cli import assert_no_traceback, nianbao

    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    result = nianbao("check", fifo)  # nianbao() has a timeout: a hang fails the test
    assert result.returncode == 2
    assert_no_traceback(result)
    assert "FIFO" in result.stderr


def test_rollup_lists_every_entry_and_counts_a_linked_copy_once(odd_folder, tmp_path):
    import json

    from .test_cli import assert_no_traceback, nianbao

    result = nianbao("rollup", odd_folder, "-o", tmp_path / "汇总.xlsx", "--json")
    assert_no_traceback(result)
    data = json.loads(result.stdout)
    names = {Path(f["file"]).name: f["status_code"] for f in data["files"]}
    assert names["甲的链接.xlsx"] == "copy"
    for name in ("管道.xlsx", "断链.xlsx", "环1.xlsx", "链到文件夹"):
        assert names[name] == "ignored", name


def test_the_error_log_says_when_what_and_which_file_and_rotates(tmp_path, monkeypatch):
    """Issue 21: error.log had no time, command or file, and was never rotated."""
    from nianbao import __version__
    from nianbao.applog import ERROR_LOG_NAME, log_internal

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    log = tmp_path / "nianbao" / ERROR_LOG_NAME
    log.parent.mkdir()
    log.write_text("旧" * 1_000_000, encoding="utf-8")  # 3 MB: past the limit
    try:
        raise ValueError("测试")
    except ValueError as exc:
        assert log_internal(exc, file="收表/甲.xlsx") == log
    text = log.read_text(encoding="utf-8")
    assert (log.parent / (ERROR_LOG_NAME + ".1")).exists()
    assert f"nianbao {__version__}" in text and "命令：" in text
    assert "文件：收表/甲.xlsx" in text and "ValueError: 测试" in text
    assert text.startswith("=== 20")  # an ISO time


def test_a_file_name_too_long_for_the_system_is_refused_before_anything_is_written(tmp_path):
    """Issue 21: an output name over 255 bytes ended in exit 3, once after the .xlsx was
    written and before its 正文 .docx failed."""
    from .test_cli import assert_no_traceback, nianbao

    stem = "报" * 82  # 246 bytes: the workbook fits, its "-正文.docx" (260) does not
    result = nianbao("template", "--year", "2025", "-o", tmp_path / f"{stem}.xlsx")
    assert result.returncode == 2, result.stderr
    assert_no_traceback(result)
    assert "太长" in result.stderr and "255 字节" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the workbook
    too_long = nianbao("template", "--year", "2025", "-o", tmp_path / ("报" * 100 + ".xlsx"))
    assert too_long.returncode == 2 and "太长" in too_long.stderr


def test_a_unit_name_too_long_is_an_error_and_a_draft_still_exports(tmp_path, sample_path):
    """Issue 21: a unit name over ~230 characters ended export in exit 3 (Word's 255-character
    document title)."""
    import openpyxl

    from .test_cli import assert_no_traceback, nianbao
    from .workbook_edit import edit_workbook

    sheet = openpyxl.load_workbook(sample_path)["基本信息"]
    row = next(c.row for c in sheet["A"] if c.value == "单位名称")
    path = edit_workbook(
        sample_path, tmp_path / "长.xlsx", {f"基本信息!B{row}": "青禾" * 120 + "镇人民政府"}
    )
    checked = nianbao("check", path)
    assert checked.returncode == 1 and "M-INFO-VALUE" in checked.stdout
    exported = nianbao("export", path, "--draft", "-o", tmp_path / "报告.docx")
    assert_no_traceback(exported)
    assert exported.returncode in (0, 1), exported.stderr
    assert (tmp_path / "报告.docx").exists()
