"""Time ``nianbao trends`` over three years of a 1,000-unit rollup, and its peak memory.

Target (issue 20): ≤ 10 s for three summaries of 1,000 units each (start-up included). For each
year 2023–2025 the script builds make_workbooks' first N workbooks with that year and a seed of
its own (the same unit names every year, other numbers) into ``bench/out/trends_N/YEAR`` and
rolls them up with ``nianbao rollup`` into ``bench/out/trends_N/汇总YEAR.xlsx`` (``--reuse``
keeps what is there), then times ``--rounds`` fresh runs of ``nianbao trends`` on the three
summaries, sampling the process tree's RSS from /proc as ``rollup.py`` does. Prints figures;
asserts nothing.

    python bench/trends.py [-n 1000] [--rounds 3] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from _timing import (
    OUT,
    REPO,
    add_env_option,
    configure,
    environment,
    line,
    load_note,
    subprocess_env,
)
from make_workbooks import file_name, workbook_request
from rollup import _mb, run_measured

from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.sample import sample_request

YEARS = (2023, 2024, 2025)
TARGET_SECONDS = 10.0
_base = None


def _build_one(job: tuple[Path, int, int]) -> None:
    global _base
    folder, n, year = job
    _base = _base or sample_request(2025)
    request = replace(workbook_request(n, seed=year, base=_base), year=year)
    build_template(folder / file_name(n).replace("2025", str(year)), request, force=True)


def prepare(root: Path, n: int, reuse: bool) -> list[Path]:
    """Return the three summaries, building and rolling up what is not there yet."""
    summaries = []
    for year in YEARS:
        folder, summary = root / str(year), root / f"汇总{year}.xlsx"
        summaries.append(summary)
        have = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
        if reuse and len(have) == n and summary.is_file():
            print(f"reusing {n} workbooks and {summary.relative_to(REPO)}")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(_build_one, [(folder, i, year) for i in range(1, n + 1)], chunksize=25))
        built = time.perf_counter() - start
        cmd = [sys.executable, "-m", "nianbao", "rollup", str(folder), "-o", str(summary)]
        cmd += ["--year", str(year), "--force"]
        done = subprocess.run(cmd, cwd=REPO, env=subprocess_env(), capture_output=True)
        if not summary.is_file():
            sys.exit(f"rollup of {year} wrote no summary (exit {done.returncode}):\n"
                     + done.stderr.decode(errors="replace"))  # fmt: skip
        print(f"{year}: built {n} workbooks in {built:.0f} s, rolled up in "
              f"{time.perf_counter() - start - built:.0f} s")  # fmt: skip
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="units per year (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/trends_N")
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)
    print(environment())
    root = OUT / f"trends_{args.n}"
    summaries = prepare(root, args.n, args.reuse)
    out = root / "趋势.xlsx"
    cmd = [sys.executable, "-m", "nianbao", "trends", *map(str, summaries), "-o", str(out)]
    cmd.append("--force")
    warm = run_measured(cmd, stdout=root / "trends_stdout.txt")
    if warm.returncode != 0:
        sys.exit(f"nianbao trends failed (exit {warm.returncode}):\n{warm.stderr}")
    said = (root / "trends_stdout.txt").read_text(encoding="utf-8").splitlines()
    print("nianbao trends said: " + " / ".join(s.strip() for s in said[:3]))
    runs = []
    for i in range(args.rounds):
        run = run_measured(cmd)
        runs.append(run)
        print(f"  round {i + 1}: {run.seconds:6.2f} s  peak {_mb(run.peak_bytes)}")
    seconds = [r.seconds for r in runs]
    print(line(f"nianbao trends, 3 years × {args.n} units", seconds))
    median = statistics.median(seconds)
    verdict = "within" if median <= TARGET_SECONDS else "OVER"
    print(f"median {median:.2f} s — {verdict} target ≤ {TARGET_SECONDS:g} s")
    peaks = [r.peak_bytes for r in runs if r.peak_bytes]
    if peaks:
        print(f"peak RSS {_mb(max(peaks))}")
    print(load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
