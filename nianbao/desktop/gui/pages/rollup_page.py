"""汇总: the county office's page. Hand the workbooks out to the units on a roster (下发), then
take in what came back (收表汇总): who sent what, who is missing, who fails which rule, the
summary workbook and the returns for the failing units.

The page only gathers choices and shows results; reading, checking and writing are the core's
``read_roster``, ``handout``, ``rollup`` and ``write_returns``, as in ``nianbao handout/rollup``.
Where its jobs are, and what the notes and buttons say of them, is held by
``viewmodels.rollup_state.RollupController``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nianbao.county.model import RollupRequest, RollupResult
from nianbao.county.roster import CSV_SUFFIXES, XLSX_SUFFIXES
from nianbao.errors import UsageError
from nianbao.files import RETURNS_FOLDER, handout_folder_name, summary_name
from nianbao.workbook_templates.builder import default_year

from ...viewmodels import rollup as view
from ...viewmodels.file_kinds import Box
from ...viewmodels.rollup_state import EXCLUDE_TIP, RollupController
from .. import dialogs
from ..page import Page, PageHost, page_header
from ..widgets import ElidedLabel, PathField
from ..worker import Job
from .rows import ROW_ROLE, RowsModel, rows_table

UNIT_CENTRED = ("序号", "状态", "计入汇总", "错误", "警告", "版本", "验收")
FILE_CENTRED = ("状态", "采用")
ROSTER_TEMPLATE_NAME = "填报单位名单.xlsx"
NO_ROSTER = "可以不用名单：不用时以收到的文件为准，但无法知道哪些单位还没有报送。"


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _button(text: str, slot: Callable[[], object], tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda _checked=False: slot())
    return button


def _note() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RollupPage(Page):
    """下发填报表 and 收表汇总, on two tabs under one roster."""

    key = "rollup"

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.jobs = RollupController()  # the jobs' states, and what the page shows of them
        # The running jobs, to cancel them and to know them when they end.
        self.job: Job | None = None  # the rollup being read
        self.handout_job: Job | None = None
        self.returns_job: Job | None = None
        self._dropped: tuple[Path, ...] = ()  # files dropped instead of a whole folder

        layout = QVBoxLayout(self)
        # Tight margins: on a laptop's 768 pixels every line above the table is a row less.
        layout.setContentsMargins(20, 10, 20, 6)
        page_header(
            layout,
            "汇总",
            "县级收表：按名单向各单位下发填报表；收回后放进一个文件夹汇总——"
            "谁交了、谁没交、谁有错，生成汇总表和退回材料。",
        )
        layout.addLayout(self._build_roster_row())
        self.tabs = QTabWidget()
        self.handout_tab = self._build_handout_tab()
        self.rollup_tab = self._build_rollup_tab()
        self.tabs.addTab(self.handout_tab, "① 下发填报表")
        self.tabs.addTab(self.rollup_tab, "② 收表汇总")
        layout.addWidget(self.tabs, 1)
        self.take_files_in(
            (self.roster, self.handout_folder, self.inbox, self.previous, self.output)
        )
        self.window_.job_ended.connect(self._job_ended)
        self._show_jobs()
        self._restore()

    # -- building ------------------------------------------------------------------------------
    def _build_roster_row(self) -> QGridLayout:
        grid = QGridLayout()
        self.roster = PathField(
            "拖入单位名单（.xlsx 或 .csv），或点“浏览…”",
            filter_text="单位名单 (*.xlsx *.xlsm *.csv)",
            settings=self.settings,
            box=Box(
                "单位名单", "单位名单", "单位名单（.xlsx 或 .csv）", XLSX_SUFFIXES + CSV_SUFFIXES
            ),
        )
        self.roster.changed.connect(self._roster_changed)
        self.template_button = _button(
            "生成名单模板(&T)…",
            self.choose_roster_template,
            "生成一个空白的单位名单表格，每行填写一个填报单位。",
        )
        self.roster_note = _note()
        self.roster_note.setObjectName("pageHint")
        grid.addWidget(_label("单位名单(&M)：", self.roster.edit), 0, 0)
        grid.addWidget(self.roster, 0, 1)
        grid.addWidget(self.template_button, 0, 2)
        grid.addWidget(self.roster_note, 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        return grid

    def _build_handout_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        grid = QGridLayout()
        self.handout_year = QSpinBox()
        self.handout_year.setRange(view.first_report_year(), 2100)
        self.handout_year.valueChanged.connect(self._update_defaults)
        self.handout_folder = PathField(  # its placeholder: see _update_defaults
            "",
            folder=True,
            settings=self.settings,
            box=Box("保存到文件夹", "文件夹", "保存下发文件的文件夹", folder=True),
        )
        self.narrative = QCheckBox("同时生成正文模板（Word）(&W)")
        self.narrative.setChecked(True)
        self.handout_button = _button("下发填报表(&H)", self.start_handout)
        grid.addWidget(_label("报告年度(&Y)：", self.handout_year), 0, 0)
        grid.addWidget(self.handout_year, 0, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(_label("保存到文件夹(&D)：", self.handout_folder.edit), 1, 0)
        grid.addWidget(self.handout_folder, 1, 1)
        grid.addWidget(self.narrative, 2, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        buttons.addWidget(self.handout_button)
        self.open_handout_button = _button("打开文件夹(&F)", self.open_handout_folder)
        self.open_handout_button.setEnabled(False)
        buttons.addWidget(self.open_handout_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.handout_note = _note()
        layout.addWidget(self.handout_note)
        explain = QLabel(
            "为名单上的每个单位生成一份填报表（单位名称、类型和年度已填好并锁定）和一份正文模板，"
            "另有一份“下发清单.xlsx”。把每个单位的文件发给该单位；收回后放进一个文件夹"
            "（可以有子文件夹），到“② 收表汇总”汇总。"
        )
        explain.setObjectName("pageHint")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        layout.addStretch(1)
        return tab

    def _build_rollup_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        grid = QGridLayout()
        grid.setVerticalSpacing(4)
        self.inbox = PathField(
            "拖入存放收回报表的文件夹（含子文件夹）",
            folder=True,
            settings=self.settings,
            box=Box("收表文件夹", "文件夹", "存放收回报表的文件夹", folder=True),
        )
        self.inbox.changed.connect(self._inbox_changed)
        self.year = QSpinBox()
        self.year.setRange(view.first_report_year() - 1, 2100)
        self.year.setSpecialValueText("自动")
        self.year.setToolTip("“自动”：取收到的填报表中最多的年度。")
        self.year.valueChanged.connect(self._update_defaults)
        self.previous = PathField(
            "可选：上年的汇总表，用于逐单位跨年度校验",
            filter_text="汇总表 (*.xlsx)",
            settings=self.settings,
            box=Box("上年汇总表", "汇总表", "上年的汇总表（.xlsx）", XLSX_SUFFIXES),
        )
        self.exclude = QCheckBox("有错误的单位不计入汇总(&X)")
        self.exclude.setToolTip("不勾选时，有错误的单位照常计入汇总，并在汇总表中标注。")
        self.output = PathField(
            "", save=True, filter_text="Excel 工作簿 (*.xlsx)", settings=self.settings
        )
        self.unit = QLineEdit()
        self.unit.setPlaceholderText("如：××县人民政府办公室")
        # Room for a county office's full name (about 18 characters) without scrolling.
        self.unit.setMinimumWidth(self.unit.fontMetrics().horizontalAdvance("汉" * 18) + 12)
        grid.addWidget(_label("收表文件夹(&I)：", self.inbox.edit), 0, 0)
        grid.addWidget(self.inbox, 0, 1)
        grid.addWidget(_label("报告年度(&Y)：", self.year), 0, 2)
        self.year.setMinimumWidth(110)
        grid.addWidget(self.year, 0, 3, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.exclude, 0, 4)
        self.deadline = QLineEdit()
        self.deadline.setPlaceholderText("可不填，如 2026-01-31")
        self.deadline.setToolTip(
            "各单位报送的截止日期（县直部门按条例为 1 月 31 日）；名单的“截止日期”列优先。"
            "填写后逐个单位标注按时、逾期 N 天，并计算按时报送率。"
        )
        grid.addWidget(_label("上年汇总表(&P)：", self.previous.edit), 1, 0)
        grid.addWidget(self.previous, 1, 1)
        grid.addWidget(_label("截止日期(&D)：", self.deadline), 1, 2)
        grid.addWidget(self.deadline, 1, 3, 1, 2)
        grid.addWidget(_label("汇总表保存为(&O)：", self.output.edit), 2, 0)
        grid.addWidget(self.output, 2, 1)
        grid.addWidget(_label("汇总单位(&U)：", self.unit), 2, 2)
        grid.addWidget(self.unit, 2, 3, 1, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.dropped_note = _note()
        self.dropped_note.hide()
        layout.addWidget(self.dropped_note)

        run_row = QHBoxLayout()
        self.run_button = _button("开始汇总(&S)", self.start_rollup)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = _button("取消(&C)", self.cancel_rollup)
        # While reading, the progress takes the place of the counts line.
        self.counts = _note()
        self.counts.setObjectName("summary")
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.progress_label, 1)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.counts, 1)
        layout.addLayout(run_row)
        self.check_line = _note()
        layout.addWidget(self.check_line)
        # The summary's own problems, with where their differences come from and what to do.
        self.summary_details = _note()
        self.summary_details.hide()
        layout.addWidget(self.summary_details)

        self.unit_model = RowsModel(view.UNIT_COLUMNS, view.STATUS_COLUMN, UNIT_CENTRED, self)
        self.grid, self.unit_proxy = rows_table(
            self.unit_model, (40, 170, 70, 110, 64, 40, 40, 120, 150, 44, 90, 180), several=True
        )
        self.grid.doubleClicked.connect(self._double_clicked)
        self.grid.selectionModel().selectionChanged.connect(self._update_buttons)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.grid)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.show_findings)
        self.file_model = RowsModel(view.FILE_COLUMNS, view.FILE_STATUS_COLUMN, FILE_CENTRED, self)
        self.files_view, self.file_proxy = rows_table(self.file_model, (300, 150, 170, 44))
        self.views = QTabWidget()
        self.views.addTab(self.grid, "单位")
        self.views.addTab(self.files_view, "收到的文件")
        layout.addWidget(self.views, 1)

        buttons = QHBoxLayout()
        self.open_button = _button("打开汇总表(&A)", self.open_summary)
        self.folder_button = _button("打开所在文件夹(&F)", self.open_summary_folder)
        self.returns_button = _button(
            "生成退回材料(&R)",
            self.write_returns,
            "为有错误的单位生成批注副本，并生成一份退回清单（含未报送的单位）。",
        )
        self.accept_button = QPushButton("验收(&T)")
        self.accept_button.setToolTip(
            "验收所选单位（可按住 Ctrl 或 Shift 选多个）最后收到的版本，或全部没有错误的单位；"
            "验收后单位再报送的不同内容不会替换已验收的版本。"
        )
        menu = QMenu(self.accept_button)
        for text, mode in (
            ("验收所选单位", view.ACCEPT_SELECTED),
            ("验收全部没有错误的单位", view.ACCEPT_ALL_VALID),
            ("撤销所选单位的验收", view.UNACCEPT_SELECTED),
        ):
            menu.addAction(text, partial(self.accept, mode))
        self.accept_button.setMenu(menu)
        self.findings_button = _button(
            "查看问题(&V)",
            self.show_findings,
            "在“校验”中逐项查看所选单位的问题（也可以双击该行或按回车）。",
        )
        self.summary_check_button = _button(
            "查看汇总数校验(&K)",
            self.show_summary_findings,
            "在“校验”中逐项查看汇总表本身的校验结果。",
        )
        self.exclude_button = _button(
            "不计入有错误的单位，重新汇总(&E)", self.rerun_excluding, EXCLUDE_TIP
        )
        self.output_note = ElidedLabel()
        self.output_note.setObjectName("pageHint")
        for button in (
            self.open_button,
            self.folder_button,
            self.returns_button,
            self.accept_button,
        ):
            buttons.addWidget(button)
        buttons.addWidget(self.output_note, 1)
        buttons.addWidget(self.summary_check_button)
        buttons.addWidget(self.exclude_button)
        buttons.addWidget(self.findings_button)
        layout.addLayout(buttons)
        return tab

    def _restore(self) -> None:
        """Fill the fields from what was used last time."""
        remembered = self.remembered
        self.handout_year.setValue(remembered.number("handout_year") or default_year())
        # The summary's own unit (a county office), never the one typed on 生成填报表.
        self.unit.setText(remembered.text("unit"))
        self.deadline.setText(remembered.text("deadline"))
        for field, group in (
            (self.roster, "roster"),
            (self.inbox, "inbox"),
            (self.handout_folder, "handout"),
        ):
            recent = self.settings.recent(group)
            field.set_path(recent[0] if recent else None)
        self.tabs.setCurrentWidget(self.rollup_tab if self.inbox.path() else self.handout_tab)
        self._update_defaults()

    # -- files in ------------------------------------------------------------------------------
    def open_files(self, paths: list[Path]) -> bool:
        """Take a roster and returned files or folders; a single workbook goes to 校验."""
        paths = [Path(p) for p in paths]
        if not paths or not all(p.exists() for p in paths):
            return False
        dropped = view.sort_dropped(paths)
        if dropped.roster is None and len(dropped.inputs) == 1 and dropped.inputs[0].is_file():
            return False
        if dropped.roster is not None:
            self.roster.set_path(dropped.roster)
        if dropped.inputs:
            self.set_inputs(dropped.inputs)
            self.tabs.setCurrentWidget(self.rollup_tab)
        return True

    def set_inputs(self, inputs: Sequence[Path]) -> None:
        """Roll up ``inputs``: one folder fills 收表文件夹; several files or folders are taken
        as they are."""
        inputs = tuple(Path(p) for p in inputs)
        if len(inputs) == 1 and inputs[0].is_dir():
            self._dropped = ()
            self.inbox.set_path(inputs[0])
            return
        self._dropped = inputs
        self.inbox.set_path(view.common_folder(inputs))
        self.dropped_note.setText(
            f"只汇总拖入的 {len(inputs)} 个文件或文件夹，不是整个文件夹。"
            "要汇总整个文件夹，请在“收表文件夹”中重新选择。"
        )
        self.dropped_note.show()

    def inputs(self) -> tuple[Path, ...]:
        """Return what the rollup reads: dropped files, else the inbox folder."""
        if self._dropped:
            return self._dropped
        inbox = self.inbox.path()
        return (inbox,) if inbox else ()

    @property
    def result(self) -> RollupResult | None:
        """Return the last rollup done (None before one and while one runs)."""
        return self.jobs.result

    def current_file(self) -> Path | None:
        return self.result.output if self.result else None

    def _inbox_changed(self, path: Path | None) -> None:
        if self._dropped and path != view.common_folder(self._dropped):
            self._dropped = ()
            self.dropped_note.hide()
        self._update_defaults()

    def _roster_changed(self, path: Path | None) -> None:
        """Read the roster in the background to say how many units it has, or what is wrong."""
        self._update_defaults()
        if path is None:
            self.roster_note.setText(NO_ROSTER)
            return
        self.roster_note.setText("正在读取名单……")

        def work(progress, cancelled):
            # A problem is said beside the field here; starting a run shows it as a dialog.
            return (path, *view.describe_roster(path))

        self.run_job(work, "读取名单", self._roster_read)

    def _roster_read(self, answer: tuple[Path, bool, str]) -> None:
        path, usable, note = answer
        if path != self.roster.path():
            return  # another roster was chosen meanwhile
        if usable:
            self.settings.add_recent("roster", path)
        self.roster_note.setText(note)

    # -- defaults ------------------------------------------------------------------------------
    def _year(self) -> int | None:
        value = self.year.value()
        return None if value == self.year.minimum() else value

    def default_output(self) -> Path | None:
        """Return where the summary goes unless chosen: the output folder or beside the inbox."""
        inputs = self.inputs()
        folder = self.settings.output_dir
        if folder is None and inputs:
            common = view.common_folder(inputs)
            folder = common.parent if common else None
        return folder / summary_name(self._year()) if folder else None

    def default_handout_folder(self) -> Path | None:
        roster = self.roster.path()
        folder = self.settings.output_dir or (roster.parent if roster else None)
        year = self.handout_year.value()
        return folder / handout_folder_name(year) if folder else None

    def _update_defaults(self, *_: object) -> None:
        output = self.default_output()
        self.output.edit.setPlaceholderText(
            f"默认：{output}" if output else "选择收表文件夹后自动确定；也可以自己选择"
        )
        folder = self.default_handout_folder()
        self.handout_folder.edit.setPlaceholderText(
            f"默认：{folder}" if folder else "选择名单后自动确定；也可以自己选择"
        )

    # -- roster template -----------------------------------------------------------------------
    def choose_roster_template(self) -> None:
        start = self.settings.output_dir or self.settings.last_dir
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "名单模板保存为",
            str(start / ROSTER_TEMPLATE_NAME),
            "Excel 工作簿 (*.xlsx)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # choose_output asks instead
        )
        if chosen:
            self.write_roster_template(Path(chosen))

    def write_roster_template(self, path: Path) -> Job | None:
        """Write an empty roster to ``path`` (asking before overwriting), then open it."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        target = dialogs.choose_output(self, path)
        if target is None:
            return None
        force = target.exists()

        def work(progress, cancelled):
            from nianbao.county.roster import write_roster_template

            return write_roster_template(target, force=force)

        return self.run_job(work, "生成名单模板", self._roster_template_written)

    def _roster_template_written(self, path: Path) -> None:
        self.settings.last_dir = path.parent
        self.roster.set_path(path)
        self.roster_note.setText(
            f"已生成名单模板 {path}。请在打开的表格中每行填写一个单位（单位名称须为全称），"
            "保存后回到这里继续。"
        )
        dialogs.open_path(self, path)

    # -- hand out ------------------------------------------------------------------------------
    def start_handout(self) -> Job | None:
        """Write one workbook (and narrative template) per roster unit into the folder."""
        roster_path = self.roster.path()
        if roster_path is None:
            dialogs.show_error(
                self,
                "还没有名单",
                "下发填报表需要单位名单。",
                "请把名单（.xlsx 或 .csv）拖到“单位名单”一栏；还没有名单的，"
                "点“生成名单模板…”，填好后再下发。",
            )
            return None
        folder = self.handout_folder.path() or self.default_handout_folder()
        year = self.handout_year.value()
        narrative = self.narrative.isChecked()
        self.remembered.set("handout_year", year)

        def work(progress, cancelled):
            files = view.hand_out(
                roster_path,
                year,
                folder,
                narrative=narrative,
                progress=progress,
                cancelled=cancelled,
            )
            return folder, files

        self.jobs.handout_started()
        self._show_jobs()
        job = self.run_job(work, "下发填报表", self._handed_out, cancellable=True)
        job.was_cancelled.connect(self._handout_cancelled)
        self.handout_job = job
        return job

    def open_handout_folder(self) -> None:
        if self.jobs.handout_folder is not None:
            dialogs.open_path(self, self.jobs.handout_folder)

    def _handed_out(self, answer: tuple[Path, list]) -> None:
        folder, files = answer
        self.jobs.handed_out(folder, files)
        self.settings.add_recent("handout", folder)
        self._show_jobs()
        dialogs.open_path(self, folder)

    def _handout_cancelled(self) -> None:
        self.jobs.handout_cancelled()
        self._show_jobs()

    # -- roll up -------------------------------------------------------------------------------
    def start_rollup(self) -> Job | None:
        """Check the choices, ask before overwriting, then read and sum in the background."""
        inputs = self.inputs()
        if not inputs:
            dialogs.show_error(
                self,
                "还没有选择收表文件夹",
                "汇总需要收回的填报表。",
                "请把存放收回报表的文件夹拖到“收表文件夹”一栏，或点“浏览…”选择。",
            )
            return None
        output = self.output.path() or self.default_output()
        if output is None or output.suffix.lower() != ".xlsx":
            dialogs.show_error(
                self,
                "汇总表文件名不对",
                "汇总表应保存为 Excel 工作簿（.xlsx）。",
                "请在“汇总表保存为”中给出以 .xlsx 结尾的文件名，如“2025年度汇总表.xlsx”。",
            )
            return None
        try:
            deadline = view.parse_deadline(self.deadline.text())
        except UsageError as exc:
            dialogs.show_error(self, "截止日期不对", exc.message, exc.action)
            return None
        target = dialogs.choose_output(self, output)
        if target is None:
            return None
        force = target.exists()  # the clerk chose to overwrite it
        unit = self.unit.text().strip()
        self.remembered.set("unit", unit)
        self.remembered.set("deadline", self.deadline.text().strip())
        if not self._dropped:
            self.settings.add_recent("inbox", inputs[0])

        request = RollupRequest(
            inputs=inputs,
            output=target,
            year=self._year(),
            unit=unit,
            previous=self.previous.path(),
            exclude_invalid=self.exclude.isChecked(),
            force=force,
            deadline=deadline,
        )
        return self._run_rollup(request, self.roster.path())

    def rerun_excluding(self) -> Job | None:
        """Roll the last rollup's files and roster up again with the units with errors left
        out (as ``--exclude-invalid``), asking before overwriting its summary."""
        result = self.result
        if result is None or not self.jobs.exclude_rerun_enabled:
            return None
        target = dialogs.choose_output(self, result.request.output)
        if target is None:
            return None
        self.exclude.setChecked(True)
        request = replace(
            result.request, output=target, exclude_invalid=True, force=target.exists()
        )
        return self._run_rollup(request, None)  # the roster read last time is in the request

    def _run_rollup(self, request: RollupRequest, roster_path: Path | None) -> Job:
        """Read the roster (if given) and roll up in the background."""

        # 设置's rule pack; a rerun keeps the pack its first run read.
        rules = self.settings.rules_file if request.rules is None else None

        def work(progress, cancelled):
            return view.roll_up(request, roster_path, progress, cancelled, rules)

        self.jobs.rollup_started()
        self._clear_result()
        self._show_jobs()
        job = self.run_job(work, "汇总", self._show_result, cancellable=True)
        job.progressed.connect(self._progressed)
        job.was_cancelled.connect(self._cancelled)
        self.job = job
        return job

    def cancel_rollup(self) -> None:
        if self.job is not None and self.jobs.cancel_rollup():
            self.job.cancel()
            self._show_jobs()

    def _progressed(self, fraction: float, message: str) -> None:
        self.jobs.rollup_progressed(fraction, message)
        self._show_progress()

    def _cancelled(self) -> None:
        self.jobs.rollup_cancelled()
        self._show_jobs()

    def _job_ended(self, job: Job) -> None:
        """Put the page back to rest after one of its jobs; a failure has been shown already."""
        if job is self.handout_job:
            self.handout_job = None
            self.jobs.handout_ended()
        elif job is self.job:
            self.job = None
            self.jobs.rollup_ended()
        elif job is self.returns_job:
            self.returns_job = None
            self.jobs.returns_ended()
        self._show_jobs()

    def _show_jobs(self) -> None:
        """Show what the controller says of the jobs: notes, counts line, progress, buttons."""
        jobs = self.jobs
        self.handout_button.setEnabled(jobs.handout_enabled)
        self.open_handout_button.setEnabled(jobs.open_handout_enabled)
        self.handout_note.setText(jobs.handout_note)
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(jobs.reading)
        self.counts.setVisible(not jobs.reading)
        self.counts.setText(jobs.counts_text)
        self.cancel_button.setEnabled(jobs.cancel_enabled)
        self.run_button.setEnabled(jobs.run_enabled)
        self.output_note.setText(jobs.output_note)
        self._show_progress()
        self._update_buttons()

    def _show_progress(self) -> None:
        self.progress.setValue(int(1000 * self.jobs.progress))
        self.progress_label.setText(self.jobs.progress_message)

    def _clear_result(self) -> None:
        self.unit_model.set_rows([])
        self.file_model.set_rows([])
        self.check_line.clear()
        self.check_line.setToolTip("")
        self.summary_details.clear()
        self.summary_details.hide()
        self.views.setTabText(0, "单位")
        self.views.setTabText(1, "收到的文件")

    def _show_result(self, result: RollupResult) -> None:
        self.jobs.rolled_up(result)
        bases = tuple(p for p in result.request.inputs if p.is_dir())
        common = view.common_folder(result.request.inputs)
        if not bases and common is not None:
            bases = (common,)
        self.unit_model.set_rows(view.unit_rows(result, bases))
        self.file_model.set_rows(view.file_rows(result, bases))
        self.views.setTabText(0, f"单位（{len(result.units)}）")
        self.views.setTabText(1, f"收到的文件（{len(result.files)}）")
        parts = [view.files_line(result), view.summary_check_line(result), result.previous_note]
        self.check_line.setText("。".join(p.rstrip("。") for p in parts if p) + "。")
        details = view.summary_check_details(result)
        self.check_line.setToolTip(details)
        self.summary_details.setText(details)
        self.summary_details.setVisible(bool(details))
        if result.output is not None:
            self.settings.add_recent("summary", result.output)
        self.file_opened.emit(result.output)
        self._show_jobs()

    def _update_buttons(self, *_: object) -> None:
        written = self.jobs.summary_written
        self.open_button.setEnabled(written)
        self.folder_button.setEnabled(written)
        self.returns_button.setEnabled(self.jobs.returns_enabled)
        self.findings_button.setEnabled(self.jobs.findings_enabled(self.selected_unit()))
        self.accept_button.setEnabled(self.jobs.accept_enabled)
        self.summary_check_button.setEnabled(self.jobs.summary_findings_enabled)
        self.exclude_button.setEnabled(self.jobs.exclude_rerun_enabled)
        self.exclude_button.setToolTip(self.jobs.exclude_rerun_tip)

    # -- after a run ---------------------------------------------------------------------------
    def selected_unit(self) -> view.UnitRow | None:
        """Return the grid row selected (the first of several), or None."""
        rows = self.selected_units()
        return rows[0] if rows else None

    def selected_units(self) -> list[view.UnitRow]:
        """Return the grid rows selected, top to bottom as shown."""
        indexes = sorted(self.grid.selectionModel().selectedRows(), key=lambda i: i.row())
        return [index.data(ROW_ROLE) for index in indexes]

    def _double_clicked(self, index) -> None:
        """Show what changed between versions from the 版本/验收 cells, else the findings."""
        row = index.data(ROW_ROLE)
        if index.column() in view.CHANGE_COLUMNS and row is not None and row.changes is not None:
            self.show_changes(row)
        else:
            self.show_findings()

    def show_changes(self, row: view.UnitRow) -> None:
        """Show a unit's changes between two versions, as ``nianbao diff`` words them."""
        dialogs.show_text(self, row.changes_title, view.changes_lines(row))

    def accept(self, mode: str) -> Job | None:
        """Accept (验收) the selected units, every valid one, or withdraw, after asking: the
        last rollup runs again with the acceptance and rewrites its summary and receipt."""
        result = self.result
        if result is None or not self.jobs.accept_enabled:
            return None
        names = [row.unit for row in self.selected_units()]
        question = view.acceptance_question(result, names, mode)
        if not question:
            what = "撤销验收" if mode == view.UNACCEPT_SELECTED else "验收"
            dialogs.show_error(
                self,
                f"没有可以{what}的单位",
                "所选单位没有可以汇总的填报表，或没有已验收的版本。",
                "请在表格中选择要处理的单位（可按住 Ctrl 多选）后再试。",
            )
            return None
        if not dialogs.confirm(self, "验收", question, "确定"):
            return None
        return self._run_rollup(view.acceptance_request(result, names, mode), None)

    def open_summary(self) -> None:
        if self.result and self.result.output:
            dialogs.open_path(self, self.result.output)

    def open_summary_folder(self) -> None:
        if self.result and self.result.output:
            dialogs.open_path(self, self.result.output.parent)

    def write_returns(self) -> Job | None:
        """Write annotated copies and the 退回清单 into 退回材料 beside the summary (asking
        before overwriting earlier ones), then open the folder."""
        result = self.result
        if result is None or result.output is None:
            return None
        folder = result.output.parent / RETURNS_FOLDER
        target: Path | None = folder
        if folder.is_dir() and any(folder.iterdir()):
            target = dialogs.choose_output(self, folder)
        if target is None:
            return None
        force = target.is_dir() and any(target.iterdir())

        def work(progress, cancelled):
            from nianbao.county.returns import write_returns

            return target, write_returns(result, target, force=force)

        self.jobs.returns_started()
        self.returns_job = self.run_job(work, "生成退回材料", self._returns_written)
        self._update_buttons()
        return self.returns_job

    def _returns_written(self, answer: tuple[Path, list[Path]]) -> None:
        folder, paths = answer
        self.jobs.returns_written(folder, paths)
        self._show_jobs()
        dialogs.open_path(self, folder)

    def show_findings(self) -> None:
        """Show the selected unit's file on the 校验 page, finding by finding."""
        row = self.selected_unit()
        if row is not None and row.file is not None:
            self._show_in_check(row.file)

    def show_summary_findings(self) -> None:
        """Show the written summary on the 校验 page, checked like any workbook: each problem
        with the units its difference comes from."""
        result = self.result
        if result is not None and result.output is not None:
            self._show_in_check(result.output)

    def _show_in_check(self, path: Path) -> None:
        page = self.window_.go("check")
        show = getattr(page, "show_workbook", None)
        if show is not None:
            show(path)
        elif not page.open_files([path]):
            dialogs.show_error(
                self,
                "暂时不能查看",
                f"“校验”页还不能打开 {path.name}。",
                "请在“校验”页中手动打开这个文件。",
            )
