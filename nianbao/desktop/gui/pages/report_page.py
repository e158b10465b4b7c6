"""生成报告: workbook + narrative → Word, HTML and PDF, through the core's ``export_report``
(as ``nianbao export``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nianbao.converters.export import ExportRefused, ExportRequest, ExportResult, export_report
from nianbao.errors import NianbaoError

from ...viewmodels.file_kinds import Box
from ...viewmodels.report import (
    NARRATIVE_SUFFIXES,
    WORKBOOK_SUFFIXES,
    OutputPlan,
    check_inputs,
    default_name,
    draft_mark,
    draft_reason,
    note_line,
    plan_outputs,
    plan_text,
    refusal_advice,
    refusal_lines,
    split_problem,
    warnings_line,
)
from .. import dialogs
from ..page import Page, PageHost, page_header
from ..widgets import ElidedLabel, PathField, fill_recent_menu
from ..worker import IsCancelled, Job, Progress

# export_report reports 0.4 (准备写出文件) and more once it writes files; it honours a cancel only
# before that: files half written, or a PDF conversion stopped midway, would be worse.
WRITING_FROM = 0.4
NOT_CANCELLABLE = "（正在写文件，不能中途取消）"

TITLE_STYLE = "font-size: 12pt; font-weight: bold; color: {color};"
RED, GREEN, ORANGE = "#b3261e", "#1e7b34", "#b35c00"
BOX_STYLE = "QFrame#{name} {{ border: 1px solid {border}; border-radius: 6px; background: {bg}; }}"
REFUSAL_BOX = BOX_STYLE.format(name="refusal", border="#e0a3a0", bg="#fdf3f2")
RESULT_BOX = BOX_STYLE.format(name="result", border="#a8cfb1", bg="#f2f9f3")
DRAFT_BOX = BOX_STYLE.format(name="result", border="#e3bf7f", bg="#fff8ec")
NAME_PLACEHOLDER = "不填：报告的标题（如 ××镇人民政府2025年政府信息公开工作年度报告）"


def export_work(
    request: ExportRequest, rules: Path | None = None
) -> Callable[[Progress, IsCancelled], object]:
    """Return the job's work: export_report (under the local rule pack ``rules`` of 设置, read
    in the job), with a refusal returned (shown on the page) rather than raised. The core
    honours cancel only until it starts writing files (from WRITING_FROM on); the progress
    message then says so."""

    def work(progress: Progress, cancelled: IsCancelled) -> ExportResult | ExportRefused:
        nonlocal request
        if rules is not None:
            from nianbao.workbook_templates.rule_packs import load_rule_pack

            request = replace(request, rules=load_rule_pack(rules))
        writing = False

        def report(fraction: float, message: str) -> None:
            nonlocal writing
            writing = writing or fraction >= WRITING_FROM
            progress(fraction, message + (NOT_CANCELLABLE if writing and fraction < 1 else ""))

        try:
            return export_report(request, report, cancelled)
        except ExportRefused as refused:
            return refused

    return work


def _label(text: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _box(name: str, style: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setStyleSheet(style)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 10)
    return frame, layout


class ReportPage(Page):
    """Inputs (workbook, narrative, last year's workbook), outputs (folder, name, formats), a
    生成报告 button, and below it either why the export was refused or what was written."""

    key = "report"

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        from nianbao.converters.pdf import find_soffice

        self._job: Job | None = None
        self._refused_inputs: tuple[Path, Path | None] | None = None
        self._written: list[tuple[str, Path]] = []
        self.open_buttons: list[QPushButton] = []
        self._captions: list[QLabel] = []
        self._inputs: tuple[Path | None, Path | None, Path | None] = (None, None, None)
        self._output_dir: Path | None = None  # the 设置 folder last put in the folder field

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        page_header(
            layout,
            "生成报告",
            "用填好的填报表和正文，一键生成 Word 报告、网页版（上网公开用）和 PDF。"
            "填报表有错误时不能生成正式报告，只能生成草稿。",
        )
        layout.addWidget(self._inputs_box())
        layout.addWidget(self._outputs_box())
        self.take_files_in((self.workbook, self.narrative, self.previous, self.folder))
        width = max(c.sizeHint().width() for c in self._captions)
        for caption in self._captions:  # the two boxes' fields start at the same x
            caption.setMinimumWidth(width)

        row = QHBoxLayout()
        self.generate_button = QPushButton("生成报告(&G)")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumSize(140, 34)
        self.generate_button.setToolTip("检查填报表，然后生成上面勾选的文件（Alt+G）")
        self.generate_button.clicked.connect(lambda: self.generate())
        row.addWidget(self.generate_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.outcome = QWidget()
        outcome_layout = QVBoxLayout(self.outcome)
        outcome_layout.setContentsMargins(0, 0, 0, 0)
        outcome_layout.addWidget(self._refusal_box())
        outcome_layout.addWidget(self._result_box())
        outcome_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(self.outcome)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(scroll, 1)

        if find_soffice() is None:
            self.pdf_box.setChecked(False)
            self.pdf_box.setEnabled(False)
            self.pdf_box.setToolTip(
                "这台电脑上没有找到 LibreOffice，不能直接生成 PDF。可以用 Word 或 WPS 打开生成的 "
                ".docx，选择“另存为/输出为 PDF”；安装 LibreOffice 后重新打开年报助手即可勾选。"
            )
        self.window_.job_ended.connect(self._job_ended)
        self._clear_outcome()
        self._update_plan()

    # -- building ------------------------------------------------------------------------------
    def _caption(self, text: str, buddy: QWidget | None = None) -> QLabel:
        caption = QLabel(text)
        if buddy is not None:
            caption.setBuddy(buddy)
        self._captions.append(caption)
        return caption

    def _field(self, form: QFormLayout, label: str, field: PathField, extra=None) -> None:
        caption = self._caption(label, field)
        field.setFocusProxy(field.edit)
        if extra is None:
            form.addRow(caption, field)
            return
        row = QHBoxLayout()
        row.addWidget(field, 1)
        row.addWidget(extra)
        form.addRow(caption, row)

    def _inputs_box(self) -> QGroupBox:
        box = QGroupBox("填报表和正文")
        form = QFormLayout(box)
        self.workbook = PathField(
            "选择或拖入填好的填报表（.xlsx）",
            filter_text="填报表 (*.xlsx *.xlsm)",
            settings=self.settings,
            box=Box("填报表", "填报表", "填好的填报表（.xlsx）", WORKBOOK_SUFFIXES),
        )
        # A push button's size allows for its menu arrow; a tool button's drew it over "件".
        self.recent_button = QPushButton("最近的文件")
        self.recent_button.setToolTip("从最近用过的填报表中选择")
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.recent_button.setMenu(self.recent_menu)
        self._field(form, "填报表(&W)：", self.workbook, self.recent_button)
        self.narrative = PathField(
            "不填：使用填报表里填写的正文；也可选择 Word（.docx）、.txt、.md、.html 或 .pdf 正文",
            filter_text="正文 (*.docx *.txt *.html *.htm *.pdf)",
            settings=self.settings,
            box=Box("正文", "正文", "正文（.docx、.txt、.md、.html 或 .pdf）", NARRATIVE_SUFFIXES),
        )
        self._field(form, "正文（可不填）(&N)：", self.narrative)
        self.previous = PathField(
            "不填：不做跨年度核对；选上年度的填报表，可以核对上年结转的数字",
            filter_text="填报表 (*.xlsx *.xlsm)",
            settings=self.settings,
            box=Box("上年填报表", "填报表", "上一年度的填报表（.xlsx）", WORKBOOK_SUFFIXES),
        )
        self._field(form, "上年填报表（可不填）(&P)：", self.previous)
        self.workbook.changed.connect(self._workbook_changed)
        self.narrative.changed.connect(self._inputs_changed)
        self.previous.changed.connect(self._inputs_changed)
        return box

    def _outputs_box(self) -> QGroupBox:
        box = QGroupBox("生成的文件")
        form = QFormLayout(box)
        self.folder = PathField(
            "不填：保存在填报表所在的文件夹",
            folder=True,
            settings=self.settings,
            box=Box("保存到", "文件夹", "保存报告的文件夹", folder=True),
        )
        self._field(form, "保存到(&S)：", self.folder)
        self.name = QLineEdit()
        self.name.setPlaceholderText(NAME_PLACEHOLDER)
        self.name.returnPressed.connect(lambda: self.generate())
        form.addRow(self._caption("文件名(&M)：", self.name), self.name)

        formats = QHBoxLayout()
        self.docx_box = QCheckBox("Word（.docx）")
        self.docx_box.setChecked(True)
        self.html_box = QCheckBox("网页版（.html，上网公开用）")
        self.html_box.setChecked(True)
        self.pdf_box = QCheckBox("PDF（需要 LibreOffice，较慢）")
        self.pdf_box.setToolTip(
            "用 LibreOffice 把 Word 报告转成 PDF，可能要一两分钟，开始后不能中途取消。"
        )
        for check in (self.docx_box, self.html_box, self.pdf_box):
            formats.addWidget(check)
            check.toggled.connect(self._update_plan)
        formats.addStretch(1)
        form.addRow(self._caption("格式："), formats)
        # Wrapped: the note about existing files must be readable in full.
        self.plan_label = _label(wrap=True, selectable=True)
        self.plan_label.setStyleSheet("color: #555;")
        self.plan_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        form.addRow(self._caption(""), self.plan_label)
        self.folder.changed.connect(self._update_plan)
        self.name.textChanged.connect(self._update_plan)
        return box

    def _refusal_box(self) -> QFrame:
        self.refusal, layout = _box("refusal", REFUSAL_BOX)
        self.refusal_title = _label()
        self.refusal_title.setStyleSheet(TITLE_STYLE.format(color=RED))
        self.refusal_details = _label(selectable=True)
        self.refusal_advice = _label()
        buttons = QHBoxLayout()
        self.view_problems_button = QPushButton("查看问题(&V)")
        self.view_problems_button.setToolTip("到“校验”页查看每个问题所在的单元格和改法")
        self.view_problems_button.clicked.connect(self.view_problems)
        self.draft_button = QPushButton("生成草稿(&D)")
        self.draft_button.setToolTip(
            "生成标有“草稿”的报告，只供核对效果，不能作为正式报告发布；文件名带“-草稿”"
        )
        self.draft_button.clicked.connect(lambda: self.generate(draft=True))
        buttons.addWidget(self.view_problems_button)
        buttons.addWidget(self.draft_button)
        buttons.addStretch(1)
        for widget in (self.refusal_title, self.refusal_details, self.refusal_advice):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        return self.refusal

    def _result_box(self) -> QFrame:
        self.result, layout = _box("result", RESULT_BOX)
        self.result_title = _label()
        self.result_info = _label()
        layout.addWidget(self.result_title)
        layout.addWidget(self.result_info)
        self.files_grid = QGridLayout()
        self.files_grid.setColumnStretch(1, 1)
        self.files_grid.setHorizontalSpacing(12)
        layout.addLayout(self.files_grid)
        row = QHBoxLayout()
        self.open_folder_button = QPushButton("打开所在文件夹(&F)")
        self.open_folder_button.clicked.connect(self.open_folder)
        row.addWidget(self.open_folder_button)
        # The folder once, beside its button; the files above by name, one line each.
        self.folder_label = ElidedLabel()
        self.folder_label.setObjectName("pageHint")
        row.addWidget(self.folder_label, 1)
        layout.addLayout(row)
        self.result_notes = _label(selectable=True)
        layout.addWidget(self.result_notes)
        return self.result

    # -- page protocol -------------------------------------------------------------------------
    def current_file(self) -> Path | None:
        return self.workbook.path()

    def open_files(self, paths: list[Path]) -> bool:
        """Take one workbook and/or one narrative file; refuse anything else."""
        workbooks = [p for p in paths if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES]
        texts = [p for p in paths if p.is_file() and p.suffix.lower() in NARRATIVE_SUFFIXES]
        if len(workbooks) + len(texts) != len(paths) or len(workbooks) > 1 or len(texts) > 1:
            return False
        if workbooks:
            self.workbook.set_path(workbooks[0])
        if texts:
            self.narrative.set_path(texts[0])
        return True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        check = self.window_.pages.get("check")
        checked = check.current_file() if check is not None else None
        if self.workbook.path() is None and checked is not None and checked.is_file():
            self.workbook.set_path(checked)  # the workbook just checked is the one to export
        output_dir = self.settings.output_dir
        if output_dir != self._output_dir:  # first shown, or changed in 设置 since
            self._output_dir = output_dir
            if output_dir is not None:
                self.folder.set_path(output_dir)

    # -- inputs --------------------------------------------------------------------------------
    def _fill_recent(self) -> None:
        fill_recent_menu(self.recent_menu, self.settings.recent("workbook"), self.workbook.set_path)

    def _workbook_changed(self, path: Path | None) -> None:
        if path == self._inputs[0]:
            return  # PathField also reports an unchanged path when its line loses focus
        # Left empty, the name is the command line's default: shown, not typed in for the clerk.
        shown = f"不填：{default_name(path)}" if path is not None else NAME_PLACEHOLDER
        self.name.setPlaceholderText(shown)
        self.file_opened.emit(path)
        self._inputs_changed()

    def _inputs_changed(self, *_: object) -> None:
        inputs = (self.workbook.path(), self.narrative.path(), self.previous.path())
        if inputs != self._inputs and self._job is None:
            self._clear_outcome()  # what is shown was made from other files
        self._inputs = inputs
        self._update_plan()

    def _formats(self) -> set[str]:
        boxes = (("docx", self.docx_box), ("html", self.html_box), ("pdf", self.pdf_box))
        return {kind for kind, box in boxes if box.isChecked() and box.isEnabled()}

    def _plan(self) -> OutputPlan:
        """Return the files to write as the fields now stand; raise UsageError if they cannot."""
        workbook, folder = self.workbook.path(), self.folder.path()
        formats = self._formats()
        workbook = check_inputs(
            workbook, self.narrative.path(), self.previous.path(), folder, formats
        )
        return plan_outputs(workbook, folder, self.name.text(), formats)

    def _update_plan(self, *_: object) -> None:
        workbook = self.workbook.path()
        if workbook is None:
            text = "选择填报表后，这里显示要生成的文件。"
        else:
            try:
                plan = plan_outputs(workbook, self.folder.path(), self.name.text(), self._formats())
            except NianbaoError as exc:
                text = f"{exc.message}{exc.action}"
            else:
                text = plan_text(plan)
        self.plan_label.setText(text)
        self.plan_label.setToolTip(text)

    # -- export --------------------------------------------------------------------------------
    def generate(self, draft: bool = False) -> None:
        """Check the fields, ask about existing files, then export off the GUI thread."""
        if self._job is not None:
            return
        try:
            plan = self._plan()
        except NianbaoError as exc:
            dialogs.show_error(self, "不能生成报告", exc.message, exc.action)
            return
        if draft:
            plan = plan.as_draft()
        chosen = self._choose_outputs(plan)
        if chosen is None:
            self.window_.statusBar().showMessage("已取消，没有生成任何文件。", 8000)
            return
        plan, force = chosen
        workbook = self.workbook.path()
        if workbook is None:  # _plan() refuses a missing workbook before we get here
            return
        request = ExportRequest(
            workbook=workbook,
            docx=plan.docx,
            html=plan.html,
            pdf=plan.pdf,
            narrative=self.narrative.path(),
            previous=self.previous.path(),
            draft=draft,
            force=force,
            fonts=self.settings.fonts(),
        )
        self._clear_outcome()
        self._set_busy(True)
        label = "生成草稿" if draft else "生成报告"
        self._job = self.run_job(
            export_work(request, self.settings.rules_file),
            label,
            lambda outcome: self._show_outcome(request, outcome),
            cancellable=True,
        )

    def _choose_outputs(self, plan: OutputPlan) -> tuple[OutputPlan, bool] | None:
        """Ask about each file that exists; return the paths to write and whether one of them is
        to be overwritten, or None when the user cancelled."""
        chosen: dict[str, Path | None] = {}
        force = False
        for kind in ("docx", "html", "pdf"):
            path = getattr(plan, kind)
            if path is None:
                chosen[kind] = None
                continue
            answer = dialogs.choose_output(self, path)
            if answer is None:
                return None
            force = force or answer.exists()
            chosen[kind] = answer
        return OutputPlan(**chosen), force

    def _set_busy(self, busy: bool) -> None:
        for button in (self.generate_button, self.draft_button):
            button.setEnabled(not busy)

    def _job_ended(self, job) -> None:
        if job is self._job:
            self._job = None
            self._set_busy(False)
            self._update_plan()  # the files just written now exist

    def _show_outcome(self, request: ExportRequest, outcome: object) -> None:
        report = getattr(outcome, "report", None)
        if report is not None and report.readable:  # only a workbook read is a recent one
            self.settings.add_recent("workbook", request.workbook)
        if isinstance(outcome, ExportRefused):
            self._show_refusal(request, outcome)
        elif isinstance(outcome, ExportResult):
            self._show_result(outcome)

    def _clear_outcome(self) -> None:
        self.refusal.hide()
        self.result.hide()
        self._refused_inputs = None
        self._written = []

    # -- refused -------------------------------------------------------------------------------
    def _show_refusal(self, request: ExportRequest, refused: ExportRefused) -> None:
        self._refused_inputs = (request.workbook, request.previous)
        self.refusal_title.setText(refused.message)
        self.refusal_details.setText("\n".join(refusal_lines(refused)))
        self.refusal_advice.setText(refusal_advice(refused))
        self.view_problems_button.setVisible(not refused.report.valid)
        self.refusal.show()
        self.result.hide()
        self.window_.statusBar().showMessage(refused.message, 10000)
        target = self.view_problems_button if not refused.report.valid else self.draft_button
        target.setFocus()

    def view_problems(self) -> None:
        """Show the refused workbook's findings on the 校验 page."""
        if self._refused_inputs is None:
            return
        workbook, previous = self._refused_inputs
        check = self.window_.go("check")
        if hasattr(check, "show_workbook"):
            check.show_workbook(workbook, previous)
        else:  # until the 校验 page has show_workbook
            check.open_files([workbook])

    # -- written -------------------------------------------------------------------------------
    def _show_result(self, result: ExportResult) -> None:
        self._written = list(result.written)
        if result.draft_marked:
            self.result_title.setText("已生成草稿（不能作为正式报告发布）")
            self.result_title.setStyleSheet(TITLE_STYLE.format(color=ORANGE))
            self.result.setStyleSheet(DRAFT_BOX)
            mark = draft_mark(result.report)
            info = [
                f"原因：{draft_reason(result.report)}。每页都标有“{mark}”。",
                "改正后再点“生成报告”，才能得到正式报告。",
            ]
        else:
            self.result_title.setText("报告已生成")
            self.result_title.setStyleSheet(TITLE_STYLE.format(color=GREEN))
            self.result.setStyleSheet(RESULT_BOX)
            info = ["填报表已通过校验，报告中的数字已经与填报表逐项核对。"]
        warnings = warnings_line(result.report)
        if warnings:
            info.append(warnings)
        if result.pdf_problem:
            info.append("PDF 没有生成，见弹出的说明。")
        if result.font_note:  # its first sentence here, all of it on hover (the box stays short)
            info.append(f"字体：{result.font_note.split('。')[0]}。")
        self.result_info.setToolTip(result.font_note)
        self.result_info.setText("\n".join(info))
        self._fill_files(result.written)
        notes = [note_line(n) for n in result.notes]
        self.result_notes.setText("正文：\n" + "\n".join(notes) if notes else "")
        self.result_notes.setVisible(bool(notes))
        self.refusal.hide()
        self.result.show()
        names = "、".join(path.name for _, path in result.written)
        self.window_.statusBar().showMessage(f"已生成：{names}", 10000)
        if self.open_buttons:
            self.open_buttons[0].setFocus()
        if result.pdf_problem:
            message, action = split_problem(result.pdf_problem)
            dialogs.show_error(self, "没有生成 PDF", message, action)

    def _fill_files(self, written: list[tuple[str, Path]]) -> None:
        while self.files_grid.count():
            item = self.files_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.open_buttons = []
        for row, (label, path) in enumerate(written):
            self.files_grid.addWidget(_label(f"{label}：", wrap=False), row, 0)
            name = _label(path.name, wrap=False, selectable=True)
            name.setToolTip(str(path))
            self.files_grid.addWidget(name, row, 1)
            button = QPushButton("打开")
            button.setToolTip(f"用系统的程序打开 {path.name}")
            button.clicked.connect(lambda _=False, p=path: dialogs.open_path(self, p))
            self.files_grid.addWidget(button, row, 2)
            self.open_buttons.append(button)
        self.open_folder_button.setEnabled(bool(written))
        self.folder_label.setText(f"保存在 {written[0][1].parent}" if written else "")

    def written(self) -> list[tuple[str, Path]]:
        """Return what the last export wrote (label, path), as listed on the page."""
        return list(self._written)

    def open_folder(self) -> None:
        if self._written:
            dialogs.open_path(self, self._written[0][1].parent)
