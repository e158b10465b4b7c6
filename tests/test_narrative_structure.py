"""The structure checks of the narrative: parts, numbering, contents, years, copied text."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nianbao.converters.narrative import read_narrative
from nianbao.validation import validate
from nianbao.validation.narrative_checks import narrative_findings
from nianbao.validation.narrative_structure import narrative_structure_findings, similarity
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.loader import load_spec
from nianbao.workbook_templates.sample import sample_request

from .conftest import SEEDS
from .test_cli import assert_no_traceback, nianbao

S1 = [
    "一、总体情况",
    "（一）主动公开",
    "全年主动公开政府信息，及时发布重点领域信息。",
    "（二）依申请公开",
    "依法办理政府信息公开申请，答复规范。",
    "（三）政府信息管理",
    "严格落实发布审核和保密审查制度。",
    "（四）平台建设",
    "维护好政府网站信息公开专栏。",
    "（五）监督保障",
    "开展业务培训，将政务公开纳入工作考核，开展社会评议，落实责任追究。",
]
S2 = ["二、主动公开政府信息情况"]
S3 = ["三、收到和处理政府信息公开申请情况"]
S4 = ["四、政府信息公开行政复议、行政诉讼情况"]
S5 = ["五、存在的主要问题及改进情况", "政策解读的针对性有待提高。下一步将加强政策解读。"]
S6 = ["六、其他需要报告的事项", "本年度未收取信息处理费。"]
WHOLE = S1 + S2 + S3 + S4 + S5 + S6


def _swap(lines: list[str], old: str, new: str) -> list[str]:
    assert old in lines
    return [new if line == old else line for line in lines]


# 表三 as a web page copies it: one cell per line (labels and numbers), inside part 三.
T3_AS_LINES = [
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "总计",
    "商业企业",
    "科研机构",
    "一、本年新收政府信息公开申请数量",
    "14",
    "2",
    "0",
    "17",
    "二、上年结转政府信息公开申请数量",
    "1",
    "三、本年度办理结果",
    "（一）予以公开",
    "6",
    "四、结转下年度继续办理",
    "2",
]

# A web copy that lost the line breaks around the first heading (issue 16).
GLUED = [
    "本报告根据《条例》编制。本报告所列数据的统计期限自2025年1月1日起至2025年12月31日止。"
    "一、总体情况2025年，我镇认真贯彻落实《条例》。",
    *S1[1:],
]

CASES = [
    ("whole-report", WHOLE, []),
    ("first-heading-glued-to-the-opening", GLUED + S2 + S3 + S4 + S5 + S6, []),
    ("table-copied-one-cell-per-line", S1 + S2 + S3 + T3_AS_LINES + S4 + S5 + S6, []),
    ("synonym-titles", _swap(WHOLE, S5[0], "五、存在问题及改进措施"), []),
    # Read as the part all the same; a warning says the six are numbered 一、 to 六、 (028 镇宁).
    (
        "arabic-numbered-parts",
        [line.replace("一、", "1.") for line in WHOLE],
        [("N-NUMBER-STYLE", "第 1 段")],
    ),
    ("six-missing", S1 + S2 + S3 + S4 + S5, [("N-SECTION", "“六、其他需要报告的事项”部分")]),
    (
        "table-heading-missing",
        S1 + S2 + S4 + S5 + S6,
        [("N-SECTION-TABLE", "")],
    ),
    (
        # E10: 五 left out, 六 numbered 五.
        "last-part-shifted",
        S1 + S2 + S3 + S4 + ["五、其他需要报告的事项", "无。"],
        [("N-SECTION", "“五、存在的主要问题及改进情况”部分"), ("N-NUMBERING", "第 15 段")],
    ),
    (
        "parts-out-of-order",
        S1 + S2 + S3 + S5 + S4 + S6,
        [("N-ORDER", "第 16 段")],
    ),
    ("part-repeated", S1 + S2 + S2 + S3 + S4 + S5 + S6, [("N-ORDER", "第 13 段")]),
    (
        "numbering-restarts-inside-five",
        S1
        + S2
        + S3
        + S4
        + [S5[0], "一、存在的问题", "解读不够。", "二、改进措施", "加强解读。"]
        + S6,
        [("N-RESTART", "第 16 段")],
    ),
    (
        # E10: the five sub-topics of 一 promoted to level 1.
        "subtopics-promoted",
        [
            "一、总体情况",
            "一、主动公开",
            "全年主动公开政府信息。",
            "二、依申请公开",
            "答复规范。",
            *S2[:0],
            "二、主动公开政府信息情况",
            *S3,
            *S4,
            *S5,
            *S6,
        ],
        [
            ("N-RESTART", "第 2 段"),
            ("N-HEADING", "第 4 段"),
            ("N-SUBTOPIC", "“一、总体情况”部分"),
        ],  # too short to be a report that leaves the government's results out
    ),
    ("unknown-seventh-part", [*WHOLE, "七、附件", "无。"], [("N-HEADING", "第 19 段")]),
    (
        "five-empty",
        S1 + S2 + S3 + S4 + S5[:1] + S6,
        [("N-EMPTY", "“五、存在的主要问题及改进情况”部分")],
    ),
    (
        "one-lacks-subtopics",
        [
            "一、总体情况",
            "本年度主动公开政府信息，开展考核、社会评议和责任追究。",
            *S2,
            *S3,
            *S4,
            *S5,
            *S6,
        ],
        [("N-SUBTOPIC", "“一、总体情况”部分")],
    ),
    (
        "government-silent-on-results",
        _swap(WHOLE, S1[-1], "开展业务培训，加强监督。"),
        [("N-GOVERNMENT", "")],
    ),
    (
        "wrong-year-in-title",
        ["青禾镇人民政府2024年政府信息公开工作年度报告", *WHOLE],
        [("N-YEAR", "报告标题")],
    ),
    (
        "period-run-together",  # E8, as published by a township
        ["本报告所列数据的统计期限自20251月1日起至202512月31日止。", *WHOLE],
        [("N-PERIOD", "开头部分第 1 段")],
    ),
    (
        "period-of-last-year",
        ["本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。", *WHOLE],
        [("N-YEAR", "开头部分第 1 段的统计期限")],
    ),
    (
        "period-not-whole-year",
        ["本报告所列数据的统计期限自2025年1月1日起至2025年11月30日止。", *WHOLE],
        [("N-PERIOD", "开头部分第 1 段")],
    ),
    (
        "period-in-chinese-numerals",
        ["本报告所列数据统计期限为二〇二五年一月一日至十二月三十一日。", *WHOLE],
        [],
    ),
    ("period-as-a-year", ["本报告统计期限为2025年度。", *WHOLE], []),
    (
        "last-years-sentence-left-in",
        _swap(WHOLE, S5[1], "2024年，我镇针对公开不及时的问题开展了专项整改。"),
        [("N-YEAR-MENTION", "“五、存在的主要问题及改进情况”部分第 1 段")],
    ),
    (
        "years-that-are-fine",
        _swap(
            WHOLE,
            S5[1],
            "与2024年相比，申请数量有所增加。自2019年以来持续推进公开。"
            "2026年，我镇将加强政策解读。2024年度报告中提出的问题已整改。",
        ),
        [],
    ),
]


@pytest.fixture
def sample_wb(sample_path):
    return read_workbook(sample_path)  # 青禾镇人民政府, 乡镇 (a government), 2025


@pytest.mark.parametrize(("lines", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structure_case(tmp_path, sample_wb, lines, expected):
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    narrative = read_narrative(path, sample_wb.spec)
    findings = narrative_structure_findings(sample_wb.spec, narrative, sample_wb)
    assert sorted((f.rule, f.row) for f in findings) == sorted(expected)
    assert all(f.sheet == "正文.txt" and f.message for f in findings)


# Lines of real published reports of the corpus (tests/data/reports, named in each id) that made
# a false alarm, inside the well-formed report above; each case says what must (still) be found.
REAL_CASES = [
    (
        # A PDF's text broken at its line ends: a line of the opening names part 五's title.
        "003-shanghai-bangongting-2025-opening-broken-at-line-ends",
        2025,
        [
            "2025 年上海市人民政府办公厅政府信息公开",
            "工作年度报告",
            "本年度报告根据《中华人民共和国政府信息公开条例》（以",
            "公开申请情况、因政府信息公开工作被申请行政复议和提起行政",
            "诉讼情况、政府信息公开工作存在的主要问题及改进情况，以及",
            "其他需要报告的事项。本年度报告中所列数据统计期限为 2025",
            "年 1 月 1 日至 12 月 31 日。本年度报告电子版可在上海市人民政",
            *WHOLE,
        ],
        [],
    ),
    (
        # The tables' captions, twice each (the PDF repeats them on every page of the table).
        "003-shanghai-bangongting-2025-table-captions",
        2025,
        S1
        + S2
        + ["表二：主动公开政府信息情况", "表二：主动公开政府信息情况"]
        + S3
        + ["表三：收到和处理政府信息公开申请情况"]
        + S4
        + S5
        + S6,
        [],
    ),
    (
        # 表三's merged label "三、本年度办理结果" torn by the extraction, in part 三.
        "003-shanghai-bangongting-2025-torn-table-label",
        2025,
        S1 + S2 + S3 + ["（二）部分公开", "三、本法提供", "年度办", "理结果"] + S4 + S5 + S6,
        [],
    ),
    (
        # A web page's text with no line breaks left: headings glued to a sentence's end, to a
        # blank, and to the tables' last cells (a number, or an amount in 元), text glued to them.
        "009-pingtan-2024-and-004-pingtan-2019-page-text-run-together",
        2024,
        [
            "本报告所列数据统计期限为2024年1月1日至2024年12月31日。一、总体情况 2024年，平潭综合"
            "实验区坚持以习近平新时代中国特色社会主义思想为指导，全面学习贯彻党的二十大精神。",
            *S1[1:],
            "确保网站和政务新媒体健康平稳安全运行。"
            "二、主动公开政府信息情况第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性"
            "收费18651.06三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项"
            "之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计（七）总计21710000218"
            "四、结转下年度继续办理0000000四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果"
            "维持结果纠正其他结果尚未审结总计21317000001324019五、存在的主要问题及改进情况2024年，"
            "实验区政府信息公开工作取得了新进展新成果，但在工作中仍在不足。"
            "六、其他需要报告的事项2024年，无收取信息处理费情况。",
        ],
        [],
    ),
    (
        "004-pingtan-2019-headings-after-table-cells",
        2024,
        [
            *S1,
            "二、主动公开政府信息情况 第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购"
            "13575394432.52元三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二"
            "项之和，等于第三项加第四项之和）（七）总计23 0 00 0 023"
            "四、结转下年度继续办理 0 0 00 00 0 "
            "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            "000000000000000 五、存在的主要问题及改进情况"
            "2024年，我区政府信息公开工作取得了明显进展，"
            "但仍存在一些不足和薄弱环节。强化信息公开工作督查力度，完善工作考核办法等相关政府信息公开"
            "制度规定。六、其他需要报告的事项 本年度未收取信息处理费。",
        ],
        [],
    ),
    (
        # Part 六 that says it has nothing to report, in the part's own words.
        "004-pingtan-2019-nothing-else-to-report",
        2025,
        S1 + S2 + S3 + S4 + S5 + ["六、其他需要报告的事项", "无其他需要报告的事项"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("year", "lines", "expected"), [c[1:] for c in REAL_CASES], ids=[c[0] for c in REAL_CASES]
)
def test_real_report_case(tmp_path, build, year, lines, expected):
    wb = read_workbook(build(sample_request(year)))  # 青禾镇人民政府, 乡镇 (a government)
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    findings = narrative_findings(wb.spec, read_narrative(path, wb.spec), wb)
    assert sorted((f.rule, f.row) for f in findings) == sorted(expected)


def test_a_department_need_not_report_government_results(tmp_path, build, sample):
    wb = read_workbook(build(replace(sample, kind="县直部门")))
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(_swap(WHOLE, S1[-1], "开展业务培训，加强监督。")), encoding="utf-8")
    narrative = read_narrative(path, wb.spec)
    assert narrative_structure_findings(wb.spec, narrative, wb) == []


def test_messages_name_the_heading_and_what_it_should_be(tmp_path, sample_wb):
    lines = S1 + S2 + S3 + S4 + ["五、其他需要报告的事项", "无。"]
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    findings = narrative_structure_findings(
        sample_wb.spec, read_narrative(path, sample_wb.spec), sample_wb
    )
    numbering = next(f for f in findings if f.rule == "N-NUMBERING")
    assert numbering.severity == "error"
    assert "“五、其他需要报告的事项”" in numbering.message
    assert "编号应为“六”，写成了“五”" in numbering.message
    assert "请改为“六、其他需要报告的事项”" in numbering.message


def test_period_message_quotes_the_sentence(tmp_path, sample_wb):
    path = tmp_path / "正文.txt"
    path.write_text(
        "本报告所列数据的统计期限自20251月1日起至202512月31日止。\n" + "\n".join(WHOLE),
        encoding="utf-8",
    )
    [finding] = narrative_structure_findings(
        sample_wb.spec, read_narrative(path, sample_wb.spec), sample_wb
    )
    assert "“统计期限自20251月1日起至202512月31日止”" in finding.message
    assert "少了“年”字" in finding.message
    assert "自2025年1月1日起至2025年12月31日止" in finding.action


# ---------------------------------------------------------------------------------------------
# The five seeds


def _seed(number: str):
    return next(SEEDS.glob(f"{number}_*.txt"))


def test_seed_000_has_no_numbered_parts(spec2021):
    findings = narrative_structure_findings(spec2021, read_narrative(_seed("000"), spec2021))
    assert sorted(f.rule for f in findings) == ["N-SECTION"] * 3 + ["N-SECTION-TABLE"]


def test_seed_001_collection_of_old_reports_is_flagged(spec2021):
    findings = narrative_structure_findings(spec2021, read_narrative(_seed("001"), spec2021))
    got = sorted((f.rule, f.row) for f in findings)
    assert got == sorted(
        [
            ("N-SECTION", "“六、其他需要报告的事项”部分"),
            ("N-HEADING", "第 12 段"),  # 四、政府信息公开的收费及减免情况 (2008-era part)
            ("N-NUMBERING", "第 32 段"),  # 五、因政府信息公开申请行政复议…
            ("N-HEADING", "第 34 段"),  # 六、存在问题和困难
            ("N-HEADING", "第 36 段"),  # 七、改进措施
            ("N-NUMBERING", "第 53 段"),
            ("N-NUMBERING", "第 55 段"),  # 六、存在问题及改进措施
            ("N-ORDER", "第 23 段"),  # the second report starts again
            ("N-RESTART", "第 18 段"),
            ("N-SUBTOPIC", "“一、总体情况”部分"),
        ]
    )


def test_seed_002_lacks_the_application_subtopic(spec2021):
    findings = narrative_structure_findings(spec2021, read_narrative(_seed("002"), spec2021))
    assert [(f.rule, f.message.split("。")[0]) for f in findings] == [
        ("N-SUBTOPIC", "正文“一、总体情况”部分没有写到依申请公开")
    ]


@pytest.mark.parametrize(("number", "year", "kind"), [("003", 2025, ""), ("004", 2024, "县级政府")])
def test_well_formed_published_reports_raise_no_structure_alarm(build, sample, number, year, kind):
    wb = read_workbook(build(replace(sample, year=year, kind=kind or "县直部门")))
    narrative = read_narrative(_seed(number), wb.spec)
    assert narrative_structure_findings(wb.spec, narrative, wb) == []


def test_seed_004_in_the_wrong_year_is_flagged_in_its_title(build, sample):
    wb = read_workbook(build(sample))  # 2025
    narrative = read_narrative(_seed("004"), wb.spec)
    findings = narrative_structure_findings(wb.spec, narrative, wb)
    assert next((f.rule, f.row, f.actual) for f in findings) == ("N-YEAR", "报告标题", "2024")


# ---------------------------------------------------------------------------------------------
# Copied from last year


def test_similarity_ignores_numbers_and_punctuation():
    text = "全年共受理政府信息公开申请12件，办结12件，按时办结率100%。" * 3
    assert similarity(text, text.replace("12", "15")) == 1.0
    assert similarity(text, "本年度重点推进了基层政务公开标准化规范化建设。" * 3) < 0.5


def _copy_case(build, sample, *, s5_this: str, s5_last: str):
    """Return this year's sample and last year's, their 五 replaced (the rest differs)."""
    before = sample_request(2024)
    last = replace(before, texts=dict(before.texts, s5=s5_last))
    this = replace(sample, texts=dict(sample.texts, s5=s5_this))
    return read_workbook(build(this)), read_workbook(build(last))


FIVE = (
    "一是主动公开的深度和政策解读的针对性还有待提高；二是村级公开的规范性不够。"
    "2025年，我镇将加强政策解读，推动村务公开与政务公开衔接，开展村级公开专项培训，"
    "进一步完善信息发布审核机制，提高公开信息的准确性和时效性，切实保障群众知情权。"
)


def test_copied_section_in_the_sheet_is_a_warning(build, sample):
    wb, last = _copy_case(build, sample, s5_this=FIVE.replace("2025", "2026"), s5_last=FIVE)
    copies = [f for f in validate(wb, last).findings if f.rule == "N-COPY"]
    assert [(f.severity, f.where, f.actual) for f in copies] == [("warning", "正文!B12", "100%")]
    assert "“五、存在的主要问题及改进情况”部分与上年（2024年）报告" in copies[0].message


def test_rewritten_section_is_not_a_copy(build, sample):
    other = (
        "本年度发现的问题主要是政务新媒体更新不够及时、部分栏目内容较少。针对这些问题，"
        "我镇已建立每周巡查制度，明确专人负责，并将更新情况纳入月度通报，"
        "下一步还将组织村干部参加公开业务培训，提升基层公开工作水平。"
    )
    wb, last = _copy_case(build, sample, s5_this=other, s5_last=FIVE)
    assert not [f for f in validate(wb, last).findings if f.rule == "N-COPY"]


def test_short_sections_alike_every_year_are_not_copies(build, sample):
    wb, last = _copy_case(build, sample, s5_this="无。", s5_last="无。")
    assert not [f for f in validate(wb, last).findings if f.rule == "N-COPY"]


def test_copied_section_in_a_narrative_file_is_a_warning(tmp_path, build, sample):
    wb, last = _copy_case(build, sample, s5_this="无。", s5_last=FIVE)
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(_swap(WHOLE, S5[1], FIVE)), encoding="utf-8")
    findings = narrative_findings(wb.spec, read_narrative(path, wb.spec), wb, last)
    copies = [f for f in findings if f.rule == "N-COPY"]
    assert [(f.sheet, f.row) for f in copies] == [
        ("正文.txt", "“五、存在的主要问题及改进情况”部分")
    ]


def test_check_cli_reports_copied_text_and_structure(tmp_path, build, sample):
    wb, last = _copy_case(build, sample, s5_this="无。", s5_last=FIVE)
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(_swap(WHOLE, S5[1], FIVE)[:-2]), encoding="utf-8")  # no 六
    result = nianbao(
        "check", wb.path, "--previous", last.path, "--narrative", path, "--json", cwd=tmp_path
    )
    assert_no_traceback(result)
    assert result.returncode == 1  # a missing part is an error
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert {"N-COPY", "N-SECTION"} <= rules


def test_both_formats_declare_the_structure_rules():
    for version in ("2019", "2021"):
        spec = load_spec(version)
        kinds = {r.kind for r in spec.rules}
        assert {
            "narrative_section",
            "narrative_order",
            "narrative_numbering",
            "narrative_empty",
            "narrative_year",
            "narrative_period",
            "narrative_copy",
        } <= kinds
        assert len(spec.narrative_structure.subtopics) == 5


@pytest.mark.parametrize("suffix", ["docx", "html"])
def test_our_own_exported_report_passes_every_structure_check(tmp_path, sample_path, suffix):
    from nianbao.converters.export import ExportRequest, export_report

    out = tmp_path / f"报告.{suffix}"
    request = ExportRequest(workbook=sample_path, **{suffix: out})
    export_report(request)
    wb = read_workbook(sample_path)
    narrative = read_narrative(out, wb.spec)
    assert narrative.title.startswith("青禾镇人民政府2025年")  # the title is read and checked
    assert narrative_structure_findings(wb.spec, narrative, wb) == []


@pytest.mark.parametrize(
    ("unit", "reported"),
    [("淮安市人民政府", True), ("上海市人民政府办公厅", False), ("淮安市发展和改革委员会", False)],
)
def test_a_government_of_no_kind_of_ours_reports_its_results_all_the_same(
    tmp_path, build, sample, unit, reported
):
    # 013 (淮安市人民政府, 2024): a 市级 government, whose kind the import leaves blank.
    wb = read_workbook(build(replace(sample, kind="", unit=unit)))
    path = tmp_path / "正文.txt"
    path.write_text("\n".join(_swap(WHOLE, S1[-1], "开展业务培训，加强监督。")), encoding="utf-8")
    findings = narrative_structure_findings(wb.spec, read_narrative(path, wb.spec), wb)
    government = [f for f in findings if f.rule == "N-GOVERNMENT"]
    assert bool(government) is reported
    if reported:
        assert "本单位类型为“人民政府”" in government[0].message
