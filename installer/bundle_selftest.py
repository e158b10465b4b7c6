"""Check a frozen bundle from the inside and print a JSON report (``NIANBAO_BUNDLE_SELFTEST=1``).

Some things can only be seen from inside the frozen process: where the modules were loaded from,
whether the modules left out of the bundle are really absent, whether Qt found its Chinese
translation and the window icon, whether python-docx found its default template and whether a
spawned worker process (how the window's rollup and Windows start workers) comes back. The
report lists each check with ``ok`` and what was seen; the exit code is 0 when all are ok.

Set ``NIANBAO_BUNDLE_SELFTEST_SHOT`` to a .png path to also save a picture of the main window.

``first_paint`` (``NIANBAO_BUNDLE_SELFTEST=paint``) starts the app through its real entry point
and prints the wall-clock time of the main window's first paint, as bench/gui_startup.py's probe
does for the source tree.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

# What the bundle leaves out on purpose (installer/nianbao.spec): they must not be importable.
LEFT_OUT = ("pandas", "numpy", "python_calamine", "pytest", "hypothesis", "PIL", "tkinter")


def _worker_pid() -> int:
    return os.getpid()


def _modules() -> dict:
    import nianbao
    from nianbao import converters, desktop, validation, workbook_templates

    base = Path(getattr(sys, "_MEIPASS", "")).resolve()
    packages = (nianbao, desktop, workbook_templates, validation, converters)
    files = {m.__name__: m.__file__ for m in packages}
    inside = all(base != Path() and Path(f).resolve().is_relative_to(base) for f in files.values())
    return {"ok": bool(getattr(sys, "frozen", False)) and inside, "bundle": str(base), **files}


def _left_out() -> dict:
    import importlib.util

    found = [name for name in LEFT_OUT if importlib.util.find_spec(name) is not None]
    return {"ok": not found, "importable": found}


def _data_files() -> dict:
    from nianbao.workbook_templates import available_formats
    from nianbao.workbook_templates.sample import sample_request

    formats = list(available_formats())
    sample = sample_request(2025)
    return {"ok": len(formats) >= 2 and bool(sample.values), "formats": formats}


def _docx_template() -> dict:
    import docx

    document = docx.Document()  # reads docx/templates/default.docx from the bundle
    # A footer of its own makes python-docx read templates/default-footer.xml, as the page
    # numbers of every exported report do.
    footer = document.sections[0].footer
    footer.is_linked_to_previous = False
    return {
        "ok": len(document.styles) > 0 and footer.part is not None,
        "styles": len(document.styles),
    }


def _spawned_worker() -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, multiprocessing.get_context("spawn")) as pool:
        pid = pool.submit(_worker_pid).result(timeout=60)
    return {"ok": pid != os.getpid(), "worker_pid": pid}


def _qt() -> dict:
    from PySide6.QtCore import QCoreApplication, QLibraryInfo
    from PySide6.QtGui import QImageReader

    from nianbao.desktop.gui.app import ICON, create_app
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow

    app = create_app(sys.argv[:1])
    cancel = QCoreApplication.translate("QPlatformTheme", "Cancel")
    formats = sorted(bytes(f).decode() for f in QImageReader.supportedImageFormats())
    window = MainWindow(Settings())
    window.show()
    app.processEvents()
    picture = window.grab()
    shot = os.environ.get("NIANBAO_BUNDLE_SELFTEST_SHOT")
    if shot:
        picture.save(shot)
    window.close()
    return {
        "ok": cancel == "取消"
        and not app.windowIcon().isNull()
        and "png" in formats
        and not picture.isNull(),
        "platform": app.platformName(),
        "translations": QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        "cancel_button": cancel,
        "icon": str(ICON),
        "window_icon_loaded": not app.windowIcon().isNull(),
        "image_formats": formats,
        "window_size": [picture.width(), picture.height()],
    }


CHECKS: dict[str, Callable[[], dict]] = {
    "modules_from_bundle": _modules,
    "left_out": _left_out,
    "data_files": _data_files,
    "docx_template": _docx_template,
    "spawned_worker": _spawned_worker,
    "qt": _qt,
}


def run() -> int:
    """Run every check, print the JSON report; return 0 if all passed, else 1."""
    report: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # a check that cannot run is a failed check, shown as such
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    report["sys"] = {"executable": sys.executable, "path": sys.path, "cwd": os.getcwd()}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if all(r.get("ok", True) for r in report.values()) else 1


def first_paint() -> int:
    """Run the real window until its first paint; print {"painted": epoch seconds,
    "third_party": the non-stdlib modules loaded by then}; return 0 (1 if it never painted).

    Shared by the frozen bundle (NIANBAO_BUNDLE_SELFTEST=paint) and bench/gui_startup.py."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nianbao.desktop.gui import main, window

    first: dict[str, float] = {}
    original = window.MainWindow.paintEvent

    def paint(self, event) -> None:
        original(self, event)
        if not first:
            first["t"] = time.time()
            QTimer.singleShot(0, QApplication.quit)

    window.MainWindow.paintEvent = paint
    main([])
    stdlib = sys.stdlib_module_names | set(sys.builtin_module_names)
    third = sorted({m.split(".")[0] for m in sys.modules} - stdlib)
    third = [m for m in third if not m.startswith("_") and m != __name__]
    print(json.dumps({"painted": first.get("t"), "third_party": third}))
    return 0 if first else 1
