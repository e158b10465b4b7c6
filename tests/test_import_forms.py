"""nianbao import on real published reports in every form real copies take, against the
corpus' ground truth (tests/data/reports/manifest.toml): each number the form carries is read,
none is read wrong or invented, and the cells the form does not carry are unknown.

The forms are the corpus' own files (a web page with HTML tables, Markdown copies with "|" rows,
a copy one cell per line) and the copies real programs make of the web page: LibreOffice prints it
to PDF, saves it as text (one cell per line) and, opened as a spreadsheet, as tab-separated text;
pdftotext copies the PDF's text; a scanner's PDF is page images.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.errors import NianbaoError
from nianbao.importer.report import ImportRequest, import_report, read_report
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.spec import CellKey

from .conftest import SEEDS
from .report_forms import (
    FAGAIJU,
    REPORTS,
    compare,
    landscape_html,
    pdftotext,
    scanned_pdf,
    to_pdf,
    to_tabs,
    to_text,
    truth,
)

FAGAIJU_TRUTH = truth(FAGAIJU.name)
needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")


def read(source: Path, **options):
    return read_report(ImportRequest(source=source, output=source.with_suffix(".xlsx"), **options))


def rows_with_blanks(spec, expected: dict[CellKey, Decimal]) -> set[tuple[str, str]]:
    """Return the rows in which the report leaves a cell blank (a copy without cell boundaries
    cannot tell which)."""
    out = set()
    for table in spec.tables:
        for block in table.blocks:
            for row in block.rows:
                cells = {CellKey(table.code, row.code, c.code) for c in block.columns}
                if cells & set(expected) and not cells <= set(expected):
                    out.add((table.code, row.code))
    return out


def assert_reads_exactly(result, expected: dict[CellKey, Decimal], *, lost=frozenset()) -> None:
    """Every number of ``expected`` is read right except the cells of ``lost`` rows, which are
    unknown; nothing is read wrong, and nothing where the report prints no number."""
    right, wrong, invented = compare(result.source_values, expected)
    assert wrong == {} and invented == {}
    carried = {k for k in expected if (k.table, k.row) not in lost}
    assert right == carried
    inputs = set(input_keys(result.spec))
    assert result.unknown == inputs - (carried & inputs)


@pytest.fixture(scope="module")
def printed(tmp_path_factory, libreoffice_ok) -> Path:
    """The web page printed to PDF by LibreOffice (A4 landscape, so 表四 fits the page)."""
    folder = tmp_path_factory.mktemp("printed")
    return to_pdf(landscape_html(FAGAIJU, folder / "fagaiju.html"), folder)


# -- forms with cell boundaries: every number is read -------------------------------------------


def test_html_tables_with_blank_cells(spec2021):
    result = read(FAGAIJU)
    assert_reads_exactly(result, FAGAIJU_TRUTH)
    assert (result.year, result.unit) == (2023, "沭阳县发展和改革局")


@pytest.mark.libreoffice
def test_pdf_printed_from_the_page(printed, tmp_path):
    result = read(printed)
    assert_reads_exactly(result, FAGAIJU_TRUTH)
    out = tmp_path / "2023.xlsx"
    import_report(ImportRequest(source=printed, output=out))
    wb = read_workbook(out)
    assert wb.cells[CellKey("t3", "r1", "c1")].value == 26
    assert wb.unknown == result.unknown  # the blank cells stay unknown, never 0


@pytest.mark.libreoffice
def test_tab_separated_copy_from_a_spreadsheet(tmp_path, libreoffice_ok):
    assert_reads_exactly(read(to_tabs(FAGAIJU, tmp_path)), FAGAIJU_TRUTH)


def test_one_cell_per_line_copy_of_a_web_page(spec2021):
    seed = SEEDS / "002_9ebba746cc4f361b.txt"
    assert_reads_exactly(read(seed, year=2024), truth(f"../seeds/{seed.name}"))


# -- forms that lose the blank cells' places: those rows are unknown, the rest is read -----------


@pytest.mark.libreoffice
def test_text_saved_from_the_page_one_cell_per_line(tmp_path, spec2021, libreoffice_ok):
    result = read(to_text(FAGAIJU, tmp_path))
    assert_reads_exactly(result, FAGAIJU_TRUTH, lost=rows_with_blanks(spec2021, FAGAIJU_TRUTH))


def test_markdown_copy_with_pipe_rows(spec2021):
    # 表四 comes as three small tables of five columns, each under a caption line naming its
    # group (### 行政复议, ### 行政诉讼（未经复议直接起诉）, ### 行政诉讼（复议后起诉）).
    file = "001_shuyang_xian_2025.txt"
    result = read(REPORTS / file)
    assert_reads_exactly(result, truth(file))
    assert result.kind == "县级政府" and result.kind_from == "unit"


def test_markdown_copy_of_a_pdf_with_labels_torn_from_their_numbers():
    """Text pulled out of a PDF into "|" rows: half of 表三's labels stand as lines of text away
    from their rows of seven numbers; each such row is placed by the labelled rows around it,
    and 表四's header is lines of text before its row of fifteen numbers. Every number is read."""
    file = "002_shanghai_kewei_2024.md"
    result = read(REPORTS / file)
    right, wrong, invented = compare(result.source_values, truth(file))
    assert wrong == {} and invented == {}
    assert right == set(truth(file))


def test_rows_given_only_two_of_three_numbers_stay_unknown():
    """003's 表二 rows print two numbers for three columns (the copy pulled the third out with
    its remark): which one is missing cannot be told, so the row is not read; the rest is."""
    file = "003_shanghai_bangongting_2025.md"
    result = read(REPORTS / file)
    right, wrong, invented = compare(result.source_values, truth(file))
    assert wrong == {} and invented == {}
    t2 = {k for k in truth(file) if k.table == "t2" and k.row in ("regulation", "normative")}
    assert set(truth(file)) - right == t2
    assert t2 <= result.unknown


@pytest.mark.libreoffice
@pytest.mark.parametrize("layout", [True, False], ids=["pdftotext-layout", "pdftotext"])
def test_text_copied_out_of_a_pdf_reads_nothing_wrong(printed, tmp_path, layout):
    """The page's narrow columns wrap its numbers ("2" over "6") and the text loses its blank
    cells: most rows of 表三 are unknown, but no number is read wrong, and 表二 is read whole."""
    result = read(pdftotext(printed, tmp_path / "copy.txt", layout=layout))
    right, wrong, invented = compare(result.source_values, FAGAIJU_TRUTH)
    assert wrong == {} and invented == {}
    assert {k for k in right if k.table == "t2"} == {k for k in FAGAIJU_TRUTH if k.table == "t2"}


# -- a web page's text with the tables run together with the prose ------------------------------

GLUED = [
    f"{n:03d}_pingtan_{year}.txt" for n, year in zip(range(4, 11), range(2019, 2026), strict=True)
]


@pytest.mark.parametrize("file", GLUED)
def test_text_with_its_tables_run_together(file):
    """A site archive's dump of the page: every cell's digits run together ("规章000行政规范性文件
    6233440"). A row is read where only one cut gives its columns; the rest is unknown."""
    result = read(REPORTS / file)
    expected = truth(file)
    right, wrong, invented = compare(result.source_values, expected)
    assert wrong == {} and right == set(expected)
    # The manifest leaves a run out unless its digits or tokens are as many as the cells; the
    # importer also cuts "23 0 00 0 023" (no number starts with 0: 23 0 0 0 0 0 23). What it reads
    # beyond the manifest must be what the report's own rows add up to.
    got = result.source_values
    for key, value in invented.items():
        assert (key.table, key.row) == ("t3", "r3_7")
        results = [k for k in got if k.col == key.col and k.row.startswith("r3_") and k != key]
        assert value == sum(got[k] for k in results)
    assert len(invented) in (0, 7)


def test_the_narrative_of_a_run_together_page_keeps_its_sections():
    result = read(REPORTS / "009_pingtan_2024.txt")
    assert result.texts["s5"].startswith("2024年，实验区政府信息公开工作取得了新进展新成果")
    assert result.texts["s6"] == "2024年，无收取信息处理费情况。"
    assert "第二十条" not in "".join(result.texts.values())  # the tables are not text
    problems = {p.rule for p in result.problems}
    assert "IM-RUN-TOGETHER" in problems  # "6233440" for three columns, said so


# -- no text at all ---------------------------------------------------------------------------


@pytest.mark.libreoffice
@needs_poppler
def test_a_scanned_pdf_is_imported_all_unknown_only_with_a_year(printed, tmp_path, spec2021):
    scan = scanned_pdf(printed, tmp_path / "扫描件.pdf")
    with pytest.raises(NianbaoError) as caught:
        read(scan)
    assert "扫描件" in caught.value.message and "--year" in caught.value.action
    result = read(scan, year=2023)
    assert result.unknown == frozenset(input_keys(spec2021))
    assert not result.source_values and not result.texts
    [note] = [n for n in result.notes if n.rule == "IM-SCANNED"]
    assert "扫描件" in note.message and note.severity == "warning"
