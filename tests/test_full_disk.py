"""A disk that fills up while an output is written (issue 21): every writer gives the Chinese
"cannot write" message and exit 2, never a traceback, and leaves no temporary file behind.

The disk is really full for the process: RLIMIT_FSIZE makes the kernel refuse writes past a size
(EFBIG), exactly as ENOSPC would, without needing a small file system.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys

import pytest

from .test_cli import assert_no_traceback


def _run_with_file_limit(limit: int, *args, cwd) -> subprocess.CompletedProcess:
    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "nianbao", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
        preexec_fn=limit_writes,
    )


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["template", "-o", "填报表.xlsx", "--year", "2025"], id="template-xlsxwriter"),
        pytest.param(["demo", "-o", "演示"], id="demo"),
        pytest.param(["export", "收/甲.xlsx", "-o", "报告.docx"], id="export-docx"),
        pytest.param(
            ["export", "收/甲.xlsx", "--no-docx", "--html", "报告.html"], id="export-html"
        ),
        pytest.param(["check", "收/甲.xlsx", "--annotate", "批注.xlsx"], id="annotate"),
        pytest.param(["rollup", "收", "-o", "汇总.xlsx"], id="rollup-summary"),
    ],
)
def test_a_full_disk_is_a_chinese_message_and_leaves_nothing(tmp_path, sample_path, command):
    tmp_path = tmp_path / "work"
    received = tmp_path / "收"
    received.mkdir(parents=True)
    (received / "甲.xlsx").write_bytes(sample_path.read_bytes())
    before = {p: p.read_bytes() for p in received.iterdir()}
    result = _run_with_file_limit(20_000, *command, cwd=tmp_path)
    assert {p: p.read_bytes() for p in received.iterdir()} == before
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert_no_traceback(result)
    assert "Exception ignored" not in result.stderr
    assert "磁盘空间不足" in result.stderr or "无法写入" in result.stderr
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".")]
    leftovers += [p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".docx", ".html")]
    assert leftovers == []
