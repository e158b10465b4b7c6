"""Which of the report's fonts this computer has: the official fonts (方正小标宋简体, 仿宋_GB2312,
楷体_GB2312) are often missing, and then Word, WPS or LibreOffice silently show stand-ins. The
export says which are missing, so a clerk can install them or choose ``--fonts common``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache

from .word_styles import FontSet

FC_LIST_TIMEOUT = 20  # seconds; fontconfig builds its cache on the first call


@cache
def installed_families() -> frozenset[str] | None:
    """Return the font family names installed here (every localised name), lower-cased; None
    when this system cannot tell (no fontconfig, not Windows)."""
    if sys.platform == "win32":
        return _windows_families()
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":", "family"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=FC_LIST_TIMEOUT,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = {n.strip().lower() for line in out.splitlines() for n in line.split(",")}
    return frozenset(n for n in names if n)


if sys.platform == "win32":

    def _windows_families() -> frozenset[str] | None:
        import winreg

        names: set[str] = set()
        path = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Fonts"
        for root in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
            try:
                with winreg.OpenKey(root, path) as key:
                    for i in range(winreg.QueryInfoKey(key)[1]):
                        value = winreg.EnumValue(key, i)[0]  # "仿宋_GB2312 (TrueType)", "A & B"
                        for part in value.split(" (")[0].split("&"):
                            names.add(part.strip().lower())
            except OSError:
                continue
        return frozenset(names) or None


def missing_fonts(fonts: FontSet) -> list[str]:
    """Return the report's fonts (East Asian roles) this computer does not have, in role order;
    [] when all are there or when it cannot be told."""
    installed = installed_families()
    if installed is None:
        return []
    roles = (fonts.title, fonts.body, fonts.heading1, fonts.heading2, fonts.table)
    return [f for f in dict.fromkeys(roles) if f and f.lower() not in installed]


def font_note(fonts: FontSet, *, pdf: bool) -> str:
    """Return what to tell the clerk when fonts are missing ("" when none is)."""
    missing = missing_fonts(fonts)
    if not missing:
        return ""
    names = "、".join(missing)
    note = (
        f"本机没有安装报告所用的字体：{names}。"
        "Word 报告中写明了这些字体，在装有它们的电脑上正常显示"
    )
    if pdf:
        note += "；但本机生成的 PDF 会用替代字体显示这些文字，字形和排版与正式公文可能不同"
    note += "。"
    if fonts != FontSet.common():
        note += (
            "如需在本机得到合适的效果，请安装这些字体，"
            "或改用常见字体（加 --fonts common：宋体、仿宋、楷体）后重新导出。"
        )
    else:
        note += "请安装这些字体后重新导出。"
    return note
