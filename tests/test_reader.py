"""Reading filled workbooks back: numbers typed many ways, formulas, stamps, foreign files."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest

from nianbao.errors import ForeignWorkbookError, UnsupportedFormatError
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.compute import computed_cells
from nianbao.workbook_templates.formulas import evaluate_formula, formula_cells
from nianbao.workbook_templates.values import normalize_label, parse_number_text
from nianbao.workbook_templates.xlsx_reader import open_xlsx, shift_formula

from .workbook_edit import edit_workbook


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", "12"),
        (" 12 ", "12"),
        ("１２", "12"),
        ("1,036", "1036"),
        ("１，０３６", "1036"),
        ("+1036", "1036"),
        ("-3", "-3"),
        ("0.38", "0.38"),
        ("　7\u00a0", "7"),
        ("1 000", "1000"),
    ],
)
def test_number_text_is_understood(text, number):
    assert parse_number_text(text) == Decimal(number)


@pytest.mark.parametrize("text", ["", "十二", "12件", "1,2", "1.2.3", "--1", "N/A", "0.38万元"])
def test_non_numbers_are_not_guessed(text):
    assert parse_number_text(text) is None


def test_labels_compare_across_width_quotes_and_spaces():
    assert normalize_label("3.危及“三安全一稳定”") == normalize_label('3.危及"三安全一稳定"')
    assert normalize_label("（一）予以公开") == normalize_label("(一) 予以公开")
    assert normalize_label("商业 企业") == normalize_label("商业企业")


def test_shared_formula_is_shifted_like_excel():
    assert shift_formula("SUM(D6:I6)", 2, 0) == "SUM(D8:I8)"
    assert shift_formula("SUM($D6:I$6)+'表三'!A1", 1, 1) == "SUM($D7:J$6)+'表三'!B2"
    assert shift_formula('IF(A1="B2",1,0)', 1, 0) == 'IF(A2="B2",1,0)'


def test_formula_cells_counts_each_referenced_cell():
    cells = formula_cells("=SUM(D6:E6)+F6+'表三'!G6", "表三")
    assert sorted(cells) == [(5, 3), (5, 4), (5, 5), (5, 6)]
    assert formula_cells("=SUM(D6:E6)*2", "表三") is None
    assert formula_cells("='表二'!B5", "表三") is None


def test_simple_formulas_are_evaluated_without_cached_values():
    def lookup(pos):
        return Decimal(pos[0] + pos[1])

    assert evaluate_formula("=10+4", "表三", lookup) == 14
    assert evaluate_formula("=SUM(A1:B1)*2", "表三", lookup) == 2
    assert evaluate_formula("=(1+2)/4", "表三", lookup) == Decimal("0.75")
    assert evaluate_formula("=VLOOKUP(A1,B1:C2,2)", "表三", lookup) is None
    assert evaluate_formula("=1/0", "表三", lookup) is None


def test_sample_reads_back_exactly(sample, sample_path, spec2021):
    wb = read_workbook(sample_path)
    assert wb.spec is spec2021
    assert wb.values() == dict(sample.values)
    assert all(c.status == "ok" for c in wb.cells.values())
    assert set(wb.totals) == set(computed_cells(spec2021))
    assert all(t.formula for t in wb.totals.values())
    assert wb.unit == sample.unit and wb.kind == "乡镇" and wb.year == 2025
    assert wb.texts["s5"] == sample.texts["s5"]
    assert wb.info["contact"] == "李明" and wb.info["date"] == "2026-01-15"


def test_cached_values_of_totals_are_ignored(sample_path, tmp_path):
    """A stale cached total must not matter: only formulas and inputs are read."""
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(sample_path) as src, zipfile.ZipFile(stale, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet3.xml"):
                data = data.replace(b"<f>SUM(D6:I6)</f><v>17</v>", b"<f>SUM(D6:I6)</f><v>999</v>")
                assert b"<v>999</v>" in data
            dst.writestr(item, data)
    from nianbao.validation import validate

    assert validate(read_workbook(stale)).findings == []


def test_stamp_survives_when_custom_properties_are_dropped(sample_path, tmp_path):
    stripped = tmp_path / "stripped.xlsx"
    with zipfile.ZipFile(sample_path) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if item.filename != "docProps/custom.xml":
                dst.writestr(item, src.read(item.filename))
    with open_xlsx(stripped) as pkg:
        assert pkg.custom_properties == {}
    assert read_workbook(stripped).stamp.unit == "青禾镇人民政府"


def test_workbook_without_stamp_is_not_ours(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", delete_sheets=("模板信息",))
    stripped = tmp_path / "nostamp.xlsx"
    with zipfile.ZipFile(edited) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if item.filename != "docProps/custom.xml":
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(ForeignWorkbookError, match="自制"):
        read_workbook(stripped)


def test_plain_spreadsheet_is_not_ours(tmp_path):
    import xlsxwriter

    path = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1").write(0, 0, "hello")
    wb.close()
    with pytest.raises(ForeignWorkbookError) as info:
        read_workbook(path)
    assert "nianbao template" in info.value.action


def test_unknown_format_version_asks_for_an_upgrade(sample_path, tmp_path):
    edited = tmp_path / "future.xlsx"
    with zipfile.ZipFile(sample_path) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = data.replace(b"<vt:lpwstr>2021</vt:lpwstr>", b"<vt:lpwstr>2031</vt:lpwstr>")
            dst.writestr(item, data)
    with pytest.raises(UnsupportedFormatError, match="2031"):
        read_workbook(edited)


def _with_wide_row(source, target, cells: int, sheet_part: str = "xl/worksheets/sheet3.xml"):
    """Write ``target``: ``source`` with one extra row of ``cells`` empty text cells in 表三."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == sheet_part:
                row = '<row r="60">' + '<c t="s"/>' * cells + "</row>"
                data = data.decode().replace("</sheetData>", row + "</sheetData>").encode()
            z.writestr(info, data)
    return target


def test_a_row_wider_than_excel_allows_stops_reading_that_sheet(sample_path, tmp_path):
    """Issue 21: 4.9M empty cells in one row took 1.4 GB and 15 s and passed; now reading stops
    at Excel's width, the sheet's values above are kept, and the clerk is told."""
    with zipfile.ZipFile(sample_path) as z:
        assert "表三" in z.read("xl/workbook.xml").decode()
    wide = _with_wide_row(sample_path, tmp_path / "wide.xlsx", 20_000)
    pkg = open_xlsx(wide)
    raw = pkg.sheet("表三")
    assert raw is not None and raw.truncated and raw.too_wide
    assert len(raw.cells) < 2_000  # empty cells are not kept
    wb = read_workbook(wide)
    assert wb.values() == read_workbook(sample_path).values()
    (obs,) = [o for o in wb.observations if o.sheet == "表三"]
    assert "一行超过 16384 个单元格" in obs.detail


@pytest.mark.parametrize("year", ["inf", "-inf", "nan", "1e400", "99999", "12"])
def test_an_absurd_stamp_year_is_not_our_stamp(sample_path, tmp_path, year):
    """Issue 21: a stamp year of "inf" ended in exit 3 (OverflowError)."""
    import openpyxl

    from .test_cli import assert_no_traceback, nianbao

    book = openpyxl.load_workbook(sample_path)
    sheet = book["模板信息"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "year")
    sheet.cell(row, 2).value = year
    book.save(tmp_path / "e.xlsx")
    stripped = tmp_path / "tampered.xlsx"
    with zipfile.ZipFile(tmp_path / "e.xlsx") as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if item.filename != "docProps/custom.xml":
                dst.writestr(item, src.read(item.filename))
    result = nianbao("check", stripped)
    assert result.returncode == 2, result.stderr
    assert_no_traceback(result)


def test_a_negative_shared_string_index_is_a_damaged_file(sample_path, tmp_path):
    """Issue 21: index −1 read the last shared string instead of failing."""
    from nianbao.errors import CorruptWorkbookError

    target = tmp_path / "neg.xlsx"
    with zipfile.ZipFile(sample_path) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":
                text = data.decode()
                start = text.index('t="s"><v>') + len('t="s"><v>')
                end = text.index("</v>", start)
                data = (text[:start] + "-1" + text[end:]).encode()
            zout.writestr(info, data)
    with pytest.raises(CorruptWorkbookError, match="已损坏"):
        read_workbook(target)
