"""What changed between two versions of one unit's workbook, each read and checked (``nianbao
diff`` and the 校验 page's 与另一版本比较 read them in ``services.diff``; the rollup compares a
unit's revisions).

Two files are compared by what they hold, not by their bytes: a workbook LibreOffice or WPS saved
again (new cached values, another zip order, styles rewritten) with the same entries is identical.
What is compared is what the reader takes from a workbook: every input cell of the official
tables (its number, or the text typed in it), the computed cells' content (a formula, or a number
typed over it), 基本信息 and the 正文 sheet's texts; and each side gets its verdict. Cells are
named by their official table, row and column; 正文 changes are shown as a short excerpt.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from nianbao.files import file_sha256
from nianbao.workbook_templates.layout import (
    RECORD_VALUE_COL,
    a1,
    display_ref,
    info_ref,
    text_row,
)
from nianbao.workbook_templates.reader import CellRead, FilledWorkbook, TotalRead
from nianbao.workbook_templates.spec import CellKey, FormatSpec, Severity

from .findings import Report
from .text_report import summary_line

_EXCERPT = 24  # characters of a 正文 change shown on each side of it
_SHOWN_FINDINGS = 20  # problems listed per side (new or fixed)


@dataclass(frozen=True)
class Side:
    """One of the two files: where it is, its content's digest and its verdict."""

    path: Path
    sha256: str
    unit: str
    year: int
    format_version: str
    valid: bool
    counts: dict[Severity, int]
    verdict: str  # "✓ 通过（错误 0 项，……）", as ``check`` says it

    def to_dict(self) -> dict:
        return {
            "file": str(self.path),
            "sha256": self.sha256,
            "unit": self.unit,
            "year": self.year,
            "format_version": self.format_version,
            "valid": self.valid,
            "counts": {s.value: n for s, n in self.counts.items()},
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class CellChange:
    """An input cell (or a computed cell's content) that differs, named as the tables name it."""

    key: CellKey
    cell: str  # 表三!D8
    table: str
    row: str
    column: str
    old: str
    new: str
    computed: bool = False  # a total: what is compared is its formula or the number over it

    def to_dict(self) -> dict:
        return {
            "table_code": self.key.table,
            "row_code": self.key.row,
            "col_code": self.key.col,
            "cell": self.cell,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "old": self.old,
            "new": self.new,
            "computed": self.computed,
        }


@dataclass(frozen=True)
class FieldChange:
    """A 基本信息 field or a 正文 text that differs: its label, cell and the two sides (for a
    text, a short excerpt around the first change)."""

    code: str
    label: str
    cell: str
    old: str
    new: str

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "cell": self.cell,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class Comparison:
    """Everything that differs between an older and a newer version of a workbook."""

    old: Side
    new: Side
    cells: tuple[CellChange, ...] = ()
    info: tuple[FieldChange, ...] = ()
    texts: tuple[FieldChange, ...] = ()
    fixed: tuple[str, ...] = ()  # problems of the old version the new one no longer has
    added: tuple[str, ...] = ()  # problems only the new version has
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. the formats differ

    @property
    def identical(self) -> bool:
        """Return True when both hold the same content (the bytes may differ)."""
        return not (self.cells or self.info or self.texts or self.notes)

    def to_dict(self) -> dict:
        return {
            "identical": self.identical,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "cells": [c.to_dict() for c in self.cells],
            "info": [c.to_dict() for c in self.info],
            "texts": [c.to_dict() for c in self.texts],
            "fixed": list(self.fixed),
            "added": list(self.added),
            "notes": list(self.notes),
        }


def _side(wb: FilledWorkbook, report: Report) -> Side:
    return Side(
        path=wb.path,
        sha256=file_sha256(wb.path),
        unit=wb.unit,
        year=wb.year,
        format_version=wb.spec.format_version,
        valid=report.valid,
        counts=report.counts,
        verdict=summary_line(report),
    )


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _input_text(cell: CellRead | None) -> str:
    """Return what an input cell holds, as it is shown in a change: its number, the text typed
    in it (in quotes), a formula, or 空白."""
    if cell is None or cell.status == "blank":
        return "空白"
    if cell.status == "formula":
        return f"公式 ={cell.formula}"
    if cell.status == "ok" and cell.value is not None:
        return _number(cell.value)
    return f"“{cell.text}”"


def _total_text(total: TotalRead | None) -> str:
    """Return a computed cell's content: 公式 (its own formula is the normal case), the number
    typed over it, or 空白."""
    if total is None or total.blank:
        return "空白"
    if total.formula is not None:
        return f"公式 ={total.formula}"
    if total.constant is not None:
        return f"填入的数字 {_number(total.constant)}"
    return f"“{total.text}”"


def _cell_changes(spec: FormatSpec, old: FilledWorkbook, new: FilledWorkbook) -> list[CellChange]:
    out = []
    for table in spec.tables:
        for block in table.blocks:
            for row in block.rows:
                for column in block.columns:
                    key = CellKey(table.code, row.code, column.code)
                    if key in new.cells or key in old.cells:
                        before = _input_text(old.cells.get(key))
                        after = _input_text(new.cells.get(key))
                        computed = False
                    elif key in new.totals or key in old.totals:
                        before = _total_text(old.totals.get(key))
                        after = _total_text(new.totals.get(key))
                        computed = True
                    else:
                        continue
                    if before == after:
                        continue
                    out.append(
                        CellChange(
                            key,
                            display_ref(spec, key),
                            table.name,
                            row.name,
                            column.name,
                            before,
                            after,
                            computed,
                        )
                    )
    return out


def excerpts(old: str, new: str, width: int = _EXCERPT) -> tuple[str, str]:
    """Return each side of the first place two texts differ, with ``width`` characters of the
    text around it (… where cut)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    opcodes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not opcodes:
        return old, new
    _, i1, i2, j1, j2 = opcodes[0]
    _, _, last_i2, _, last_j2 = opcodes[-1]
    if last_i2 - i1 <= 3 * width and last_j2 - j1 <= 3 * width:
        i2, j2 = last_i2, last_j2  # several small edits close together: show them at once

    def cut(text: str, a: int, b: int) -> str:
        start, end = max(0, a - width), min(len(text), b + width)
        middle = text[start:end]
        if end - start > 4 * width:  # a long insertion: its start and end
            middle = text[start : start + 2 * width] + "……" + text[end - width : end]
        return ("…" if start > 0 else "") + middle + ("…" if end < len(text) else "")

    return cut(old, i1, i2) or "（无）", cut(new, j1, j2) or "（无）"


def _field_changes(spec: FormatSpec, old: FilledWorkbook, new: FilledWorkbook):
    info = []
    for f in spec.info_fields:
        before, after = old.info.get(f.code, "").strip(), new.info.get(f.code, "").strip()
        if before != after:
            ref = f"{spec.sheets.info}!{info_ref(spec, f.code, with_sheet=False)}"
            info.append(FieldChange(f.code, f.label, ref, before or "空白", after or "空白"))
    texts = []
    for cell in spec.text_cells:
        before, after = old.texts.get(cell.code, ""), new.texts.get(cell.code, "")
        if before.strip() == after.strip():
            continue
        if before.strip() and after.strip():
            a, b = excerpts(before, after)
        else:  # written or cleared: its beginning
            a, b = _short(before), _short(after)
        ref = f"{spec.sheets.text}!{a1(text_row(spec, cell.code), RECORD_VALUE_COL)}"
        texts.append(FieldChange(cell.code, cell.label, ref, a or "空白", b or "空白"))
    return info, texts


def _short(text: str, width: int = 2 * _EXCERPT) -> str:
    text = text.strip()
    return text if len(text) <= width else text[:width] + "……"


def _problems(report: Report) -> dict[tuple, str]:
    """Return a report's problems (those no other explains), keyed by rule and place."""
    out = {}
    for f in report.roots():
        place = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.sheet
        out[(f.rule, f.sheet, f.cell, f.row)] = " ".join(
            filter(None, (f"[{f.rule}]", place, f.message))
        )
    return out


def compare(
    old: FilledWorkbook, old_report: Report, new: FilledWorkbook, new_report: Report
) -> Comparison:
    """Return what differs between two read workbooks with their reports."""
    notes = []
    if old.spec.format_version != new.spec.format_version:
        notes.append(
            f"两个文件的格式版本不同（{old.spec.label} → {new.spec.label}），无法逐格比较表格，"
            "只比较基本信息和正文。"
        )
        cells: list[CellChange] = []
    else:
        cells = _cell_changes(new.spec, old, new)
    info, texts = _field_changes(new.spec, old, new)
    before, after = _problems(old_report), _problems(new_report)
    fixed = tuple(text for key, text in before.items() if key not in after)
    added = tuple(text for key, text in after.items() if key not in before)
    return Comparison(
        _side(old, old_report),
        _side(new, new_report),
        tuple(cells),
        tuple(info),
        tuple(texts),
        fixed[:_SHOWN_FINDINGS],
        added[:_SHOWN_FINDINGS],
        tuple(notes),
    )


def change_line(change: CellChange | FieldChange, quoted: bool = False) -> str:
    """Return one change as every view words it: where, what, old → new (a 正文 excerpt
    ``quoted``)."""
    if isinstance(change, CellChange):
        what = "（合计格的内容）" if change.computed else ""
        name = f"{change.table}「{change.row}」「{change.column}」{what}"
        return f"{change.cell} {name}：{change.old} → {change.new}"
    old, new = (f"“{change.old}”", f"“{change.new}”") if quoted else (change.old, change.new)
    return f"{change.cell} {change.label}：{old} → {new}"


def change_lines(c: Comparison) -> list[str]:
    """Return every change of a comparison, one a line (then its notes)."""
    lines = [change_line(ch) for ch in c.cells] + [change_line(ch) for ch in c.info]
    return lines + [change_line(ch, quoted=True) for ch in c.texts] + list(c.notes)


def comparison_lines(c: Comparison) -> list[str]:
    """Return the comparison in Chinese, as ``nianbao diff`` prints it and the 校验 page shows
    it."""
    lines = [
        f"旧版本：{c.old.path}",
        f"  {c.old.verdict}    SHA-256 {c.old.sha256[:16]}…",
        f"新版本：{c.new.path}",
        f"  {c.new.verdict}    SHA-256 {c.new.sha256[:16]}…",
        "",
    ]
    if c.identical:
        same = (
            "两个文件完全相同" if c.old.sha256 == c.new.sha256 else "文件不同（另存过），但内容相同"
        )
        lines.append(f"结论：内容相同。{same}：表格、基本信息和正文没有任何改动。")
        return lines
    count = len(c.cells) + len(c.info) + len(c.texts)
    lines.append(f"结论：有 {count} 处改动。" if count else "结论：有改动。")
    lines.extend(f"注意：{note}" for note in c.notes)
    parts: tuple[tuple[str, tuple[CellChange | FieldChange, ...], bool], ...] = (
        ("表格", c.cells, False),
        ("基本信息", c.info, False),
        ("正文", c.texts, True),
    )
    for title, changes, quoted in parts:
        if changes:
            lines.append(f"{title}（{len(changes)} 处）：")
            lines.extend(f"  {change_line(ch, quoted)}" for ch in changes)
    if c.fixed:
        lines.append(f"新版本已改正的问题（{len(c.fixed)}）：")
        lines.extend(f"  {text}" for text in c.fixed)
    if c.added:
        lines.append(f"新版本新出现的问题（{len(c.added)}）：")
        lines.extend(f"  {text}" for text in c.added)
    return lines
