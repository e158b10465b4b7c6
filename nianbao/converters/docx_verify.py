"""Reading a written report back: every table number must be where the workbook says.

The check is independent of the writer: it parses the saved file's XML, rebuilds each table's
grid from gridSpan/vMerge, and compares the cell at each value's layout position (from the spec)
with the text the data asks for. A mismatch fails the export; a report is never silently wrong.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from nianbao.errors import ExportError

from .document import ReportDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _cell_text(tc: ET.Element) -> str:
    return "\n".join(
        "".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p")
    ).strip()


def read_docx_tables(path: str | Path) -> list[list[list[str]]]:
    """Return each top-level table of a .docx as a grid of texts (merged areas repeat the text)."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("word/document.xml"))
    body = root.find(f"{W}body")
    grids: list[list[list[str]]] = []
    for tbl in body.findall(f"{W}tbl") if body is not None else ():
        grid: list[list[str]] = []
        for r, tr in enumerate(tbl.findall(f"{W}tr")):
            row: list[str] = []
            for tc in tr.findall(f"{W}tc"):
                pr = tc.find(f"{W}tcPr")
                span, merge = 1, None
                if pr is not None:
                    gs = pr.find(f"{W}gridSpan")
                    span = int(gs.get(f"{W}val", "1")) if gs is not None else 1
                    vm = pr.find(f"{W}vMerge")
                    if vm is not None:
                        merge = vm.get(f"{W}val", "continue")
                col = len(row)
                if merge == "continue" and r > 0 and col < len(grid[r - 1]):
                    text = grid[r - 1][col]
                else:
                    text = _cell_text(tc)
                row.extend([text] * span)
            grid.append(row)
        grids.append(grid)
    return grids


def table_mismatches(doc: ReportDocument, grids: list[list[list[str]]]) -> list[str]:
    """Return a description of every table value the grids do not show as ``doc.values`` says."""
    problems: list[str] = []
    tables = [s.table for s in doc.sections if s.table is not None]
    if len(grids) != len(tables):
        return [f"文件中有 {len(grids)} 张表格，应为 {len(tables)} 张"]
    for grid, table in zip(grids, tables, strict=True):
        for cell in table.cells:
            if cell.key is None:
                continue
            want = doc.values.get(cell.key, "")
            try:
                got = grid[cell.row][cell.col]
            except IndexError:
                problems.append(f"{cell.key} 不在表格中")
                continue
            if got != want:
                problems.append(f"{cell.key}：应为“{want}”，文件中为“{got}”")
    return problems


def check_tables(doc: ReportDocument, grids: list[list[list[str]]], what: str) -> None:
    """Raise ExportError unless the tables read back from a written file show ``doc.values``."""
    problems = table_mismatches(doc, grids)
    if problems:
        shown = "；".join(problems[:5]) + ("……" if len(problems) > 5 else "")
        raise ExportError(
            f"导出的{what}与填报表数据不一致（{len(problems)} 处：{shown}），没有保存。",
            "这是年报助手的错误，请把填报表发给维护人员。",
        )


def verify_docx(path: str | Path, doc: ReportDocument) -> None:
    """Raise ExportError unless the .docx at ``path`` shows every table value of ``doc``."""
    check_tables(doc, read_docx_tables(path), "Word 文件")
