"""Measure the frozen (PyInstaller) app: bundle and package sizes, start-up, the demo and the
window's first paint, each beside its floor measured in the same run.

Build first (``python installer/build.py linux``), then:

    python bench/frozen_startup.py [--bundle installer/dist/nianbao] [--rounds 10]

Rows, fresh processes, interleaved round by round:

* ``python -c pass`` (the interpreter alone) and ``python -m nianbao --version`` from the source
  tree: the floors for the frozen ``nianbao --version``;
* ``nianbao demo`` frozen and ``python -m nianbao demo`` from the source tree;
* launch → first paint of the main window: frozen (``NIANBAO_BUNDLE_SELFTEST=paint``) and from
  the source tree (bench/gui_startup.py's probe), offscreen unless ``--platform xcb``.

The frozen program runs from a temporary working folder with a clean environment (no
PYTHONPATH), as an installed copy would. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import REPO, add_env_option, configure, environment, line, load_note, subprocess_env
from gui_startup import APP_PROBE

DEFAULT_BUNDLE = REPO / "installer" / "dist" / "nianbao"


def du(path: Path) -> int:
    """Return the disk usage of ``path`` in bytes, as ``du -s`` counts it (blocks, not length)."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) * 1024


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def frozen_env(home: Path, platform: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": platform,
    }


def source_env(home: Path, platform: str) -> dict[str, str]:
    env = subprocess_env()
    env.update({k: v for k, v in frozen_env(home, platform).items() if k != "PATH"})
    env["PYTHONPATH"] = str(REPO)
    return env


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Return the wall seconds of ``cmd``; stop the benchmark if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def painted(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Return seconds from launch to the first paint the probe in ``cmd`` reports."""
    start = time.time()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the paint probe failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["painted"] - start


def package_figures(bundle: Path) -> None:
    print(f"bundle {bundle}: {mib(du(bundle))} on disk (du -s)")
    debs = sorted(bundle.parent.glob("nianbao_*.deb"))
    for deb in debs:
        size = subprocess.run(
            ["dpkg-deb", "-f", str(deb), "Installed-Size"], capture_output=True, text=True
        ).stdout.strip()
        installed = f", installed {mib(int(size) * 1024)} (Installed-Size)" if size else ""
        print(f"package {deb.name}: {mib(deb.stat().st_size)}{installed}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--platform", choices=["offscreen", "xcb"], default="offscreen")
    add_env_option(parser)
    args = parser.parse_args()
    configure(args)
    program = args.bundle / ("nianbao.exe" if sys.platform == "win32" else "nianbao")
    if not program.is_file():
        print(
            f"错误：没有找到打包好的程序 {program}。\n"
            "怎么办：先运行 python installer/build.py linux，或用 --bundle 指定程序文件夹。",
            file=sys.stderr,
        )
        return 2
    print(environment())
    package_figures(args.bundle)
    xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"] if args.platform == "xcb" else []
    with tempfile.TemporaryDirectory(prefix="nianbao-frozen-") as tmp:
        home = Path(tmp)
        fenv, senv = frozen_env(home, args.platform), source_env(home, args.platform)
        python = sys.executable
        rows: dict[str, tuple[list[str], dict[str, str], bool]] = {
            "floor: python -c pass": ([python, "-c", "pass"], senv, False),
            "source: python -m nianbao --version": (
                [python, "-m", "nianbao", "--version"],
                senv,
                False,
            ),
            "frozen: nianbao --version": ([str(program), "--version"], fenv, False),
            "source: python -m nianbao demo": ([python, "-m", "nianbao", "demo"], senv, False),
            "frozen: nianbao demo": ([str(program), "demo"], fenv, False),
            "source: window first paint": ([*xvfb, python, "-c", APP_PROBE], senv, True),
            "frozen: window first paint": (
                [*xvfb, str(program)],
                {**fenv, "NIANBAO_BUNDLE_SELFTEST": "paint"},
                True,
            ),
        }
        first: dict[str, float] = {}
        times: dict[str, list[float]] = {label: [] for label in rows}
        for round_no in range(args.rounds + 1):  # round 0 warms the caches, reported apart
            for label, (cmd, env, paint) in rows.items():
                if cmd[-1] == "demo":
                    cmd = [*cmd, "-o", str(home / f"demo-{len(times[label])}-{round_no}")]
                seconds = (painted if paint else timed)(cmd, home, env)
                if round_no == 0:
                    first[label] = seconds
                else:
                    times[label].append(seconds)
        print(f"\nwall time of fresh processes, {args.rounds} rounds interleaved, after a warm-up:")
        for label, samples in times.items():
            print(line(label, samples, width=40) + f"   first run {first[label] * 1000:.0f} ms")
        if xvfb:
            print("  (first-paint rows include xvfb-run starting an X server)")
    print(load_note())
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
