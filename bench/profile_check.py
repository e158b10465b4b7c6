"""Profile ``nianbao check`` in-process: where does the time per workbook go?

Builds (or reuses) N filled workbooks in bench/out/profile_N, then

* times the phases of each file in a plain loop: ``read_workbook`` (open + parse + map to the
  spec), ``validate`` and ``Report.to_dict``;
* runs ``nianbao.desktop.cli.main(["check", DIR, "--json"])`` under cProfile (imports already
  done, spec caches cold, as in a fresh process) and prints the top functions by cumulative
  and own time.

    python bench/profile_check.py            # 50 files, top 15
    python bench/profile_check.py -n 200 --top 30
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import time

from _timing import OUT, REPO, environment

sys.path.insert(0, str(REPO))
from make_workbooks import make_workbooks

from nianbao.desktop.cli import main as cli_main
from nianbao.services.checking import collect_inputs
from nianbao.validation import validate
from nianbao.workbook_templates import read_workbook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="number of workbooks (default 50)")
    parser.add_argument("--top", type=int, default=15, help="rows per profile table (default 15)")
    args = parser.parse_args(argv)

    print(environment())
    folder = OUT / f"profile_{args.n}"
    if len(list(folder.glob("*.xlsx"))) != args.n:
        for old in folder.glob("*.xlsx"):
            old.unlink()
        make_workbooks(folder, args.n)
    files, _ = collect_inputs([str(folder)])

    # Profile first, so the spec caches are cold as in a fresh `nianbao check` process.
    sink = io.StringIO()
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    with contextlib.redirect_stdout(sink):
        code = cli_main(["check", str(folder), "--json"])
    prof.disable()
    profiled = time.perf_counter() - start

    phases: dict[str, list[float]] = {"read_workbook": [], "validate": [], "to_dict": []}
    for path in files:
        t0 = time.perf_counter()
        wb = read_workbook(path)
        t1 = time.perf_counter()
        report = validate(wb)
        t2 = time.perf_counter()
        report.to_dict()
        t3 = time.perf_counter()
        phases["read_workbook"].append(t1 - t0)
        phases["validate"].append(t2 - t1)
        phases["to_dict"].append(t3 - t2)

    print(f"\n{len(files)} files, warm, plain loop (no profiler), per file:")
    total = 0.0
    for name, samples in phases.items():
        med = statistics.median(samples)
        total += med
        print(f"  {name:<14} median {med * 1000:7.2f} ms   min {min(samples) * 1000:7.2f} ms")
    print(f"  {'sum':<14} median {total * 1000:7.2f} ms")

    print(
        f"\ncProfile of main(['check', DIR, '--json']) on {len(files)} files: exit code {code}, "
        f"{profiled:.2f} s under the profiler ({profiled / len(files) * 1000:.1f} ms per file)"
    )
    stats = pstats.Stats(prof)
    stats.strip_dirs()
    print(f"top {args.top} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(args.top)
    print(f"top {args.top} by own (total) time:")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
