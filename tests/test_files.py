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
