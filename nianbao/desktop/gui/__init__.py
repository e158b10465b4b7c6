"""The desktop app (PySide6). A thin shell: every action calls the same core functions as the CLI
(``nianbao.services`` and the packages below it), never the CLI itself.

``nianbao-gui [文件...]`` or ``nianbao gui`` opens the main window.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app; return its exit code (2 when Qt cannot start, with a Chinese reason)."""
    import multiprocessing

    # A frozen (PyInstaller) build starts the rollup's worker processes through this entry point.
    multiprocessing.freeze_support()
    try:
        from .app import run
    except ImportError as exc:
        print(
            f"错误：无法启动桌面程序（{exc}）。\n"
            "怎么办：请安装 PySide6-Essentials（pip install PySide6-Essentials），"
            "或使用安装包版本；命令行功能（nianbao）不受影响。",
            file=sys.stderr,
        )
        return 2
    return run(argv)
