"""The 设置 dialog: the default output folder (changed here and nowhere else), the local rule
pack the window's check, report and rollup apply, and the fonts used in Word reports."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .settings import Settings
from .widgets import PathField


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        from nianbao.converters.word_styles import FONT_ROLES, FontSet

        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("设置")
        layout = QVBoxLayout(self)

        form = QFormLayout()
        self.output = PathField("不填：保存在所选文件旁边", folder=True, settings=settings)
        self.output.set_path(settings.output_dir)
        form.addRow("默认输出文件夹：", self.output)
        self.rules = PathField(
            "不填：只按年报格式的规则校验",
            suffixes=(".toml",),
            filter_text="本地规则 (*.toml)",
            settings=settings,
        )
        self.rules.set_path(settings.rules_file)
        self.rules.setToolTip(
            "本地规则文件（.toml）：字数上限、必须写明的内容、表格数字的上限、改变某条规则的"
            "严重程度。对校验、生成报告和汇总都生效；写法见使用说明和示例-本地规则.toml。"
        )
        form.addRow("本地规则文件：", self.rules)
        layout.addLayout(form)
        self.refused = QLabel(self)  # why a dropped file was not taken (a folder is wanted)
        self.refused.setWordWrap(True)
        self.refused.setStyleSheet("color: #b3261e;")
        self.refused.hide()
        self.output.refused.connect(self._refused)
        self.rules.refused.connect(self._refused)
        layout.addWidget(self.refused)

        fonts = QGroupBox("Word 报告的字体", self)
        font_form = QFormLayout(fonts)
        self.font_set = QComboBox(fonts)
        self.font_set.addItem(
            "公文标准字体（方正小标宋简体、仿宋_GB2312、楷体_GB2312）", "standard"
        )
        self.font_set.addItem("常用字体（宋体、仿宋、楷体：电脑上没有公文字体时）", "common")
        self.font_set.setCurrentIndex(0 if settings.font_set == "standard" else 1)
        font_form.addRow("字体方案：", self.font_set)
        overrides = settings.font_overrides
        defaults = FontSet()
        self.role_edits: dict[str, QLineEdit] = {}
        for role, label in FONT_ROLES.items():
            edit = QLineEdit(overrides.get(role, ""), fonts)
            edit.setPlaceholderText(f"按方案（{getattr(defaults, role, '')}）")
            font_form.addRow(f"{label}：", edit)
            self.role_edits[role] = edit
        layout.addWidget(fonts)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _refused(self, message: str) -> None:
        self.refused.setText(message)
        self.refused.show()

    def accept(self) -> None:
        rules = self.rules.path()
        if rules is not None:  # a pack that cannot be used is said here, the dialog stays open
            from nianbao.errors import NianbaoError
            from nianbao.workbook_templates.rule_packs import load_rule_pack

            try:
                load_rule_pack(rules)
            except NianbaoError as exc:
                self._refused(f"{exc.message}\n{exc.action}")
                return
        self.settings.output_dir = self.output.path()
        self.settings.rules_file = rules
        self.settings.font_set = self.font_set.currentData()
        self.settings.font_overrides = {
            role: edit.text().strip() for role, edit in self.role_edits.items()
        }
        super().accept()
