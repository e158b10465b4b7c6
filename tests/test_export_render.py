"""The exported report as LibreOffice prints it: GB/T 9704 page geometry measured in the PDF."""

from __future__ import annotations

import pytest

from nianbao.converters.export import ExportRequest, export_report
from tests.pdf_geometry import (
    chars_per_full_line,
    is_page_number,
    lines_per_full_page,
    margins_mm,
    measure,
    text_column,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

# Enough running text for full pages: the 五 section of a long report.
LONG_TEXT = "".join(
    f"{i}是持续推进政务公开标准化规范化建设，完善主动公开目录，做好政策解读和回应关切工作。"
    for i in "一二三四五六七八九十"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, libreoffice_ok):
    from nianbao.workbook_templates import build_template
    from nianbao.workbook_templates.sample import sample_request

    folder = tmp_path_factory.mktemp("render")
    request = sample_request(2025)
    texts = dict(request.texts, s5="\n".join([LONG_TEXT] * 6))
    from dataclasses import replace

    workbook = build_template(folder / "wb.xlsx", replace(request, texts=texts))
    pdf = folder / "report.pdf"
    result = export_report(ExportRequest(workbook=workbook, docx=folder / "report.docx", pdf=pdf))
    assert result.pdf_problem == ""
    return measure(pdf), pdf


def test_pages_are_a4_with_the_official_margins(rendered):
    pages, _ = rendered
    assert all(abs(p.width_mm - 210) < 1 and abs(p.height_mm - 297) < 1 for p in pages)
    column = text_column(pages)
    top, bottom, left, right = margins_mm(pages[-2], column)
    assert abs(left - 28) < 1.5 and abs(right - 26) < 1.5
    assert 36 <= top <= 41  # exact line spacing leaves air above the first glyphs
    assert 34 <= bottom <= 37


def test_full_pages_hold_22_lines_of_28_characters(rendered):
    pages, _ = rendered
    assert lines_per_full_page(pages) == 22
    assert chars_per_full_line(pages) == 28


def test_page_numbers_alternate_right_and_left(rendered):
    pages, _ = rendered
    for number, page in enumerate(pages, start=1):
        marks = [line for line in page.lines if is_page_number(line)]
        assert len(marks) == 1, number
        mark = marks[0]
        assert mark.text.replace(" ", "") == f"—{number}—"
        centre = (mark.x_min + mark.x_max) / 2
        if number % 2:
            assert centre > page.width_pt * 0.75
        else:
            assert centre < page.width_pt * 0.25


def test_tables_and_title_are_printed(rendered):
    _, pdf = rendered
    import subprocess

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "青禾镇人民政府" in text.split("\n", 3)[0] + text.split("\n", 3)[1]
    for label in ("第二十条第（一）项", "申请人情况", "未经复议直接起诉"):
        assert label in text


def test_header_of_table_three_repeats_on_the_next_page(rendered):
    pages, _ = rendered
    with_header = [i for i, p in enumerate(pages) if any("申请人情况" in ln.text for ln in p.lines)]
    spans_pages = [
        i for i, p in enumerate(pages) if any("结转下年度继续办理" in ln.text for ln in p.lines)
    ]
    # The table starts on one page; when it crosses to the next, the header is there again.
    assert with_header
    if spans_pages and spans_pages[-1] != with_header[0]:
        assert spans_pages[-1] in with_header
