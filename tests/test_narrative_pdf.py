"""converters.narrative_pdf: a published report read from a text PDF — paragraphs in reading order
and joined across lines and pages, page headers, footers and numbers dropped, tables as table
rows (a row cut by a page break joined again) — and a scanned PDF refused with a Chinese message.

The PDFs are printed by LibreOffice from a real report of the corpus (a web page, and its text in
a Word file with a running header and page numbers, as publishers make them)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from nianbao.converters.document import BODY
from nianbao.converters.narrative import read_narrative
from nianbao.converters.narrative_common import TABLE_MARKER
from nianbao.converters.narrative_pdf import ScannedPdfError, read_pdf
from nianbao.converters.narrative_text import read_html, read_txt
from nianbao.errors import NarrativeError

from .report_forms import FAGAIJU, landscape_html, pdftotext, scanned_pdf, to_pdf

REPO = Path(__file__).resolve().parent.parent
HEADER = "沭阳县发展和改革局2023年政府信息公开年度报告"  # a running header, as publishers print
needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def page_pdf(tmp_path_factory, libreoffice_ok) -> Path:
    """The real web page 014, printed to PDF by LibreOffice (A4 landscape)."""
    folder = tmp_path_factory.mktemp("page")
    return to_pdf(landscape_html(FAGAIJU, folder / "fagaiju.html"), folder)


def _narrative_paragraphs() -> list[str]:
    """Return the texts of the web page's narrative, 一、总体情况 up to 二、, with its opening."""
    texts = [p.text for p in read_html(FAGAIJU) if p.kind == BODY and p.text.strip()]
    start = next(i for i, t in enumerate(texts) if t.startswith("根据《中华人民共和国"))
    end = next(i for i, t in enumerate(texts) if t.startswith("二、"))
    return texts[start:end]


@pytest.fixture(scope="module")
def word_pdf(tmp_path_factory, libreoffice_ok) -> tuple[Path, list[str]]:
    """The page's text three times over in a Word file with a running header and "— n —" page
    numbers in the footer, printed to PDF; and the paragraphs it holds."""
    folder = tmp_path_factory.mktemp("word")
    paragraphs = _narrative_paragraphs() * 3
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)
    footer.add_run(" —")
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(folder / "年报.docx")
    return to_pdf(folder / "年报.docx", folder), paragraphs


@pytest.mark.libreoffice
def test_pdf_paragraphs_are_the_documents_without_header_footer_or_page_numbers(word_pdf):
    pdf, paragraphs = word_pdf
    assert [p.text for p in read_pdf(pdf)] == paragraphs
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    printed = "".join(printed.split())
    assert "—2—" in printed and printed.count(HEADER) >= 2  # they are printed on every page


@pytest.mark.libreoffice
def test_pdf_of_a_web_page_reads_sections_in_order_and_tables_as_rows(page_pdf, spec2021):
    paragraphs = read_pdf(page_pdf)
    texts = [p.text for p in paragraphs if p.kind == BODY]
    headings = [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    opening = next(t for t in texts if t.startswith("根据《中华人民共和国"))
    assert "统计时限为2023年1月1日至2023年12月31日" in opening  # one paragraph over several lines
    rows = [row for p in paragraphs if p.kind == TABLE_MARKER for row in p.cells]
    assert ("规范性文件", "8", "0", "18") in rows
    assert ("行政许可", "0") in rows
    # The row of （一）予以公开 is cut by a page break in this print (its 总计 "26" wrapped to
    # "2" and "6"); printed whole or not, it reads 26 … 26.
    [disclosed] = [row for row in rows if "（一）予以公开" in row]
    assert disclosed[-1] == "26" and "26" in disclosed
    values = next(row for row in rows if len(row) == 15)  # 表四's one row of numbers
    assert values == ("0", "0", "0", "1", "1", *("0",) * 10)


@pytest.mark.libreoffice
def test_narrative_from_a_pdf_has_its_sections_and_leaves_the_tables_out(page_pdf, spec2021):
    narrative = read_narrative(page_pdf, spec2021)
    assert narrative.found == ["s1", "s2", "s3", "s4", "s5", "s6"]
    section_one = "".join(p.text for p in narrative.sections["s1"])
    assert "全年共审核发布各类公开政府信息249条" in section_one
    for code in ("s2", "s3", "s4"):
        assert not any(p.text.strip() for p in narrative.sections[code])  # the tables only
    assert {n.rule for n in narrative.notes} >= {"D-TABLE-REPLACED"}


@pytest.mark.libreoffice
def test_check_reads_a_pdf_as_the_narrative(page_pdf, sample_path):
    command = ["check", str(sample_path), "--narrative", str(page_pdf), "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "nianbao", *command],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    rules = {f["rule"] for f in json.loads(done.stdout)["findings"]}
    # The report is of 2023, the sample workbook of 2025: the narrative was read and checked.
    assert "N-YEAR" in rules and "I-NARRATIVE" not in rules


@pytest.mark.libreoffice
@needs_poppler
def test_page_numbers_around_the_page_breaks_of_pdf_text_are_dropped(word_pdf, tmp_path):
    pdf, _ = word_pdf
    text = pdftotext(pdf, tmp_path / "年报.txt", layout=False)
    assert "\f" in text.read_text(encoding="utf-8")
    lines = [p.text for p in read_txt(text)]
    assert "—2—" in "".join(text.read_text(encoding="utf-8").split())
    assert not [line for line in lines if "—" in line and line.strip("— 0123456789") == ""]


@pytest.mark.libreoffice
@needs_poppler
def test_a_scanned_pdf_is_refused_with_a_chinese_message(page_pdf, tmp_path, spec2021):
    scan = scanned_pdf(page_pdf, tmp_path / "扫描件.pdf")
    with pytest.raises(ScannedPdfError) as caught:
        read_pdf(scan)
    assert "扫描件" in caught.value.message and ".docx" in caught.value.action
    with pytest.raises(NarrativeError, match="扫描件"):
        read_narrative(scan, spec2021)


def test_a_damaged_pdf_is_a_narrative_error(tmp_path):
    broken = tmp_path / "坏的.pdf"
    broken.write_bytes(FAGAIJU.read_bytes()[:2000])
    with pytest.raises(NarrativeError, match="文件损坏") as caught:
        read_pdf(broken)
    assert caught.value.action
