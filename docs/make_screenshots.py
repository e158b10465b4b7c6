"""Make the desktop app's screenshots in docs/screenshots/ (gui-*.png) from the built-in sample.

Runs the real window under Xvfb (re-runs itself through ``xvfb-run`` when there is no display)
with CJK fonts, drives each page through its own methods as a clerk would, waits for the
background work to finish and saves the window. Settings and logs go to a temporary folder.

    python docs/make_screenshots.py            # all screens
    python docs/make_screenshots.py check      # only those whose name contains "check"

The window-1366-after-*.png are the whole screen of a 1366×768 laptop, its taskbar included:
Xvfb at 1366×768 with IceWM (``apt-get install icewm``; without it there is no frame and no
taskbar) set to leave windows as large as they ask, like Windows does. The window opens at the
size it chooses itself. ``--tag before`` names them window-1366-before-*.png instead: those were
made so from 0f35d28, the commit before the window fitted the screen, with its tree on
PYTHONPATH (``git archive 0f35d28 | tar -x -C /tmp/before``, then
``PYTHONPATH=/tmp/before python docs/make_screenshots.py --tag before window-1366``).
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
WINDOW_SCREEN = "1400x900x24"  # room around a window screenshot
LAPTOP_SCREEN = "1366x768x24"  # the screen scenes: a laptop's whole screen
SCREEN_PREFIX = "window-1366-after-"
# IceWM as a laptop's desktop: a taskbar at the bottom, no clock (the pictures stay the same from
# run to run), windows left as large as they ask, off the screen if so, as Windows does, and
# Chinese in the title bars.
ICEWM_PREFERENCES = """\
LimitSize=0
LimitPosition=0
TaskBarDoubleHeight=1
ShowAddressBar=0
TaskBarShowClock=0
TaskBarShowAPMStatus=0
TaskBarShowCPUStatus=0
TaskBarShowNetStatus=0
TaskBarShowMailboxStatus=0
TaskBarShowWorkspaces=0
TitleFontNameXft="Noto Sans CJK SC:size=10"
NormalTaskBarFontNameXft="Noto Sans CJK SC:size=10"
ActiveTaskBarFontNameXft="Noto Sans CJK SC:size=10:bold"
"""


def _rerun_under_xvfb(names: list[str], tag: str) -> None:
    """Run this script again under Xvfb: the screen scenes on a laptop screen, the others on a
    larger one (two runs when both are wanted)."""
    if os.environ.get("DISPLAY") or os.environ.get("NIANBAO_SHOTS_CHILD"):
        return
    if not shutil.which("xvfb-run"):
        raise SystemExit("需要 Xvfb（apt-get install xvfb fonts-noto-cjk）。")
    env = {**os.environ, "NIANBAO_SHOTS_CHILD": "1"}
    env.pop("QT_QPA_PLATFORM", None)
    code = 0
    for screen, group in (
        (LAPTOP_SCREEN, [n for n in names if n.startswith(SCREEN_PREFIX)]),
        (WINDOW_SCREEN, [n for n in names if not n.startswith(SCREEN_PREFIX)]),
    ):
        if group:
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {screen}", sys.executable, sys.argv[0]]
            run = subprocess.run([*cmd, "--tag", tag, "--exact", *group], env=env, check=False)
            code = code or run.returncode
    raise SystemExit(code)


def _start_desktop(folder: Path) -> subprocess.Popen | None:
    """Start IceWM with a taskbar on the Xvfb screen, if it is installed; return it."""
    if not shutil.which("icewm"):
        print("没有 IceWM：整屏截图没有窗口边框和任务栏。", file=sys.stderr)
        return None
    config = folder / "icewm"
    config.mkdir(exist_ok=True)
    (config / "preferences").write_text(ICEWM_PREFERENCES, encoding="utf-8")
    env = {**os.environ, "ICEWM_PRIVCFG": str(config)}
    desktop = subprocess.Popen(
        ["icewm", f"--config={config / 'preferences'}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import time

    time.sleep(2)  # until the taskbar is up and the work area is set
    return desktop


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
    page = window.go("rollup")
    page.unit.setText("青禾县人民政府办公室")
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


# The whole laptop screen, each page as a clerk last left it (the window at its own size).
for _page, _scene in (
    ("template", template),
    ("check", check),
    ("rollup", rollup),
    ("report", report),
):
    SCENES[f"{SCREEN_PREFIX}{_page}"] = _scene


def main() -> int:
    args = sys.argv[1:]
    tag = "after"
    if "--tag" in args:
        at = args.index("--tag")
        tag = args[at + 1]
        del args[at : at + 2]
    exact = "--exact" in args
    args = [a for a in args if a != "--exact"]
    if exact:
        wanted = [n for n in SCENES if n in args]
    else:
        wanted = [n for n in SCENES if not args or any(a in n for a in args)]
    _rerun_under_xvfb(wanted, tag)
    from PySide6.QtCore import QSettings, QTimer

    from nianbao.desktop.gui import dialogs
    from nianbao.desktop.gui.app import create_app
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow
    from nianbao.files import numbered_path

    OUT.mkdir(parents=True, exist_ok=True)
    # Opening files in other programs is not part of a screenshot; a report written again (the
    # scenes export the same unit's reports, all named by its title) is kept as a numbered copy,
    # the overwrite question's default answer, instead of waiting for a click.
    dialogs.open_path = lambda parent, path: True
    dialogs.choose_output = lambda parent, path: numbered_path(path) if path.exists() else path
    with tempfile.TemporaryDirectory(prefix="nianbao-shots-") as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        whole_screen = any(n.startswith(SCREEN_PREFIX) for n in wanted)
        desktop = _start_desktop(Path(tmp)) if whole_screen else None
        app = create_app()
        data = Data(Path(tmp))
        try:
            for name in wanted:
                settings = Settings(
                    QSettings(str(Path(tmp) / f"{name}.ini"), QSettings.Format.IniFormat)
                )
                window = MainWindow(settings)
                screen = name.startswith(SCREEN_PREFIX)
                if not screen:
                    window.resize(*SIZES.get(name, SIZE))
                window.show()
                app.processEvents()
                then = SCENES[name](window, data)
                _wait(app, window, QTimer)
                if then is not None:
                    then()
                    _wait(app, window, QTimer)
                if screen:
                    out_name = name.replace("-after-", f"-{tag}-")
                    picture = window.screen().grabWindow(0)
                else:
                    out_name, picture = name, window.grab()
                target = OUT / f"{out_name}.png"
                picture.save(str(target))
                print(f"{target.relative_to(REPO)}")
                window.jobs.clear()
                window.close()
                app.processEvents()
        finally:
            if desktop is not None:
                desktop.terminate()
                desktop.wait(10)
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
