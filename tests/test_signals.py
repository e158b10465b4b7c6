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
from pathlib import Path

import pytest

from nianbao.files import STALE_TEMP_SECONDS, TEMP_PREFIX

from .county import make_county
from .test_cli import assert_no_traceback, nianbao

pytestmark = pytest.mark.slow  # each case starts a command and stops it with a signal

REPO = Path(__file__).resolve().parent.parent


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


def _children(pid: int) -> list[int]:
    """Return the pids of the live processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()  # after "(command name)"
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    """Return whether a process runs (a zombie waiting for its reaper has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.fixture(scope="module")
def thirty_units(tmp_path_factory) -> Path:
    """A county's inbox of about 30 workbooks: enough for the rollup to read them in workers."""
    return make_county(tmp_path_factory.mktemp("county"), n_units=30, seed=21).inbox


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_a_rollup_ends_its_workers_and_leaves_no_temporary_file(
    thirty_units, tmp_path, signum
):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the rollup reads in-process, without workers")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao", "rollup", str(thirty_units), "-o", "汇总.xlsx"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        time.sleep(0.005)
    assert workers, "the rollup ended before its workers were seen"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode in (128 + signum, -signum), stderr.decode("utf-8", "replace")
    assert b"Traceback" not in stderr
    deadline = time.monotonic() + 10  # a worker told by the kernel takes a moment to end
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if _alive(pid)] == []
    assert _ours(tmp_path) == [] and not (tmp_path / "汇总.xlsx").exists()
