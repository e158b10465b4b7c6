"""Time ``nianbao data DIR -o data.csv`` on N filled workbooks against the python-calamine floor.

Target (issue 20): ≤ 6× the floor for 1,000 workbooks, start-up included on both sides. The
floor is ``check_200.py``'s: a fresh interpreter that imports python_calamine and reads every
sheet of every file. The workbooks are make_workbooks' first N (``rollup.py``'s folder
``bench/out/rollup_N``, shared with it; ``--reuse`` keeps it). Peak RSS of each side is sampled
from /proc as ``rollup.py`` does. Prints figures; asserts nothing.

    python bench/data.py [-n 1000] [--rounds 3] [--reuse] [--format csv|xlsx|json]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from _timing import OUT, REPO, add_env_option, configure, environment, line, load_note
from check_200 import floor_cmd
from rollup import _mb, prepare, run_measured, warm_page_cache

TARGET_RATIO = 6.0


def data_cmd(folder, out) -> list[str]:
    return [sys.executable, "-m", "nianbao", "data", str(folder), "-o", str(out), "--force"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of workbooks (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/rollup_N")
    parser.add_argument("--format", default="csv", choices=["csv", "xlsx", "json"])
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)
    print(environment())
    folder = OUT / f"rollup_{args.n}"
    prepare(folder, args.n, args.reuse)
    warm_page_cache(folder)
    out = OUT / f"data_{args.n}.{args.format}"
    first = run_measured(data_cmd(folder, out))  # warm-up: byte code, page cache
    if first.returncode != 0:
        sys.exit(f"nianbao data failed (exit {first.returncode}):\n{first.stderr}")
    rows = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1 if args.format == "csv" else None
    print(f"nianbao data wrote {out.relative_to(REPO)}: {out.stat().st_size / 1e6:.1f} MB"
          + (f", {rows} rows" if rows is not None else ""))  # fmt: skip
    floor_runs, data_runs = [], []
    for i in range(args.rounds):
        pair = [("floor", floor_cmd(folder)), ("data", data_cmd(folder, out))]
        for name, cmd in pair if i % 2 == 0 else pair[::-1]:
            run = run_measured(cmd)
            (floor_runs if name == "floor" else data_runs).append(run)
            print(f"  round {i + 1} {name:5s} {run.seconds:6.2f} s  peak {_mb(run.peak_bytes)}")
    floor = [r.seconds for r in floor_runs]
    data = [r.seconds for r in data_runs]
    print(line(f"floor: calamine reads every sheet ({args.n} files)", floor))
    print(line(f"nianbao data → .{args.format}", data))
    ratio = statistics.median(data) / statistics.median(floor)
    best = min(data) / min(floor)
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio data / floor: median {ratio:.2f}×, min {best:.2f}× — {verdict} target "
          f"≤ {TARGET_RATIO:g}×")  # fmt: skip
    print(f"per file: {statistics.median(data) / args.n * 1000:.2f} ms (data), "
          f"{statistics.median(floor) / args.n * 1000:.2f} ms (floor)")  # fmt: skip
    peaks = [r.peak_bytes for r in data_runs if r.peak_bytes]
    floor_peaks = [r.peak_bytes for r in floor_runs if r.peak_bytes]
    if peaks:
        print(f"peak RSS: data {_mb(max(peaks))}, floor {_mb(max(floor_peaks))}")
    print(load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
