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


# -- what stays together on a page (issue 17) ------------------------------------------------


def _export_pdfs(folder, variants: dict[str, dict[str, str]]):
    """Return the measured pages of the sample's report with each variant's texts."""
    from dataclasses import replace

    from nianbao.workbook_templates import build_template
    from nianbao.workbook_templates.sample import sample_request

    request = sample_request(2025)
    out = {}
    for name, changes in variants.items():
        texts = dict(request.texts)
        texts.update({k: texts[k] + v for k, v in changes.items()})
        workbook = build_template(folder / f"{name}.xlsx", replace(request, texts=texts))
        pdf = folder / f"{name}.pdf"
        result = export_report(
            ExportRequest(workbook=workbook, docx=folder / f"{name}.docx", pdf=pdf)
        )
        assert result.pdf_problem == ""
        out[name] = measure(pdf)
    return out


def _texts(page) -> list[str]:
    return [line.text for line in page.lines if not is_page_number(line)]


def test_the_signature_never_stands_alone_on_the_last_page(tmp_path, libreoffice_ok):
    """GB/T 9704: the 落款 keeps the end of the text with it. Without that, the sample with
    五 a sentence or two longer printed 青禾镇人民政府 and the date alone on page 5."""
    more = "下一步将继续加强工作。"
    rendered = _export_pdfs(tmp_path, {f"s5+{k}": {"s5": more * k} for k in range(3)})
    for name, pages in rendered.items():
        last = _texts(pages[-1])
        assert any("青禾镇人民政府" in t for t in last), name
        others = [t for t in last if "青禾镇人民政府" not in t and "年" not in t[-12:]]
        assert others, (name, last)  # more than the unit and the date


def test_a_sub_table_of_table_two_is_never_broken(tmp_path, libreoffice_ok):
    """表二's sub-tables have their own headers, which Word cannot repeat: each is kept on one
    page. The sample itself broke 第二十条第（一）项 after its first row."""
    blocks = {
        "第二十条第（一）项": ("规章", "行政规范性文件"),
        "第二十条第（五）项": ("行政许可",),
        "第二十条第（六）项": ("行政处罚", "行政强制"),
        "第二十条第（八）项": ("行政事业性收费",),
    }
    longer = "加强培训考核。"
    rendered = _export_pdfs(tmp_path, {f"s1+{k}": {"s1_5": longer * k} for k in (0, 24, 48)})
    for name, pages in rendered.items():
        texts = ["".join(t.replace(" ", "") for t in _texts(p)) for p in pages]
        for head, labels in blocks.items():
            (page,) = [t for t in texts if head in t]
            assert all(label in page for label in labels), (name, head)
