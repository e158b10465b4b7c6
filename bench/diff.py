"""Time ``nianbao diff OLD NEW`` against the floor: python-calamine reading both files.

Target (issue 19): comparing two workbooks takes at most 3× the time python-calamine needs merely
to read every sheet of both, start-up included on both sides. Both sides run as fresh
subprocesses of this interpreter, alternating within each round, after one warm-up run of each.
The two files are the built-in sample and a copy with one number changed (the usual case: a
unit's resubmission), so the diff has something to say and both sides are checked.

    python bench/diff.py               # 7 rounds
    python bench/diff.py --rounds 3
"""

from __future__ import annotations

import argparse
import sys

from _timing import (
    OUT,
    REPO,
    add_env_option,
    configure,
    environment,
    line,
    load_note,
    run_timed,
    stats,
    target_verdict,
)

sys.path.insert(0, str(REPO))

TARGET_RATIO = 3.0

FLOOR = """\
import sys
from python_calamine import load_workbook
cells = 0
for path in sys.argv[1:]:
    wb = load_workbook(path)
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
print(cells)
"""


def prepare() -> tuple[str, str]:
    """Write the two versions under bench/out/diff and return their paths."""
    from dataclasses import replace

    from nianbao.workbook_templates.builder import build_template
    from nianbao.workbook_templates.sample import sample_request
    from nianbao.workbook_templates.spec import CellKey

    folder = OUT / "diff"
    folder.mkdir(parents=True, exist_ok=True)
    request = sample_request(2025)
    old = build_template(folder / "旧版本.xlsx", request)
    values = dict(request.values)
    values[CellKey("t2", "licensing", "decisions")] = 7
    new = build_template(folder / "新版本.xlsx", replace(request, values=values))
    return str(old), str(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)
    print(environment())
    old, new = prepare()
    commands = {
        "floor": [sys.executable, "-c", FLOOR, old, new],
        "diff": [sys.executable, "-m", "nianbao", "diff", old, new],
    }
    for name, cmd in commands.items():  # warm-up, and a look at what each did
        _, proc = run_timed(cmd, capture=True)
        if proc.returncode not in (0, 1):
            sys.exit(f"{name} exited {proc.returncode}:\n{proc.stderr.decode()}")
        first = proc.stdout.decode().strip().splitlines()
        print(f"{name}: exit {proc.returncode}; {first[-1] if name == 'floor' else first[5]}")
    times: dict[str, list[float]] = {"floor": [], "diff": []}
    for r in range(args.rounds):
        for name in ("floor", "diff") if r % 2 == 0 else ("diff", "floor"):
            elapsed, _ = run_timed(commands[name])
            times[name].append(elapsed)
    floor, diff = stats(times["floor"]), stats(times["diff"])
    print(f"\n{args.rounds} rounds, alternating; wall time of each subprocess, start-up included")
    print(line("floor: calamine reads both files", times["floor"]))
    print(line("diff: nianbao diff OLD NEW", times["diff"]))
    ratio = diff["median"] / floor["median"]
    print(f"\nratio diff / floor (medians): {ratio:.2f}×")
    print(f"  {target_verdict(ratio, TARGET_RATIO, '×')}")
    print(f"\n{load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
