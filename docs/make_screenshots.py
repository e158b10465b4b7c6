"""Make the desktop app's screenshots in docs/screenshots/ (gui-*.png) from the built-in sample.

Runs the real window under Xvfb (re-runs itself through ``xvfb-run`` when there is no display)
with CJK fonts, drives each page through its own methods as a clerk would, waits for the
background work to finish and saves the window. Settings and logs go to a temporary folder.

    python docs/make_screenshots.py            # all screens
    python docs/make_screenshots.py check      # only those whose name contains "check"
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
SIZE = (1180, 760)


def _rerun_under_xvfb() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("NIANBAO_SHOTS_CHILD"):
        return
    if not shutil.which("xvfb-run"):
        raise SystemExit("需要 Xvfb（apt-get install xvfb fonts-noto-cjk）。")
    env = {**os.environ, "NIANBAO_SHOTS_CHILD": "1"}
    env.pop("QT_QPA_PLATFORM", None)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, *sys.argv]
    raise SystemExit(subprocess.run(cmd, env=env, check=False).returncode)


class Data:
    """Sample files for the scenes, built once by the core."""

    def __init__(self, folder: Path) -> None:
        from nianbao.workbook_templates import build_template
        from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes

        self.folder = folder
        self.this_year = build_template(
            folder / "青禾镇人民政府-2025年度填报表.xlsx", sample_request(2025)
        )
        self.last_year = build_template(
            folder / "青禾镇人民政府-2024年度填报表.xlsx", sample_request(2024)
        )
        self.broken = build_template(
            folder / "示例-有错误的填报表.xlsx", sample_with_mistakes(sample_request(2025))
        )
        self._county: tuple[Path, Path] | None = None

    def county(self) -> tuple[Path, Path]:
        """Return (roster, inbox) of a 40-unit county with missing, failing and duplicate units."""
        if self._county is None:
            sys.path.insert(0, str(REPO))
            from tests.county import make_county

            county = make_county(self.folder / "county")
            self._county = (county.roster, county.inbox)
        return self._county


Scene = Callable[["object", Data], Callable[[], None] | None]
SCENES: dict[str, Scene] = {}
SIZES: dict[str, tuple[int, int]] = {}  # a scene's own window size (else SIZE)


def scene(name: str, size: tuple[int, int] | None = None):
    def register(fn: Scene) -> Scene:
        SCENES[name] = fn
        if size is not None:
            SIZES[name] = size
        return fn

    return register


@scene("gui-template")
def template(window, data: Data):
    out = data.folder / "template"
    out.mkdir(exist_ok=True)
    page = window.go("template")
    page.unit_edit.setText("青禾镇人民政府")
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("乡镇"))
    page.year_spin.setValue(2025)
    page.folder_field.set_path(out)
    page.open_files([data.last_year])  # read in the background: shows what will be pre-filled
    return page.generate  # once that read has finished


@scene("gui-check")
def check(window, data: Data):
    page = window.go("check")
    page.show_workbook(data.broken, data.last_year)
    return lambda: page.select_finding("表三!D30")


@scene("check-root-cause", size=(1366, 768))
def check_root_cause(window, data: Data):
    """The 校验 page on a laptop screen: "14件" typed for 14 is the one problem, and the two
    balances it breaks are listed under it."""
    sys.path.insert(0, str(REPO))
    from tests.workbook_edit import edit_workbook

    typed = edit_workbook(
        data.this_year, data.folder / "青禾镇人民政府-2025年度填报表-14件.xlsx", {"表三!D6": "14件"}
    )
    page = window.go("check")
    page.show_workbook(typed)
    return lambda: page.select_finding("表三!D6")


@scene("gui-check-narrative")
def check_narrative(window, data: Data):
    """The 校验 page with a narrative file whose structure, years and leftovers are wrong."""
    narrative = data.folder / "青禾镇-正文.txt"
    narrative.write_text(
        "\n".join(
            [
                "青禾镇人民政府2024年政府信息公开工作年度报告",
                "本报告所列数据的统计期限自20251月1日起至202512月31日止。",
                "一、总体情况",
                "（一）主动公开",
                "全年主动公开政府信息X条，及时发布重点领域信息。",
                "（二）依申请公开",
                "全年共收到政府信息公开申请19件，办结16件。",
                "（三）政府信息管理",
                "严格落实发布审核和保密审查制度。",
                "（四）平台建设",
                "维护好政府网站信息公开专栏。",
                "（五）监督保障",
                "开展业务培训，加强监督。",
                "二、主动公开政府信息情况",
                "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况",
                "五、其他需要报告的事项",
                "2024年，我镇未收取信息处理费。",
            ]
        ),
        encoding="utf-8",
    )
    page = window.go("check")
    page.open_files([data.this_year, narrative])
    return lambda: page.select_finding(narrative.name)


@scene("gui-rollup")
def rollup(window, data: Data):
    roster, inbox = data.county()
    window.settings.unit = "青禾县人民政府办公室"
    page = window.go("rollup")
    page.open_files([roster, inbox])
    page.output.set_path(data.folder / "county" / "青禾县2025年度汇总表.xlsx")
    page.start_rollup()

    def problems_first():
        from PySide6.QtCore import Qt

        from nianbao.desktop.viewmodels import rollup as rollup_view

        page.grid.sortByColumn(rollup_view.STATUS_COLUMN, Qt.SortOrder.AscendingOrder)
        page.grid.selectRow(2)

    return problems_first


@scene("gui-report")
def report(window, data: Data):
    page = window.go("report")
    page.open_files([data.this_year])
    page.previous.set_path(data.last_year)
    page.generate()


@scene("gui-report-refused")
def report_refused(window, data: Data):
    page = window.go("report")
    page.open_files([data.broken])
    page.previous.set_path(data.last_year)
    page.generate()


def main() -> int:
    _rerun_under_xvfb()
    from PySide6.QtCore import QSettings, QTimer

    from nianbao.desktop.gui import dialogs
    from nianbao.desktop.gui.app import create_app
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow

    wanted = [n for n in SCENES if not sys.argv[1:] or any(a in n for a in sys.argv[1:])]
    app = create_app()
    OUT.mkdir(parents=True, exist_ok=True)
    # Opening files in other programs is not part of a screenshot.
    dialogs.open_path = lambda parent, path: True
    with tempfile.TemporaryDirectory(prefix="nianbao-shots-") as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        data = Data(Path(tmp))
        for name in wanted:
            settings = Settings(
                QSettings(str(Path(tmp) / f"{name}.ini"), QSettings.Format.IniFormat)
            )
            window = MainWindow(settings)
            window.resize(*SIZES.get(name, SIZE))
            window.show()
            app.processEvents()
            then = SCENES[name](window, data)
            _wait(app, window, QTimer)
            if then is not None:
                then()
                _wait(app, window, QTimer)
            target = OUT / f"{name}.png"
            window.grab().save(str(target))
            print(f"{target.relative_to(REPO)}")
            window.jobs.clear()
            window.close()
    return 0


def _wait(app, window, QTimer) -> None:
    """Process events until no job runs (and a little longer, for the results to show)."""
    import time

    deadline = time.monotonic() + 600
    while window.jobs and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    end = time.monotonic() + 0.4
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    sys.exit(main())
