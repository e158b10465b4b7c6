"""Print the table of docs/hostile-situations.md: each hostile situation of tests/
test_hostile_county.py and tests/test_hostile_commands.py (run exactly as the tests run them, by
their ``play``: under prlimit and timeout, from a launcher that reports the peak RSS of the
command's largest process), and the stopped rollups of tests/test_signals.py (under
/usr/bin/time), with the exit code, whether a traceback was printed, whether an input changed,
whether a temporary file was left, the peak memory and the wall time.

    python bench/hostile_situations.py                            # from the repository root
    NIANBAO_FUZZ_COMMANDS=20 python bench/hostile_situations.py   # 20 fuzzed files per command

Linux only (/proc, prlimit, unshare). Figures, not assertions: the tests assert the bounds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nianbao.files import TEMP_PREFIX  # noqa: E402
from tests import test_hostile_commands, test_hostile_county  # noqa: E402
from tests.county import make_county  # noqa: E402
from tests.test_hostile_county import (  # noqa: E402
    Seeds,
    Situation,
    _descendants,
    _nianbao_process,
    play,
    read_only_unavailable,
    snapshot,
)

TIME = "/usr/bin/time"


def _measured(report: Path) -> tuple[str, str]:
    """Return (peak RSS in MB, wall seconds) from a /usr/bin/time -v report."""
    text = report.read_text(encoding="utf-8", errors="replace")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    seconds = sum(float(p) * 60**i for i, p in enumerate(reversed(wall.split(":"))))
    return f"{rss:.0f} MB", f"{seconds:.2f} s"


def _env() -> dict[str, str]:
    state = tempfile.mkdtemp(prefix="nianbao-state-")
    return {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": state}


def _row(name: str, code: int, output: str, before: dict, after: dict, report: Path) -> str:
    changed = [p for p, h in before.items() if after.get(p) != h]
    temps = [p for p in after if TEMP_PREFIX in p and p not in before]
    rss, wall = _measured(report)
    traceback = "yes" if "Traceback" in output else "none"
    return (
        f"| {name} | {code} | {traceback} | {'、'.join(changed) or 'none'} | "
        f"{'、'.join(temps) or 'none'} | {rss} | {wall} |"
    )


def _code(code: int | tuple[int, ...]) -> str:
    return ", ".join(map(str, code)) if isinstance(code, tuple) else str(code)


def situation_row(situation: Situation, seeds: Seeds) -> str:
    if situation.read_only is not None and (why := read_only_unavailable()):
        return f"| {situation.id} | skipped: {why} | | | | | |"
    with tempfile.TemporaryDirectory() as work:
        outcome = play(situation, seeds, Path(work))
        run = outcome.run
        traceback = "yes" if "Traceback" in run.output else "none"
        return (
            f"| {situation.id} | {_code(run.returncode)} | {traceback} | "
            f"{'、'.join(outcome.changed()) or 'none'} | {'、'.join(outcome.temps()) or 'none'} | "
            f"{run.peak_mb:.0f} MB | {run.seconds:.2f} s |"
        )


def _alive(pid: int) -> bool:
    """Return whether a process runs (a zombie waiting for its reaper has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def stopped_rollup_row(inbox: Path, signum: int) -> str:
    """Stop a rollup of ~30 files once its workers run; the row says whether any was left."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        report = folder.parent / f"{folder.name}.time"
        before = snapshot(inbox)
        command = [TIME, "-v", "-o", str(report), sys.executable, "-m", "nianbao", "rollup"]
        command += [str(inbox), "-o", "汇总.xlsx"]
        proc = subprocess.Popen(
            command, cwd=folder, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        python: int | None = None
        workers: list[int] = []
        while not workers and proc.poll() is None:
            python = python or _nianbao_process(proc.pid)
            workers = _descendants(python) if python else []
            time.sleep(0.005)
        assert python is not None, "the rollup ended before its workers started"
        os.kill(python, signum)
        out, err = proc.communicate(timeout=60)
        time.sleep(0.5)
        left = [pid for pid in workers if _alive(pid)]
        name = f"rollup of {sum(1 for _ in inbox.rglob('*.xlsx'))} files stopped by "
        name += f"{signal.Signals(signum).name}: workers left {len(left)} of {len(workers)}"
        output = (out + err).decode("utf-8", "replace")
        code = proc.returncode  # /usr/bin/time passes on the exit code (or 128 + signal)
        row = _row(name, code, output, before, snapshot(inbox), report)
        after = {p.name for p in folder.iterdir()}
        return row if not after else row.replace("| none |", f"| {'、'.join(after)} |", 1)


def main() -> None:
    print("| situation | exit code | traceback | input changed | temp left | peak memory | time |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        seeds = Seeds(Path(work))
        for situation in [*test_hostile_county.SITUATIONS, *test_hostile_commands.SITUATIONS]:
            print(situation_row(situation, seeds), flush=True)
        inbox = make_county(Path(work) / "thirty", n_units=30, seed=21).inbox
        for signum in (signal.SIGTERM, signal.SIGKILL):
            print(stopped_rollup_row(inbox, signum), flush=True)


if __name__ == "__main__":
    main()
