"""Start the frozen (PyInstaller) app: the command line, or the window when started as nianbao-gui.

One script serves both programs of the bundle so that they share one analysis: the program's name
decides. ``nianbao`` (Linux, Windows) runs the command line, whose ``nianbao gui`` opens the window;
``nianbao-gui`` (the windowed .exe on Windows, a symlink on Linux) opens the window directly.

``NIANBAO_BUNDLE_SELFTEST=1`` makes the program print a JSON report on the bundle instead (see
``installer/bundle_selftest.py``): the installer tests use it, and support can ask an office to
run it when an installed copy misbehaves. ``=paint`` opens the real window and prints when it was
first painted (bench/frozen_startup.py).
"""

import multiprocessing
import os
import sys
from pathlib import Path


def _restore_child_environment() -> None:
    """Give programs started from the app (LibreOffice, xdg-open) the user's own library path.

    The bootloader may point LD_LIBRARY_PATH at the bundle's libraries; a child such as soffice
    would then load our Qt/ICU/libstdc++ instead of its own. Our process has read the variable
    already when it started, so changing it now affects children only.
    """
    for name in ("LD_LIBRARY_PATH",):
        original = os.environ.pop(f"{name}_ORIG", None)
        if original is not None:
            os.environ[name] = original
        elif getattr(sys, "_MEIPASS", None) and os.environ.get(name, "").startswith(sys._MEIPASS):
            del os.environ[name]


def main() -> int:
    """Run the program the bundle was started as; return its exit code."""
    # Worker processes of the rollup (spawned from the window, and always on Windows) start this
    # executable again; freeze_support runs the worker and exits before anything else happens.
    multiprocessing.freeze_support()
    _restore_child_environment()
    selftest = os.environ.get("NIANBAO_BUNDLE_SELFTEST")
    if selftest in ("1", "paint"):
        import bundle_selftest

        return bundle_selftest.run() if selftest == "1" else bundle_selftest.first_paint()
    if Path(sys.argv[0]).stem.lower() == "nianbao-gui":
        from nianbao.desktop.gui import main as gui_main

        return gui_main()
    from nianbao.desktop.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
