"""Time ``nianbao check DIR`` on N filled workbooks against the floor: python-calamine reading them.

Target (issue): checking 200 filled workbooks with one ``nianbao check DIR`` takes at most 6× the
time python-calamine needs merely to read every sheet of the same 200 files, start-up included
on both sides. Both sides run as fresh subprocesses of this interpreter, alternating within each
round; one warm-up run of each comes first (page cache, .pyc files) and gives the sanity figures.

    python bench/check_200.py                 # 200 workbooks, 5 rounds
    python bench/check_200.py -n 50 --rounds 3 --reuse
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from _timing import (
    OUT,
    REPO,
    add_env_option,
    configure,
    environment,
    line,
    load_note,
    ms,
    run_timed,
    stats,
    target_verdict,
)

sys.path.insert(0, str(REPO))
from make_workbooks import make_workbooks

TARGET_RATIO = 6.0

# The floor: a fresh interpreter that imports python_calamine and reads every sheet of every file.
FLOOR = """\
import sys
from pathlib import Path
from python_calamine import load_workbook
files = sorted(p for p in Path(sys.argv[1]).rglob("*.xlsx") if p.is_file())
sheets = cells = 0
for path in files:
    wb = load_workbook(str(path))
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        sheets += 1
        cells += sum(len(r) for r in rows)
print(len(files), sheets, cells)
"""


def floor_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(folder)]


def check_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-m", "nianbao", "check", str(folder), "--json"]


def prepare(folder: Path, n: int, invalid: int, reuse: bool) -> None:
    existing = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
    if reuse and len(existing) == n:
        print(f"reusing {n} workbooks in {folder}")
        return
    for old in existing:
        old.unlink()
    paths = make_workbooks(folder, n, invalid=invalid)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    print(f"built {len(paths)} workbooks ({invalid} invalid) in {folder}, {size:.1f} KiB each")


def sanity(folder: Path, one: Path) -> None:
    """Warm-up runs of both sides; print what each actually did."""
    _, floor = run_timed(floor_cmd(folder), capture=True)
    if floor.returncode != 0:
        sys.exit(f"floor failed:\n{floor.stderr.decode()}")
    files, sheets, cells = floor.stdout.decode().split()
    print(f"floor read {files} files, {sheets} sheets, {cells} cells (rows × columns)")

    _, check = run_timed(check_cmd(folder), capture=True)
    try:
        reports = json.loads(check.stdout)
    except json.JSONDecodeError:
        sys.exit(f"check printed no JSON (exit {check.returncode}):\n{check.stderr.decode()}")
    valid = sum(r["valid"] for r in reports)
    unreadable = sum(any(f["rule"] == "FILE" for f in r["findings"]) for r in reports)
    rules = Counter(f["rule"] for r in reports for f in r["findings"])
    print(
        f"check reported {valid} of {len(reports)} files valid, {len(reports) - valid} with "
        f"errors ({unreadable} unreadable); exit code {check.returncode}; "
        f"findings by rule: {dict(rules) or 'none'}"
    )
    run_timed(check_cmd(one))  # warm the one-file path too
    run_timed(floor_cmd(one.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="number of workbooks (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument(
        "--invalid", type=int, default=0, metavar="K", help="make K of them invalid (default 0)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse bench/out/check_N if it holds N workbooks"
    )
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)

    folder = OUT / f"check_{args.n}"
    print(environment())
    prepare(folder, args.n, args.invalid, args.reuse)
    # A one-file folder estimates each side's fixed cost (start-up, imports, spec loading).
    one_dir = OUT / "check_1"
    one_dir.mkdir(parents=True, exist_ok=True)
    one = one_dir / "one.xlsx"
    one.write_bytes(sorted(folder.glob("*.xlsx"))[0].read_bytes())
    print()
    sanity(folder, one)

    times: dict[str, list[float]] = {"floor": [], "check": [], "floor1": [], "check1": []}
    commands = {
        "floor": floor_cmd(folder),
        "check": check_cmd(folder),
        "floor1": floor_cmd(one_dir),
        "check1": check_cmd(one),
    }
    for r in range(args.rounds):
        order = ["floor", "check", "floor1", "check1"]
        if r % 2:
            order = ["check", "floor", "check1", "floor1"]
        for name in order:
            elapsed, proc = run_timed(commands[name])
            if proc.returncode not in (0, 1):
                sys.exit(f"{name} exited {proc.returncode}:\n{proc.stderr.decode()}")
            times[name].append(elapsed)

    n = args.n
    floor, check = stats(times["floor"]), stats(times["check"])
    floor1, check1 = stats(times["floor1"]), stats(times["check1"])
    print(f"\n{args.rounds} rounds, alternating; wall time of each subprocess, start-up included")
    print(line(f"floor: calamine reads {n} files", times["floor"]))
    print(line(f"check: nianbao check DIR --json ({n} files)", times["check"]))
    print(line("floor: calamine reads 1 file", times["floor1"]))
    print(line("check: nianbao check FILE --json (1 file)", times["check1"]))

    print("\nper file (median total / N):")
    print(f"  floor {ms(floor['median'] / n)}   check {ms(check['median'] / n)}")
    floor_marginal = (floor["median"] - floor1["median"]) / (n - 1) if n > 1 else 0.0
    check_marginal = (check["median"] - check1["median"]) / (n - 1) if n > 1 else 0.0
    print("per file without fixed cost ((T_N − T_1) / (N − 1), medians):")
    print(f"  floor {ms(floor_marginal)}   check {ms(check_marginal)}")
    print("fixed cost (1-file run, medians):")
    print(f"  floor {ms(floor1['median'])}   check {ms(check1['median'])}")

    ratio_median = check["median"] / floor["median"]
    ratio_min = check["min"] / floor["min"]
    paired = sorted(c / f for c, f in zip(times["check"], times["floor"], strict=True))
    print(
        f"\nratio check / floor: of medians {ratio_median:.2f}×, of mins {ratio_min:.2f}×; "
        f"per round (same-round pairs): {', '.join(f'{x:.2f}×' for x in paired)}"
    )
    budget = TARGET_RATIO * floor["median"]
    print(f"  {target_verdict(ratio_median, TARGET_RATIO, '×')}")
    print(
        f"  budget at {TARGET_RATIO:g}× the floor median: {budget * 1000:.1f} ms; "
        f"check used {check['median'] * 1000:.1f} ms ({check['median'] / budget:.0%} of budget)"
    )
    print(f"\n{load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
