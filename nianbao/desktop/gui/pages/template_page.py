"""生成填报表: the first page. Unit, type and year (remembered), optionally last year's workbook
to pre-fill this year's carried-over figures; writes the standard workbook and the narrative
template (正文模板) and offers to open them.

The page gathers choices and shows results; the work is the core's ``carry_forward``,
``build_template`` and ``write_narrative_template``, as in ``nianbao template``. It is created
when the app starts, so everything but the spec is imported when first needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nianbao.files import narrative_template_path, workbook_name
from nianbao.workbook_templates.loader import available_formats, spec_for_year
from nianbao.workbook_templates.spec import FormatSpec

from ...viewmodels.file_kinds import Box
from ...viewmodels.template_state import TemplateController
from .. import dialogs
from ..page import Page, PageHost, page_header
from ..widgets import PathField, fit_combo

if TYPE_CHECKING:
    from nianbao.validation.findings import Finding
    from nianbao.workbook_templates.reader import FilledWorkbook

NO_KIND = "（由填报单位选择）"
WORKBOOK_SUFFIX = ".xlsx"
FIRST_YEAR = min(s.first_year for s in available_formats().values())
LAST_YEAR = 2100
SEVERITY_COLOURS = {"error": "#b3261e", "warning": "#8a5a00", "info": "#555555"}


@dataclass(frozen=True)
class TemplateResult:
    """What a build wrote, and what last year's workbook gave it."""

    workbook: Path
    narrative: Path | None
    year: int
    format_label: str
    carried: tuple[str, ...]  # one line per pre-filled row
    notes: tuple[Finding, ...]  # the carry's notes
    previous: Path | None


def default_file_name(unit: str, year: int) -> str:
    """Return the workbook's default name, as the county's handout names it."""
    return workbook_name(unit, year)


def _default_year() -> int:
    from nianbao.workbook_templates.builder import default_year

    return default_year()


def _notes_html(notes: tuple[Finding, ...], labels: dict[str, str]) -> str:
    """Return the carry's notes as HTML lines, each in its severity's colour and label."""
    return "".join(
        f'<br><span style="color:{SEVERITY_COLOURS[n.severity]}">【{labels[n.severity]}】'
        f"{escape(n.message)}</span>"
        for n in notes
    )


class TemplatePage(Page):
    """Form (unit, type, year, last year's workbook, where to save) → 生成 → what was written."""

    key = "template"

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self._previous: FilledWorkbook | None = None  # last year's workbook, once read
        self._previous_error = ""
        self._name_auto = True  # the file name follows unit and year until the user edits it
        self._result: TemplateResult | None = None
        self.jobs = TemplateController()  # where the build is, and what the status line says

        # The form scrolls when notes make it taller than the window.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget(scroll)
        scroll.setWidget(content)
        self._scroll = scroll
        page_layout = QVBoxLayout(self)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(scroll)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(28, 12, 28, 8)
        outer.setSpacing(8)
        page_header(
            outer,
            "生成填报表",
            "为本单位生成标准填报表（Excel）和正文模板（Word）。"
            "在 WPS 或 Excel 中填好浅黄色单元格后，到“校验”检查，再到“生成报告”。",
        )
        outer.addWidget(self._unit_box())
        outer.addWidget(self._previous_box())
        outer.addWidget(self._save_box())
        self.take_files_in((self.previous_field, self.folder_field))

        actions = QHBoxLayout()
        self.generate_button = QPushButton("生成填报表(&G)")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(34)
        self.generate_button.setMinimumWidth(160)
        self.generate_button.clicked.connect(self.generate)
        self.status = QLabel("")
        self.status.setObjectName("pageHint")
        actions.addWidget(self.generate_button)
        actions.addWidget(self.status, 1)
        outer.addLayout(actions)

        outer.addWidget(self._result_panel())
        outer.addStretch(1)

        for edit in (self.unit_edit, self.name_edit, self.year_spin.lineEdit()):
            edit.returnPressed.connect(self.generate)
        self.setTabOrder(self.unit_edit, self.kind_combo)
        self.setTabOrder(self.kind_combo, self.year_spin)
        self.setTabOrder(self.year_spin, self.previous_field.edit)
        self.setTabOrder(self.previous_field.edit, self.previous_field.browse)
        self.setTabOrder(self.previous_field.browse, self.folder_field.edit)
        self.setTabOrder(self.folder_field.edit, self.folder_field.browse)
        self.setTabOrder(self.folder_field.browse, self.name_edit)
        self.setTabOrder(self.name_edit, self.narrative_check)
        self.setTabOrder(self.narrative_check, self.generate_button)
        self._year_changed(self.year_spin.value())

    # -- the form -------------------------------------------------------------------------------
    def _unit_box(self) -> QGroupBox:
        box = QGroupBox("单位和年度")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        remembered = self.remembered

        self.unit_edit = QLineEdit(remembered.text("unit"))
        self.unit_edit.setPlaceholderText(
            "机关全称，如：青禾镇人民政府；可留空，由填报单位在填报表中填写"
        )
        self.unit_edit.setMaxLength(100)
        self.unit_edit.textChanged.connect(self._unit_changed)
        form.addRow(_buddy("单位名称(&N)：", self.unit_edit), self.unit_edit)

        year = min(max(remembered.number("year") or _default_year(), FIRST_YEAR), LAST_YEAR)
        self.kind_combo = QComboBox()
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_combo.addItem(NO_KIND, "")
        spec = spec_for_year(year)
        for kind in spec.kinds:
            if kind != spec.summary.kind:  # a summary is written by 汇总, not filled in
                self.kind_combo.addItem(kind, kind)
        index = self.kind_combo.findData(remembered.text("kind"))
        self.kind_combo.setCurrentIndex(max(index, 0))
        fit_combo(self.kind_combo)
        form.addRow(_buddy("单位类型(&K)：", self.kind_combo), self.kind_combo)

        year_row = QHBoxLayout()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(FIRST_YEAR, LAST_YEAR)
        self.year_spin.setValue(year)
        self.year_spin.setSuffix(" 年度")
        self.year_spin.setMinimumWidth(110)
        self.year_spin.valueChanged.connect(self._year_changed)
        self.format_label = QLabel()
        self.format_label.setObjectName("pageHint")
        year_row.addWidget(self.year_spin)
        year_row.addWidget(self.format_label, 1)
        form.addRow(_buddy("报告年度(&Y)：", self.year_spin), year_row)
        return box

    def _previous_box(self) -> QGroupBox:
        box = QGroupBox("上年填报表（可选）")
        layout = QVBoxLayout(box)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)
        self.previous_field = PathField(
            "上一年度填好的填报表（.xlsx），可以直接拖到这里",
            filter_text="填报表 (*.xlsx)",
            settings=self.settings,
            box=Box("上年填报表", "填报表", "上一年度填好的填报表（.xlsx）", (WORKBOOK_SUFFIX,)),
        )
        self.previous_field.changed.connect(self._previous_changed)
        form.addRow(_buddy("上年填报表(&P)：", self.previous_field.edit), self.previous_field)
        # Below the form rather than in it: a wrapped label in a form row is cut off.
        self.previous_info = QLabel()
        self.previous_info.setWordWrap(True)
        self.previous_info.setTextFormat(Qt.TextFormat.RichText)
        self.previous_info.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.previous_info)
        return box

    def _save_box(self) -> QGroupBox:
        box = QGroupBox("保存")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.folder_field = PathField(
            "保存到哪个文件夹",
            folder=True,
            settings=self.settings,
            box=Box("保存到", "文件夹", "保存填报表的文件夹", folder=True),
        )
        # The folder this page wrote to last; the first time the 设置 folder, else the last
        # folder a file dialog was in.
        self.folder_field.set_path(
            self.remembered.folder("folder") or self.settings.output_dir or self.settings.last_dir
        )
        form.addRow(_buddy("保存到(&F)：", self.folder_field.edit), self.folder_field)
        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(self._name_edited)
        form.addRow(_buddy("文件名(&M)：", self.name_edit), self.name_edit)
        self.narrative_check = QCheckBox("同时生成正文模板（Word）(&W)")
        self.narrative_check.setChecked(True)
        self.narrative_check.setToolTip("与填报表同名加“-正文”的 .docx，在其中撰写报告正文")
        form.addRow("", self.narrative_check)
        return box

    def _result_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("resultPanel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setStyleSheet(
            "QFrame#resultPanel { background: #f1f8f2; border: 1px solid #9cc8a4;"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(16, 12, 16, 12)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.open_workbook_button = QPushButton("打开填报表(&O)")
        self.open_narrative_button = QPushButton("打开正文模板(&D)")
        self.open_folder_button = QPushButton("打开所在文件夹(&L)")
        self.check_button = QPushButton("填好后去校验(&C) →")
        self.open_workbook_button.clicked.connect(lambda: self._open("workbook"))
        self.open_narrative_button.clicked.connect(lambda: self._open("narrative"))
        self.open_folder_button.clicked.connect(lambda: self._open("folder"))
        self.check_button.clicked.connect(self.go_check)
        for button in (
            self.open_workbook_button,
            self.open_narrative_button,
            self.open_folder_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        layout.addLayout(buttons)
        panel.hide()
        self.result_panel = panel
        return panel

    # -- reacting to the form -------------------------------------------------------------------
    def spec(self) -> FormatSpec:
        return spec_for_year(self.year_spin.value())

    def kind(self) -> str:
        return self.kind_combo.currentData() or ""

    def _year_changed(self, year: int) -> None:
        self.format_label.setText(f"使用 {spec_for_year(year).label} 格式")
        self._update_name()
        self._show_previous()

    def _unit_changed(self, _text: str) -> None:
        self._update_name()
        if self._previous is not None:
            self._show_previous()

    def _name_edited(self, text: str) -> None:
        self._name_auto = not text.strip()

    def _update_name(self) -> None:
        if self._name_auto:
            self.name_edit.setText(default_file_name(self.unit_edit.text(), self.year_spin.value()))

    def _previous_changed(self, path: Path | None) -> None:
        self._previous, self._previous_error = None, ""
        if path is None:
            self._show_previous()
            return
        self.previous_info.setText("正在读取上年填报表……")

        def work(progress, cancelled):
            from nianbao.errors import NianbaoError
            from nianbao.workbook_templates.reader import read_workbook

            try:
                return path, read_workbook(path), ""
            except NianbaoError as exc:  # shown beside the field; generating says it again
                return path, None, f"{exc.message}{exc.action}"

        self.run_job(work, "读取上年填报表", self._previous_read)

    def _previous_read(self, result) -> None:
        path, workbook, error = result
        if path != self.previous_field.path():
            return  # another file was chosen meanwhile
        self._previous, self._previous_error = workbook, error
        if workbook is not None:
            # Last year's unit and type are this year's, unless already filled in.
            if not self.unit_edit.text().strip() and workbook.unit:
                self.unit_edit.setText(workbook.unit)
            if not self.kind() and self.kind_combo.findData(workbook.kind) > 0:
                self.kind_combo.setCurrentIndex(self.kind_combo.findData(workbook.kind))
        self._show_previous()

    def _show_previous(self) -> None:
        """Say what last year's workbook pre-fills (or would, once one is chosen)."""
        from nianbao.validation.carry import carried_rows, carry_forward, describe

        spec = self.spec()
        if self.previous_field.path() is None:
            rows = carried_rows(spec)
            self.previous_info.setText(
                f"选择后，按上年填报表预填本年的{'、'.join(rows)}，预填的数字仍可修改。"
                if rows
                else "本年度的格式没有需要从上年结转的数字。"
            )
            return
        if self._previous_error:
            self.previous_info.setText(
                f'<span style="color:#b3261e">读不了这个文件：{escape(self._previous_error)}</span>'
            )
            return
        previous = self._previous
        if previous is None:
            return  # still being read
        year = self.year_spin.value()
        carry = carry_forward(spec, previous, year=year, unit=self.unit_edit.text().strip())
        head = escape(f"{previous.unit or '（未填单位名称）'} {previous.year} 年度填报表")
        lines = describe(spec, carry)
        body = (
            "将预填：" + "；".join(escape(line) for line in lines) + "。预填的数字仍可修改。"
            if lines
            else "没有可以预填的数字。"
        )
        notes = _notes_html(carry.notes, spec.severity_labels)
        self.previous_info.setText(f"{head}。{body}{notes}")

    # -- files handed to the page ---------------------------------------------------------------
    def open_files(self, paths: list[Path]) -> bool:
        """Take one dropped .xlsx as last year's workbook."""
        if len(paths) == 1 and paths[0].is_file() and paths[0].suffix.lower() == WORKBOOK_SUFFIX:
            self.previous_field.set_path(paths[0])
            return True
        return False

    def current_file(self) -> Path | None:
        return self._result.workbook if self._result else None

    # -- generating -----------------------------------------------------------------------------
    def _target(self) -> Path | None:
        """Return where the workbook goes, or None after saying what is wrong."""
        folder = self.folder_field.path()
        name = self.name_edit.text().strip()
        if folder is None:
            dialogs.show_error(
                self, "无法生成", "还没有选择保存到哪个文件夹。", "请点“浏览…”选择。"
            )
            return None
        if not folder.is_dir():
            dialogs.show_error(
                self, "无法生成", f"文件夹 {folder} 不存在。", "请点“浏览…”重新选择保存位置。"
            )
            return None
        if not name:
            name = default_file_name(self.unit_edit.text(), self.year_spin.value())
        if Path(name).name != name or any(c in name for c in '\\/:*?"<>|'):
            dialogs.show_error(
                self,
                "无法生成",
                f"文件名“{name}”中有不能用的字符。",
                '文件名中不能有 \\ / : * ? " < > | 这些符号，请修改。',
            )
            return None
        if not name.lower().endswith(WORKBOOK_SUFFIX):
            name += WORKBOOK_SUFFIX
        return folder / name

    def generate(self) -> None:
        """Ask where to write (never overwriting unasked), then build in the background."""
        if not self.jobs.generate_enabled:
            return  # Enter in a field while a build runs
        target = self._target()
        if target is None:
            return
        workbook = dialogs.choose_output(self, target)
        narrative = None
        if workbook is not None and self.narrative_check.isChecked():
            narrative = dialogs.choose_output(self, narrative_template_path(workbook))
            if narrative is None:
                workbook = None
        if workbook is None:
            self.jobs.declined()
            self._show_jobs()
            return
        # choose_output returns the existing path itself only when the user chose to overwrite.
        force_workbook = workbook.exists()
        force_narrative = narrative is not None and narrative.exists()
        fonts = self.settings.fonts() if narrative is not None else None
        unit, kind, year = self.unit_edit.text().strip(), self.kind(), self.year_spin.value()
        previous = self.previous_field.path()

        def work(progress, cancelled):
            from nianbao.services.template import make_template
            from nianbao.validation.carry import describe
            from nianbao.workbook_templates.builder import TemplateRequest

            made = make_template(
                workbook,
                TemplateRequest(year=year, unit=unit, kind=kind),
                previous=previous,
                narrative=narrative,
                force=force_workbook,
                force_narrative=force_narrative,
                fonts=fonts,
                progress=progress,
                cancelled=cancelled,
            )
            spec, carry = made.spec, made.carry
            return TemplateResult(
                workbook=workbook,
                narrative=narrative,
                year=year,
                format_label=f"{spec.format_version} 版格式，{spec.notice}",
                carried=tuple(describe(spec, carry)) if carry else (),
                notes=carry.notes if carry else (),
                previous=previous,
            )

        self.jobs.started()
        self._show_jobs()
        job = self.run_job(work, "生成填报表", self._generated)
        job.finished.connect(self._job_finished)

    def _job_finished(self) -> None:
        self.jobs.ended()
        self._show_jobs()

    def _show_jobs(self) -> None:
        """Show what the controller says of the build: the status line and the 生成 button."""
        self.generate_button.setEnabled(self.jobs.generate_enabled)
        self.status.setText(self.jobs.status_text)

    def _generated(self, result: TemplateResult) -> None:
        self.jobs.generated()
        self._result = result
        # This page's own fields only: 设置's default output folder is changed in 设置 alone.
        remembered = self.remembered
        remembered.set("unit", self.unit_edit.text().strip())
        remembered.set("kind", self.kind())
        remembered.set("year", result.year)
        remembered.set("folder", result.workbook.parent)
        self.settings.add_recent("workbook", result.workbook)
        self._show_result(result)
        self._show_jobs()
        self.file_opened.emit(result.workbook)

    def _show_result(self, result: TemplateResult) -> None:
        spec = spec_for_year(result.year)
        lines = [
            f"<b>已生成 {result.year} 年度填报表</b>（{escape(result.format_label)}）",
            f"填报表：{escape(str(result.workbook))}",
        ]
        if result.narrative is not None:
            lines.append(f"正文模板：{escape(str(result.narrative))}")
        if result.carried:
            lines.append(
                "已按上年填报表预填（仍可修改）："
                + "；".join(escape(line) for line in result.carried)
            )
        elif result.previous is not None:
            lines.append("没有按上年填报表预填数字。")
        text = "<br>".join(lines) + _notes_html(result.notes, spec.severity_labels)
        text += (
            "<br><br>下一步：在 WPS 或 Excel 中填写浅黄色单元格并保存；"
            + ("在正文模板中撰写报告正文；" if result.narrative else "")
            + "然后点“填好后去校验”。"
        )
        self.result_label.setText(text)
        self.open_narrative_button.setVisible(result.narrative is not None)
        self.result_panel.show()
        self.open_workbook_button.setFocus()
        # Once laid out, scroll the result into view when the notes made the page taller.
        QTimer.singleShot(0, lambda: self._scroll.ensureWidgetVisible(self.result_panel, 0, 0))

    # -- after generating -----------------------------------------------------------------------
    def _open(self, what: str) -> None:
        result = self._result
        if result is None:
            return
        path = {
            "workbook": result.workbook,
            "narrative": result.narrative,
            "folder": result.workbook.parent,
        }[what]
        if path is not None:
            dialogs.open_path(self, path)

    def go_check(self) -> None:
        """Switch to 校验 with the workbook just written."""
        page = self.window_.go("check")
        if self._result is not None and hasattr(page, "show_workbook"):
            page.show_workbook(self._result.workbook)


def _buddy(text: str, widget: QWidget) -> QLabel:
    """Return a form label whose mnemonic (Alt+letter) moves the focus to ``widget``."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label
