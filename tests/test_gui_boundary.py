"""The GUI's entry points exist and fail in Chinese; the window never prints (the layers, Qt
included, are held by test_layers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_gui_shows_messages_instead_of_printing():
    """Only the entry point prints (when Qt itself is missing); the window has no console."""
    for path in sorted((REPO / "nianbao" / "desktop" / "gui").rglob("*.py")):
        if path == REPO / "nianbao" / "desktop" / "gui" / "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "print(" not in text, f"{path.name} prints instead of showing"


def test_gui_command_is_listed_and_documented():
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao", "gui", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0
    assert "打开年报助手的桌面程序窗口" in proc.stdout


def test_gui_reports_missing_qt_in_chinese(tmp_path):
    # A PySide6 that cannot be imported (as on a machine where the wheel is missing).
    fake = tmp_path / "PySide6"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('no Qt here')\n", encoding="utf-8")
    code = "import sys; from nianbao.desktop.gui import main; sys.exit(main([]))"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 2
    assert "无法启动桌面程序" in proc.stderr and "Traceback" not in proc.stderr


def test_the_qt_binding_keeps_its_references_to_none_and_true():
    """PySide6 6.12.0 on Python 3.11 drops one reference to None per void Qt call and one to True
    per emit; after a few thousand calls (a long rollup's progress) the app aborts with
    "Fatal Python error: bool_dealloc". pyproject.toml excludes it; this catches a binding that
    comes back with the same fault."""
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication([])\n"
        "class O(QObject):\n"
        "    s = Signal(object)\n"
        "o, label = O(), QLabel()\n"
        "none, true = sys.getrefcount(None), sys.getrefcount(True)\n"
        "for _ in range(200):\n"
        "    label.setText('x')\n"
        "    o.s.emit(None)\n"
        "print(sys.getrefcount(None) - none, sys.getrefcount(True) - true)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    none_delta, true_delta = map(int, proc.stdout.split())
    assert abs(none_delta) < 20 and abs(true_delta) < 20


def test_rollup_spawns_its_workers_when_qt_threads_run():
    """Forking a process with running Qt threads can deadlock the child; Python's own thread
    count does not see a QThread, so the core counts the process's threads itself."""
    code = (
        "from PySide6.QtCore import QThread\n"
        "from nianbao.county.intake import _single_threaded\n"
        "before = _single_threaded()\n"
        "class T(QThread):\n"
        "    def run(self):\n"
        "        self.msleep(300)\n"
        "t = T()\n"
        "t.start()\n"
        "during = _single_threaded()\n"
        "t.wait()\n"
        "print(before, during)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert proc.stdout.split() == ["True", "False"], proc.stderr[-500:]
