"""Numbers in the narrative compared with the tables (N-NUMBER).

Case tables: sentences -> the claims read from them; sentences + table values -> the findings
(rule, cell) or none. The values are the built-in sample's (青禾镇, 2025), recomputed, with
changes per case. Then the real inputs: the five seed texts (seed 002 with its tables typed into
a workbook), the built-in sample, a narrative file beside a workbook, and the CLI end to end.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from decimal import Decimal

import pytest

from nianbao.converters.document import HEADING2
from nianbao.converters.narrative import narrative_from_workbook, read_narrative
from nianbao.errors import SpecError
from nianbao.validation import narrative_checks, validate
from nianbao.validation.narrative_checks import narrative_findings
from nianbao.validation.narrative_numbers import (
    TextBlock,
    chinese_number,
    find_claims,
    number_findings,
    text_sheet_findings,
)
from nianbao.validation.narrative_structure import places
from nianbao.workbook_templates import TemplateRequest, read_workbook
from nianbao.workbook_templates.compute import computed_cells, recompute
from nianbao.workbook_templates.loader import FORMATS_DIR, parse_spec
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey

from .conftest import SEEDS
from .narratives import whole_narrative
from .test_cli import assert_no_traceback, nianbao

K = CellKey
C1 = "c1"  # 自然人: the column the cases change (the 总计 column follows)


def _seed(number: str):
    return next(SEEDS.glob(f"{number}_*.txt"))


def sample_values(changes=None, spec=None) -> dict[CellKey, Decimal | None]:
    """Return the sample's values with changes, every computed cell recomputed."""
    values = dict(sample_request(2025).values)
    values.update({k: None if v is None else Decimal(v) for k, v in (changes or {}).items()})
    numbers = {k: v for k, v in values.items() if v is not None}
    return {**values, **recompute(spec or sample_request(2025).spec(), numbers)}


def check(spec, text, changes=None, heading="（二）依申请公开", year=2025):
    values = sample_values(changes, spec)
    return number_findings(spec, [TextBlock("「测试」", heading, text)], values, year=year)


def claims(spec, text, heading="（二）依申请公开", year=2025):
    return [(c.spec.code, c.number) for c in find_claims(spec, text, heading=heading, year=year)]


# -- Chinese numerals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百二十三", 123),
        ("两", 2),
        ("十七", 17),
        ("二十", 20),
        ("一百零五", 105),
        ("两千", 2000),
        ("三万", 30000),
        ("一万二千", 12000),
        ("二〇二五", 2025),
        ("零", 0),
    ],
    ids=lambda v: str(v),
)
def test_chinese_numeral_value(text, value):
    assert chinese_number(text) == value


# -- What is read as a claim ----------------------------------------------------------------------

CLAIM_CASES = [
    ("received", "全年共收到政府信息公开申请17件。", [("received", 17)]),
    ("received-chinese", "全年共收到政府信息公开申请十七件。", [("received", 17)]),
    ("received-wan", "全年受理政府信息公开申请1.2万件。", [("received", 12000)]),
    (
        "received-full-width",
        "全年受理政府信息公开申请１７件，办结１６件。",
        [("received", 17), ("concluded", 16)],
    ),
    (
        "results-listed",
        "办结16件，其中予以公开8件、部分公开2件、不予公开1件、无法提供4件、不予处理1件。",
        [
            ("concluded", 16),
            ("disclosed", 8),
            ("partly_disclosed", 2),
            ("withheld", 1),
            ("unavailable", 4),
            ("not_processed", 1),
        ],
    ),
    (
        "disclosed-with-reply",
        "其中予以公开答复12件，针对不予公开的19件。",
        [("disclosed", 12), ("withheld", 19)],
    ),
    ("not-disclosed-spelled-long", "不予以公开3件。", [("withheld", 3)]),
    (
        "carried-both-ways",
        "上年结转1件，结转下年度继续办理2件。",
        [("carried_in", 1), ("carried_forward", 2)],
    ),
    (
        "carry-in-bracket",
        "共受理政府信息公开申请18件（含上年结转1件）。",
        [("received", 18), ("carried_in", 1)],
    ),
    (
        "review-and-suit",
        "因政府信息公开被申请行政复议2件，被提起行政诉讼1件。",
        [("review", 2), ("suit", 1)],
    ),
    (
        "review-results",
        "被申请行政复议2件，其中结果维持1件、尚未审结1件。",
        [("review", 2), ("review_upheld", 1), ("review_pending", 1)],
    ),
    (
        "suit-results",
        "因政府信息公开被提起行政诉讼1件，结果维持1件。",
        [("suit", 1), ("suit_upheld", 1)],
    ),
    ("each", "因政府信息公开被申请行政复议和提起行政诉讼各1件。", [("review", 1), ("suit", 1)]),
    (
        "documents",
        "制发行政规范性文件2件，现行有效行政规范性文件9件。",
        [("normative_issued", 2), ("normative_in_force", 9)],
    ),
    (
        "decisions",
        "公开行政许可处理决定36件、行政处罚决定12件。",
        [("licensing", 36), ("penalty", 12)],
    ),
    ("fee-in-yuan", "本年行政事业性收费3800元。", [("admin_fee", 3800)]),
    ("rate", "依申请公开办结率100%。", [("concluded_rate", 100)]),
    ("rate-in-words", "依申请公开办结率达到百分之百。", [("concluded_rate", 100)]),
    ("approximate", "全年收到政府信息公开申请20余件。", [("received", 20)]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in CLAIM_CASES], ids=[c[0] for c in CLAIM_CASES]
)
def test_claims_are_read_from_the_sentence(spec2021, text, expected):
    assert claims(spec2021, text) == expected


def test_approximate_numbers_are_marked(spec2021):
    found = find_claims(spec2021, "收到政府信息公开申请近20件，办结超过15件。", heading="")
    assert [(c.written, c.approx) for c in found] == [("近20件", "below"), ("超过15件", "above")]


# Numbers about other things: none of these is a claim, whatever the tables say.
NOT_A_CLAIM = [
    ("policy-documents", "全年主动公开政策性文件735件，其中规范性文件5件。"),
    ("website-visits", "本年度政府网站访问量达3456859人次。"),
    ("new-media", "政务新媒体发布信息685条，运维账号43个。"),
    ("proactive-items", "全年主动公开政府信息326条，政策解读9篇。"),
    ("dates", "本报告所列数据统计期限为2025年1月1日至2025年12月31日。"),
    (
        "document-numbers",
        "依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）和〔2023〕5号文件。",
    ),
    ("section-numbers", "（三）政府信息管理 1.政策文件公开 第二十条第（一）项"),
    ("other-percentages", "政策解读与政策文件关联率达100%，搜索准确率提升至95%以上。"),
    ("change", "收到政府信息公开申请较上年增加5件，同比增长30%。"),
    ("messages", "互动交流收到留言17件，办结15件，剩余2件正在办理，其中公开答复5件。"),
    ("licensing-applications", "受理行政许可申请1234件，办结1234件。"),
    ("hotline-rate", "12345热线工单办结率98%。"),
    ("on-time-rate", "依申请公开按时办结率100%。"),
    ("other-year", "2024年收到政府信息公开申请10件。"),
    ("one-thing", "推进高效办成一件事，全年办结依申请公开事项一件。"),
    ("working-days", "严格落实20个工作日答复时限要求，申请平均10个工作日办结。"),
    ("training", "开展政务公开培训3次，累计培训120人次。"),
    ("proposals", "办理人大代表建议12件、政协提案15件，均已办结答复。"),
    ("vague", "收到政府信息公开申请数十件。"),
    ("processing-fee", "本年度收取信息处理费380元。"),
    ("internal-rules", "制定内部规章制度5件。"),
    ("respectively", "政府信息公开行政复议和行政诉讼分别为2件、1件。"),
    ("both-document-kinds", "制发规章和规范性文件2件。"),
    ("review-body", "全年办理行政复议案件50件，其中涉及政府信息公开的3件。"),
    ("review-applications-received", "收到政府信息公开类行政复议申请4件。"),
    ("suits-of-all-kinds", "全年行政应诉案件30件，其中政府信息公开类5件。"),
    ("no-application-context", "全年办结群众诉求事项30件。"),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_A_CLAIM], ids=[c[0] for c in NOT_A_CLAIM])
def test_numbers_about_other_things_are_not_claims(spec2021, text):
    assert claims(spec2021, text) == []
    zeros = {k: Decimal(0) for k in sample_request(2025).values}
    assert check(spec2021, text, zeros) == []


# -- Compared with the tables ---------------------------------------------------------------------

# (id, sentence, value changes, expected [(rule, cell)])
COMPARE_CASES = [
    ("received-agrees", "全年共收到政府信息公开申请17件。", {}, []),
    ("received-wrong", "全年共收到政府信息公开申请20件。", {}, [("N-NUMBER", "表三!J6")]),
    # 17 new + 1 carried over: "共受理18件" is a common way to count, not a contradiction.
    ("received-with-carry-over", "共受理政府信息公开申请18件（含上年结转1件）。", {}, []),
    ("received-chinese-wrong", "全年共收到政府信息公开申请二十件。", {}, [("N-NUMBER", "表三!J6")]),
    ("received-wan-wrong", "全年共收到政府信息公开申请1.2万件。", {}, [("N-NUMBER", "表三!J6")]),
    ("carried-in-wrong", "上年结转3件。", {}, [("N-NUMBER", "表三!J7")]),
    ("concluded-wrong", "全年办结17件。", {}, [("N-NUMBER", "表三!J29")]),
    ("carried-forward-wrong", "结转下年度继续办理1件。", {}, [("N-NUMBER", "表三!J30")]),
    ("disclosed-wrong", "其中予以公开9件。", {}, [("N-NUMBER", "表三!J8")]),
    # 不予公开 is the sum of its eight items, 无法提供 of its three.
    (
        "withheld-is-the-sum-of-eight-items",
        "不予公开2件。",
        {K("t3", "r3_3_1", C1): 1},
        [],
    ),
    (
        "unavailable-counting-only-item-1",
        "无法提供3件。",
        {K("t3", "r3_4_1", C1): 2, K("t3", "r3_4_2", C1): 1},
        [("N-NUMBER", "表三!J18")],
    ),
    (
        "unavailable-is-the-sum",
        "无法提供4件。",
        {K("t3", "r3_4_1", C1): 2, K("t3", "r3_4_2", C1): 1},
        [],
    ),
    ("review-wrong", "因政府信息公开被申请行政复议3件。", {}, [("N-NUMBER", "表四!E6")]),
    ("suit-wrong", "因政府信息公开被提起行政诉讼2件。", {}, [("N-NUMBER", "表四!J6")]),
    (
        "each-one-wrong",
        "因政府信息公开被申请行政复议和提起行政诉讼各1件。",
        {},
        [("N-NUMBER", "表四!E6")],
    ),
    ("review-upheld-wrong", "被申请行政复议2件，其中结果维持2件。", {}, [("N-NUMBER", "表四!A6")]),
    ("documents-issued-wrong", "制发行政规范性文件3件。", {}, [("N-NUMBER", "表二!B6")]),
    ("documents-in-force-agree", "现行有效行政规范性文件9件。", {}, []),
    ("decisions-wrong", "公开行政许可处理决定63件。", {}, [("N-NUMBER", "表二!B9")]),
    (
        "fee-agrees-in-yuan",
        "本年行政事业性收费3800元。",
        {K("t2", "admin_fee", "amount"): Decimal("0.38")},
        [],
    ),
    ("fee-wrong", "本年行政事业性收费3800元。", {}, [("N-NUMBER", "表二!B16")]),
    # 16 concluded of 17 new + 1 carried over: 88.9 %.
    ("rate-wrong", "依申请公开办结率100%。", {}, [("N-NUMBER", "表三!J29")]),
    ("rate-rounded", "依申请公开办结率89%。", {}, []),
    ("rate-one-decimal", "依申请公开办结率88.9%。", {}, []),
    ("approximate-agrees", "全年收到政府信息公开申请10余件。", {}, []),
    ("approximate-below-agrees", "全年收到政府信息公开申请近20件。", {}, []),
    ("approximate-clearly-off", "全年收到政府信息公开申请30余件。", {}, [("N-NUMBER", "表三!J6")]),
    # Published reports (2023): 长春 says 2 received, its table 3 new and 0 carried over; 漳平
    # splits its results into the old statistics' names, of which only 不予公开 is a table row.
    (
        "published-received-contradicts-table",
        "本年度，共受理政府信息公开申请2件，都在法定期限内予以答复。",
        {
            K("t3", "r1", C1): 3,
            K("t3", "r1", "c2"): 0,
            K("t3", "r1", "c5"): 0,
            K("t3", "r2", C1): 0,
        },
        [("N-NUMBER", "表三!J6")],
    ),
    (
        "published-old-statistic-names",
        "其中“属于已主动公开答复数”2件，“同意公开答复数”2件，“区分处理后公开数”4件，"
        "“不予公开答复数”1件。",
        {},
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "changes", "expected"),
    [c[1:] for c in COMPARE_CASES],
    ids=[c[0] for c in COMPARE_CASES],
)
def test_narrative_number_against_table(spec2021, text, changes, expected):
    assert [(f.rule, f.where) for f in check(spec2021, text, changes)] == expected


def test_finding_quotes_the_sentence_and_names_the_cell(spec2021):
    [f] = check(spec2021, "全年共收到政府信息公开申请20件，上年结转1件。")
    assert f.severity == "warning"
    assert (f.sheet, f.cell, f.table, f.column) == ("表三", "J6", "表三", "总计")
    assert f.row == "一、本年新收"
    assert (f.expected, f.actual) == (Decimal(17), Decimal(20))
    assert "“全年共收到政府信息公开申请20件，上年结转1件”" in f.text
    assert "20件" in f.text and "表三!J6" in f.text and "为 17" in f.text
    assert "限定范围" not in f.text


def test_group_finding_names_the_group_and_its_cells(spec2021):
    changes = {K("t3", "r3_4_1", C1): 2, K("t3", "r3_4_2", C1): 1}
    [f] = check(spec2021, "无法提供3件。", changes)
    assert (f.row, f.column) == ("（四）无法提供", "总计")
    assert f.cells == ("表三!J18", "表三!J19", "表三!J20")
    assert "表三!J18:J20" in f.text and "为 4" in f.text


def test_sum_of_two_cells_names_both(spec2021):
    [f] = check(spec2021, "因政府信息公开被提起行政诉讼2件。")
    assert f.cells == ("表四!J6", "表四!O6")
    assert "未经复议直接起诉·总计＋复议后起诉·总计" in f.text


def test_rate_finding_shows_the_ratio(spec2021):
    [f] = check(spec2021, "依申请公开办结率100%。")
    assert f.expected == Decimal("88.9") and "88.9%" in f.text
    assert "÷" in f.text


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("其中涉及征地拆迁的不予公开3件。", "涉及"),
        ("其中，网上受理政府信息公开申请30件。", "其中"),
        ("县本级受理政府信息公开申请30件。", "本级"),
        ("按时办结20件。", "按时"),
    ],
    ids=["involving", "enumerating-word-before-a-qualifier", "part-of-a-county", "on-time"],
)
def test_scope_narrowing_wording_lowers_confidence(spec2021, text, scope):
    [f] = check(spec2021, text)
    assert f.severity == "warning"
    assert f"“{scope}”" in f.text and "限定范围" in f.text and "不一定有错" in f.text


@pytest.mark.parametrize(
    "text",
    [
        "办结16件，其中予以公开9件。",
        "共受理政府信息公开申请20件（含上年结转3件）。",
        "因政府信息公开被申请行政复议2件，其中结果维持2件。",
    ],
    ids=["其中-introducing-the-result", "含-introducing-carry-over", "其中-结果-维持"],
)
def test_word_that_only_introduces_the_keyword_keeps_plain_wording(spec2021, text):
    found = check(spec2021, text)
    assert found
    assert not any("限定范围" in f.text for f in found)


def test_heading_gives_the_context_of_a_bare_statement(spec2021):
    assert [f.where for f in check(spec2021, "办结20件。", heading="（二）依申请公开")] == [
        "表三!J29"
    ]
    assert check(spec2021, "办结20件。", heading="（三）政府信息管理") == []


def test_other_year_in_a_clause_before_is_not_this_years_number(spec2021):
    text = "2024年收到政府信息公开申请10件，2025年收到政府信息公开申请20件。"
    assert [f.where for f in check(spec2021, text)] == ["表三!J6"]


def test_format_2019_reads_its_own_table_two(spec2019):
    values = {
        K("t2", "normative", "new_made"): Decimal(2),
        K("t2", "normative", "new_published"): Decimal(3),
    }
    text = "制发规范性文件{}件。"
    assert number_findings(spec2019, [TextBlock("「测试」", "", text.format(2))], values) == []
    assert number_findings(spec2019, [TextBlock("「测试」", "", text.format(3))], values) == []
    [f] = number_findings(spec2019, [TextBlock("「测试」", "", text.format(5))], values)
    assert f.where == "表二!B6"
    assert claims(spec2019, "现行有效规范性文件9件。") == []  # no such column in 2019


# -- The spec -------------------------------------------------------------------------------------


def _format_text() -> str:
    return (FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('sum = ["表三.本年新收.总计"] }, {', 'sum = ["表三.本年新收.总数"] }, {', "不存在的字段"),
        ('topic = "行政复议"\nkeywords = ["维持"]', 'topic = "复议"\nkeywords = ["维持"]', "topic"),
        ('code = "withheld"', 'code = "disclosed"', "code 重复"),
        ('unit = "percent"\nkeywords = ["办结率"]', 'unit = "count"\nkeywords = ["办结率"]', "per"),
        ("“{scope}”这样", "“{narrowing}”这样", "未知参数"),
    ],
    ids=["unknown-field", "unknown-topic", "duplicate-code", "per-without-percent", "bad-arg"],
)
def test_claim_spec_errors_are_refused_at_load(old, new, message):
    text = _format_text()
    assert text.count(old) == 1
    with pytest.raises(SpecError, match=message):
        parse_spec(tomllib.loads(text.replace(old, new)), "broken")


def test_both_formats_declare_the_rule_and_claims(spec2019, spec2021):
    for spec in (spec2019, spec2021):
        rule = spec.rule("N-NUMBER")
        assert (rule.kind, rule.severity) == ("narrative_number", "warning")
        assert rule.hedged and "{scope}" in rule.hedged
        assert {c.code for c in spec.claims} >= {"received", "concluded", "review", "suit"}


def test_validation_knows_the_narratives_sub_head_kind():
    assert narrative_checks._SUBHEAD_KIND == HEADING2


# -- Real inputs ----------------------------------------------------------------------------------


def _blocks_claims(spec, number):
    narrative = read_narrative(_seed(number), spec)
    out = []
    for _, title, _, paragraphs in places(spec, narrative):
        heading = title
        for p in paragraphs:
            if p.kind == HEADING2:
                heading = f"{title} {p.text}"
                continue
            out += [(c.spec.code, c.number) for c in find_claims(spec, p.text, heading=heading)]
    return out


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("000", []),  # numbers are X/Y placeholders; "答复率达100%" is not compared
        ("001", []),  # 留言 17件/办结15件, 主动公开 35条: other things
        ("002", []),  # the narrative states no number; the tables hold them
        (
            "003",
            [("received", 9), ("concluded", 9), ("normative_issued", 1), ("normative_in_force", 5)],
        ),
        (
            "004",
            [
                ("received", 38),
                ("disclosed", 12),
                ("partly_disclosed", 5),
                ("withheld", 19),
                ("carried_forward", 2),
            ],
        ),
    ],
)
def test_seed_claims_are_read_right(spec2021, number, expected):
    assert _blocks_claims(spec2021, number) == expected


def seed_002_request(year: int = 2025) -> TemplateRequest:
    """Return seed 002's tables as typed from its web copy: all 0, 行政规范性文件 现行有效 1."""
    spec = sample_request(2025).spec()
    computed = computed_cells(spec)
    values = {k: Decimal(0) for k in spec.value_keys() if k not in computed}
    values[K("t2", "normative", "in_force")] = Decimal(1)
    return TemplateRequest(year=year, unit="崇川区国资办", kind="县直部门", values=values)


def test_seed_002_with_its_tables_raises_no_number_alarm(build, spec2021):
    wb = read_workbook(build(seed_002_request()))
    findings = narrative_findings(spec2021, read_narrative(_seed("002"), spec2021), wb)
    assert [f for f in findings if f.rule == "N-NUMBER"] == []


@pytest.mark.parametrize(
    ("number", "year"), [("000", 2025), ("001", 2025), ("003", 2025), ("004", 2024)]
)
def test_seeds_against_empty_tables_flag_only_what_they_state(build, spec2021, number, year):
    """Against 002's all-zero tables, every finding is one of the seed's own table statements."""
    wb = read_workbook(build(seed_002_request(year)))
    findings = [
        f
        for f in narrative_findings(spec2021, read_narrative(_seed(number), spec2021), wb)
        if f.rule == "N-NUMBER"
    ]
    stated = [c for c in _blocks_claims(spec2021, number) if c[1] != 0]
    assert len(findings) == len(stated)


def test_built_in_sample_states_its_numbers_and_passes(sample_path, spec2021):
    wb = read_workbook(sample_path)
    assert not [f for f in validate(wb).findings if f.rule == "N-NUMBER"]
    assert narrative_findings(wb.spec, narrative_from_workbook(wb), wb) == []
    stated = [c for text in wb.texts.values() for c in find_claims(spec2021, text, year=2025)]
    assert len(stated) == 15  # the check has something to compare: not passing by default


def test_blank_cell_leaves_its_totals_uncompared(build, sample):
    texts = {"s1_2": "全年共收到政府信息公开申请3件。"}
    full = read_workbook(build(sample))
    assert [f.where for f in text_sheet_findings(replace(full, texts=texts))] == ["表三!J6"]
    blank = read_workbook(build(sample, values={K("t3", "r1", C1): None}))
    assert text_sheet_findings(replace(blank, texts=texts)) == []
    assert not [f for f in validate(blank).findings if f.rule == "N-NUMBER"]


def test_wrong_number_in_the_text_sheet_is_one_warning_at_the_cell(build, sample):
    text = sample.texts["s1_2"].replace("申请17件", "申请21件")
    wb = read_workbook(build(replace(sample, texts=dict(sample.texts, s1_2=text))))
    findings = validate(wb).findings
    assert [(f.rule, f.severity, f.where) for f in findings] == [("N-NUMBER", "warning", "表三!J6")]
    assert "「（二）依申请公开」" in findings[0].text and "21件" in findings[0].text


def test_text_in_sheet_and_file_is_reported_once(build, sample, tmp_path):
    text = sample.texts["s1_2"].replace("办结16件", "办结15件")
    wb = read_workbook(build(replace(sample, texts=dict(sample.texts, s1_2=text))))
    assert [f.where for f in text_sheet_findings(wb)] == ["表三!J29"]
    narrative = tmp_path / "正文.txt"
    narrative.write_text(
        f"一、总体情况\n（二）依申请公开\n{text}\n因政府信息公开被申请行政复议5件。\n",
        encoding="utf-8",
    )
    found = narrative_findings(wb.spec, read_narrative(narrative, wb.spec), wb)
    found = [f for f in found if f.rule == "N-NUMBER"]
    assert [f.where for f in found] == ["表四!E6"]  # 办结15件 is the sheet's finding already
    assert "“一、总体情况”部分第 3 段" in found[0].text


def test_check_with_narrative_file_reports_the_number_in_json(sample_path, tmp_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text(
        whole_narrative(s1_2="全年共收到政府信息公开申请19件，上年结转1件。"), encoding="utf-8"
    )
    result = nianbao("check", sample_path, "--narrative", narrative, "--json")
    assert_no_traceback(result)
    assert result.returncode == 0  # a warning: the workbook itself passes
    data = json.loads(result.stdout)
    assert data["counts"] == {"error": 0, "warning": 1, "info": 0}
    [finding] = data["findings"]
    assert (finding["rule"], finding["sheet"], finding["cell"]) == ("N-NUMBER", "表三", "J6")
    assert (finding["expected"], finding["actual"]) == (17, 19)
    assert "全年共收到政府信息公开申请19件" in finding["message"]


def _with_unknown(spec, *unknown: CellKey) -> dict[CellKey, Decimal | None]:
    """Return the sample's values as an imported report gives them: ``unknown`` cells and every
    total over one of them unknown (None)."""
    from nianbao.workbook_templates.compute import inputs_under

    values = sample_values(dict.fromkeys(unknown), spec)
    for key in computed_cells(spec):
        if inputs_under(spec, key) & set(unknown):
            values[key] = None
    return values


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("无法提供2件。", True),  # the known 无法提供 cells already hold 4
        ("无法提供5件。", False),  # the unknown cell may hold the rest
        ("无法提供4件。", False),
        ("无法提供超过2件。", False),  # "more than 2": 4 agrees
    ],
)
def test_a_number_below_what_the_known_cells_hold_is_flagged(spec2021, text, flagged):
    """Issue 16: an unknown cell no longer silences N-NUMBER when the stated number is smaller
    than the known cells it covers already add up to."""
    values = _with_unknown(spec2021, K("t3", "r3_4_2", "c1"))
    found = number_findings(spec2021, [TextBlock("「测试」", "（二）依申请公开", text)], values)
    assert bool(found) is flagged
    if flagged:
        assert "至少 4" in found[0].text


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("予以公开及部分公开10件。", False),  # 8 + 2 in the sample
        ("予以公开和部分公开共10件。", False),
        ("予以公开、部分公开10件。", False),
        ("予以公开及部分公开9件。", True),
        ("予以公开8件、部分公开2件。", False),  # two claims, not a sum
    ],
)
def test_a_sum_phrase_is_compared_with_the_sum_of_its_cells(spec2021, text, flagged):
    """Issue 16: "予以公开及部分公开N件" states the sum of both rows, not 部分公开 alone."""
    found = check(spec2021, text)
    assert bool(found) is flagged, [f.text for f in found]
    if flagged:
        assert "为 10" in found[0].text and "予以公开" in found[0].text


def _blank_total_column(spec, known: dict[CellKey, int]) -> dict[CellKey, Decimal | None]:
    """Return 表三 as 018 publishes it: the given cells, every other cell (the whole 总计 column
    of the 办理结果 rows included) blank, so every total over a blank is unknown."""
    values: dict[CellKey, Decimal | None] = {k: None for k in spec.value_keys()}
    values.update({k: Decimal(v) for k, v in known.items()})
    return values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("予以公开及部分公开258件，占33.9%", "至少 275"),  # 258 + 12 + 1 + 1, and 3
        ("因本机关不掌握等原因无法提供265件，占32.9%", "至少 337"),  # 265 + 47 + 25
        ("予以公开及部分公开275件。", ""),
        ("无法提供340件。", ""),  # the blank cells may hold the rest
    ],
)
def test_a_total_left_blank_counts_with_its_known_columns(spec2019, text, expected):
    """018 (上海市人民政府办公厅 2019, published) leaves the 总计 of every 办理结果 row blank;
    the narrative's 258 is the 自然人 cell of 予以公开 alone, its 265 the row 本机关不掌握."""
    values = _blank_total_column(
        spec2019,
        {
            K("t3", "r3_1", "c1"): 258,
            K("t3", "r3_1", "c2"): 12,
            K("t3", "r3_1", "c5"): 1,
            K("t3", "r3_1", "c6"): 1,
            K("t3", "r3_2", "c1"): 3,
            K("t3", "r3_4_1", "c1"): 252,
            K("t3", "r3_4_1", "c2"): 12,
            K("t3", "r3_4_1", "c5"): 1,
            K("t3", "r3_4_2", "c1"): 44,
            K("t3", "r3_4_2", "c2"): 3,
            K("t3", "r3_4_3", "c1"): 25,
        },
    )
    found = number_findings(spec2019, [TextBlock("「测试」", "（二）依申请公开", text)], values)
    assert [expected in f.text for f in found] == ([True] if expected else [])
