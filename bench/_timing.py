"""Small helpers shared by the benchmark scripts: timing subprocesses and printing figures.

Benchmarks print figures; they never assert on time.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PYCACHE = OUT / "pycache"

# Subprocesses run as an installed program would: with byte-code caching. A sandbox may set
# PYTHONDONTWRITEBYTECODE, which makes every fresh interpreter recompile the project (and any
# module without a cached .pyc) at each start; the benchmarks drop it and keep their .pyc files
# under bench/out/pycache (git-ignored), for both sides alike. --keep-env turns this off.
_keep_env = False


def add_env_option(parser) -> None:
    parser.add_argument(
        "--keep-env",
        action="store_true",
        help="run subprocesses with the inherited environment (default: byte-code caching on, "
        ".pyc files under bench/out/pycache)",
    )


def configure(args) -> None:
    global _keep_env
    _keep_env = bool(getattr(args, "keep_env", False))


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    if not _keep_env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run_timed(cmd: Sequence[str], *, capture: bool = False) -> tuple[float, subprocess.Popen]:
    """Run ``cmd`` from the repo root; return (wall seconds, finished process).

    stdout goes to /dev/null unless ``capture``; stderr is always captured so a failure can be
    shown. The process's exit code is not judged here.
    """
    stdout = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=REPO, env=subprocess_env(), stdout=stdout, stderr=subprocess.PIPE, check=False
    )
    return time.perf_counter() - start, proc


def stats(samples: Sequence[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def line(label: str, samples: Sequence[float], width: int = 44) -> str:
    s = stats(samples)
    return (
        f"  {label:<{width}} median {ms(s['median'])}   min {ms(s['min'])}"
        f"   max {ms(s['max'])}   (n={s['n']})"
    )


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> str:
    load = ""
    if hasattr(os, "getloadavg"):
        load = "  load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    if _keep_env:
        pyc = "subprocess environment inherited"
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            pyc += " (PYTHONDONTWRITEBYTECODE set: no .pyc caching)"
    else:
        pyc = f"subprocesses cache byte code under {PYCACHE.relative_to(REPO)}"
    return (
        f"python {platform.python_version()} ({sys.executable}) on {platform.platform()}, "
        f"{os.cpu_count()} CPUs{load}\n"
        f"nianbao {version('nianbao')}, python-calamine {version('python-calamine')}, "
        f"xlsxwriter {version('xlsxwriter')}; {pyc}"
    )


def load_note() -> str:
    """Return the load average now, to judge whether other work disturbed the figures."""
    if not hasattr(os, "getloadavg"):
        return ""
    one, five, _ = os.getloadavg()
    note = f"load average now {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} CPUs"
    if one > 0.5 * (os.cpu_count() or 1):
        note += " — the machine was busy; trust the min columns more than the medians"
    return note


def target_verdict(value: float, target: float, unit: str = "") -> str:
    """Return a short 'within/over target' note (a figure, not an assertion)."""
    verdict = "within target" if value <= target else "OVER target"
    return f"{verdict} (≤ {target:g}{unit})"
