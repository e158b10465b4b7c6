"""Interruptions leave nothing behind (issue 21): SIGTERM or SIGHUP while outputs are written
unwinds like Ctrl+C — the half-written temporary file is removed and the exit code says so — and
a temporary file a killed run left is recognised, never counted as an input, and cleaned up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from nianbao.files import STALE_TEMP_SECONDS, TEMP_PREFIX

from .test_cli import assert_no_traceback, nianbao


def _ours(folder) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_during_the_demo_leaves_no_temporary_file(tmp_path, signum):
    stopped = 0
    for delay in (0.3, 0.5, 0.7, 0.9, 1.1):
        out = tmp_path / f"d{delay}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "nianbao", "demo", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        time.sleep(delay)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
        assert "Traceback" not in stdout + stderr
        # -signum: stopped before our handler was installed (still starting): nothing written.
        assert proc.returncode in (0, 128 + signum, -signum), (proc.returncode, stderr)
        if proc.returncode == 128 + signum:
            stopped += 1
            assert "已停止" in stderr
        assert _ours(tmp_path) == []
    assert stopped  # at least one signal arrived while the demo was working


def test_a_temporary_file_left_by_a_killed_run_is_not_an_input_and_is_cleaned_up(
    tmp_path, sample_path
):
    received = tmp_path / "收"
    received.mkdir()
    (received / "甲.xlsx").write_bytes(sample_path.read_bytes())
    left = received / f"{TEMP_PREFIX}汇总.abcd1234.xlsx"
    left.write_bytes(sample_path.read_bytes())  # a complete-looking copy: still not an input
    old = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(left, (old, old))
    result = nianbao("rollup", received, "-o", received / "汇总.xlsx", "--json")
    assert_no_traceback(result)
    data = json.loads(result.stdout)
    assert data["counts"]["sent"] == 1
    files = {os.path.basename(f["file"]): f["status_code"] for f in data["files"]}
    assert files.get(left.name) in (None, "own_output")  # 本软件输出，已忽略
    assert not left.exists()  # writing the summary beside it cleaned it up
    check = nianbao("check", received)
    assert TEMP_PREFIX not in check.stdout or "临时文件" in check.stdout
