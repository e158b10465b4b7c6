"""Time ``export_report``: a full report (workbook read + check + compose + .docx + .html, each
file read back and verified) in-process, against the floor of python-docx merely opening its
default template and saving it, in the same run.

Target (issue): a full report in ≤ 150 ms in-process.

    python bench/export.py
    python bench/export.py --reps 50 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from _timing import REPO, environment, line, load_note, target_verdict

sys.path.insert(0, str(REPO))
import docx

from nianbao.converters.export import ExportRequest, export_report
from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.sample import sample_request

TARGET_MS = 150.0


def floor_once() -> None:
    """python-docx opening its default template and saving it: the least any .docx export costs."""
    document = docx.Document()
    document.save(io.BytesIO())


def timed(fn, reps: int) -> list[float]:
    for _ in range(3):
        fn()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(environment())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = build_template(folder / "wb.xlsx", sample_request(2025))
        previous = build_template(folder / "prev.xlsx", sample_request(2024))
        counter = iter(range(10**6))

        def export(html: bool = True, previous_year: bool = True) -> None:
            n = next(counter)
            export_report(
                ExportRequest(
                    workbook=workbook,
                    docx=folder / f"r{n}.docx",
                    html=folder / f"r{n}.html" if html else None,
                    previous=previous if previous_year else None,
                )
            )

        floor = timed(floor_once, args.reps)
        word = timed(lambda: export(html=False, previous_year=False), args.reps)
        full = timed(export, args.reps)
        print("\nIn-process, warm (spec loaded, modules imported):")
        print(line("floor: python-docx open default + save", floor))
        print(line("export: .docx only", word))
        print(line("export: .docx + .html + last year's check", full))
        median = sorted(full)[len(full) // 2] * 1000
        print(f"\nfull report median {median:.1f} ms — {target_verdict(median, TARGET_MS, ' ms')}")
        floor_median = sorted(floor)[len(floor) // 2]
        print(f"full report / floor = {sorted(full)[len(full) // 2] / floor_median:.1f}×")
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(10):
                export()
            prof.disable()
            print("\ncProfile of 10 full exports, top 25 by cumulative time:")
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print(load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
