"""Time ``nianbao rollup DIR`` on N workbooks against the calamine floor, with peak memory, per N.

Target (issue): rolling up 1,000 unit workbooks takes at most 5× the time python-calamine needs
merely to read every sheet of the same 1,000 files (start-up included on both sides, the same
floor as check_200.py), needs at most 500 MB, and grows linearly with the number of files. So
the script runs several sizes (default 100, 1,000 and 5,000), fits seconds = a + b·N and
extrapolates to the ~40,000 乡镇/街道 of China.

Both sides run as fresh subprocesses of this interpreter, alternating within each round. Peak
memory is the largest sum of the resident set sizes of the subprocess and all its descendants
(a rollup may use a process pool), sampled from /proc every 50 ms during every timed run.

    python bench/rollup.py                              # 100, 1,000, 5,000; 5 rounds
    python bench/rollup.py --sizes 100,1000 --rounds 5 --reuse
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from _timing import (
    OUT,
    REPO,
    add_env_option,
    configure,
    environment,
    load_note,
    ms,
    stats,
    subprocess_env,
    target_verdict,
)
from check_200 import floor_cmd

sys.path.insert(0, str(REPO))
from make_workbooks import YEAR, file_name, workbook_request

from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.sample import sample_request

TARGET_RATIO = 5.0
TARGET_MB = 500.0
TARGET_SIZE = 1000  # the figure; the other sizes show how it scales
COUNTRY = 40_000  # about as many 乡镇 and 街道 as China has
SAMPLE_SECONDS = 0.05
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# -- workbooks ------------------------------------------------------------------------------------

_base = None


def _build_one(job: tuple[Path, int]) -> int:
    """Build workbook ``n`` of make_workbooks into ``folder``; return its size in bytes."""
    global _base
    folder, n = job
    _base = _base or sample_request(YEAR)
    path = build_template(folder / file_name(n), workbook_request(n, base=_base), force=True)
    return path.stat().st_size


def prepare(folder: Path, n: int, reuse: bool) -> None:
    """Fill ``folder`` with make_workbooks' first ``n`` workbooks (kept with ``reuse``)."""
    existing = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
    if reuse and len(existing) == n:
        print(f"reusing {n} workbooks in {folder.relative_to(REPO)}")
        return
    for old in existing:
        old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    start, size, step = time.perf_counter(), 0, max(n // 10, 100)
    with ProcessPoolExecutor() as pool:  # 20 ms a workbook: 5,000 take a while on one core
        jobs = [(folder, i) for i in range(1, n + 1)]
        for done, nbytes in enumerate(pool.map(_build_one, jobs, chunksize=25), start=1):
            size += nbytes
            if done % step == 0 and done < n:
                print(f"  built {done} of {n} ({time.perf_counter() - start:.0f} s)", flush=True)
    print(
        f"built {n} workbooks in {folder.relative_to(REPO)} in "
        f"{time.perf_counter() - start:.1f} s, {size / n / 1024:.1f} KiB each"
    )


def warm_page_cache(folder: Path) -> int:
    """Read every workbook once so neither side pays for the disk; return the bytes read."""
    return sum(len(p.read_bytes()) for p in folder.glob("*.xlsx"))


# -- running and sampling -------------------------------------------------------------------------


def _process_tree(root: int) -> list[int]:
    """Return ``root`` and the ids of all its live descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # gone since the listing
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split(b" ", 2)[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def tree_rss(root: int) -> int:
    """Return the summed resident set size in bytes of ``root`` and all its descendants.

    Pages shared between a process and its forked workers count once per process, so for a
    pool this is an upper bound of the memory really used.
    """
    total = 0
    for pid in _process_tree(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


class PeakSampler(threading.Thread):
    """Poll a process tree's RSS every ``interval`` seconds until stopped; keep the maximum."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling; return the peak in bytes."""
        self._stop_event.set()
        self.join()
        return self.peak


PROC_OK = os.path.isdir("/proc/self")


@dataclass
class Run:
    seconds: float
    returncode: int
    stderr: str
    peak_bytes: int | None


def run_measured(cmd: list[str], stdout: Path | None = None) -> Run:
    """Run ``cmd`` from the repo root; return its wall time, exit code, stderr and peak RSS.

    stdout goes to the file ``stdout`` (or /dev/null) and stderr to a file, so a large output
    never blocks the child; the sampler runs in this process's second thread.
    """
    err_path = OUT / "rollup_stderr.txt"
    out_fh = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        with err_path.open("wb") as err_fh:
            start = time.perf_counter()
            proc = subprocess.Popen(
                cmd, cwd=REPO, env=subprocess_env(), stdout=out_fh, stderr=err_fh
            )
            sampler = PeakSampler(proc.pid) if PROC_OK else None
            if sampler:
                sampler.start()
            returncode = proc.wait()
            elapsed = time.perf_counter() - start
            peak = sampler.stop() if sampler else None
    finally:
        if stdout:
            out_fh.close()
    return Run(elapsed, returncode, err_path.read_text(errors="replace"), peak)


# -- the rollup command ---------------------------------------------------------------------------


def rollup_usage() -> str | None:
    """Return ``nianbao rollup --help`` if the command exists, else None."""
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao", "rollup", "--help"],
        cwd=REPO,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout if proc.returncode == 0 else None


def rollup_cmd(usage: str, folder: Path, out: Path) -> list[str]:
    """Return the rollup command line, with --json and --force only if the command takes them."""
    cmd = [sys.executable, "-m", "nianbao", "rollup", str(folder), "-o", str(out)]
    cmd += [flag for flag in ("--json", "--force") if flag in usage]
    return cmd


def summarize_json(path: Path) -> str:
    """Return a one-line summary of the rollup's JSON output (its top-level scalars and sizes)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"no JSON ({exc.__class__.__name__})"
    if isinstance(data, list):
        return f"a list of {len(data)} items"
    if not isinstance(data, dict):
        return repr(data)[:80]
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            codes = Counter(str(v.get("status_code", "?")) for v in value)
            tally = ", ".join(f"{code} {count}" for code, count in codes.most_common())
            parts.append(f"{key}: {len(value)} ({tally})")
        elif isinstance(value, dict) and "valid" in value:
            parts.append(f"{key}: valid {value['valid']}")
        elif isinstance(value, (list, dict)):
            parts.append(f"{key}: {len(value)} items")
        elif key != "output" and (not isinstance(value, str) or len(value) < 40):
            parts.append(f"{key}: {value}")
    return "; ".join(parts)[:400]


# -- one size -------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    floor: list[float]
    rollup: list[float]
    floor_peak: int | None
    rollup_peak: int | None
    summary_bytes: int | None


def _mb(nbytes: int | None) -> str:
    return "n/a" if nbytes is None else f"{nbytes / MB:.0f} MB"


def measure(n: int, rounds: int, usage: str | None, reuse: bool) -> SizeResult:
    """Time ``rounds`` alternating rounds of the floor and the rollup on ``n`` workbooks."""
    folder = OUT / f"rollup_{n}"
    print(f"\n== {n} workbooks ==")
    prepare(folder, n, reuse)
    print(f"page cache warmed: {warm_page_cache(folder) / MB:.0f} MB read")
    out = OUT / f"rollup_{n}_汇总.xlsx"  # outside the input folder, never read back as input
    json_out = OUT / f"rollup_{n}.json"
    commands = {"floor": floor_cmd(folder)}
    if usage is not None:
        commands["rollup"] = rollup_cmd(usage, folder, out)
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    floor_out = OUT / "rollup_floor.txt"
    summary_bytes = None
    for r in range(rounds):
        order = list(commands) if r % 2 == 0 else list(reversed(commands))
        for name in order:
            out.unlink(missing_ok=True)
            run = run_measured(commands[name], json_out if name == "rollup" else floor_out)
            if name == "floor" and run.returncode != 0:
                sys.exit(f"floor exited {run.returncode}:\n{run.stderr}")
            if name == "rollup":
                if run.returncode not in (0, 1):
                    sys.exit(f"rollup exited {run.returncode}:\n{run.stderr[-3000:]}")
                if out.exists():
                    summary_bytes = out.stat().st_size
                if r == 0:
                    print(f"rollup exit code {run.returncode}; JSON: {summarize_json(json_out)}")
                    if not out.exists():
                        print(f"  (no summary workbook at {out.relative_to(REPO)})")
            elif r == 0:
                files, sheets, cells = floor_out.read_text().split()
                print(f"floor read {files} files, {sheets} sheets, {cells} cells")
            times[name].append(run.seconds)
            if run.peak_bytes is not None:
                peaks[name].append(run.peak_bytes)
        done = " ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
        print(f"  round {r + 1} of {rounds}: {done}", flush=True)
    out.unlink(missing_ok=True)
    return SizeResult(
        n,
        times["floor"],
        times.get("rollup", []),
        max(peaks["floor"], default=None),
        max(peaks.get("rollup", []), default=None),
        summary_bytes,
    )


# -- report ---------------------------------------------------------------------------------------


def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Return (a, b) of the least-squares line y = a + b·x, or None with fewer than 2 sizes."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - b * mx, b


def report(results: list[SizeResult], have_rollup: bool) -> None:
    """Print the per-size table, the per-file costs, the linear fits and the extrapolation."""
    print("\nwall time of each subprocess, start-up included; peak = RSS of the process tree")
    header = f"  {'files':>6}  {'floor median':>12} {'min':>9}  {'floor peak':>10}"
    if have_rollup:
        header += f"  {'rollup median':>13} {'min':>9}  {'ratio med':>9} {'min':>6}  "
        header += f"{'rollup peak':>11}  {'summary':>8}"
    print(header)
    for res in results:
        f = stats(res.floor)
        row = f"  {res.n:>6}  {f['median']:>10.2f} s {f['min']:>7.2f} s  {_mb(res.floor_peak):>10}"
        if have_rollup:
            r = stats(res.rollup)
            size = "n/a" if res.summary_bytes is None else f"{res.summary_bytes / 1024:.0f} KiB"
            row += (
                f"  {r['median']:>11.2f} s {r['min']:>7.2f} s  {r['median'] / f['median']:>8.2f}×"
                f" {r['min'] / f['min']:>5.2f}×  {_mb(res.rollup_peak):>11}  {size:>8}"
            )
        print(row)

    if have_rollup:
        print(f"\nverdicts (median ratio vs {TARGET_RATIO:g}×, peak vs {TARGET_MB:g} MB):")
        for res in results:
            ratio = stats(res.rollup)["median"] / stats(res.floor)["median"]
            mark = "  <-- the issue's size" if res.n == TARGET_SIZE else ""
            memory = "n/a"
            if res.rollup_peak is not None:
                memory = target_verdict(res.rollup_peak / MB, TARGET_MB, " MB")
            print(
                f"  {res.n:>6} files: time {target_verdict(ratio, TARGET_RATIO, '×')}, "
                f"memory {memory}{mark}"
            )

    print("\nper file (median / N):")
    for res in results:
        line = f"  {res.n:>6} files: floor {ms(stats(res.floor)['median'] / res.n)}"
        if have_rollup:
            line += f"   rollup {ms(stats(res.rollup)['median'] / res.n)}"
        print(line)
    for prev, res in itertools.pairwise(results):
        delta = res.n - prev.n
        line = f"  marginal {prev.n}→{res.n}: floor "
        line += ms((stats(res.floor)["median"] - stats(prev.floor)["median"]) / delta)
        if have_rollup:
            rollup_delta = stats(res.rollup)["median"] - stats(prev.rollup)["median"]
            line += f"   rollup {ms(rollup_delta / delta)}"
        print(line)

    sides = [("floor", lambda r: r.floor, lambda r: r.floor_peak)]
    if have_rollup:
        sides.append(("rollup", lambda r: r.rollup, lambda r: r.rollup_peak))
    print(
        f"\nlinear fit over the sizes (seconds = a + b·N) and extrapolation to {COUNTRY:,} units:"
    )
    time_fits = {}
    for name, samples, peak in sides:
        line_fit = fit([(r.n, stats(samples(r))["median"]) for r in results])
        if line_fit is None:
            print(f"  {name}: needs at least two sizes")
            continue
        a, b = line_fit
        time_fits[name] = line_fit
        worst = max(
            abs(stats(samples(r))["median"] - (a + b * r.n)) / stats(samples(r))["median"]
            for r in results
        )
        print(
            f"  {name:<6} a = {a:6.2f} s, b = {b * 1000:6.2f} ms/file "
            f"(largest deviation from the line {worst:.0%}); "
            f"{COUNTRY:,} files ≈ {a + b * COUNTRY:,.0f} s ({(a + b * COUNTRY) / 60:.1f} min)"
        )
        mem_points = [(r.n, peak(r) / MB) for r in results if peak(r) is not None]
        mem_fit = fit(mem_points)
        if mem_fit:
            c, d = mem_fit
            print(
                f"         peak memory ≈ {c:.0f} MB + {d * 1024:.1f} KiB/file; "
                f"{COUNTRY:,} files ≈ {c + d * COUNTRY:,.0f} MB"
            )
    if "rollup" in time_fits:
        (fa, fb), (ra, rb) = time_fits["floor"], time_fits["rollup"]
        print(
            f"  ratio rollup / floor at {COUNTRY:,} files ≈ "
            f"{(ra + rb * COUNTRY) / (fa + fb * COUNTRY):.2f}× (per-file slopes {rb / fb:.2f}×)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="100,1000,5000",
        help="comma-separated numbers of workbooks (default 100,1000,5000)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per size (default 5)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse bench/out/rollup_N if it holds N workbooks"
    )
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated whole numbers, e.g. 100,1000")
    if not sizes or sizes[0] < 1 or args.rounds < 1:
        parser.error("sizes and rounds must be at least 1")

    print(environment())
    if not PROC_OK:
        print("no /proc here: peak memory is not measured")
    OUT.mkdir(parents=True, exist_ok=True)
    usage = rollup_usage()
    if usage is None:
        print(
            "\n`python -m nianbao rollup --help` failed: the rollup command is not available "
            "in this build, so only the floor is timed"
        )
    else:
        flags = [f for f in ("--json", "--force") if f in usage]
        print(f"rollup command found; passing {' '.join(flags) or 'no optional flags'}")

    # One untimed run of each side on a one-file folder writes the .pyc files both sides use.
    warm = OUT / "rollup_warm"
    warm.mkdir(exist_ok=True)
    _build_one((warm, 1))
    run_measured(floor_cmd(warm))
    if usage is not None:
        warm_out = OUT / "rollup_warm_汇总.xlsx"
        warm_out.unlink(missing_ok=True)
        run_measured(rollup_cmd(usage, warm, warm_out))
        warm_out.unlink(missing_ok=True)

    results = [measure(n, args.rounds, usage, args.reuse) for n in sizes]
    report(results, usage is not None)
    print(f"\n{load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
