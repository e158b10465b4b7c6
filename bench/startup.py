"""Measure ``nianbao check`` start-up and list the heavy modules imported on the check path.

Target (issue): ``nianbao check`` start-up is lean — no pandas or Qt imported on that path (and,
for a plain check without --annotate, no openpyxl or numpy either). This script builds one filled
sample workbook, then

* times ``check --help`` and ``check FILE --json`` as fresh subprocesses (wall, start-up included),
  next to ``python -c pass`` as the interpreter's own floor;
* runs ``nianbao.desktop.cli.main(["check", FILE, "--json"])`` in a fresh interpreter and inspects
  ``sys.modules`` afterwards: which heavy modules and which third-party packages were imported;
* runs the same command under ``-X importtime`` and prints the total import time and the
  biggest imports.

    python bench/startup.py
    python bench/startup.py --rounds 20 --top 25
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _timing import REPO, add_env_option, configure, environment, line, load_note, run_timed

sys.path.insert(0, str(REPO))
from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.sample import sample_request

# Must not be imported by a plain check; the others are listed for information.
FORBIDDEN = ("pandas", "PySide6", "shiboken6", "PyQt5", "PyQt6", "openpyxl", "numpy")
WATCHED = (*FORBIDDEN, "xlsxwriter", "python_calamine", "lxml", "PIL", "defusedxml")

INSPECT = """\
import contextlib, io, json, sys, time
start = time.perf_counter()
from nianbao.desktop.cli import main
args = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
elapsed = time.perf_counter() - start
stdlib = sys.stdlib_module_names | set(sys.builtin_module_names)
third = sorted({m.split(".")[0] for m in sys.modules} - stdlib - {"__main__"})
print(json.dumps({"code": code, "seconds": elapsed, "modules": sorted(sys.modules),
                  "third_party": third}))
"""


def console_script() -> str | None:
    """Return the installed `nianbao` script beside this interpreter (not a pyenv shim)."""
    beside = Path(sys.executable).parent / "nianbao"
    if beside.exists():
        return str(beside)
    return shutil.which("nianbao")


def inspect(args: list[str]) -> dict:
    cmd = [sys.executable, "-c", INSPECT, json.dumps(args)]
    _, proc = run_timed(cmd, capture=True)
    if proc.returncode != 0:
        sys.exit(f"inspection failed:\n{proc.stderr.decode()}")
    return json.loads(proc.stdout)


def importtime(args: list[str]) -> list[tuple[int, int, int, str]]:
    """Return (self µs, cumulative µs, depth, module) for every import of a run."""
    cmd = [sys.executable, "-X", "importtime", "-m", "nianbao", *args]
    _, proc = run_timed(cmd, capture=True)
    rows = []
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
    for text in proc.stderr.decode(errors="replace").splitlines():
        m = pattern.match(text)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append((int(m.group(1)), int(m.group(2)), depth, m.group(4)))
    return rows


def report_modules(label: str, info: dict, strict: bool = True) -> None:
    present = set(info["modules"])
    print(f"\n{label}: exit code {info['code']}, {len(present)} modules in sys.modules")
    for name in WATCHED:
        imported = any(m == name or m.startswith(name + ".") for m in present)
        flag = "  <-- must not be imported" if strict and imported and name in FORBIDDEN else ""
        print(f"  {name:<16} {'IMPORTED' if imported else 'not imported'}{flag}")
    print(f"  third-party / project top-level packages: {', '.join(info['third_party'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="runs per command (default 10)")
    parser.add_argument("--top", type=int, default=15, help="imports listed (default 15)")
    add_env_option(parser)
    args = parser.parse_args(argv)
    configure(args)

    print(environment())
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        book = Path(tmp) / "sample.xlsx"
        build_template(book, sample_request(2025))
        annotated = Path(tmp) / "annotated.xlsx"

        commands = {
            "python -c pass (interpreter floor)": [sys.executable, "-c", "pass"],
            "python -m nianbao --version": [sys.executable, "-m", "nianbao", "--version"],
            "python -m nianbao check --help": [sys.executable, "-m", "nianbao", "check", "--help"],
            "python -m nianbao check FILE --json": [
                sys.executable,
                *("-m", "nianbao", "check", str(book), "--json"),
            ],
        }
        script = console_script()
        if script:
            commands["nianbao check --help (console script)"] = [script, "check", "--help"]
            commands["nianbao check FILE --json (console script)"] = [
                script,
                *("check", str(book), "--json"),
            ]
        for cmd in commands.values():  # warm-up: .pyc files, page cache
            run_timed(cmd)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.rounds):
            for label, cmd in commands.items():
                times[label].append(run_timed(cmd)[0])
        print(f"\nstart-up, wall time of fresh subprocesses, {args.rounds} rounds interleaved:")
        for label, samples in times.items():
            print(line(label, samples, width=44))

        plain = inspect(["check", str(book), "--json"])
        report_modules("modules after main(['check', FILE, '--json'])", plain)
        print(f"  main() including imports took {plain['seconds'] * 1000:.1f} ms in-process")
        helped = inspect(["check", "--help"])
        report_modules("modules after main(['check', '--help'])", helped)
        annotate = inspect(["check", str(book), "--annotate", str(annotated)])
        report_modules(
            "for contrast (allowed), modules after check FILE --annotate OUT", annotate, False
        )

        rows = importtime(["check", str(book), "--json"])
        total_self = sum(r[0] for r in rows)
        print(
            f"\n-X importtime of `python -m nianbao check FILE --json`: {len(rows)} imports, "
            f"total import time {total_self / 1000:.1f} ms (sum of self times)"
        )
        by_package: dict[str, int] = defaultdict(int)
        for self_us, _, _, name in rows:
            by_package[name.split(".")[0]] += self_us
        print(f"  self time by top-level package (top {args.top}):")
        for name, us in sorted(by_package.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"    {us / 1000:7.1f} ms  {name}")
        print(f"  biggest imports by cumulative time (top {args.top}):")
        for self_us, cum_us, depth, name in sorted(rows, key=lambda r: -r[1])[: args.top]:
            print(
                f"    {cum_us / 1000:7.1f} ms cumulative {self_us / 1000:6.1f} ms self  "
                f"{'  ' * depth}{name}"
            )
    print(f"\n{load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
