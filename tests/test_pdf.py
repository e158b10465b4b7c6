"""nianbao.converters.pdf: .docx -> PDF with LibreOffice, and the Chinese errors when that
cannot be done.

The page geometry of the 公文 layout (GB/T 9704: A4, 22 lines of 28 characters in 三号仿宋) is
measured in the PDF that LibreOffice writes from a .docx set up the way the report is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from nianbao.converters.pdf import (
    FALLBACK_ACTION,
    PdfConversionError,
    PdfUnavailableError,
    convert_to_pdf,
    find_soffice,
)
from nianbao.errors import OutputExistsError, UsageError
from tests.pdf_geometry import (
    chars_per_full_line,
    lines_per_full_page,
    margins_mm,
    measure,
)

A4_PT = (595.3, 841.9)
# Body characters condensed by 0.25 pt (w:spacing in twentieths of a point): 28 × 15.75 pt fits
# the 156 mm line, 28 × 16 pt does not. LibreOffice ignores a compressing w:docGrid (it gives
# every character two grid cells), so the run spacing is what makes 28 characters per line.
CHAR_SPACING_TWIPS = -5
# rPr children that follow w:spacing in the schema's sequence.
AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
    "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)  # fmt: skip
# Writes a file that is not a PDF where soffice would put the PDF.
WRITE_JUNK_PDF = """
while [ $# -gt 0 ]; do [ "$1" = --outdir ] && out="$2"; shift; done
echo junk > "$out/report.pdf"
"""
POSIX_ONLY = pytest.mark.skipif(
    sys.platform == "win32", reason="the stand-in soffice is a sh script"
)


def official_docx(path: Path, *, paragraphs: int = 8) -> Path:
    """Write a .docx with the 公文 page and body style and several pages of running text."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(16)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    rpr.insert_element_before(spacing, *AFTER_SPACING)
    body = normal.paragraph_format
    body.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body.line_spacing = Pt(28.95)
    body.space_before = body.space_after = Pt(0)
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.widow_control = False  # 公文 pages are always full: 22 lines
    for n in range(paragraphs):
        # 200 characters: 7 full lines and a short last one; every 5th paragraph indented.
        paragraph = doc.add_paragraph("政府信息公开工作" * 25)
        if n % 5 == 4:
            paragraph.paragraph_format.first_line_indent = Pt(32)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory, libreoffice_ok) -> tuple[Path, Path]:
    """Return (pdf, temp dir) after one conversion over an existing file, with force=True."""
    folder = tmp_path_factory.mktemp("pdf")
    temp = folder / "tmp"
    temp.mkdir()
    docx = official_docx(folder / "年报.docx")
    target = folder / "年报.pdf"
    target.write_bytes(b"an older export")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(temp))
        assert convert_to_pdf(docx, target, force=True) == target
    return target, temp


@pytest.fixture(scope="module")
def pages(converted):
    return measure(converted[0])


@pytest.mark.libreoffice
def test_convert_replaces_existing_target_with_force_and_cleans_up(converted):
    pdf, temp = converted
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert list(temp.iterdir()) == []  # profile, copy and output folder are gone
    assert [p.name for p in pdf.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.libreoffice
def test_pdf_pages_are_a4(pages):
    assert len(pages) >= 3
    for page in pages:
        assert page.width_pt == pytest.approx(A4_PT[0], abs=1)
        assert page.height_pt == pytest.approx(A4_PT[1], abs=1)


@pytest.mark.libreoffice
def test_full_page_has_22_lines(pages):
    assert lines_per_full_page(pages) == 22


@pytest.mark.libreoffice
def test_full_line_has_28_characters(pages):
    assert chars_per_full_line(pages) == 28


@pytest.mark.libreoffice
def test_body_text_sits_inside_the_margins(pages):
    top, bottom, left, right = margins_mm(pages[0])
    assert left == pytest.approx(28, abs=0.5)
    # Justified lines end at most one condensed character short of the right margin.
    assert 26 - 0.5 <= right <= 26 + 2
    # Text boxes start below the top margin by the room exact line spacing leaves above glyphs.
    assert 37 <= top <= 37 + 4
    assert 35 - 0.5 <= bottom <= 35 + 4


@pytest.mark.libreoffice
def test_chinese_text_is_embedded_and_extractable(converted):
    pdf, _ = converted
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "政府信息公开工作政府信息公开工作" in text.replace("\n", "")
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts
    assert all(" yes " in row for row in fonts), fonts  # every font embedded


def test_convert_refuses_to_overwrite_without_force(tmp_path):
    docx = official_docx(tmp_path / "年报.docx", paragraphs=1)
    target = tmp_path / "年报.pdf"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="已经存在"):
        convert_to_pdf(docx, target)
    assert target.read_bytes() == b"keep me"


def test_convert_of_a_missing_docx_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="不存在"):
        convert_to_pdf(tmp_path / "没有.docx", tmp_path / "年报.pdf")
    assert not (tmp_path / "年报.pdf").exists()


def test_convert_without_libreoffice_says_what_to_do(tmp_path, monkeypatch):
    # Stands in for a machine without LibreOffice.
    monkeypatch.setattr("nianbao.converters.pdf.find_soffice", lambda: None)
    docx = official_docx(tmp_path / "年报.docx", paragraphs=1)
    with pytest.raises(PdfUnavailableError) as caught:
        convert_to_pdf(docx, tmp_path / "年报.pdf")
    assert caught.value.message == "没有找到 LibreOffice，无法直接生成 PDF。"
    assert caught.value.action == (
        "请用 Word 或 WPS 打开生成的 .docx，选择“另存为/输出为 PDF”；或安装 LibreOffice 后重试。"
    )
    assert caught.value.exit_code == 2
    assert not (tmp_path / "年报.pdf").exists()


def test_find_soffice_prefers_the_configured_program(tmp_path, monkeypatch):
    program = fake_soffice(tmp_path, "exit 0")
    monkeypatch.setenv("NIANBAO_SOFFICE", str(program))
    assert find_soffice() == str(program)


def fake_soffice(folder: Path, body: str) -> Path:
    """Write an executable sh script that stands in for soffice (the machine, not our code)."""
    script = folder / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """Return an empty folder that serves as the system temp folder during the test."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def use_stand_in(monkeypatch, folder: Path, body: str) -> Path:
    """Point NIANBAO_SOFFICE at a stand-in soffice; return a one-page .docx to convert."""
    monkeypatch.setenv("NIANBAO_SOFFICE", str(fake_soffice(folder, body)))
    return official_docx(folder / "年报.docx", paragraphs=1)


@POSIX_ONLY
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param('echo "Error: source file could not be loaded" >&2\nexit 1',
                     "退出码 1）：Error: source file could not be loaded", id="error-exit"),
        pytest.param("exit 0", "LibreOffice 没有生成 PDF 文件", id="no-pdf-written"),
        pytest.param(WRITE_JUNK_PDF, "LibreOffice 没有生成 PDF 文件", id="not-a-pdf"),
        pytest.param("head -c 5000 /dev/zero | tr '\\0' x >&2\nexit 3",
                     "退出码 3）。", id="long-stderr-left-out"),
    ],
)  # fmt: skip
def test_failed_conversion_explains_in_chinese(monkeypatch, tmp_path, temp_root, body, expected):
    docx = use_stand_in(monkeypatch, tmp_path, body)
    target = tmp_path / "年报.pdf"
    with pytest.raises(PdfConversionError) as caught:
        convert_to_pdf(docx, target)
    assert expected in caught.value.message
    assert caught.value.action.endswith(FALLBACK_ACTION)
    assert not target.exists()
    assert list(temp_root.iterdir()) == []


@POSIX_ONLY
def test_hung_conversion_is_stopped_with_its_children(monkeypatch, tmp_path, temp_root):
    pid_file = tmp_path / "child.pid"
    docx = use_stand_in(monkeypatch, tmp_path, f'sleep 60 &\necho $! > "{pid_file}"\nwait')
    started = time.monotonic()
    with pytest.raises(PdfConversionError, match="秒内没有完成"):
        convert_to_pdf(docx, tmp_path / "年报.pdf", timeout=1)
    assert time.monotonic() - started < 15
    assert not process_alive(int(pid_file.read_text()))
    assert list(temp_root.iterdir()) == []


def process_alive(pid: int, wait: float = 5) -> bool:
    """Return True if ``pid`` still runs after ``wait`` seconds (a zombie counts as gone)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        stat = Path(f"/proc/{pid}/stat")
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        except (OSError, IndexError):
            pass
        time.sleep(0.1)
    return True
