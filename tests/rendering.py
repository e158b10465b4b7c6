"""What LibreOffice prints of a workbook we write: the PDF, its page images, and the text of each
column of a sheet's table as printed, for tests that a wrapped cell is shown whole.

LibreOffice prints a wrapped cell only as far as its row is tall: the lines below are not in the
PDF. So the text printed inside a column, read top to bottom, holds a cell's whole text exactly
when its row is tall enough. Columns are told apart by where their left-aligned headings start.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .pdf_geometry import XHTML
from .report_forms import soffice

SAME_LINE_PT = 2.0


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float


def to_pdf(xlsx: Path, folder: Path) -> Path:
    """Return the PDF LibreOffice Calc prints of a workbook (every sheet, its page setup)."""
    folder.mkdir(parents=True, exist_ok=True)
    soffice("--convert-to", "pdf", str(xlsx), cwd=folder)
    return folder / (xlsx.stem + ".pdf")


def to_png(pdf: Path, prefix: Path, *, first: int = 1, last: int = 1, dpi: int = 110) -> list[Path]:
    """Return page images of ``pdf`` (pdftoppm), to look at."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(pdf), prefix],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def page_texts(pdf: Path) -> list[str]:
    """Return the text of each page (pdftotext -layout)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


def words(pdf: Path, first: int = 1, last: int | None = None) -> list[Word]:
    """Return the printed words of pages ``first`` to ``last`` with their boxes (points)."""
    args = ["pdftotext", "-bbox", "-f", str(first)] + (["-l", str(last)] if last else [])
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True).stdout
    found = []
    for n, page in enumerate(ET.fromstring(out).iter(f"{XHTML}page"), first):
        for w in page.iter(f"{XHTML}word"):
            text = (w.text or "").strip()
            if text:
                found.append(
                    Word(n, text, float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")))
                )
    return found


def squeeze(text: str) -> str:
    """Return text without white space (how it is compared with what was printed)."""
    return re.sub(r"\s+", "", text)


def column_texts(found: list[Word], headings: list[str]) -> dict[str, str]:
    """Return, for each heading, the text printed below it in its column, top to bottom and
    page by page, without white space. A heading row must be printed on every page used."""
    columns: dict[str, list[str]] = {h: [] for h in headings}
    for page in sorted({w.page for w in found}):
        on_page = sorted((w for w in found if w.page == page), key=lambda w: (w.y_min, w.x_min))
        starts = _heading_starts(on_page, headings)
        assert starts is not None, f"page {page} has no heading row {headings}"
        top, lefts = starts
        bounds = [*lefts, float("inf")]
        lines = _lines([w for w in on_page if w.y_min > top + SAME_LINE_PT])
        for line in lines:
            for w in line:
                for i, h in enumerate(headings):
                    if bounds[i] - SAME_LINE_PT <= w.x_min < bounds[i + 1] - SAME_LINE_PT:
                        columns[h].append(w.text)
    return {h: "".join(parts) for h, parts in columns.items()}


def _lines(found: list[Word]) -> list[list[Word]]:
    lines: list[list[Word]] = []
    for w in found:
        if lines and abs(lines[-1][0].y_min - w.y_min) <= SAME_LINE_PT:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x_min) for line in lines]


def _heading_starts(found: list[Word], headings: list[str]) -> tuple[float, list[float]] | None:
    """Return the heading row's top and where each heading starts, or None."""
    for line in _lines(found):
        lefts, i, text, start = [], 0, "", None
        for w in line:
            if i == len(headings):
                break
            if start is None:
                start = w.x_min
            text += w.text
            if text == headings[i]:
                lefts.append(start)
                i, text, start = i + 1, "", None
            elif not headings[i].startswith(text):
                break
        if i == len(headings):
            return line[0].y_min, lefts
    return None
