"""The Word/HTML report: structure, official table layout, typography, numbers, safety."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from nianbao.converters.docx_verify import read_docx_tables, table_mismatches, verify_docx
from nianbao.converters.export import ExportRefused, ExportRequest, export_report
from nianbao.converters.html_writer import read_html_tables
from nianbao.converters.narrative import read_narrative
from nianbao.converters.narrative_template import write_narrative_template
from nianbao.converters.word_styles import FontSet
from nianbao.errors import ExportError, OutputExistsError
from nianbao.validation import Finding
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.compute import input_keys, recompute
from nianbao.workbook_templates.spec import CellKey

from .conftest import SEEDS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(part).decode("utf-8")


def _texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


@pytest.fixture
def exported(tmp_path, sample_path, previous_path):
    out = tmp_path / "报告.docx"
    result = export_report(
        ExportRequest(
            workbook=sample_path, docx=out, html=tmp_path / "报告.html", previous=previous_path
        )
    )
    return out, result


def test_report_has_title_opening_sections_in_order_and_signature(exported, spec2021):
    out, result = exported
    texts = [t for t in _texts(out) if t.strip()]
    assert texts[0] == "青禾镇人民政府\n2025年政府信息公开工作年度报告"
    opening = texts[1]
    assert "统计期限自2025年1月1日起至2025年12月31日止" in opening
    assert "https://www.example.gov.cn/qinghe/" in opening
    assert spec2021.notice in opening
    headings = [f"{s.number}、{s.title}" for s in spec2021.sections]
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    assert texts[-2:] == ["青禾镇人民政府", "2026年1月15日"]
    assert not result.draft_marked
    assert "（一）主动公开" in texts


def test_explanation_text_stays_above_its_table(tmp_path, build, sample):
    texts = dict(sample.texts, s3_note="本年度依申请公开情况见下表。")
    path = build(replace(sample, texts=texts))
    out = tmp_path / "r.docx"
    export_report(ExportRequest(workbook=path, docx=out))
    body = docx.Document(str(out)).element.body
    kinds = [(el.tag.split("}")[1], "".join(t.text or "" for t in el.iter(f"{W}t"))) for el in body]
    note = next(i for i, (k, t) in enumerate(kinds) if t == "本年度依申请公开情况见下表。")
    assert kinds[note + 1][0] == "tbl"
    assert kinds[note - 1][1].startswith("三、")


def _spans(path: Path, table_index: int) -> list[tuple[int, int, int, str, str]]:
    """Return (row, col, gridSpan, vMerge, text) of every w:tc of a table."""
    from xml.etree import ElementTree as ET

    body = ET.fromstring(_xml(path, "word/document.xml")).find(f"{W}body")
    tbl = body.findall(f"{W}tbl")[table_index]
    out = []
    for r, tr in enumerate(tbl.findall(f"{W}tr")):
        col = 0
        for tc in tr.findall(f"{W}tc"):
            pr = tc.find(f"{W}tcPr")
            gs = pr.find(f"{W}gridSpan")
            span = int(gs.get(f"{W}val")) if gs is not None else 1
            vm = pr.find(f"{W}vMerge")
            merge = "" if vm is None else vm.get(f"{W}val", "continue")
            out.append((r, col, span, merge, "".join(tc.itertext())))
            col += span
    return out


def test_table_three_has_the_official_merged_layout(exported):
    out, _ = exported
    cells = _spans(out, 1)
    corner = next(c for c in cells if c[4].startswith("（本列数据的勾稽关系为"))
    assert corner[:4] == (0, 0, 3, "restart")
    assert [c[:4] for c in cells if c[1] == 0 and c[0] in (1, 2)] == [
        (1, 0, 3, "continue"),
        (2, 0, 3, "continue"),
    ]
    assert next(c for c in cells if c[4] == "申请人情况")[2] == 7
    assert next(c for c in cells if c[4] == "法人或其他组织")[2] == 5
    assert next(c for c in cells if c[4] == "自然人")[3] == "restart"
    outcome = next(c for c in cells if c[4] == "三、本年度办理结果")
    assert outcome[3] == "restart"
    continued = [c for c in cells if c[1] == 0 and c[3] == "continue" and c[0] > 3]
    assert len(continued) == 21  # the 22 rows of 三、本年度办理结果 share one label cell
    assert next(c for c in cells if c[4] == "（三）不予公开")[3] == "restart"
    total_row = next(c for c in cells if c[4] == "四、结转下年度继续办理")
    assert total_row[2] == 3
    assert sum(c[2] for c in cells if c[0] == 10) == 10


def test_table_two_keeps_its_four_captioned_sub_tables(exported):
    out, _ = exported
    cells = _spans(out, 0)
    captions = [c for c in cells if c[2] == 4]
    assert [c[4] for c in captions] == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]
    single = [c for c in cells if c[4] == "本年处理决定数量"]
    assert [c[2] for c in single] == [3, 3]


def test_header_rows_repeat_and_rows_never_split(exported):
    out, _ = exported
    xml = _xml(out, "word/document.xml")
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)
    assert len(tables) == 3
    for tbl, header_rows in zip(tables, (0, 3, 3), strict=True):
        rows = re.findall(r"<w:tr>.*?</w:tr>", tbl, re.S)
        assert all("<w:cantSplit/>" in r for r in rows)
        assert ["<w:tblHeader/>" in r for r in rows[:header_rows]] == [True] * header_rows
        assert not any("<w:tblHeader/>" in r for r in rows[header_rows:])


def test_page_setup_fonts_and_page_numbers_follow_gb9704(exported):
    out, _ = exported
    document = docx.Document(str(out))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    styles = _xml(out, "word/styles.xml")
    for name, font, size in (
        ("报告标题", "方正小标宋简体", 44),
        ("报告正文", "仿宋_GB2312", 32),
        ("一级标题", "黑体", 32),
        ("二级标题", "楷体_GB2312", 32),
        ("页码", "宋体", 28),
    ):
        style = re.search(rf'<w:style [^>]*w:styleId="{name}".*?</w:style>', styles, re.S)
        assert style, name
        assert f'w:eastAsia="{font}"' in style.group(0)
        assert f'<w:sz w:val="{size}"/>' in style.group(0)
    body = re.search(r'w:styleId="报告正文".*?</w:style>', styles, re.S).group(0)
    assert 'w:firstLineChars="200"' in body
    assert "<w:evenAndOddHeaders/>" in _xml(out, "word/settings.xml")
    footers = [n for n in zipfile.ZipFile(out).namelist() if n.startswith("word/footer")]
    xmls = [_xml(out, f) for f in footers]
    assert len([x for x in xmls if "PAGE" in x and "— " in x and " —" in x]) == 2
    aligned = {re.search(r'<w:jc w:val="(\w+)"/>', x).group(1) for x in xmls if "PAGE" in x}
    assert aligned == {"right", "left"}


def test_fallback_fonts_replace_the_gb2312_fonts(tmp_path, sample_path):
    out = tmp_path / "r.docx"
    export_report(ExportRequest(workbook=sample_path, docx=out, fonts=FontSet.common()))
    styles = _xml(out, "word/styles.xml")
    assert "_GB2312" not in styles and "方正小标宋" not in styles
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="楷体"' in styles


def _distinct_request(sample, spec):
    """Return a request in which every input cell holds a different value."""
    values = {
        k: Decimal(i + 1) if spec.value_type(k) != "text" else f"{i + 1}.5万元"
        for i, k in enumerate(input_keys(spec))
    }
    year = 2025 if spec.format_version == "2021" else 2020
    request = replace(sample, values=values, year=year, format_version=spec.format_version)
    return request, values


@pytest.mark.parametrize("version", ["2021", "2019"])
def test_every_table_number_round_trips_through_word_and_html(tmp_path, build, sample, version):
    """Each input cell gets a different number (the rules then fail, so this is a draft)."""
    from nianbao.workbook_templates.loader import load_spec

    spec = load_spec(version)
    request, inputs = _distinct_request(sample, spec)
    path = build(request)
    out, html = tmp_path / "r.docx", tmp_path / "r.html"
    result = export_report(ExportRequest(workbook=path, docx=out, html=html, draft=True))
    assert result.draft_marked
    numbers = {k: v for k, v in inputs.items() if isinstance(v, Decimal)}
    expected = {**inputs, **recompute(spec, numbers)}
    for source in (read_docx_tables(out), read_html_tables(html.read_text("utf-8"))):
        for grid, table in zip(source, spec.tables, strict=True):
            lay = L.table_layout(table)
            for key in table.value_keys():
                cell = lay.cell(key)
                assert grid[cell.row - L.FIRST_BLOCK_ROW][cell.col] == str(expected[key]), key


def test_verification_catches_a_table_that_does_not_show_the_data(exported, tmp_path):
    out, result = exported
    from nianbao.converters.compose import compose_report
    from nianbao.converters.narrative import narrative_from_workbook
    from nianbao.workbook_templates import read_workbook

    wb = read_workbook(result.report.file)
    doc, _ = compose_report(wb, narrative_from_workbook(wb))
    verify_docx(out, doc)  # the written file is right
    wrong = replace(doc, values={**doc.values, CellKey("t3", "r1", "c1"): "15"})
    with pytest.raises(ExportError, match="不一致"):
        verify_docx(out, wrong)
    assert table_mismatches(wrong, read_docx_tables(out)) == ["t3.r1.c1：应为“15”，文件中为“14”"]


@pytest.fixture
def broken_path(build, sample) -> Path:
    """The sample with table 三's 结转 column no longer balancing (an H3-1 error)."""
    values = dict(sample.values)
    values[CellKey("t3", "r4", "c1")] = Decimal(3)
    return build(replace(sample, values=values), "broken.xlsx")


def _narrative(folder: Path, first_section: str) -> Path:
    """Write a .txt narrative with the given text under 一 and a line under 五 and 六."""
    path = folder / "正文.txt"
    path.write_text(
        f"一、总体情况\n{first_section}\n五、存在的主要问题及改进情况\n无。\n"
        "六、其他需要报告的事项\n无。\n",
        encoding="utf-8",
    )
    return path


def test_workbook_with_errors_is_refused_without_a_file(tmp_path, broken_path):
    path = broken_path
    out = tmp_path / "r.docx"
    with pytest.raises(ExportRefused) as info:
        export_report(ExportRequest(workbook=path, docx=out, html=tmp_path / "r.html"))
    assert info.value.report.counts["error"] >= 1
    assert "--draft" in info.value.action
    assert list(tmp_path.glob("r.*")) == []


def test_draft_marks_every_page_of_a_failing_workbook(tmp_path, broken_path):
    path = broken_path
    out, html = tmp_path / "r.docx", tmp_path / "r.html"
    result = export_report(ExportRequest(workbook=path, docx=out, html=html, draft=True))
    assert result.draft_marked
    headers = [n for n in zipfile.ZipFile(out).namelist() if n.startswith("word/header")]
    marked = [h for h in headers if "草稿（未通过校验）" in _xml(out, h)]
    assert len(marked) == 2  # odd and even pages
    assert "草稿（未通过校验）" in html.read_text("utf-8")


def test_existing_output_is_not_overwritten_unless_forced(tmp_path, sample_path):
    out = tmp_path / "r.docx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        export_report(ExportRequest(workbook=sample_path, docx=out))
    assert out.read_bytes() == b"keep me"
    export_report(ExportRequest(workbook=sample_path, docx=out, force=True))
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx", "sample.xlsx"]


def test_fields_in_the_narrative_become_table_numbers(tmp_path, sample_path):
    narrative = _narrative(
        tmp_path,
        "全年收到申请{表三.本年新收.总计}件，不予公开{表三.不予公开.总计}件，"
        "行政诉讼｛表四.行政诉讼｝件。",
    )
    out = tmp_path / "r.docx"
    export_report(ExportRequest(workbook=sample_path, docx=out, narrative=narrative))
    assert "全年收到申请17件，不予公开1件，行政诉讼1件。" in _texts(out)


def test_unknown_field_is_an_error_naming_it(tmp_path, sample_path):
    narrative = _narrative(tmp_path, "收到{表三.本年新收.合计}件。")
    out = tmp_path / "r.docx"
    with pytest.raises(ExportError) as info:
        export_report(ExportRequest(workbook=sample_path, docx=out, narrative=narrative))
    assert "{表三.本年新收.合计}" in info.value.message
    assert "{表三.本年新收.总计}" in info.value.message
    assert "nianbao fields" in info.value.action
    assert not out.exists()


def test_clerks_docx_keeps_emphasis_and_a_field_split_across_runs(tmp_path, sample_path):
    source = docx.Document()
    source.add_paragraph("青禾镇人民政府2025年政府信息公开工作年度报告")
    source.add_paragraph("一、总体情况")
    p = source.add_paragraph("全年收到申请")
    p.add_run("{表三.本年").bold = True
    p.add_run("新收.总计}件").bold = True
    p.add_run("，均已按时答复。").italic = True
    source.add_paragraph("五、存在的主要问题及改进情况")
    source.add_paragraph("政策解读不够。")
    source.add_paragraph("六、其他需要报告的事项")
    source.add_paragraph("无。")
    narrative = tmp_path / "正文.docx"
    source.save(str(narrative))
    out = tmp_path / "r.docx"
    export_report(ExportRequest(workbook=sample_path, docx=out, narrative=narrative))
    para = next(p for p in docx.Document(str(out)).paragraphs if p.text.startswith("全年收到"))
    assert para.text == "全年收到申请17件，均已按时答复。"
    runs = [(r.text, bool(r.bold), bool(r.italic)) for r in para.runs]
    assert ("17", True, False) in runs or ("17件", True, False) in runs
    assert ("，均已按时答复。", False, True) in runs


def test_published_report_text_works_as_narrative(tmp_path, sample_path):
    """Seed 004 is a real published report: its six sections land under the right headings."""
    out = tmp_path / "r.docx"
    narrative = SEEDS / "004_ffd40503d4e8776a.txt"
    # It still holds "[具体重大决策项目]", "“具体重大政策名称”" and the format's notes on 表二
    # and 表四.
    with pytest.raises(ExportRefused) as info:
        export_report(ExportRequest(workbook=sample_path, docx=out, narrative=narrative))
    errors = [f.rule for f in info.value.report.findings if f.severity == "error"]
    # Its numbers are not the sample's (N-NUMBER warnings), nor its year (紫金县 2024, the
    # sample 2025): the title is the report's, not the narrative's, but its text says 2024.
    assert errors == ["N-LEFTOVER"] * 4 + ["N-YEAR"]
    export_report(ExportRequest(workbook=sample_path, docx=out, narrative=narrative, draft=True))
    texts = _texts(out)
    first = texts.index("一、总体情况")
    second = texts.index("二、主动公开政府信息情况")
    assert any("紫金县人民政府秉持公开透明原则" in t for t in texts[first:second])
    assert texts.index("五、存在的主要问题及改进情况") < texts.index("六、其他需要报告的事项")


def test_narrative_template_round_trip(tmp_path, sample_path, spec2021):
    template = tmp_path / "正文模板.docx"
    write_narrative_template(spec2021, template, unit="青禾镇人民政府", year=2025)
    untouched = read_narrative(template, spec2021)
    assert all(
        not paras or all(p.kind == "heading2" for p in paras)
        for paras in untouched.sections.values()
    )
    # The clerk replaces each guidance paragraph with text.
    document = docx.Document(str(template))
    for p in document.paragraphs:
        if p.text.startswith("【写作提示"):
            p.text = "本部分已填写，共{表三.本年新收.总计}件。"
        elif p.text.startswith("【"):
            p._element.getparent().remove(p._element)
    filled = tmp_path / "正文.docx"
    document.save(str(filled))
    out = tmp_path / "r.docx"
    result = export_report(ExportRequest(workbook=sample_path, docx=out, narrative=filled))
    texts = _texts(out)
    assert texts.count("本部分已填写，共17件。") == 8  # intro, five sub-heads, 五, 六
    assert not any("【" in t for t in texts)
    assert not [n for n in result.notes if n.severity == "error"]


def test_empty_required_section_refuses_the_export(tmp_path, sample_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n内容。\n六、其他需要报告的事项\n无。\n", encoding="utf-8")
    with pytest.raises(ExportRefused) as info:
        export_report(
            ExportRequest(workbook=sample_path, docx=tmp_path / "r.docx", narrative=narrative)
        )
    assert any("五、存在的主要问题及改进情况" in n.message for n in info.value.notes)


def test_a_narrative_file_over_the_text_sheet_is_a_d_file_note(tmp_path, sample_path, spec2021):
    narrative = _narrative(tmp_path, "全年主动公开政府信息326条。")
    result = export_report(
        ExportRequest(workbook=sample_path, html=tmp_path / "r.html", narrative=narrative)
    )
    (used,) = [n for n in result.notes if n.rule == "D-FILE"]
    assert isinstance(used, Finding) and used.severity == spec2021.rule("D-FILE").severity == "info"
    assert used.text == f"正文取自 正文.txt；填报表「{spec2021.sheets.text}」表中的文字未使用。"


def test_web_page_junk_before_section_one_is_left_out_with_a_note(tmp_path, sample_path):
    """Seed 003 is a web page: 信息来源/发布时间/浏览次数 must not become the report's opening."""
    out = tmp_path / "r.docx"
    result = export_report(
        ExportRequest(workbook=sample_path, docx=out, narrative=SEEDS / "003_ea814e481b17270c.txt")
    )
    texts = _texts(out)
    assert not any(t.startswith(("信息来源", "发布时间", "浏览次数")) for t in texts)
    assert any("浏览次数" in n.message and "未使用" in n.message for n in result.notes)


def test_clerks_own_signature_is_not_printed_twice(tmp_path, sample_path):
    """Seed 004 ends with its own unit and date; the report prints the workbook's signature."""
    out = tmp_path / "r.docx"
    result = export_report(
        ExportRequest(
            workbook=sample_path,
            docx=out,
            narrative=SEEDS / "004_ffd40503d4e8776a.txt",
            draft=True,
        )
    )
    texts = [t for t in _texts(out) if t.strip()]
    assert "2025年1月17日" not in texts
    assert texts[-2:] == ["青禾镇人民政府", "2026年1月15日"]
    assert any("落款" in n.message for n in result.notes)


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_seed_exports_as_a_draft_with_the_six_headings(tmp_path, sample_path, seed):
    """Real report texts as narratives: whatever their state, the report keeps its structure."""
    out = tmp_path / "r.docx"
    result = export_report(
        ExportRequest(workbook=sample_path, docx=out, narrative=SEEDS / seed, draft=True)
    )
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "一级标题"]
    assert [h[0] for h in headings] == list("一二三四五六")
    assert len(read_docx_tables(out)) == 3
    assert result.narrative.source.endswith(seed)


def test_progress_is_reported_and_cancel_stops_before_writing(tmp_path, sample_path):
    from nianbao.errors import Cancelled

    steps = []
    out = tmp_path / "r.docx"
    export_report(
        ExportRequest(workbook=sample_path, docx=out),
        progress=lambda fraction, message: steps.append((fraction, message)),
    )
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(steps) >= 4
    calls = []

    def cancel_at_third_step() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Cancelled):
        export_report(
            ExportRequest(workbook=sample_path, docx=tmp_path / "c.docx"),
            cancelled=cancel_at_third_step,
        )
    assert not (tmp_path / "c.docx").exists()


def test_cancel_after_writing_began_finishes_every_requested_file(tmp_path, sample_path):
    messages: list[str] = []
    docx, html = tmp_path / "r.docx", tmp_path / "r.html"
    result = export_report(
        ExportRequest(workbook=sample_path, docx=docx, html=html),
        progress=lambda fraction, message: messages.append(message),
        cancelled=lambda: "生成 Word 文件" in messages,  # cancel pressed while Word is written
    )
    assert docx.exists() and html.exists()
    assert [path for _, path in result.written] == [docx, html]


def test_the_five_seed_texts_are_present():
    """The seed tests are parametrised over the folder: an empty folder must not pass silently."""
    assert len(list(SEEDS.glob("*.txt"))) == 5


def test_control_characters_in_a_pasted_narrative_do_not_stop_the_export(tmp_path, sample_path):
    """Issue 21: \\x01, \\x1b or U+FFFE in a .txt or .html narrative ended in exit 3."""
    from .test_cli import assert_no_traceback, nianbao

    text = tmp_path / "正文.txt"
    text.write_text(
        "一、总体情况\n全年\x01主动公开\x1b信息\ufffe。\n五、存在的主要问题及改进情况\n无。\n"
        "六、其他需要报告的事项\n无。\n",
        encoding="utf-8",
    )
    page = tmp_path / "正文.html"
    page.write_text(
        "<html><body><p>一、总体情况</p><p>全年\x01主动公开。</p></body></html>", encoding="utf-8"
    )
    for narrative in (text, page):
        out = tmp_path / f"{narrative.suffix[1:]}.docx"
        result = nianbao("export", sample_path, "--narrative", narrative, "-o", out, "--draft")
        assert_no_traceback(result)
        assert result.returncode in (0, 1), result.stderr
        assert out.exists()
        import docx

        body = "\n".join(p.text for p in docx.Document(out).paragraphs)
        assert "全年主动公开" in body and "\x01" not in body


@pytest.mark.parametrize("which", ["report", "narrative-template"])
def test_the_word_package_is_chinese_and_ours(tmp_path, sample_path, spec2021, which):
    """Issue 17: the styles said en-US and the theme Japanese (so LibreOffice took JP glyphs and
    text added in Normal got a Japanese font), the font table named no Chinese font, app.xml said
    "Microsoft Macintosh Word", and python-docx's thumbnail and stylesWithEffects remained."""
    if which == "report":
        path = tmp_path / "r.docx"
        export_report(ExportRequest(workbook=sample_path, docx=path))
    else:
        path = write_narrative_template(spec2021, tmp_path / "正文.docx", unit="青禾镇", year=2025)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        part = {n: z.read(n).decode("utf-8") for n in names if n.endswith(".xml")}
    assert "docProps/thumbnail.jpeg" not in names and "word/stylesWithEffects.xml" not in names
    assert "thumbnail" not in part["[Content_Types].xml"]
    langs = re.findall(r"<w:lang [^>]*>", part["word/styles.xml"])
    assert langs and all('w:eastAsia="zh-CN"' in lang for lang in langs)
    assert 'w:eastAsia="ja-JP"' not in part["word/settings.xml"]
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", part["word/styles.xml"]).group(0)
    assert 'w:eastAsia="仿宋_GB2312"' in defaults  # what text added in Normal is set in
    theme = part["word/theme/theme1.xml"]
    assert 'script="Jpan"' not in theme and '<a:ea typeface="宋体"/>' in theme
    fonts = part["word/fontTable.xml"]
    assert "ＭＳ" not in fonts
    for name in ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"):
        assert re.search(rf'<w:font w:name="{name}"><w:charset w:val="86"/>', fonts), name
    assert "<Application>年报助手 nianbao</Application>" in part["docProps/app.xml"]
    assert "Microsoft" not in part["docProps/app.xml"]
    docx.Document(path)  # python-docx still opens it


def _fontconfig(tmp_path, *folders: str) -> dict[str, str]:
    """Return an environment whose fontconfig knows only the fonts in ``folders``."""
    import os

    dirs = "".join(f"<dir>{f}</dir>" for f in folders)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig>{dirs}<cachedir>{tmp_path}/fc-cache</cachedir>'
        "</fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def test_export_names_the_official_fonts_this_computer_lacks(tmp_path, sample_path):
    """Issue 17: --pdf silently embedded stand-ins for 仿宋_GB2312/方正小标宋简体."""
    import shutil
    import subprocess
    import sys

    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")

    def export(env, *extra):
        return subprocess.run(
            [sys.executable, "-m", "nianbao", "export", str(sample_path), "--force", *extra],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=120,
        )

    bare = export(_fontconfig(tmp_path), "-o", str(tmp_path / "r.docx"))
    assert bare.returncode == 0, bare.stderr
    assert "方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312" in bare.stdout
    assert "--fonts common" in bare.stdout
    noto = _fontconfig(tmp_path, "/usr/share/fonts/opentype/noto")
    chosen = export(
        noto,
        "-o",
        str(tmp_path / "n.docx"),
        *[f"--font={role}=Noto Serif CJK SC" for role in ("title", "body", "heading1")],
        *[f"--font={role}=Noto Serif CJK SC" for role in ("heading2", "table")],
    )
    assert chosen.returncode == 0, chosen.stderr
    if (
        "Noto Serif CJK SC"
        in subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, env=noto
        ).stdout
    ):
        assert "没有安装" not in chosen.stdout  # every font found: nothing to say


def test_export_never_writes_over_its_narrative(tmp_path, sample_path, spec2021):
    """Issue 21: `export … --narrative X.docx -o X.docx --force` overwrote the narrative."""
    from .test_cli import assert_no_traceback, nianbao

    narrative = write_narrative_template(spec2021, tmp_path / "正文.docx", unit="青禾镇", year=2025)
    before = narrative.read_bytes()
    result = nianbao(
        "export", sample_path, "--narrative", narrative, "-o", narrative, "--force", "--draft"
    )
    assert result.returncode == 2 and "不能是输入的正文文件" in result.stderr
    assert_no_traceback(result)
    assert narrative.read_bytes() == before
