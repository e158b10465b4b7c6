"""What the county sends back to units (退回清单 and the annotated copies), as the unit sees it:
printed by LibreOffice, every wrapped cell whole; 序号 numbers; the roster's contact for each
unit; units that sent nothing first; comment boxes sized to their text and apart; no path of
the county office's computer in any file that leaves it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nianbao.county.model import RollupRequest, Status
from nianbao.county.returns import LIST_NAME
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import spec_for_year

from .county import County, make_county
from .rendering import column_texts, squeeze, to_pdf, to_png, words
from .workbook_edit import edit_workbook

TYPED_CELLS = 16  # a unit that typed "N件" into this many cells: more problems than a row holds


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    county = make_county(tmp_path_factory.mktemp("county"))
    # One more unit types its numbers with 件: many problems, each a long line.
    spec = spec_for_year(county.year)
    unit = next(u for u in county.units[1:] if u not in county.broken and u in county.files)
    lay = L.table_layout(spec.table("t3"))
    keys = [k for k in input_keys(spec) if k.table == "t3"][:TYPED_CELLS]
    cells = {
        f"表三!{L.a1(lay.cell(k).row, lay.cell(k).col)}": f"{i + 1}件" for i, k in enumerate(keys)
    }
    path = county.files[unit][-1]
    edit_workbook(path, path, cells)
    county.broken[unit] = "V-TEXT"
    return county


@pytest.fixture(scope="module")
def returned(county: County, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    request = RollupRequest(
        inputs=(county.inbox,),
        output=out / "汇总.xlsx",
        roster=read_roster(county.roster),
        unit="青禾县人民政府办公室",
        returns=out / "退回",
    )
    return rollup(request), out


def _list_rows(folder: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(folder / LIST_NAME).active
    heading = [c.value for c in ws[3]]
    return [
        dict(zip(heading, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)
    ]


def test_returns_list_numbers_its_rows_and_names_each_units_contact(county, returned):
    _, out = returned
    rows = _list_rows(out / "退回")
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))  # numbers, not text
    roster = {u.name: u for u in read_roster(county.roster).units}
    for r in rows:
        unit = roster[r["单位名称"]]
        assert (r["联系人"], r["联系电话"]) == (unit.person, unit.phone)
        assert r["联系人"] and r["联系电话"]


def test_returns_list_puts_units_that_sent_nothing_first_then_by_status(county, returned):
    result, out = returned
    rows = _list_rows(out / "退回")
    names = [r["单位名称"] for r in rows]
    assert names[: len(county.missing)] == county.missing  # in roster order
    assert {r["状态"] for r in rows[: len(county.missing)]} == {"未报送"}
    rest = names[len(county.missing) :]
    units = {u.name: u for u in result.units}
    order = [Status.ERRORS, Status.UNREADABLE]
    keys = [(order.index(units[n].status), county.units.index(n)) for n in rest]
    assert keys == sorted(keys)  # by status, then roster order (a stable sort)


def _printed(pdf: Path, headings: list[str], pages: tuple[int, int] = (1, 1)) -> dict[str, str]:
    return column_texts(words(pdf, *pages), headings)


def test_returns_list_shows_every_problem_and_action_whole_in_libreoffice(
    libreoffice_ok, county, returned, tmp_path
):
    _, out = returned
    pdf = to_pdf(out / "退回" / LIST_NAME, tmp_path)
    to_png(pdf, tmp_path / "list")
    ws = openpyxl.load_workbook(out / "退回" / LIST_NAME).active
    headings = [c.value for c in ws[3]]
    printed = _printed(pdf, headings)
    long_cells = 0
    for row in ws.iter_rows(min_row=4):
        for heading, cell in zip(headings, row, strict=True):
            text = squeeze(str(cell.value or ""))
            assert text in printed[heading], (heading, cell.coordinate, text[-20:])
            long_cells += len(text) > 60
    assert long_cells >= 3
    typed = next(
        r
        for r in _list_rows(out / "退回")
        if r["单位名称"] in county.broken and "件" in r["问题（错误）"]
    )
    assert "详见批注副本" in typed["问题（错误）"]  # more than a row holds: the rest is in the copy


def test_annotated_copy_results_show_every_problem_whole_in_libreoffice(
    libreoffice_ok, county, returned, tmp_path
):
    _, out = returned
    unit = next(u for u, kind in county.broken.items() if kind == "V-TEXT")
    copy = out / "退回" / f"{unit}-批注.xlsx"
    pdf = to_pdf(copy, tmp_path)
    to_png(pdf, tmp_path / "results")
    ws = openpyxl.load_workbook(copy)["校验结果"]
    headings = [c.value for c in ws[3]]
    rows = [r for r in ws.iter_rows(min_row=4) if r[4].value]
    pages = 1
    while (
        pages < 5
        and squeeze(str(rows[-1][5].value)) not in _printed(pdf, headings, (1, pages))["怎么改"]
    ):
        pages += 1
    printed = _printed(pdf, headings, (1, pages))
    for row in rows:
        for c in (4, 5):
            text = squeeze(str(row[c].value))
            assert text in printed[headings[c]], (row[c].coordinate, text[-20:])
    assert len(rows) >= TYPED_CELLS


def _anchors(xlsx: Path) -> list[tuple[int, ...]]:
    """Return the anchor (col, dx, row, dy, col2, dx2, row2, dy2) of every comment box."""
    found = []
    with zipfile.ZipFile(xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/drawings/vmlDrawing"):
                xml = z.read(name).decode()
                found.append(
                    [
                        tuple(int(x) for x in a.split(","))
                        for a in re.findall(r"<x:Anchor>([^<]+)</x:Anchor>", xml)
                    ]
                )
    return found


def _overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    left_a, top_a, right_a, bottom_a = (a[0], a[1]), (a[2], a[3]), (a[4], a[5]), (a[6], a[7])
    left_b, top_b, right_b, bottom_b = (b[0], b[1]), (b[2], b[3]), (b[4], b[5]), (b[6], b[7])
    return left_a < right_b and left_b < right_a and top_a < bottom_b and top_b < bottom_a


def test_comment_boxes_fit_their_text_and_never_cover_one_another(county, returned):
    _, out = returned
    unit = next(u for u, kind in county.broken.items() if kind == "V-TEXT")
    copy = out / "退回" / f"{unit}-批注.xlsx"
    sheets = _anchors(copy)
    assert sum(len(s) for s in sheets) >= TYPED_CELLS
    for anchors in sheets:
        assert len(set(anchors)) == len(anchors)
        for i, a in enumerate(anchors):
            for b in anchors[i + 1 :]:
                assert not _overlap(a, b), (a, b)
    with zipfile.ZipFile(copy) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    sizes = set(re.findall(r"width:([\d.]+)pt;height:([\d.]+)pt", vml))
    assert len(sizes) > 1  # sized to each text, not one fixed box


def test_no_file_sent_out_holds_a_path_of_this_computer(county, returned, tmp_path):
    """Every file that leaves the office (the copies, the list, the summary; a copy made by
    check --annotate) names files by their names only, never by where they lie here."""
    from .test_cli import nianbao

    result, out = returned
    unit = next(u for u, kind in county.broken.items() if kind == "V-BLANK")
    single = tmp_path / "单个-批注.xlsx"
    nianbao("check", county.files[unit][0], "--annotate", single)
    outputs = [*result.returns, result.output, single]
    assert len(outputs) >= 6
    here = {str(county.folder), str(out), str(tmp_path), str(Path.home())}
    here |= {p.replace("/", "\\") for p in here}
    for path in outputs:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                data = z.read(name).decode("utf-8", "replace")
                for folder in here:
                    assert folder not in data, (path.name, name, folder)
