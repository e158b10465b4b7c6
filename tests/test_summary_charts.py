"""The summary's 图表 sheet: every included unit is a labelled bar, in as many charts as it takes.

A county or city with more units than one chart can label (``CHART_UNITS``) gets several
charts, each titled with the units it shows; no unit is left out and no label is skipped.
(What LibreOffice prints of them: tests/test_rollup_print.py.)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as ET

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.summary import BAR_HEIGHT, CHART_UNITS, chart_parts
from nianbao.workbook_templates.loader import spec_for_year

from .county import _mw

SUMMARY = spec_for_year(2025).summary
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DEFAULT_ROW_PX = 20  # the 图表 sheet's rows below its title keep Excel's default height


@dataclass(frozen=True)
class BarChart:
    title: str
    categories: list[str]  # the unit names its category range points at, in order
    label_skip: int | None  # c:tickLblSkip of its category axis (None: the program decides)
    rows: int  # sheet rows the chart spans (its height)


def chart_rows_and_page_breaks(xlsx: Path) -> tuple[list[tuple[int, int]], list[int]]:
    """Return the first and last sheet row (0-based) of every chart on the 图表 sheet, and the
    rows its manual page breaks put at the top of a printed page."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    pkg_rel = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    with zipfile.ZipFile(xlsx) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rid = next(
            s.get(f"{REL}id")
            for s in book.iter(f"{main}sheet")
            if s.get("name") == SUMMARY.chart_sheet
        )
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        part = "xl/" + next(r.get("Target") for r in rels if r.get("Id") == rid)
        sheet = ET.fromstring(z.read(part))
        # xlsxwriter's <brk id="n"> ends a page after 0-based row n - 1: row n starts the next.
        breaks = [int(b.get("id")) for b in sheet.iterfind(f"{main}rowBreaks/{main}brk")]
        sheet_rels = ET.fromstring(
            z.read(part.replace("worksheets/", "worksheets/_rels/") + ".rels")
        )
        drawing = next(r.get("Target") for r in sheet_rels.iter(f"{pkg_rel}Relationship"))
        anchors = ET.fromstring(z.read("xl/" + drawing.removeprefix("../")))
        spans = [
            (int(a.find(f"{XDR}from/{XDR}row").text), int(a.find(f"{XDR}to/{XDR}row").text))
            for a in anchors.iter(f"{XDR}twoCellAnchor")
        ]
    return spans, breaks


def _cell_range(ref: str) -> tuple[str, int, int]:
    sheet, cells = ref.rsplit("!", 1)
    m = re.fullmatch(r"\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", cells)
    assert m and m[1] == m[3], ref
    return sheet.strip("'"), int(m[2]), int(m[4])


def bar_charts(xlsx: Path) -> list[BarChart]:
    """Return the workbook's bar charts in the order they are placed on the 图表 sheet."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    sheet = book[SUMMARY.chart_sheet]
    column_a = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    book.close()
    found = []
    with zipfile.ZipFile(xlsx) as z:
        (drawing,) = [n for n in z.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
        rels = ET.fromstring(z.read(drawing.replace("drawings/", "drawings/_rels/") + ".rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for anchor in ET.fromstring(z.read(drawing)).iter(f"{XDR}twoCellAnchor"):
            rows = int(anchor.find(f"{XDR}to/{XDR}row").text) - int(
                anchor.find(f"{XDR}from/{XDR}row").text
            )
            rid = anchor.find(f".//{C}chart").get(f"{REL}id")
            chart = ET.fromstring(z.read("xl/" + targets[rid].removeprefix("../")))
            if chart.find(f".//{C}barChart") is None:
                continue
            title = "".join(t.text for t in chart.find(f"{C}chart/{C}title").iter(f"{A}t"))
            refs = {f.text for f in chart.iterfind(f".//{C}ser/{C}cat//{C}f")}
            assert len(refs) == 1, refs  # every series of a chart shows the same units
            name, first, last = _cell_range(refs.pop())
            assert name == SUMMARY.chart_sheet
            skip = chart.find(f".//{C}catAx/{C}tickLblSkip")
            found.append(
                BarChart(
                    title,
                    column_a[first - 1 : last],
                    None if skip is None else int(skip.get("val")),
                    rows,
                )
            )
    return found


@pytest.mark.parametrize("units", [1, 11, CHART_UNITS, CHART_UNITS + 1, 60, 100, 150, 1001])
def test_chart_parts_hold_every_unit_once_in_charts_of_at_most_chart_units(units):
    parts = chart_parts(units)
    assert [i for part in parts for i in part] == list(range(units))
    assert all(0 < len(part) <= CHART_UNITS for part in parts)
    assert len(parts) == -(-units // CHART_UNITS)  # no more charts than needed
    assert max(map(len, parts)) - min(map(len, parts)) <= 1  # as equal as can be


def test_no_units_no_charts():
    assert chart_parts(0) == []


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A city's rollup of 150 units (第1镇人民政府 … 第150镇人民政府)."""
    folder = tmp_path_factory.mktemp("many")
    _mw.make_workbooks(folder / "in", 150)
    return rollup(
        RollupRequest(inputs=(folder / "in",), output=folder / "汇总.xlsx", unit="青禾市人民政府")
    )


@pytest.mark.slow
def test_every_unit_is_a_labelled_bar_of_one_chart_of_each_kind(many):
    names = [u.name for u in many.included]
    assert len(names) == 150
    charts = bar_charts(many.output)
    by_kind = {
        kind: [c for c in charts if c.title.startswith(kind)]
        for kind in (SUMMARY.chart_by_unit_title, SUMMARY.chart_appeals_title)
    }
    assert sum(map(len, by_kind.values())) == len(charts)
    for kind, kind_charts in by_kind.items():
        assert len(kind_charts) == 3, kind  # 150 units: three charts of 50
        assert [n for c in kind_charts for n in c.categories] == names, kind
        first = 1
        for c in kind_charts:
            last = first + len(c.categories) - 1
            assert c.title == SUMMARY.chart_part_title.format(
                title=kind, first=first, last=last, count=150
            )
            assert c.label_skip == 1  # every bar labelled, however crowded
            assert c.rows * DEFAULT_ROW_PX >= BAR_HEIGHT * len(c.categories)
            first = last + 1


@pytest.mark.slow
def test_no_chart_is_cut_by_a_printed_page_break(many):
    spans, breaks = chart_rows_and_page_breaks(many.output)
    assert len(spans) == 7  # 3 + 3 bar charts and the pie
    assert breaks  # 150 units' charts take several pages
    for first, last in spans:
        assert not [b for b in breaks if first < b <= last], (first, last, breaks)
    assert all(any(first == b for first, _ in spans) for b in breaks)  # each page starts a chart
