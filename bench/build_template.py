"""Time ``build_template``: warm in-process (blank and filled sample) and cold in a subprocess.

Target (issue): building a template takes at most 60 ms. The warm figures time the call alone
(the request is prepared beforehand, the spec is already loaded); the cold figures are a fresh
``python -c`` that imports the package and builds one template, timed inside (imports + build)
and from outside (whole process, interpreter start-up included).

    python bench/build_template.py
    python bench/build_template.py --reps 200 --rounds 10 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _timing import (
    REPO,
    add_env_option,
    configure,
    environment,
    line,
    load_note,
    run_timed,
    target_verdict,
)

sys.path.insert(0, str(REPO))
from nianbao.workbook_templates import TemplateRequest, build_template
from nianbao.workbook_templates.sample import sample_request

TARGET_MS = 60.0

COLD = """\
import sys, time
start = time.perf_counter()
from nianbao.workbook_templates import TemplateRequest, build_template
imported = time.perf_counter()
request = TemplateRequest(year=2025, unit="青禾镇人民政府", kind="乡镇")
build_template(sys.argv[1], request, force=True)
done = time.perf_counter()
print(imported - start, done - imported)
"""


def requests() -> dict[str, TemplateRequest]:
    return {
        "blank (unit, kind, year only)": TemplateRequest(
            year=2025, unit="青禾镇人民政府", kind="乡镇"
        ),
        "filled sample_request(2025)": sample_request(2025),
    }


def time_warm(request: TemplateRequest, target: Path, reps: int) -> list[float]:
    for _ in range(3):  # warm-up: spec caches, first-call costs
        build_template(target, request, force=True)
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        build_template(target, request, force=True)
        samples.append(time.perf_counter() - start)
    return samples


def profile(request: TemplateRequest, target: Path, reps: int, top: int) -> None:
    build_template(target, request, force=True)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(reps):
        build_template(target, request, force=True)
    prof.disable()
    print(f"\ncProfile of {reps} warm builds of the filled sample, top {top} by cumulative time:")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"top {top} by own (total) time:")
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100, help="warm repetitions (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="cold subprocess runs (default 5)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of builds")
    parser.add_argument("--top", type=int, default=15, help="rows of the profile (default 15)")
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)

    print(environment())
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        target = Path(tmp) / "template.xlsx"
        print(f"\nwarm, in-process build_template(), {args.reps} repetitions after 3 warm-ups:")
        medians = {}
        for label, request in requests().items():
            samples = time_warm(request, target, args.reps)
            medians[label] = statistics.median(samples) * 1000
            print(line(label, samples, width=32))
        size = target.stat().st_size / 1024
        print(f"  (filled workbook size {size:.1f} KiB)")

        print(f"\ncold, fresh `python -c` building one blank template, {args.rounds} runs:")
        imports, builds, walls = [], [], []
        run_timed([sys.executable, "-c", COLD, str(target)])  # warm the .pyc files
        for _ in range(args.rounds):
            wall, proc = run_timed([sys.executable, "-c", COLD, str(target)], capture=True)
            if proc.returncode != 0:
                sys.exit(f"cold build failed:\n{proc.stderr.decode()}")
            imported, built = (float(x) for x in proc.stdout.split())
            imports.append(imported)
            builds.append(built)
            walls.append(wall)
        baseline = [run_timed([sys.executable, "-c", "pass"])[0] for _ in range(args.rounds)]
        print(line("imports (inside the process)", imports, width=32))
        print(line("first build (inside the process)", builds, width=32))
        combined = [a + b for a, b in zip(imports, builds, strict=True)]
        print(line("imports + first build", combined, width=32))
        print(line("whole process (wall)", walls, width=32))
        print(line("`python -c pass` (reference)", baseline, width=32))

        print(f"\nagainst the {TARGET_MS:g} ms target:")
        for label, value in medians.items():
            verdict = target_verdict(value, TARGET_MS, " ms")
            print(f"  warm {label:<32} {value:6.1f} ms  {verdict}")
        cold_build = statistics.median(builds) * 1000
        cold_all = statistics.median(combined) * 1000
        print(
            f"  cold first build (no imports)         {cold_build:6.1f} ms  "
            f"{target_verdict(cold_build, TARGET_MS, ' ms')}"
        )
        print(
            f"  cold imports + first build            {cold_all:6.1f} ms  "
            f"{target_verdict(cold_all, TARGET_MS, ' ms')}"
        )
        if args.profile:
            profile(sample_request(2025), target, min(args.reps, 50), args.top)
    print(f"\n{load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
