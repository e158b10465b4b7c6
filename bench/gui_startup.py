"""Measure the desktop app's start (launch to the main window's first paint) and a check from
the window.

Target (issue 5): a usable window ≤ 1.5 s after start on this machine. Each round starts a
fresh interpreter that runs the app's real entry point (``nianbao.desktop.gui.main``); a probe
records the wall-clock time of the main window's first paint event and quits. Beside it, the
floors in the same run:

* ``python -c pass`` — the interpreter alone;
* bare Qt — import PySide6.QtWidgets, create a QApplication and paint one empty QWidget.

Then, in this process (offscreen), the 校验 page checks a workbook with errors: the time from
``show_workbook`` to the findings and the table preview being shown, next to the core's
``check_file`` on the same file (what ``nianbao check`` does per file).

Runs under Xvfb (the xcb platform, as on a Linux desktop) when ``xvfb-run`` is available, and
offscreen otherwise. Prints which third-party modules were imported by the time of first paint.

    python bench/gui_startup.py
    python bench/gui_startup.py --rounds 15 --platform offscreen
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import REPO, add_env_option, configure, environment, line, load_note, subprocess_env

# The window until its first paint: the same probe the frozen bundle runs (=paint).
APP_PROBE = f"""\
import sys
sys.path.insert(0, {str(REPO / "installer")!r})
import bundle_selftest
sys.exit(bundle_selftest.first_paint())
"""

QT_FLOOR = """\
import json, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

first = {}

class W(QWidget):
    def paintEvent(self, event):
        if not first:
            first["t"] = time.time()
            QTimer.singleShot(0, QApplication.quit)

app = QApplication([])
w = W()
w.resize(800, 600)
w.show()
app.exec()
print(json.dumps({"painted": first.get("t"), "third_party": []}))
"""


def _command(code: str, platform: str) -> list[str]:
    cmd = [sys.executable, "-c", code]
    if platform == "xcb":
        return ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *cmd]
    return cmd


def _env(platform: str, state: str) -> dict[str, str]:
    env = subprocess_env()
    env["QT_QPA_PLATFORM"] = platform
    env["XDG_STATE_HOME"] = state  # the app's log goes to a temporary folder
    env["XDG_CONFIG_HOME"] = state  # and its QSettings too
    return env


def first_paint(code: str, platform: str, state: str) -> tuple[float, list[str]]:
    """Return seconds from process launch to first paint, and the third-party modules loaded."""
    start = time.time()
    proc = subprocess.run(
        _command(code, platform),
        cwd=REPO,
        env=_env(platform, state),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the probe failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    if data["painted"] is None:
        raise SystemExit("the window was never painted")
    return data["painted"] - start, data["third_party"]


def xvfb_overhead(rounds: int) -> list[float]:
    """Return how long xvfb-run takes to start a server and run `true` (subtracted for xcb)."""
    out = []
    for _ in range(rounds):
        start = time.time()
        subprocess.run(["xvfb-run", "-a", "true"], check=True)
        out.append(time.time() - start)
    return out


def interpreter(rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.time()
        subprocess.run([sys.executable, "-c", "pass"], env=subprocess_env(), check=True)
        out.append(time.time() - start)
    return out


def check_from_window(rounds: int) -> tuple[list[float], list[float]]:
    """Return seconds per check shown in the window, and per core check of the same file."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings

    from nianbao.desktop.gui.app import create_app
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow
    from nianbao.services.checking import check_file
    from nianbao.workbook_templates import build_template
    from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes

    app = create_app()
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        folder = Path(tmp)
        os.environ["XDG_STATE_HOME"] = tmp
        workbook = build_template(folder / "b.xlsx", sample_with_mistakes(sample_request(2025)))
        store = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Settings(store))
        window.show()
        page = window.go("check")
        shown, core = [], []
        for _ in range(rounds + 1):
            start = time.perf_counter()
            page.show_workbook(workbook)
            app.processEvents()
            while window.jobs:
                app.processEvents()
                time.sleep(0.001)
            app.processEvents()
            shown.append(time.perf_counter() - start)
            start = time.perf_counter()
            check_file(workbook)
            core.append(time.perf_counter() - start)
        window.close()
    return shown[1:], core[1:]  # the first round imports the check path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--platform", choices=["xcb", "offscreen"], default=None)
    add_env_option(parser)
    args = parser.parse_args()
    configure(args)
    platform = args.platform or ("xcb" if shutil.which("xvfb-run") else "offscreen")
    print(environment())
    print(f"Qt platform: {platform}{' (under xvfb-run)' if platform == 'xcb' else ''}\n")
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as state:
        first_paint(APP_PROBE, platform, state)  # warm the byte-code cache and the disk cache
        app, floor = [], []
        modules: list[str] = []
        for _ in range(args.rounds):
            seconds, modules = first_paint(APP_PROBE, platform, state)
            app.append(seconds)
            floor.append(first_paint(QT_FLOOR, platform, state)[0])
    xvfb = xvfb_overhead(args.rounds) if platform == "xcb" else [0.0] * args.rounds
    bare = interpreter(args.rounds)
    print("Launch → first paint of the window (wall clock):")
    print(line("年报助手 main window (nianbao-gui)", app))
    print(line("floor: bare Qt, one empty QWidget", floor))
    print(line("floor: python -c pass", bare))
    if platform == "xcb":
        print(line("of which xvfb-run starting the X server", xvfb))
        net = [a - x for a, x in zip(sorted(app), sorted(xvfb), strict=True)]
        print(line("main window minus xvfb-run start", net))
    median = sorted(app)[len(app) // 2]
    print(f"\nTarget ≤ 1.5 s: median {median:.2f} s — {'met' if median <= 1.5 else 'NOT met'}")
    print("Third-party packages imported by first paint: " + ", ".join(modules))
    heavy = [m for m in ("pandas", "numpy", "openpyxl", "docx", "lxml") if m in modules]
    print("Heavy packages deferred until used: " + ("yes" if not heavy else f"no: {heavy}"))
    shown, core = check_from_window(args.rounds)
    print("\nChecking a workbook with errors (in-process, offscreen):")
    print(line("校验 page: show_workbook → findings + preview", shown))
    print(line("core: check_file (what nianbao check does)", core))
    print(load_note())


if __name__ == "__main__":
    os.chdir(REPO)
    main()
