"""校验: check a filled workbook, list the findings, show each one in its table, re-check on save.

The page is a thin shell: the check is ``viewmodels.check.run_check`` (the services the CLI
calls too) run as a job, and everything shown is prepared there; when to check and what to do
with a result is decided by ``viewmodels.check_state.CheckController``. The page performs its
answers with jobs, timers, widgets and dialogs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import assert_never

from PySide6.QtCore import (
    QFileSystemWatcher,
    QModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeySequence,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from nianbao.files import annotated_path
from nianbao.validation import Finding
from nianbao.workbook_templates.spec import Severity

from ...viewmodels.check import (
    NARRATIVE_SUFFIXES,
    SEVERITY_COLOURS,
    SHEET_SUFFIXES,
    CheckInputs,
    CheckResult,
    Highlight,
    annotate_copy,
    caption_html,
    dropped_inputs,
    group_findings,
    highlight,
    listed_open,
    nothing_selected_html,
    problem_title,
    run_check,
    same_place,
    severity_choices,
    severity_labels,
    summary_text,
)
from ...viewmodels.check_state import (
    CheckAction,
    CheckAgain,
    CheckController,
    CheckUnfinished,
    LookAgain,
    NoWorkbook,
    ShowResult,
    StartCheck,
    Watch,
    WorkbookGone,
    WorkbookMissing,
)
from ...viewmodels.detail import explain, explanation_html, linked_finding
from ...viewmodels.file_kinds import Box, refusal
from .. import dialogs
from ..page import Page, PageHost, page_header
from ..widgets import DropArea, PathField, fit_combo
from ..worker import Job
from .check_models import (
    INDEX_ROLE,
    LABEL_ROLE,
    TOTAL_ROLE,
    FindingsFilter,
    PreviewModel,
    bold,
)

SHEET_FILTER = "填报表 (*.xlsx *.xlsm *.xls *.et *.ods);;所有文件 (*)"
NARRATIVE_FILTER = "正文 (*.docx *.txt *.html *.htm *.pdf);;所有文件 (*)"

EXPLAINED_COLOUR = "#5f6368"  # a finding another explains: listed under its cause, in grey
WORKBOOK_BOX = Box("填报表", "填报表", "填好的填报表（.xlsx）", SHEET_SUFFIXES)
PREVIOUS_BOX = Box("上年填报表", "填报表", "上一年度的填报表（.xlsx）", SHEET_SUFFIXES)
NARRATIVE_BOX = Box("正文", "正文", "正文（.docx、.txt、.md、.html 或 .pdf）", NARRATIVE_SUFFIXES)


class CheckPage(Page):
    """Open or drop a workbook; see its findings, each in its table; re-check when it is saved."""

    key = "check"

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self._result: CheckResult | None = None
        self._findings: list = []
        self._labels = severity_labels()
        self._checks = CheckController()  # when to check, and what to do with what comes back
        self._check_job: Job | None = None  # only to know the check's job when it ends
        self._setting_inputs = False

        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._file_touched)
        self._watcher.directoryChanged.connect(self._file_touched)
        self._settle = QTimer(self, singleShot=True)
        self._settle.timeout.connect(self._files_settled)

        self._build()
        window.job_ended.connect(self._job_ended)

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        page_header(
            layout,
            "校验",
            "检查填好的填报表：逐项核对勾稽关系和填写规范，并在表格中指出每个问题的位置。"
            "在 WPS/Excel 中改好保存后，这里会自动重新校验。",
        )
        layout.addLayout(self._build_inputs())

        self.stack = QStackedWidget(self)
        self.drop_area = DropArea(
            "把填报表拖到这里\n\n或点上面的“浏览…”选择文件（Ctrl+O）", self.stack
        )
        self.drop_area.setMinimumHeight(220)
        self.drop_area.dropped.connect(self._dropped)
        self.stack.addWidget(self.drop_area)
        self.results = self._build_results()
        self.stack.addWidget(self.results)
        layout.addWidget(self.stack, 1)
        self._set_tab_order()

        for key, slot in (
            (QKeySequence.StandardKey.Find, self._focus_filter),
            (QKeySequence.StandardKey.Refresh, self.check_now),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _build_inputs(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        inputs = (
            ("填报表(&W)：", "填好的填报表（.xlsx），也可以直接拖到这里", WORKBOOK_BOX),
            (
                "上年填报表(&P)：",
                "可选：上一年度的填报表，用于核对上年结转等跨年度数字",
                PREVIOUS_BOX,
            ),
            (
                "正文(&N)：",
                "可选：正文（.docx/.txt/.html/.pdf），检查有没有遗留的占位符",
                NARRATIVE_BOX,
            ),
        )
        fields = []
        for row, (text, hint, box) in enumerate(inputs):
            filter_text = NARRATIVE_FILTER if box is NARRATIVE_BOX else SHEET_FILTER
            field = PathField(
                hint,
                filter_text=filter_text,
                settings=self.settings,
                box=box,
                parent=self,
            )
            label = QLabel(text, self)
            label.setBuddy(field.edit)
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
            field.changed.connect(self._field_changed)
            field.edit.returnPressed.connect(self.check_now)
            fields.append(field)
        self.workbook_field, self.previous_field, self.narrative_field = fields
        self.take_files_in(fields)
        self.check_button = QPushButton("校验(&C)", self)
        self.check_button.setDefault(True)
        self.check_button.setMinimumWidth(96)
        self.check_button.setToolTip("校验填报表（F5）")
        self.check_button.clicked.connect(self.check_now)
        grid.addWidget(self.check_button, 0, 2)
        grid.setColumnStretch(1, 1)
        return grid

    def _build_results(self) -> QWidget:
        box = QWidget(self.stack)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)

        top = QHBoxLayout()
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.summary = QLabel(box)
        self.summary.setObjectName("summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel(box)
        self.status = QLabel(box)
        for label in (self.details, self.status):
            label.setWordWrap(True)
            label.setStyleSheet("color: #555;")
        for widget in (self.summary, self.details, self.status):
            texts.addWidget(widget)
        top.addLayout(texts, 1)
        buttons = []
        for text, tip, slot in (
            (
                "用表格软件打开(&O)",
                "在 WPS/Excel 中修改；保存后这里自动重新校验",
                self.open_workbook,
            ),
            ("生成批注副本(&A)", "另存一份，问题单元格标红并加批注，可发给填报单位", self.annotate),
            (
                "与另一版本比较(&B)…",
                "选择同一单位的另一个版本（先报的或改过的），列出改了哪些数字、基本信息和正文",
                self.choose_other_version,
            ),
            ("打开所在文件夹(&D)", "", lambda: self.open_workbook(folder=True)),
        ):
            button = QPushButton(text, box)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            buttons.append(button)
        self.open_button, self.annotate_button, self.compare_button, self.folder_button = buttons
        layout.addLayout(top)

        filters = QHBoxLayout()
        show_label = QLabel("显示(&V)：", box)
        self.severity_combo = QComboBox(box)
        self.severity_combo.setMinimumWidth(130)
        show_label.setBuddy(self.severity_combo)
        find_label = QLabel("筛选(&L)：", box)
        self.filter_edit = QLineEdit(box)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText(
            "输入位置、行列名称或文字，例如 D30、表三、结转（Ctrl+F）"
        )
        find_label.setBuddy(self.filter_edit)
        filters.addWidget(show_label)
        filters.addWidget(self.severity_combo)
        filters.addSpacing(12)
        filters.addWidget(find_label)
        filters.addWidget(self.filter_edit, 1)
        layout.addLayout(filters)
        self._fill_severity_combo({})
        self.severity_combo.currentIndexChanged.connect(self._filter_changed)
        self.filter_edit.textChanged.connect(self._filter_changed)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, box)
        self.findings_model = QStandardItemModel(self)
        self.findings_filter = FindingsFilter(self, self.finding_at)
        self.findings_filter.setSourceModel(self.findings_model)
        self.tree = QTreeView(self.splitter)
        self.tree.setModel(self.findings_filter)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(14)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("问题列表")
        self.tree.selectionModel().currentRowChanged.connect(self._current_changed)

        detail = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.grid_box = QWidget(detail)
        grid_layout = QVBoxLayout(self.grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.setSpacing(2)
        self.grid_caption = QLabel(self.grid_box)
        self.grid_caption.setWordWrap(True)
        self.grid_caption.setTextFormat(Qt.TextFormat.RichText)
        self.preview_model = PreviewModel(self)
        self.grid = QTableView(self.grid_box)
        self.grid.setModel(self.preview_model)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid.setWordWrap(False)
        self.grid.setAccessibleName("表格预览")
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        grid_layout.addWidget(self.grid_caption)
        grid_layout.addWidget(self.grid, 1)
        self.explanation = QTextBrowser(detail)
        self.explanation.setOpenLinks(False)
        self.explanation.anchorClicked.connect(self._link_clicked)
        self.explanation.setAccessibleName("问题说明")
        detail.addWidget(self.grid_box)
        detail.addWidget(self.explanation)
        # On a 1366×768 screen the explanation of a consequence (its cause, then its own
        # problem) needs about as much room as the grid.
        detail.setStretchFactor(0, 1)
        detail.setStretchFactor(1, 1)
        self.detail_splitter = detail
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([430, 560])
        layout.addWidget(self.splitter, 1)
        return box

    def _set_tab_order(self) -> None:
        fields = (self.workbook_field, self.previous_field, self.narrative_field)
        chain: list[QWidget] = [w for f in fields for w in (f.edit, f.browse)]
        chain.append(self.check_button)
        chain += [self.open_button, self.annotate_button, self.compare_button, self.folder_button]
        chain += [self.severity_combo, self.filter_edit, self.tree, self.grid, self.explanation]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- what other parts of the app call --------------------------------------------------------

    def current_file(self) -> Path | None:
        requested = self._checks.requested
        return requested.workbook if requested is not None else self.workbook_field.path()

    def show_workbook(self, path: Path, previous: Path | None = None) -> None:
        """Check ``path`` (with last year's workbook if given) and show its findings."""
        self._set_inputs(CheckInputs(Path(path), Path(previous) if previous else None))
        self.check_now()

    def open_files(self, paths: list[Path]) -> bool:
        """Check the first spreadsheet of ``paths`` (with a narrative file among them); return
        False when there is none (e.g. a folder)."""
        inputs = dropped_inputs([Path(p) for p in paths], self._inputs())
        if inputs is None:
            return False
        self._set_inputs(inputs)
        self.check_now()
        return True

    def choose_workbook(self) -> None:
        """Ask for a workbook with the file dialog and check it."""
        current = self.workbook_field.path()
        start = str(current.parent) if current else str(self.settings.last_dir)
        chosen, _ = QFileDialog.getOpenFileName(self, "选择填好的填报表", start, SHEET_FILTER)
        if chosen:
            path = Path(chosen)
            self.settings.last_dir = path.parent
            self.open_files([path])

    def select_finding(self, where: str) -> bool:
        """Select the first finding listed at ``where`` ("表三!D30"); return whether one is."""
        index = next((i for i, f in self._visible() if f.where == where), None)
        if index is not None:
            self._go_to(index)
        return index is not None

    def select_finding_id(self, finding_id: str) -> bool:
        """Select the finding with this id (a cause, or one it explains), clearing the filters
        when they hide it; return whether there is one."""
        for attempt in range(2):
            index = next((i for i, f in self._visible() if f.id == finding_id), None)
            if index is not None:
                self._go_to(index)
                return True
            if attempt == 0 and not any(f.id == finding_id for f in self._findings):
                return False
            self.filter_edit.clear()
            self.severity_combo.setCurrentIndex(0)
        return False

    def finding_at(self, index: object) -> Finding | None:
        if isinstance(index, int) and 0 <= index < len(self._findings):
            return self._findings[index]
        return None

    # -- inputs ---------------------------------------------------------------------------------

    def _inputs(self) -> CheckInputs | None:
        workbook = self.workbook_field.path()
        if workbook is None:
            return None
        return CheckInputs(workbook, self.previous_field.path(), self.narrative_field.path())

    def _set_inputs(self, inputs: CheckInputs) -> None:
        self._setting_inputs = True
        try:
            self.workbook_field.set_path(inputs.workbook)
            self.previous_field.set_path(inputs.previous)
            self.narrative_field.set_path(inputs.narrative)
        finally:
            self._setting_inputs = False

    def _field_changed(self, _path) -> None:
        if not self._setting_inputs:
            self._perform(self._checks.fields_changed(self._inputs()))

    def _dropped(self, paths: list[Path]) -> None:
        """Check what was dropped on the big 填报表 area, or say where it belongs."""
        if not self.open_files(paths):
            field = self.workbook_field
            message = refusal(paths[0], field.box, field.neighbours)
            self.say_refused(message or f"不能打开 {paths[0].name}：请拖入 .xlsx 填报表。")

    # -- checking -------------------------------------------------------------------------------

    def check_now(self, auto: bool = False) -> None:
        """Check the workbook in the fields (after the running check, if there is one)."""
        auto = auto is True  # clicked(bool) and returnPressed() also land here
        self._perform(self._checks.request(self._inputs(), auto=auto))

    def _perform(self, actions: tuple[CheckAction, ...]) -> None:
        """Do what the controller answered, in order."""
        for action in actions:
            match action:
                case NoWorkbook():
                    dialogs.show_error(
                        self,
                        "还没有选择填报表",
                        "请先选择要校验的填报表。",
                        "点“浏览…”选择文件，或把填报表拖到这个窗口。",
                    )
                case WorkbookMissing(path, tell):
                    self._show_missing(path)
                    if tell:
                        dialogs.show_error(
                            self,
                            "找不到填报表",
                            f"找不到文件 {path}。",
                            "文件可能已被移动、改名或删除，请点“浏览…”重新选择。",
                        )
                case StartCheck(inputs):
                    self._start_check(inputs)
                case ShowResult(result, auto):
                    self._show_result(result, auto)
                case CheckAgain(auto, delay_ms):
                    if delay_ms is None:
                        self.check_now(auto=auto)
                    else:
                        QTimer.singleShot(delay_ms, lambda auto=auto: self.check_now(auto=auto))
                case CheckUnfinished():
                    # The window has shown the failure as a dialog; say so on the page too.
                    self.stack.setCurrentWidget(self.results)
                    self._set_summary("校验没有完成", "bad")
                    self.details.setText(
                        "出错的原因和怎么办已在弹出的对话框中说明；处理后请按“校验”重试。"
                    )
                case LookAgain(delay_ms):
                    self._settle.start(delay_ms)
                case Watch(inputs):
                    self._watch(inputs)
                case WorkbookGone(path):
                    self.status.setText(f"找不到 {path.name}：文件可能已被移动、改名或删除。")
                case _:
                    assert_never(action)

    def _start_check(self, inputs: CheckInputs) -> None:
        inputs = replace(inputs, rules=self.settings.rules_file)  # 设置 → 本地规则文件
        self._watch(inputs)
        self.file_opened.emit(inputs.workbook)
        self.status.setText("正在校验…")

        def work(progress, cancelled) -> CheckResult:
            return run_check(inputs)

        self._check_job = self.run_job(work, f"校验 {inputs.workbook.name}", self._check_done)

    def _check_done(self, result: CheckResult) -> None:
        self._perform(self._checks.result(result))

    def _job_ended(self, job: Job) -> None:
        if job is self._check_job:
            self._check_job = None
            self._perform(self._checks.job_ended())

    # -- showing a result -----------------------------------------------------------------------

    def _show_result(self, result: CheckResult, auto: bool, announce: bool = True) -> None:
        selected = self._selected_finding()
        self._result = result
        self._labels = severity_labels(result.spec)
        report = result.report
        if report.readable:  # a file that is not a workbook is no recent workbook
            self.settings.add_recent("workbook", result.inputs.workbook)
        headline, detail = summary_text(report, self._labels)
        state = "bad" if not report.valid else ("warn" if report.findings else "ok")
        self._set_summary(headline, state)
        self.details.setText(detail)
        time = datetime.now().strftime("%H:%M:%S")
        notes = [f"文件已更改，已重新校验（{time}）" if auto else f"已校验（{time}）"]
        notes += [problem.text for problem in result.problems]
        self.status.setText("　".join(notes))
        self.status.setStyleSheet("color: #8a5a00;" if result.problems else "color: #555;")
        self._fill_severity_combo(report.counts)
        self._fill_findings()
        self.stack.setCurrentWidget(self.results)
        self.annotate_button.setEnabled(result.spec is not None)
        self._select(selected)
        if not auto and self.isVisible():
            self.tree.setFocus()  # arrow keys go through the findings at once
        if not announce:
            return
        if not report.readable:
            first = report.findings[0]
            dialogs.show_error(self, "无法读取填报表", first.text, first.action)
        elif not auto:
            for problem in result.problems:
                title = problem_title(problem, result.spec)
                dialogs.show_error(self, title, problem.text, problem.action)

    def _show_missing(self, path: Path) -> None:
        self.stack.setCurrentWidget(self.results)
        self._set_summary("找不到填报表", "bad")
        self.details.setText(f"{path}：文件可能已被移动、改名或删除。请点“浏览…”重新选择。")

    def _set_summary(self, text: str, state: str) -> None:
        colour = {"ok": "#1b7f3b", "warn": "#8a5a00", "bad": "#b3261e"}[state]
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {colour}; font-size: 13pt; font-weight: bold;")

    def _fill_severity_combo(self, counts: Mapping[Severity, int]) -> None:
        current = self.severity_combo.currentData()
        self.severity_combo.blockSignals(True)
        self.severity_combo.clear()
        for text, severity in severity_choices(counts, self._labels):
            self.severity_combo.addItem(text, severity)
        index = self.severity_combo.findData(current)
        self.severity_combo.setCurrentIndex(max(index, 0))
        self.severity_combo.blockSignals(False)
        fit_combo(self.severity_combo)

    def _fill_findings(self) -> None:
        """List the findings: severity groups, each cause (one problem), and under it what it
        explains, in grey."""
        assert self._result is not None
        groups = group_findings(self._result.report.sorted_findings(), self._labels)
        self._findings = []
        model = self.findings_model
        model.clear()
        model.setHorizontalHeaderLabels(["位置", "行", "列", "说明"])
        for group in groups:
            head = QStandardItem(group.label)
            head.setData(group.label, LABEL_ROLE)
            head.setData(len(group.findings), TOTAL_ROLE)
            head.setFont(bold())
            head.setForeground(QBrush(QColor(SEVERITY_COLOURS[group.severity][0])))
            for finding in group.findings:
                items = self._finding_items(finding)
                for explained in group.explained_by(finding):
                    items[0].appendRow(self._finding_items(explained, finding))
                head.appendRow(items)
            model.appendRow([head, QStandardItem(), QStandardItem(), QStandardItem()])
        self._after_filter()
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.resizeSection(0, 116)
        header.resizeSection(1, 120)
        header.resizeSection(2, 64)

    def _finding_items(self, finding: Finding, cause: Finding | None = None) -> list:
        """Return the row of one finding (remembered by its number in ``_findings``)."""
        items = [
            QStandardItem(finding.where or "—"),
            QStandardItem(finding.row),
            QStandardItem(finding.column),
            QStandardItem(
                f"{finding.text}（{finding.pack_label}）" if finding.pack else finding.text
            ),
        ]
        items[0].setData(len(self._findings), INDEX_ROLE)
        self._findings.append(finding)
        tip = finding.message
        if cause is not None:
            tip = f"由 {cause.where or cause.rule} 的问题引起，不另计。\n{tip}"
        for item in items:
            item.setToolTip(tip)
            if cause is not None:
                item.setForeground(QBrush(QColor(EXPLAINED_COLOUR)))
        return items

    def _after_filter(self) -> None:
        """Open the groups, and each cause whose findings are few or matched the filter."""
        model, root = self.findings_filter, QModelIndex()
        for g in range(model.rowCount(root)):
            self.tree.setFirstColumnSpanned(g, root, True)
            head = model.index(g, 0, root)
            self.tree.expand(head)
            for r in range(model.rowCount(head)):
                index = model.index(r, 0, head)
                finding = self._finding_of(index)
                shown = model.rowCount(index)
                if finding is not None and shown:
                    self.tree.setExpanded(index, listed_open(finding, shown, model.query))

    def _filter_changed(self, *_args) -> None:
        selected = self._selected_finding()
        self.findings_filter.set_filter(
            self.severity_combo.currentData(), self.filter_edit.text().strip()
        )
        self._after_filter()
        self._select(selected)

    def _focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def _finding_of(self, index: QModelIndex):
        if not index.isValid():
            return None
        source = self.findings_filter.mapToSource(index).siblingAtColumn(0)
        return self.finding_at(source.data(INDEX_ROLE))

    def _visible(self):
        """Yield (index, finding) of each finding the filters let through, in order: a cause,
        then what it explains (also when the cause is listed closed)."""
        model, root = self.findings_filter, QModelIndex()
        for g in range(model.rowCount(root)):
            head = model.index(g, 0, root)
            for r in range(model.rowCount(head)):
                index = model.index(r, 0, head)
                yield index, self._finding_of(index)
                for c in range(model.rowCount(index)):
                    child = model.index(c, 0, index)
                    yield child, self._finding_of(child)

    def _selected_finding(self):
        return self._finding_of(self.tree.currentIndex())

    def _select(self, wanted) -> None:
        """Select ``wanted`` (the same problem after a re-check), else the first one shown."""
        shown = list(self._visible())
        same = [i for i, f in shown if wanted is not None and same_place(f, wanted)]
        target = (same or [i for i, _ in shown] or [QModelIndex()])[0]
        if target.isValid():
            self._go_to(target)
        else:
            self.tree.setCurrentIndex(target)
            self._show_finding(None)

    def _go_to(self, index: QModelIndex) -> None:
        """Make a row of the list current, opening its cause when it is listed under one."""
        if index.parent().parent().isValid():
            self.tree.expand(index.parent())
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)

    def _link_clicked(self, url) -> None:
        finding_id = linked_finding(url.toString())
        if finding_id is not None:
            self.select_finding_id(finding_id)

    def _current_changed(self, current: QModelIndex, _previous=None) -> None:
        self._show_finding(self._finding_of(current))

    def _show_finding(self, finding) -> None:
        result = self._result
        if finding is None or result is None:
            self.preview_model.show(None, Highlight(None, frozenset()), "error")
            self.grid_box.hide()
            self.explanation.setHtml(nothing_selected_html(result.report if result else None))
            return
        preview = result.preview_for(finding)
        if preview is None:
            self.preview_model.show(None, Highlight(None, frozenset()), finding.severity)
            self.grid_box.hide()
        else:
            mark = highlight(preview, finding)
            self.preview_model.show(preview, mark, finding.severity)
            self.grid_caption.setText(caption_html(preview, finding.severity))
            self.grid_box.show()
            self.grid.resizeColumnsToContents()
            self.grid.resizeRowsToContents()
            if mark.focus is not None:
                focus = self.preview_model.index(*mark.focus)
                self.grid.setCurrentIndex(focus)
                self.grid.scrollTo(focus, QAbstractItemView.ScrollHint.PositionAtCenter)
        exp = explain(result.spec, finding, self._labels, result.report)
        self.explanation.setHtml(explanation_html(exp))

    # -- buttons ----------------------------------------------------------------------------------

    def open_workbook(self, folder: bool = False) -> None:
        """Open the workbook in WPS/Excel (or its folder in the file manager)."""
        path = self.current_file()
        if path is not None:
            dialogs.open_path(self, path.parent if folder is True else path)  # not clicked(bool)

    def annotate(self) -> None:
        """Write ``<name>-批注.xlsx`` (asking before replacing a file) and open it."""
        result = self._result
        if result is None or result.spec is None:
            return
        inputs = result.inputs
        target = dialogs.choose_output(
            self, annotated_path(inputs.workbook, self.settings.output_dir)
        )
        if target is None:
            self.status.setText("没有生成批注副本。")
            return
        force = target.exists()  # the clerk chose to replace it

        def work(progress, cancelled):
            return annotate_copy(inputs, target, force=force)

        self.run_job(work, "生成批注副本", self._annotated)

    def choose_other_version(self) -> None:
        """Ask for another version of the workbook being checked and compare the two."""
        current = self.current_file()
        if current is None:
            return
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择同一单位的另一个版本", str(current.parent), SHEET_FILTER
        )
        if chosen:
            self.compare_with(Path(chosen))

    def compare_with(self, other: Path) -> None:
        """Compare the workbook being checked with another version of it (the older file by
        modification time is the old version) and show what changed."""
        current = self.current_file()
        if current is None:
            return
        old, new = sorted((other, current), key=_modified)

        def work(progress, cancelled):
            from nianbao.services.diff import compare_files

            return compare_files(old, new)

        self.run_job(work, "比较两个版本", self._compared)

    def _compared(self, comparison) -> None:
        from nianbao.validation.compare import comparison_lines

        changes = len(comparison.cells) + len(comparison.info) + len(comparison.texts)
        said = "内容相同" if comparison.identical else f"有 {changes} 处改动"
        old, new = comparison.old.path.name, comparison.new.path.name
        self.status.setText(f"与另一版本比较：{said}（旧 {old} → 新 {new}）")
        dialogs.show_text(self, "与另一版本比较", comparison_lines(comparison))

    def _annotated(self, out) -> None:
        result, path = out
        self._show_result(result, auto=False, announce=False)
        self.status.setText(f"已生成批注副本：{path}")
        dialogs.open_path(self, path)

    # -- re-check when the files change on disk ------------------------------------------------

    def _watch(self, inputs: CheckInputs) -> None:
        files = {str(p) for p in inputs.files() if p.is_file()}
        folders = {str(p.parent) for p in inputs.files() if p.parent.is_dir()}
        watched = set(self._watcher.files()) | set(self._watcher.directories())
        stale = watched - files - folders
        if stale:
            self._watcher.removePaths(sorted(stale))
        new = (files | folders) - watched
        if new:
            self._watcher.addPaths(sorted(new))

    def _file_touched(self, _path: str) -> None:
        self._perform(self._checks.touched())

    def _files_settled(self) -> None:
        self._perform(self._checks.settled())


def _modified(path: Path) -> float:
    """Return a file's modification time (0 when it cannot be had: sorted first, as older)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
