"""Reading the clerk's narrative (正文) and splitting it into the report's six sections.

Inputs are real: the five seed texts copied from published reports and web pages, .docx files
written with python-docx (Word numbering, tables, pictures, content controls), HTML in GBK, the
workbook's 正文 sheet, and hostile files.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from nianbao.converters.document import BODY, HEADING2, LIST_ITEM, Paragraph, Run
from nianbao.converters.narrative import (
    Narrative,
    narrative_from_paragraphs,
    narrative_from_workbook,
    read_narrative,
)
from nianbao.converters.narrative_common import IMAGE_MARKER, TABLE_MARKER
from nianbao.converters.narrative_docx import _format_number
from nianbao.converters.narrative_text import read_txt
from nianbao.errors import NarrativeError
from nianbao.validation import Finding
from nianbao.workbook_templates import load_spec, read_workbook
from nianbao.workbook_templates.spec import Severity

from .conftest import SEEDS
from .report_forms import REPORTS
from .spec_edit import spec_with_rule

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ALL = ["s1", "s2", "s3", "s4", "s5", "s6"]


def seed(number: str) -> Path:
    return next(SEEDS.glob(f"{number}_*.txt"))


def texts(paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in paragraphs]


def notes(narrative: Narrative, severity: str) -> list[str]:
    """Return the sentences (without the action) of the notes of one severity."""
    return [n.text for n in narrative.notes if n.severity == severity]


def split(spec, *lines: str) -> Narrative:
    return narrative_from_paragraphs([Paragraph.plain(t) for t in lines], spec, "test")


# ---------------------------------------------------------------------------------------------
# The seeds


def test_clean_published_report_finds_all_sections_in_order(spec2021):
    n = read_narrative(seed("004"), spec2021)
    assert n.found == ALL
    assert n.title == "紫金县人民政府2024年政府信息公开工作年度报告"
    assert len(n.preamble) == 1
    assert n.preamble[0].text.startswith("根据《中华人民共和国政府信息公开条例》")
    assert n.notes == []
    subheads = [p.text for p in n.sections["s1"] if p.kind == HEADING2]
    assert subheads == [
        "(一)主动公开政府信息情况",
        "(二)依申请公开情况",
        "(三)政府信息管理",
        "(四)政府信息公开平台建设",
        "(五)监督保障",
    ]
    # "1.政策文件公开。……" stays a body paragraph of 一.
    assert n.sections["s1"][2].text.startswith("1.政策文件公开。")
    assert n.sections["s3"] == []
    assert texts(n.sections["s6"])[0] == "无其他需要报告事项。"


def test_web_copy_skips_table_rows_with_a_note(spec2021):
    n = read_narrative(seed("002"), spec2021)
    assert n.found == ALL
    assert n.title == "" and n.preamble == []
    assert n.sections["s2"] == n.sections["s3"] == n.sections["s4"] == []
    every = [p.text for ps in n.sections.values() for p in ps]
    assert not any("|" in t for t in every)
    table_notes = notes(n, "info")
    assert len(table_notes) == 3
    assert all("表格没有使用" in m and "填报表" in m for m in table_notes)
    # A numbered sub-item of 一 that happens to name section 二 is not a heading.
    assert n.sections["s1"][0] == Paragraph.plain("1.政府信息主动公开情况")
    assert n.sections["s6"][0].text.startswith("本年度未收取")


def test_collection_of_reports_keeps_restarts_as_text_with_warnings(spec2021):
    n = read_narrative(seed("001"), spec2021)
    assert n.title == "政府信息公开工作年度报告"
    assert n.found == ["s1", "s2", "s3", "s5"]
    warnings = notes(n, "warning")
    assert warnings[0] == (
        "第12段“四、政府信息公开的收费及减免情况,保密审查情况”不是规定的章节标题，"
        "已作为正文保留在“三”部分。"
    )
    assert any("“二、主动公开政府信息情况”章节顺序不对" in m for m in warnings)
    assert len(warnings) == 14
    s5 = texts(n.sections["s5"])
    assert "一、基本概况" in s5 and "二、主动公开政府信息情况" in s5 and "七、改进措施" in s5
    assert n.sections["s6"] == []
    [missing] = notes(n, "info")
    assert "四、政府信息公开行政复议、行政诉讼情况" in missing and "六、" in missing


def test_example_without_line_breaks_keeps_all_text_in_preamble(spec2021):
    n = read_narrative(seed("000"), spec2021)
    assert n.found == []
    assert n.title == ""  # the only line naming the report is 2,000 characters long
    assert len(n.preamble) == 7
    assert not any(n.sections.values())
    assert not n.is_empty()
    assert [m for m in notes(n, "warning")] == [
        "正文中没有找到任何规定的章节标题，全部文字都放在了开头部分。"
    ]


def test_web_page_with_header_junk_finds_title_and_run_in_headings(spec2021):
    n = read_narrative(seed("003"), spec2021)
    assert n.title == "白银区人民政府办公室2025年政府信息公开工作年度报告"
    assert n.found == ALL
    assert texts(n.preamble)[:3] == [
        "信息来源:白银区人民政府",
        "发布时间:2026-01-29 15:56",
        "浏览次数:",
    ]
    assert n.preamble[3].text.startswith("根据《中华人民共和国政府信息公开条例》要求")
    s1 = n.sections["s1"]
    assert len(s1) == 6
    assert [p.runs[0].text for p in s1[1:]] == [
        "(一)主动公开。",
        "(二)依申请公开。",
        "(三)政府信息管理。",
        "(四)政府信息平台建设。",
        "(五)监督保障。",
    ]
    assert all(p.runs[0].heading and not p.runs[1].heading for p in s1[1:])
    assert n.sections["s5"][0].text.startswith("1. 主动公开精准度有待提升")
    assert n.sections["s6"][0].text.startswith("按照《国务院办公厅")
    assert n.sections["s6"][0].text.endswith("0943—8230629)")
    assert [n.severity for n in n.notes] == ["info"]  # the page's index table
    assert "开头部分" in n.notes[0].message


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("version", ["2019", "2021"])
def test_every_seed_reads_under_both_formats(number, version, spec2019, spec2021):
    spec = spec2019 if version == "2019" else spec2021
    n = read_narrative(seed(number), spec)
    assert list(n.sections) == [s.code for s in spec.sections]
    assert n.found == [c for c in n.sections if c in n.found]
    assert all(note.severity in ("error", "warning", "info") for note in n.notes)


# ---------------------------------------------------------------------------------------------
# The splitter: heading variants as a case table


@pytest.mark.parametrize(
    ("line", "code"),
    [
        pytest.param("一、总体情况", "s1", id="canonical"),
        pytest.param("一.总体情况", "s1", id="half-width-dot"),
        pytest.param("一．总体情况", "s1", id="full-width-dot"),
        pytest.param("一 总体情况", "s1", id="space"),
        pytest.param("　　一、 总体 情况　", "s1", id="indent-and-spaces"),
        pytest.param("１、总体情况", "s1", id="full-width-digit"),
        pytest.param("第一部分 总体情况", "s1", id="part"),
        pytest.param("一、总体情况：", "s1", id="colon"),
        pytest.param("总体情况", "s1", id="unnumbered"),
        pytest.param("一、概述", "s1", id="synonym"),
        pytest.param("二、政府信息主动公开情况", "s2", id="synonym-s2"),
        pytest.param("四、政府信息公开行政复议及行政诉讼情况", "s4", id="及-for-、"),
        pytest.param("四、“政府信息公开行政复议、行政诉讼情况”", "s4", id="quotes"),
        pytest.param("五、存在的主要问题和改进情况", "s5", id="和-for-及"),
        pytest.param("五、存在的主要问题及改进措施", "s5", id="fuzzy-numbered"),
        pytest.param("六、其它需要报告的事项", "s6", id="fuzzy-其它"),
    ],
)
def test_heading_variants_are_recognised(spec2021, line, code):
    n = split(spec2021, line, "正文。")
    assert n.found == [code]
    assert texts(n.sections[code]) == ["正文。"]
    assert n.notes[-1].severity == "info"  # only the missing-sections note
    assert len(n.notes) == 1


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("一、总体情况2025年全年共公开信息300条", id="title-runs-into-text"),
        pytest.param("（一）总体情况", id="sub-number"),
        pytest.param("1.总体情况概述及本年度的主要做法和成效。", id="sentence"),
        pytest.param("存在的问题和今后打算", id="unnumbered-fuzzy-below-0.85"),
        pytest.param("2025年总体情况", id="starts-with-year"),
    ],
)
def test_not_headings_stay_text(spec2021, line):
    n = split(spec2021, line)
    assert n.found == []
    assert texts(n.preamble) == [line.strip()] or n.preamble[0].kind == HEADING2


@pytest.mark.parametrize(
    ("line", "found"),
    [
        pytest.param("安全运行。二、主动公开政府信息情况第二十条", ["s2"], id="after-a-sentence"),
        pytest.param(
            "行政事业性收费18651.06三、收到和处理政府信息公开申请情况（本列",
            ["s3"],
            id="after-a-number",
        ),
        pytest.param(
            "政府集中采购13575394432.52元三、收到和处理政府信息公开申请情况",
            ["s3"],
            id="after-an-amount",
        ),
        pytest.param(
            "继续办理 0 0 00 0 四、政府信息公开行政复议、行政诉讼情况行政复议",
            ["s4"],
            id="after-cells",
        ),
        pytest.param("具体见二、主动公开政府信息情况的表格", [], id="after-a-word"),
        pytest.param(
            "本部分内容详见下文三、收到和处理政府信息公开申请情况中的表格说明",
            [],
            id="in-a-sentence",
        ),
    ],
)
def test_a_heading_glued_to_a_sentence_or_a_table_cell_is_cut_out(spec2021, line, found):
    # The cases come from the 平潭 reports of the corpus (tests/data/reports/004–010), web pages
    # whose text lost every line break.
    assert split(spec2021, line).found == found


def test_heading_with_trailing_text_keeps_the_rest_as_first_paragraph(spec2021):
    n = split(
        spec2021, "一、总体情况。2025年，我镇全年主动公开信息326条。", "二、主动公开政府信息情况"
    )
    assert n.found == ["s1", "s2"]
    assert texts(n.sections["s1"]) == ["2025年，我镇全年主动公开信息326条。"]


def test_unknown_and_backward_headings_are_text_with_warnings(spec2021):
    n = split(
        spec2021,
        "一、总体情况",
        "正文。",
        "五、存在的主要问题及改进情况",
        "问题。",
        "七、改进措施",
        "一、总体情况",
        "二、主动公开政府信息情况",
    )
    assert n.found == ["s1", "s5"]
    assert texts(n.sections["s5"]) == [
        "问题。",
        "七、改进措施",
        "一、总体情况",
        "二、主动公开政府信息情况",
    ]
    warnings = notes(n, "warning")
    assert warnings[0] == "第5段“七、改进措施”不是规定的章节标题，已作为正文保留在“五”部分。"
    assert "第6段“一、总体情况”章节顺序不对" in warnings[1]
    assert "第7段" in warnings[2]


def test_many_false_headings_are_summed_up_after_twenty_warnings(spec2021):
    n = split(spec2021, "一、总体情况", *["正文。", "一、总体情况"] * 30)
    warnings = notes(n, "warning")
    assert len(warnings) == 21
    assert warnings[-1].startswith("另有 10 段像章节标题")


def test_arabic_sub_items_of_section_one_make_no_warning(spec2021):
    n = split(spec2021, "一、总体情况", "1.政府信息主动公开情况", "2.政府信息管理情况")
    assert n.found == ["s1"]
    assert len(n.sections["s1"]) == 2
    assert notes(n, "warning") == []


def test_subheads_become_heading2_or_inline_heading_runs(spec2021):
    n = split(
        spec2021,
        "一、总体情况",
        "（一）主动公开",
        "全年主动公开信息326条。",
        "(二)依申请公开。全年共收到申请17件，全部按期答复。",
        "（三）2025年，全镇各村（社区）按照要求公开了村务、财务等事项，群众满意度较高。",
    )
    s1 = n.sections["s1"]
    assert s1[0] == Paragraph((Run("（一）主动公开"),), HEADING2)
    assert s1[2].kind == BODY
    assert s1[2].runs == (
        Run("(二)依申请公开。", heading=True),
        Run("全年共收到申请17件，全部按期答复。"),
    )
    assert not any(r.heading for r in s1[3].runs)  # its first sentence is no short title


def test_title_taken_only_from_the_preamble(spec2021):
    n = split(
        spec2021,
        "某某镇2025年政府信息公开工作年度报告",
        "现将本镇2025年政府信息公开工作年度报告公布如下：",
        "一、总体情况",
        "某某镇2024年政府信息公开工作年度报告",
    )
    assert n.title == "某某镇2025年政府信息公开工作年度报告"
    assert texts(n.preamble) == ["现将本镇2025年政府信息公开工作年度报告公布如下："]
    assert texts(n.sections["s1"]) == ["某某镇2024年政府信息公开工作年度报告"]


@pytest.mark.parametrize(
    "guidance",
    [
        "【写作提示：主动公开的数量、重点领域。写好后删除本段。】",
        "【使用说明：在各部分标题下填写正文。】",
        "【数字可以写成字段，例如“全年共收到申请{表三.本年新收.总计}件”。】",
        "【本部分的表格由年报助手根据填报表自动生成，不要在此粘贴表格。】",
    ],
)
def test_template_guidance_is_dropped_with_a_note(spec2021, guidance):
    n = split(spec2021, "一、总体情况", guidance, "正文。")
    assert texts(n.sections["s1"]) == ["正文。"]
    assert any("提示文字" in m for m in notes(n, "info"))


def test_other_bracketed_text_is_kept(spec2021):
    lines = (
        "一、总体情况",
        "【此处填写主动公开的数量】",
        "全年公开【X】条。",
        "【写作提示：未写完",
    )
    n = split(spec2021, *lines)
    assert texts(n.sections["s1"]) == list(lines[1:])


def test_missing_sections_are_listed_and_keys_always_present(spec2021):
    n = split(spec2021, "一、总体情况", "正文。", "六、其他需要报告的事项", "无。")
    assert list(n.sections) == ALL
    assert n.found == ["s1", "s6"]
    [missing] = notes(n, "info")
    assert missing.startswith("正文中没有找到“二、主动公开政府信息情况”")
    assert "“五、存在的主要问题及改进情况”" in missing


def test_empty_input_is_empty(spec2021):
    n = narrative_from_paragraphs([], spec2021, "空")
    assert n.is_empty() and n.found == [] and list(n.sections) == ALL


# ---------------------------------------------------------------------------------------------
# Every note of the splitter and of composing is a finding of a D- rule of the format


TABLE = Paragraph.plain("", TABLE_MARKER)
IMAGE = Paragraph.plain("", IMAGE_MARKER)
ONE = "一、总体情况"
TWO = "二、主动公开政府信息情况"


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize(
    ("paragraphs", "rule", "severity"),
    [
        pytest.param([ONE, "正文。", "七、改进措施"], "D-HEADING", "warning", id="not-a-heading"),
        pytest.param([ONE, "正文。", ONE], "D-ORDER", "warning", id="heading-out-of-order"),
        pytest.param([ONE, *["正文。", ONE] * 30], "D-HEADING-MORE", "warning", id="many"),
        pytest.param(
            [ONE, "（一）主动公开", "（二）依申请公开", "正文。"],
            "D-SUBHEAD",
            "info",
            id="empty-subhead",
        ),
        pytest.param(
            [ONE, "【写作提示：写好后删除本段。】", "正文。"], "D-GUIDANCE", "info", id="guidance"
        ),
        pytest.param([ONE, "正文。", TWO, TABLE], "D-TABLE-REPLACED", "info", id="table-replaced"),
        pytest.param([TABLE, ONE], "D-TABLE-OPENING", "info", id="table-before-the-sections"),
        pytest.param([IMAGE, ONE], "D-IMAGE-OPENING", "info", id="image-before-the-sections"),
        pytest.param([ONE, TABLE, "正文。"], "D-TABLE", "warning", id="table-in-a-section"),
        pytest.param([ONE, IMAGE, "正文。"], "D-IMAGE", "warning", id="image-in-a-section"),
        pytest.param(["正文。"], "D-NO-SECTION", "warning", id="no-section-found"),
        pytest.param([ONE, "正文。"], "D-MISSING", "info", id="some-sections-missing"),
    ],
)
def test_each_reading_note_is_a_finding_of_its_rule(paragraphs, rule, severity, version):
    spec = load_spec(version)
    given = [p if isinstance(p, Paragraph) else Paragraph.plain(p) for p in paragraphs]
    n = narrative_from_paragraphs(given, spec, "test")
    assert all(isinstance(note, Finding) for note in n.notes)
    assert (rule, severity) in {(note.rule, note.severity) for note in n.notes}
    assert spec.rule(rule).severity == severity


def _compose_notes(wb, *lines: str) -> list[Finding]:
    from nianbao.converters.compose import compose_report

    narrative = narrative_from_paragraphs([Paragraph.plain(t) for t in lines], wb.spec, "正文.txt")
    return compose_report(wb, narrative)[1]


SECTIONS = [
    *(ONE, "正文。", TWO, "正文。"),
    *("三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"),
    *("五、存在的主要问题及改进情况", "问题。", "六、其他需要报告的事项", "无。"),
]  # every section written (三 and 四 have their tables)


@pytest.mark.parametrize(
    ("lines", "rule", "severity", "section"),
    [
        pytest.param(
            ["信息来源：某网站", *SECTIONS], "D-PREAMBLE", "info", "", id="preamble-unused"
        ),
        pytest.param(
            ["根据《条例》规定，现公布本报告。", *SECTIONS],
            "D-OPENING",
            "info",
            "",
            id="opening-used",
        ),
        pytest.param(
            [*SECTIONS, "青禾镇人民政府", "2026年1月5日"],
            "D-SIGNATURE",
            "info",
            "",
            id="signature-dropped",
        ),
        pytest.param(SECTIONS[2:], "D-EMPTY", "error", "s1", id="section-without-content"),
    ],
)
def test_each_composing_note_is_a_finding_of_its_rule(sample_path, lines, rule, severity, section):
    found = _compose_notes(read_workbook(sample_path), *lines)
    assert (rule, severity, section) in {(f.rule, f.severity, f.section) for f in found}
    assert not [f for f in found if f.severity == "error" and f.rule != "D-EMPTY"]


def test_a_reading_notes_severity_is_the_format_files():
    spec = spec_with_rule("2021", "D-HEADING", severity="error")
    n = split(spec, ONE, "正文。", "七、改进措施", TWO, "x")
    heading = [note for note in n.notes if note.rule == "D-HEADING"]
    assert [note.severity for note in heading] == [Severity.ERROR]


# ---------------------------------------------------------------------------------------------
# Word .docx


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


NUMBERING = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="3"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>
"""
SUBHEAD_NUMBERING = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="92">
  <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%1）"/></w:lvl>
</w:abstractNum>
"""
HEADING_NUMBERING = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="91">
  <w:lvl w:ilvl="0"><w:start w:val="6"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
</w:abstractNum>
"""


def _numbered(document, text: str, num_id: int, ilvl: int = 0):
    p = document.add_paragraph(text)
    p._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )
    return p


def _content_control(document, text: str) -> None:
    placeholder = document.add_paragraph()
    sdt = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent>"
        f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    placeholder._p.addprevious(sdt)
    placeholder._p.getparent().remove(placeholder._p)


@pytest.fixture
def clerk_docx(tmp_path) -> Path:
    """A narrative as a clerk writes it in Word: variant headings, emphasis, lists, a table."""
    d = docx.Document()
    numbering = d.part.numbering_part.element
    first_num = numbering.find("{*}num")
    for xml in (NUMBERING, SUBHEAD_NUMBERING, HEADING_NUMBERING):
        first_num.addprevious(parse_xml(xml))
    for num_id in (90, 91, 92):
        numbering.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                f'<w:abstractNumId w:val="{num_id}"/></w:num>'
            )
        )

    d.add_paragraph("青禾镇人民政府2025年政府信息公开工作年度报告", style="Title")
    d.add_paragraph("")
    d.add_paragraph("一.总体情况", style="Heading 1")
    p = d.add_paragraph("　　")
    p.add_run("全年主动公开").bold = True
    p.add_run("政府信息326条，").italic = True
    p.add_run("其中规范性文件2件。").underline = True
    d.add_paragraph("（一）主动公开", style="Heading 2")
    d.add_paragraph("（二）依申请公开。全年共收到申请17件，全部按期答复。")
    d.add_paragraph("【写作提示：收到、办结、结转的申请数，答复质量。写好后删除本段。】")
    _numbered(d, "政府信息管理", 92)  # Word numbering "（%1）" starting at 三
    d.add_paragraph("严格落实三审三校。")
    d.add_paragraph("二、政府信息主动公开情况")
    d.add_paragraph("３．收到和处理  政府信息公开申请情况")
    d.add_paragraph("本年度收到申请情况见下表。")
    table = d.add_table(rows=2, cols=3)
    for i, cell in enumerate(table._cells):
        cell.text = str(i)
    d.add_paragraph("四、 政府信息公开 行政复议、行政诉讼情况")
    heading = d.add_paragraph()
    heading.add_run("五、存在的主要问题及改进情况").add_break()
    heading.add_run("一是解读不够深入。")
    for text in ("加强政策解读", "推进村务公开", "开展专项培训"):
        d.add_paragraph(text, style="List Number")
    _numbered(d, "加强组织领导", 90, 0)
    _numbered(d, "成立领导小组", 90, 1)
    _numbered(d, "明确专人负责", 90, 1)
    _numbered(d, "完善工作制度", 90, 0)
    _numbered(d, "修订公开指南", 90, 1)
    d.add_picture(_png_file(tmp_path))
    _numbered(d, "其他需要报告的事项", 91, 0)
    _content_control(d, "本年度未收取信息处理费。")
    path = tmp_path / "正文.docx"
    d.save(str(path))
    return path


def _png_file(folder: Path) -> str:
    path = folder / "dot.png"
    path.write_bytes(_png())
    return str(path)


def test_docx_sections_emphasis_lists_tables_and_content_controls(spec2021, clerk_docx):
    before = hashlib.sha256(clerk_docx.read_bytes()).hexdigest()
    n = read_narrative(clerk_docx, spec2021)
    assert hashlib.sha256(clerk_docx.read_bytes()).hexdigest() == before
    assert n.source == "正文.docx"
    assert n.title == "青禾镇人民政府2025年政府信息公开工作年度报告"
    assert n.preamble == []
    assert n.found == ALL

    s1 = n.sections["s1"]
    assert s1[0].runs == (
        Run("全年主动公开", bold=True),
        Run("政府信息326条，", italic=True),
        Run("其中规范性文件2件。", underline=True),
    )
    assert s1[1] == Paragraph((Run("（一）主动公开"),), HEADING2)
    assert s1[2].runs[0] == Run("（二）依申请公开。", heading=True)
    assert s1[3] == Paragraph((Run("（三）政府信息管理"),), HEADING2)
    assert texts(s1[4:]) == ["严格落实三审三校。"]  # the guidance paragraph is gone

    assert texts(n.sections["s3"]) == ["本年度收到申请情况见下表。"]
    assert n.sections["s4"] == []

    s5 = n.sections["s5"]
    assert texts(s5)[0] == "一是解读不够深入。"  # after the line break in the heading
    items = [(p.kind, p.label, p.level, p.text) for p in s5[1:]]
    assert items == [
        (LIST_ITEM, "1.", 0, "加强政策解读"),
        (LIST_ITEM, "2.", 0, "推进村务公开"),
        (LIST_ITEM, "3.", 0, "开展专项培训"),
        (LIST_ITEM, "一、", 0, "加强组织领导"),
        (LIST_ITEM, "（3）", 1, "成立领导小组"),
        (LIST_ITEM, "（4）", 1, "明确专人负责"),
        (LIST_ITEM, "二、", 0, "完善工作制度"),
        (LIST_ITEM, "（3）", 1, "修订公开指南"),
    ]
    # A Word-numbered "六、" heading (w:start=6) is found, and the content control is read.
    assert texts(n.sections["s6"]) == ["本年度未收取信息处理费。"]

    messages = " ".join(note.message for note in n.notes)
    table_note = next(note for note in n.notes if "表格" in note.message)
    assert table_note.severity == "info" and "三、" in table_note.message
    assert "根据填报表生成的表格" in table_note.message
    picture = next(note for note in n.notes if "图片" in note.message)
    assert picture.severity == "warning" and "五、" in picture.message
    assert "提示文字" in messages
    assert notes(n, "warning") == [picture.text]


def test_docx_table_outside_table_sections_is_reported_as_unused(spec2021, tmp_path):
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    d.add_table(rows=1, cols=2).cell(0, 0).text = "主动公开"
    path = tmp_path / "t.docx"
    d.save(str(path))
    n = read_narrative(path, spec2021)
    [warning] = notes(n, "warning")
    assert "表格没有使用" in warning and "一、" in warning
    assert "填报表" not in warning


def test_docx_reads_what_word_shows_of_tracked_changes_hidden_text_and_links(spec2021, tmp_path):
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    p = d.add_paragraph("全年公开")
    p._p.append(
        parse_xml(f"<w:r {nsdecls('w')}><w:rPr><w:vanish/></w:rPr><w:t>隐藏的批注</w:t></w:r>")
    )
    for xml in (
        '<w:del w:id="1" w:author="a"><w:r><w:delText>300</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="a"><w:r><w:t>326</w:t></w:r></w:ins>',
        '<w:hyperlink><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>条信息</w:t></w:r></w:hyperlink>',
        '<w:r><w:rPr><w:b w:val="false"/><w:u w:val="none"/></w:rPr><w:t>。</w:t></w:r>',
    ):
        p._p.append(parse_xml(xml.replace(">", f" {nsdecls('w')}>", 1)))  # declare w: on the root
    path = tmp_path / "修订.docx"
    d.save(str(path))
    n = read_narrative(path, spec2021)
    assert n.sections["s1"] == [Paragraph((Run("全年公开326条信息。"),))]


def test_narrative_template_untouched_is_empty(spec2021, tmp_path):
    from nianbao.converters.narrative_template import write_narrative_template

    path = write_narrative_template(spec2021, tmp_path / "模板.docx", unit="青禾镇", year=2025)
    n = read_narrative(path, spec2021)
    assert n.found == ALL
    assert n.is_empty()
    assert n.title.startswith("青禾镇2025年")
    assert any("提示文字" in m for m in notes(n, "info"))


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [
        (3, "decimal", "3"),
        (3, "chineseCounting", "三"),
        (10, "chineseCounting", "十"),
        (12, "chineseCountingThousand", "十二"),
        (21, "japaneseCounting", "二十一"),
        (105, "chineseCounting", "一百零五"),
        (2, "ideographTraditional", "乙"),  # Word shows 甲乙丙 for this format
        (2, "lowerLetter", "b"),
        (28, "upperLetter", "BB"),
        (4, "lowerRoman", "iv"),
        (9, "upperRoman", "IX"),
        (1, "decimalEnclosedCircle", "①"),
        (20, "decimalEnclosedCircleChinese", "⑳"),
        (7, "decimalZero", "07"),
        (5, "none", ""),
        (5, "someFutureFormat", "5"),
    ],
)
def test_list_numbers_are_shown_as_word_shows_them(n, fmt, shown):
    assert _format_number(n, fmt) == shown


# ---------------------------------------------------------------------------------------------
# HTML and plain text

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>不要读我</title><style>p { color: red }</style><script>var x = "一、总体情况";</script>
</head><body>
<h1>青禾镇2025年政府信息公开工作年度报告</h1>
<div class="nav">首页 &gt; 政务公开</div>
<p>一、总体情况</p>
<p>全年&ldquo;三审三校&rdquo;&nbsp;&amp; <b>重点</b>领域<i>公开</i><u>到位</u>。<br>
第二行&#x3002;</p>
<p>二、主动公开政府信息情况</p>
<p>三、收到和处理政府信息公开申请情况</p>
<table><tr><td>申请</td><td>17</td></tr><tr><td>办结</td><td>16</td></tr></table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<h2>五、存在的主要问题及改进情况</h2>
<ol start="2"><li>解读<strong>不够</strong></li><li>培训不足</li></ol>
<ul><li><p>加强解读</p></li></ul>
<p>六、其他需要报告的事项</p><p>无。</p>
</body></html>"""


def test_html_in_gbk_with_entities_emphasis_lists_and_a_table(spec2021, tmp_path):
    path = tmp_path / "报告.htm"
    path.write_bytes(PAGE.encode("gbk"))
    n = read_narrative(path, spec2021)
    assert n.title == "青禾镇2025年政府信息公开工作年度报告"
    assert texts(n.preamble) == ["首页 > 政务公开"]
    assert n.found == ALL
    s1 = n.sections["s1"]
    assert texts(s1) == ["全年“三审三校” & 重点领域公开到位。", "第二行。"]
    assert Run("重点", bold=True) in s1[0].runs
    assert Run("公开", italic=True) in s1[0].runs
    assert Run("到位", underline=True) in s1[0].runs
    assert n.sections["s3"] == []
    s5 = n.sections["s5"]
    assert [(p.kind, p.label, p.text) for p in s5] == [
        (LIST_ITEM, "2.", "解读不够"),
        (LIST_ITEM, "3.", "培训不足"),
        (LIST_ITEM, "•", "加强解读"),
    ]
    assert Run("不够", bold=True) in s5[0].runs
    assert texts(n.sections["s6"]) == ["无。"]
    [table_note] = [note for note in n.notes if "表格" in note.message]
    assert "三、" in table_note.message
    assert "不要读我" not in repr(n) and "var x" not in repr(n)


def test_html_layout_table_around_the_article_is_read(spec2021, tmp_path):
    prose = "全年主动公开政府信息326条。重点公开了财政预决算信息。"
    page = (
        "<html><body><table><tr><td>索引号：123</td><td>发布机构：青禾镇</td></tr>"
        f"<tr><td colspan=2><p>一、总体情况</p><p>{prose}</p>"
        "<table><tr><td>0</td><td>1</td></tr></table>"
        "<p>五、存在的主要问题及改进情况</p><p>无。</p></td></tr></table></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    n = read_narrative(path, spec2021)
    assert n.found == ["s1", "s5"]
    assert texts(n.sections["s1"]) == [prose]
    assert texts(n.preamble) == ["索引号：123", "发布机构：青禾镇"]
    assert any("“一、" in note.message and "表格" in note.message for note in n.notes)


TEXT = (
    "\ufeff一、总体情况\r\n\r\n　　全年主动公开信息326条。　\r\n| 项目 | 数量 | 备注 |\r\n"
    "五、存在的主要问题及改进情况\r\n无。\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_plain_text_in_common_encodings(spec2021, tmp_path, encoding):
    path = tmp_path / "正文.TXT"
    data = TEXT.lstrip("\ufeff").encode(encoding) if encoding != "utf-8" else TEXT.encode()
    path.write_bytes(data)
    n = read_narrative(path, spec2021)
    assert n.found == ["s1", "s5"]
    assert texts(n.sections["s1"]) == ["全年主动公开信息326条。"]
    assert texts(n.sections["s5"]) == ["无。"]
    assert any("表格没有使用" in m for m in notes(n, "warning"))


def _rows(paragraphs: list[Paragraph]) -> list[tuple[str, ...]]:
    return [row for p in paragraphs if p.kind == TABLE_MARKER for row in p.cells]


def test_a_pipe_row_keeps_its_empty_cells_and_ruling_lines_are_dropped():
    # A real Markdown copy of a PDF (tests/data/reports, 上海市科委 2024): its rows end in "|  |".
    paragraphs = read_txt(REPORTS / "002_shanghai_kewei_2024.md")
    rows = _rows(paragraphs)
    first = next(r for r in rows if r[0] == "一、本年新收政府信息公开申请数量")
    assert first == ("一、本年新收政府信息公开申请数量", "32", "2", "0", "0", "0", "0", "34", "")
    assert not [r for r in rows if all(set(c) <= set("-:|") for c in r)]
    assert "二、收到和处理政府信息公开申请情况" in texts(paragraphs)  # a Markdown heading's text


def test_tab_separated_rows_are_table_rows_and_a_tab_in_prose_is_not(tmp_path):
    # How a spreadsheet saves a table: the cells of a row between tabs, empty cells kept.
    path = tmp_path / "表格.txt"
    path.write_text(
        "规章\t\t0\t0\t0\t\n"
        "一、本年新收政府信息公开申请数量\t\t\t26\t\t\t\t\t\t26\n"
        "（一）主动公开\t全年主动公开政府信息249条，其中行政公文9条。发布政策解读信息3条。\n",
        encoding="utf-8",
    )
    paragraphs = read_txt(path)
    assert _rows(paragraphs) == [
        ("规章", "", "0", "0", "0", ""),
        ("一、本年新收政府信息公开申请数量", "", "", "26", "", "", "", "", "", "26"),
    ]
    assert texts(paragraphs)[-1].startswith("（一）主动公开")


# ---------------------------------------------------------------------------------------------
# The workbook's 正文 sheet


def test_workbook_text_sheet_gives_sections_and_subheads(sample_path, sample):
    wb = read_workbook(sample_path)
    n = narrative_from_workbook(wb)
    spec = wb.spec
    assert n.source == spec.sheets.text
    heads = [c.label for c in spec.text_cells if c.heading]
    s1 = n.sections["s1"]
    assert [p.text for p in s1 if p.kind == HEADING2] == heads
    assert s1[0].text == sample.texts["s1_intro"]
    assert s1[1].text == heads[0] and s1[2].text == sample.texts["s1_1"]
    assert texts(n.sections["s5"]) == [sample.texts["s5"]]
    assert texts(n.sections["s6"]) == [sample.texts["s6"]]
    assert n.sections["s2"] == n.sections["s3"] == n.sections["s4"] == []
    assert n.found == ["s1", "s5", "s6"]
    assert n.notes == [] and n.title == "" and n.preamble == []


def test_workbook_empty_cell_gives_no_heading_and_lines_give_paragraphs(build, sample):
    texts_ = dict(sample.texts)
    texts_["s1_3"] = ""
    texts_["s5"] = "第一行\n\n　第二行　\n"
    wb = read_workbook(build(sample, texts=texts_))
    n = narrative_from_workbook(wb)
    labels = [p.text for p in n.sections["s1"] if p.kind == HEADING2]
    skipped = next(c.label for c in wb.spec.text_cells if c.code == "s1_3")
    assert skipped not in labels and len(labels) == 4
    assert texts(n.sections["s5"]) == ["第一行", "第二行"]


# ---------------------------------------------------------------------------------------------
# Bad input: always a NarrativeError with a Chinese message and an action, never anything else


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A .docx whose document part expands to 150 MB (300 KB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(150):
                f.write(block)
    return path


def _many_parts(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for i in range(2000):
            z.writestr(f"word/media/{i}.xml", "")
    return path


def _broken_xml(path: Path) -> Path:
    good = path.with_name("good.docx")
    docx.Document().save(str(good))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return path


def _workbook_renamed(path: Path, sample_path: Path) -> Path:
    path.write_bytes(sample_path.read_bytes())
    return path


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        (
            "旧格式.doc",
            lambda p, s: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600),
            "另存为 .docx",
        ),
        ("正文.wps", lambda p, s: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600), "另存为 .docx"),
        ("坏的.pdf", lambda p, s: p.write_bytes(b"%PDF-1.4\n"), "文件损坏"),
        ("正文", lambda p, s: p.write_text("一、总体情况"), "另存为 .docx"),
        ("不是压缩包.docx", lambda p, s: p.write_text("一、总体情况", "utf-8"), "不是有效的 .docx"),
        ("空.docx", lambda p, s: p.write_bytes(b""), "空的"),
        ("空.txt", lambda p, s: p.write_bytes(b""), "空的"),
        ("空.html", lambda p, s: p.write_bytes(b""), "空的"),
        ("二进制.txt", lambda p, s: p.write_bytes(b"PK\x03\x04\x00\x00\xff"), "不是纯文本"),
        ("部件太多.docx", lambda p, s: _many_parts(p), "过大"),
        ("坏的.docx", lambda p, s: _broken_xml(p), "无法读取 Word 文件"),
        ("填报表.docx", _workbook_renamed, "无法读取 Word 文件"),
    ],
)
def test_bad_files_raise_narrative_error(spec2021, tmp_path, sample_path, name, make, says):
    path = tmp_path / name
    make(path, sample_path)
    with pytest.raises(NarrativeError) as info:
        read_narrative(path, spec2021)
    assert says in str(info.value)
    assert CHINESE.search(info.value.message) and info.value.action


def test_zip_bomb_is_refused_before_reading(spec2021, bomb):
    with pytest.raises(NarrativeError, match="过大") as info:
        read_narrative(bomb, spec2021)
    assert info.value.action


def test_missing_file_is_a_narrative_error(spec2021, tmp_path):
    with pytest.raises(NarrativeError, match="找不到正文文件"):
        read_narrative(tmp_path / "没有这个文件.docx", spec2021)
    with pytest.raises(NarrativeError, match="找不到正文文件"):
        read_narrative(tmp_path, spec2021)  # a folder


def test_web_page_furniture_is_left_out_with_a_note(spec2021, tmp_path):
    """Buttons copied with a web page are not text of the report (issue 16)."""
    path = tmp_path / "网页.txt"
    path.write_text(
        "【字体：大 中 小】 打印 关闭\n一、总体情况\n全年主动公开政府信息。\n"
        "六、其他需要报告的事项\n无。\n【打印本页】【关闭窗口】\n",
        encoding="utf-8",
    )
    n = read_narrative(path, spec2021)
    everything = texts(n.preamble) + [t for ps in n.sections.values() for t in texts(ps)]
    assert not any("打印" in t for t in everything)
    assert texts(n.sections["s6"]) == ["无。"]
    (note,) = [f for f in n.notes if f.rule == "D-FURNITURE"]
    assert "共 2 行" in note.text and "字体" in note.text


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_control_characters_taken_out_are_counted_by_part(spec2021, tmp_path, suffix):
    """Issue 21: characters XML cannot hold were dropped from the report without a word."""
    lines = [
        "一、总体情况",
        "全年\x01主动公开\x1b政府信息。",
        "六、其他需要报告的事项",
        "无\ufffe。",
    ]
    path = tmp_path / f"正文{suffix}"
    body = "\n".join(lines) if suffix == ".txt" else "".join(f"<p>{t}</p>" for t in lines)
    path.write_text(body, encoding="utf-8")
    n = read_narrative(path, spec2021)
    assert texts(n.sections["s6"]) == ["无。"]
    (note,) = [f for f in n.notes if f.rule == "D-CONTROL"]
    assert "3 个" in note.text
    assert (
        "“一、总体情况”部分 2 个" in note.text and "“六、其他需要报告的事项”部分 1 个" in note.text
    )


def test_a_narrative_without_control_characters_has_no_such_note(spec2021, tmp_path):
    path = tmp_path / "正文.txt"
    path.write_text("一、总体情况\n全年主动公开政府信息。\n", encoding="utf-8")
    assert [f for f in read_narrative(path, spec2021).notes if f.rule == "D-CONTROL"] == []


@pytest.mark.parametrize("pattern", ["<!--", '<a href="', "<x", "</", "<!"])
def test_broken_markup_is_read_in_bounded_time(sample_path, tmp_path, pattern):
    """Issue 21: Python's HTMLParser is quadratic on unclosed tags (100 KB of "<!--" took 14 s,
    of '<a href="' over a minute); the page is first repaired by libxml2. The bound is the
    subprocess's timeout (the quadratic parser needs many minutes on this page)."""
    import subprocess
    import sys

    page = tmp_path / "坏网页.html"
    page.write_text("<html><body><p>一、总体情况</p><p>正文。</p>" + pattern * 50_000, "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "nianbao", "check", str(sample_path), "--narrative", str(page)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_a_text_file_far_larger_than_a_report_is_refused_before_parsing(spec2021, tmp_path):
    big = tmp_path / "大.txt"
    big.write_bytes(("一、总体情况\n" + "政府 信息 公开 " * 400_000).encode("utf-8"))
    with pytest.raises(NarrativeError, match="过大") as info:
        read_narrative(big, spec2021)
    assert info.value.action


def test_a_docx_whose_text_unpacks_huge_is_refused(spec2021, tmp_path):
    """Issue 21: a 96 KB .docx whose document.xml unpacks to tens of MB took minutes to read."""
    import zipfile

    source = tmp_path / "ok.docx"
    docx.Document().save(str(source))
    huge = tmp_path / "大.docx"
    paragraph = "<w:p><w:r><w:t>政府信息公开</w:t></w:r></w:p>"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + paragraph.encode() * 250_000)
            z.writestr(info, data)
    assert huge.stat().st_size < 1_000_000
    with pytest.raises(NarrativeError, match="过大") as info:
        read_narrative(huge, spec2021)
    assert info.value.action
