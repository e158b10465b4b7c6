"""Local rule packs (``--rules``): every rule form fires at its place on a minimal change of the
valid sample and nowhere else, overrides change the verdict, and a bad pack is refused with the
line of its problem."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.errors import EXIT_INPUT, RulePackError, SpecError
from nianbao.validation import validate
from nianbao.validation.narrative_checks import narrative_findings
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.loader import FORMATS_DIR, parse_spec
from nianbao.workbook_templates.rule_packs import (
    EXAMPLE_PACK,
    apply_rules,
    load_rule_pack,
    with_rules,
)
from nianbao.workbook_templates.spec import CellKey, RuleKind, Severity

PACK_NAME = "测试市年报要求"


def K(table: str, row: str, col: str) -> CellKey:
    return CellKey(table, row, col)


def write_pack(folder: Path, body: str, name: str = "本地规则.toml") -> Path:
    path = folder / name
    path.write_text(f'name = "{PACK_NAME}"\n{body}', encoding="utf-8")
    return path


def pack_findings(path: Path, pack, previous: Path | None = None) -> set[tuple[str, str]]:
    """Return (rule, place) of the findings the pack produced on a workbook."""
    wb = with_rules(read_workbook(path), pack)
    report = validate(wb, read_workbook(previous) if previous else None)
    return {(f.rule, f.where) for f in report.findings if f.pack}


LENGTH_600 = """
[[rules]]
id = "L-LEN"
kind = "length"
severity = "warning"
section = "总体情况"
max = 600
message = "{part}共 {actual} 字，超过 {expected} 字。"
action = "请精简。"
"""
MENTION_REFUSED = """
[[rules]]
id = "L-MENTION"
kind = "mention"
severity = "warning"
section = "s1"
words = ["不予公开", "未予公开"]
message = "{part}没有提到{missing}。"
"""
MENTION_FOR_DEPARTMENTS = MENTION_REFUSED.replace(
    'severity = "warning"', 'severity = "warning"\nkinds = ["县直部门"]'
)
MENTION_IMPROVE = """
[[rules]]
id = "L-IMPROVE"
kind = "mention"
severity = "info"
section = "存在的主要问题及改进情况"
words = ["提高"]
message = "{part}没有提到{missing}。"
"""
CARRY_LIMIT = """
[[rules]]
id = "L-CARRY"
kind = "limit"
severity = "warning"
table = "t3"
cells = ["r4.ct"]
max = 2
check = "结转不超过 2 件"
message = "{table}「{row}」为 {actual} 件，超过 {expected} 件。"
"""
CARRY_LIMIT_FOR_DEPARTMENTS = CARRY_LIMIT.replace("max = 2", 'max = 2\nkinds = ["县直部门"]')
REVIEW_REQUIRES_REFUSAL = """
[[rules]]
id = "L-REVIEW"
kind = "requires"
severity = "info"
table = "t4"
if_any = ["t4.cases.review_total"]
requires_any = ["t3.r3_3_4.ct"]
message = "有行政复议，但表三没有不予公开的决定。"
"""
OTHER_EQUALS = """
format_version = "2021"  # the 2019 format has no 其他处理 3.其他

[[rules]]
id = "L-OTHER"
kind = "equation"
severity = "warning"
table = "t3"
left = ["t3.r3_6_3.ct"]
right = ["t3.r3_6_2.ct"]
anchor = "t3.r3_6_3.ct"
message = "「其他」{left} 件与「逾期」{right} 件不同。"
"""


def _texts(sample, **changed: str) -> dict[str, str]:
    return {**sample.texts, **changed}


# (id, the pack's rules, changes to the sample: values or 正文 cells, expected {(rule, place)})
RULE_CASES = [
    ("length-over-limit", LENGTH_600, {"texts": {"s1_intro": "示" * 700}}, {("L-LEN", "正文!B3")}),
    ("length-under-limit-after-edit", LENGTH_600, {"texts": {"s1_5": "字" * 60}}, set()),
    # The section's cells add up; the finding points at the section's first cell.
    ("length-sums-every-cell", LENGTH_600, {"texts": {"s1_4": "字" * 120}}, {("L-LEN", "正文!B3")}),
    ("length-ignores-blanks", LENGTH_600, {"texts": {"s1_4": "字 \n" * 40}}, set()),
    (
        "mention-missing",
        MENTION_REFUSED,
        {"texts": {"s1_2": "全年共收到申请17件，均已办结。"}},
        {("L-MENTION", "正文!B3")},
    ),
    (
        "mention-any-word-suffices",
        MENTION_REFUSED,
        {"texts": {"s1_2": "全年共收到申请17件，未予公开1件。"}},
        set(),
    ),
    (
        "mention-full-width-text-matches",
        MENTION_REFUSED.replace('"不予公开", ', '"不予公开1件", '),
        {"texts": {"s1_2": "全年共收到申请17件，不予公开１件。"}},
        set(),
    ),
    (
        "mention-other-kinds-only",
        MENTION_FOR_DEPARTMENTS,
        {"texts": {"s1_2": "全年共收到申请17件，均已办结。"}},
        set(),
    ),
    # A blank section is T-BLANK's to report, not the mention's.
    ("mention-blank-section-left-alone", MENTION_IMPROVE, {"texts": {"s5": ""}}, set()),
    (
        "mention-other-section",
        MENTION_IMPROVE,
        {"texts": {"s5": "一是村级公开不够规范。"}},
        {("L-IMPROVE", "正文!B12")},
    ),
    (
        "limit-every-unit",
        CARRY_LIMIT,
        {"values": {K("t3", "r4", "c2"): 1}},
        {("L-CARRY", "表三!J30")},
    ),
    ("limit-at-its-value-passes", CARRY_LIMIT, {"values": {K("t3", "r4", "c1"): 2}}, set()),
    (
        "limit-other-kinds-only",
        CARRY_LIMIT_FOR_DEPARTMENTS,
        {"values": {K("t3", "r4", "c2"): 1}},
        set(),
    ),
    (
        "requires-fires-at-first-cell",
        REVIEW_REQUIRES_REFUSAL,
        {"values": {K("t3", "r3_3_4", "c1"): 0}},
        {("L-REVIEW", "表四!E6")},
    ),
    (
        "equation-at-anchor",
        OTHER_EQUALS,
        {"values": {K("t3", "r3_6_3", "c1"): 1}},
        {("L-OTHER", "表三!J28")},
    ),
]


def _changed(sample, changes: dict) -> dict:
    out = {}
    if "values" in changes:
        out["values"] = changes["values"]
    if "texts" in changes:
        out["texts"] = _texts(sample, **changes["texts"])
    return out


@pytest.mark.parametrize(
    ("rules", "changes", "expected"),
    [c[1:] for c in RULE_CASES],
    ids=[c[0] for c in RULE_CASES],
)
def test_pack_rule_fires_at_its_place(build, sample, tmp_path, rules, changes, expected):
    pack = load_rule_pack(write_pack(tmp_path, rules))
    assert pack_findings(build(sample, **_changed(sample, changes)), pack) == expected


# Each pack of the cases once, named by its first case.
SILENT_CASES = list({c[1]: c[0] for c in reversed(RULE_CASES)}.items())


@pytest.mark.parametrize("rules", [c[0] for c in SILENT_CASES], ids=[c[1] for c in SILENT_CASES])
def test_pack_rule_is_silent_on_the_valid_sample(sample_path, tmp_path, rules):
    pack = load_rule_pack(write_pack(tmp_path, rules))
    assert pack_findings(sample_path, pack) == set()


def test_pack_finding_carries_the_pack_name_and_its_wording(build, sample, tmp_path):
    pack = load_rule_pack(write_pack(tmp_path, LENGTH_600))
    path = build(sample, texts=_texts(sample, s1_intro="示" * 700))
    report = validate(with_rules(read_workbook(path), pack))
    (finding,) = [f for f in report.findings if f.rule == "L-LEN"]
    assert finding.pack == PACK_NAME
    assert finding.severity == Severity.WARNING
    assert finding.section == "s1"
    assert finding.actual == Decimal(1145)  # 700 + the sample's other five cells
    assert finding.message == "“一、总体情况”部分共 1145 字，超过 600 字。请精简。"
    assert finding.to_dict()["pack"] == PACK_NAME
    assert all(f.pack == "" for f in report.findings if f.rule != "L-LEN")


def test_pack_rules_apply_to_a_narrative_file(sample_path, tmp_path):
    from nianbao.converters.narrative import read_narrative

    pack = load_rule_pack(write_pack(tmp_path, LENGTH_600 + MENTION_REFUSED))
    wb = with_rules(read_workbook(sample_path), pack)
    text = tmp_path / "正文.txt"
    text.write_text(
        "一、总体情况\n"
        + "本年度公开工作有序开展。" * 60
        + "\n五、存在的主要问题及改进情况\n无。\n",
        encoding="utf-8",
    )
    findings = narrative_findings(wb.spec, read_narrative(text, wb.spec), wb)
    found = {(f.rule, f.sheet, f.row, f.pack) for f in findings if f.pack}
    part = "“一、总体情况”部分"
    assert found == {
        ("L-LEN", "正文.txt", part, PACK_NAME),
        ("L-MENTION", "正文.txt", part, PACK_NAME),
    }


# -- severity overrides ------------------------------------------------------------------------

# (id, the rule overridden and its new severity, value changes, rule, valid without, with)
OVERRIDE_CASES = [
    (
        "carry-over-error-to-warning",
        ("X-1", "warning"),
        {K("t3", "r2", "c1"): 2, K("t3", "r4", "c1"): 3},
        "X-1",
        False,
        True,
    ),
    (
        "blank-cell-error-to-info",
        ("V-BLANK", "info"),
        {K("t3", "r3_5_2", "c2"): None},
        "V-BLANK",
        False,
        True,
    ),
    (
        "regulations-warning-to-error",
        ("P-1", "error"),
        {K("t2", "regulation", "issued"): 1},
        "P-1",
        True,
        False,
    ),
]


@pytest.mark.parametrize(
    ("override", "changes", "rule", "valid_without", "valid_with"),
    [c[1:] for c in OVERRIDE_CASES],
    ids=[c[0] for c in OVERRIDE_CASES],
)
def test_severity_override_changes_the_verdict(
    build, sample, previous_path, tmp_path, override, changes, rule, valid_without, valid_with
):
    rule_id, severity = override
    body = f'[[overrides]]\nrule = "{rule_id}"\nseverity = "{severity}"\nreason = "机构改革"\n'
    pack = load_rule_pack(write_pack(tmp_path, body))
    wb = read_workbook(build(sample, values=changes))
    previous = read_workbook(previous_path)
    without = validate(wb, previous)
    with_pack = validate(with_rules(wb, pack), previous)
    assert (without.valid, with_pack.valid) == (valid_without, valid_with)
    changed = [f for f in with_pack.findings if f.rule == rule]
    assert changed and all(f.severity == severity and f.pack == PACK_NAME for f in changed)
    assert all(f.pack == "" for f in without.findings)


def test_pack_for_another_format_leaves_it_alone(spec2019, spec2021, tmp_path):
    pack = load_rule_pack(write_pack(tmp_path, 'format_version = "2021"\n' + CARRY_LIMIT))
    assert apply_rules(spec2019, pack) is spec2019
    merged = apply_rules(spec2021, pack)
    assert merged is apply_rules(spec2021, pack)  # one object: what is cached on it stays
    assert [r.id for r in merged.rules][-1] == "L-CARRY"
    assert merged.rules[: len(spec2021.rules)] == spec2021.rules


def test_example_pack_loads_and_is_shipped():
    pack = load_rule_pack(EXAMPLE_PACK)
    assert pack.name and pack.format_version == "2021"
    kinds = {r.kind for r in pack.rules}
    assert {RuleKind.LENGTH, RuleKind.MENTION, RuleKind.LIMIT} <= kinds
    assert [o.rule for o in pack.overrides] == ["X-1"]
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["nianbao.workbook_templates"]
    assert "rules/*.toml" in data


def test_readme_example_pack_loads(tmp_path):
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("### 本地规则")[1].split("```toml\n")[1].split("```")[0]
    path = tmp_path / "readme.toml"
    path.write_text(example, encoding="utf-8")
    pack = load_rule_pack(path)
    assert [r.id for r in pack.rules] == ["L-LENGTH", "L-MENTION", "L-CARRY"]
    assert [o.rule for o in pack.overrides] == ["X-1"]


def test_format_file_may_declare_the_new_kinds():
    data = tomllib.loads((FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8"))
    rule = {
        "id": "N-LENGTH",
        "kind": "length",
        "severity": "info",
        "section": "s5",
        "max": 2000,
        "message": "{part}共 {actual} 字。",
        "action": "",
    }
    spec = parse_spec({**data, "rules": [*data["rules"], rule]}, "format_2021.toml (copy)")
    assert spec.rule("N-LENGTH").kind == RuleKind.LENGTH
    bad = {**rule, "section": "s9"}
    with pytest.raises(SpecError, match="section「s9」不是正文的部分"):
        parse_spec({**data, "rules": [*data["rules"], bad]}, "format_2021.toml (copy)")


# -- bad packs ---------------------------------------------------------------------------------

TEXT_HEAD = '[[rules]]\nid = "L-1"\nkind = "{kind}"\nseverity = "info"\n'
LIMIT_HEAD = '[[rules]]\nid = "L-1"\nkind = "limit"\nseverity = "warning"\ntable = "t3"\n'

# (id, the file after its name line, the line named, words of the message)
BAD_PACKS = [
    (
        "unknown-rule-field",
        LIMIT_HEAD + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\ncolour = "红"\n',
        10,
        "未知字段 colour",
    ),
    (
        "unknown-top-field",
        'author = "张三"\n' + LIMIT_HEAD + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\n',
        2,
        "未知字段 author",
    ),
    (
        "bad-cell-row",
        LIMIT_HEAD + 'cells = ["r99.ct"]\nmax = 1\nmessage = "m"\n',
        7,
        "不存在的单元格：'r99'",
    ),
    (
        "bad-cell-column",
        LIMIT_HEAD + 'cells = ["r4.c9"]\nmax = 1\nmessage = "m"\n',
        7,
        "不存在的单元格：'c9'",
    ),
    (
        "bad-table",
        LIMIT_HEAD.replace('"t3"', '"t9"') + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\n',
        6,
        "不存在的单元格：'t9'",
    ),
    (
        "id-clashes-with-format",
        LIMIT_HEAD.replace('"L-1"', '"X-1"') + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\n',
        3,
        "与年报格式中的规则重复",
    ),
    (
        "id-twice-in-pack",
        LIMIT_HEAD
        + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\n'
        + LIMIT_HEAD
        + 'cells = ["r4.ct"]\nmax = 2\nmessage = "m"\n',
        11,
        "在本文件中重复（第 3 行已用过）",
    ),
    (
        "unknown-section",
        TEXT_HEAD.format(kind="length") + 'section = "总体"\nmax = 9\nmessage = "m"\n',
        6,
        "section「总体」不是正文的部分",
    ),
    (
        "words-not-a-list",
        TEXT_HEAD.format(kind="mention") + 'section = "s1"\nwords = "不予公开"\nmessage = "m"\n',
        7,
        "words 应写成文字的列表",
    ),
    (
        "sum-not-allowed",
        LIMIT_HEAD.replace('"limit"', '"sum"') + 'message = "m"\n',
        4,
        "kind「sum」不能用于本地规则",
    ),
    (
        "worded-kind-not-allowed",
        LIMIT_HEAD.replace('"limit"', '"blank"') + 'message = "m"\n',
        4,
        "[[overrides]] 改严重程度",
    ),
    (
        "unknown-severity",
        LIMIT_HEAD.replace('"warning"', '"fatal"') + 'cells = ["r4.ct"]\nmax = 1\nmessage = "m"\n',
        5,
        "severity「fatal」未知",
    ),
    ("missing-message", LIMIT_HEAD + 'cells = ["r4.ct"]\nmax = 1\n', 2, "缺少字段：message"),
    (
        "unknown-argument",
        LIMIT_HEAD + 'cells = ["r4.ct"]\nmax = 1\nmessage = "{amount_due}"\n',
        9,
        "未知参数：['amount_due']",
    ),
    (
        "override-unknown-rule",
        '\n[[overrides]]\nrule = "X-9"\nseverity = "warning"\n',
        4,
        "年报格式中没有规则 X-9",
    ),
    (
        "override-bad-severity",
        '[[overrides]]\nrule = "X-1"\nseverity = "警告"\n',
        4,
        "severity「警告」未知",
    ),
    ("toml-syntax", LIMIT_HEAD + "cells = [r4.ct]\n", 7, "第 7 行第 10 列不符合 TOML 写法"),
    ("toml-chinese-quotes", "description = “某市”\n", 2, "第 2 行第 15 列不符合 TOML 写法"),
]


@pytest.mark.parametrize(
    ("body", "line", "words"), [c[1:] for c in BAD_PACKS], ids=[c[0] for c in BAD_PACKS]
)
def test_bad_pack_is_refused_with_its_line(tmp_path, body, line, words):
    path = write_pack(tmp_path, body)
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(path)
    error = caught.value
    assert str(path) in error.message
    assert f"第 {line} 行" in error.message
    assert words in error.message
    assert error.action and error.exit_code == EXIT_INPUT


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda folder: folder / "没有这个文件.toml", "找不到本地规则文件"),
        (lambda folder: folder, "不是文件"),
        (
            lambda folder: _write_bytes(folder / "gbk.toml", 'name = "某市"'.encode("gbk")),
            "第 1 行不是 UTF-8",
        ),
        (lambda folder: _write_bytes(folder / "empty.toml", b'name = "x"\n'), "没有任何 [[rules]]"),
    ],
    ids=["missing-file", "folder", "not-utf8", "no-rules"],
)
def test_unusable_pack_file_is_refused(tmp_path, make, words):
    path = make(tmp_path)
    with pytest.raises(RulePackError, match=None) as caught:
        load_rule_pack(path)
    assert words in caught.value.message and str(path) in caught.value.message


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_pack_with_a_bom_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(("\ufeff" + f'name = "{PACK_NAME}"\n' + CARRY_LIMIT).encode("utf-8"))
    assert load_rule_pack(path).rules[0].id == "L-CARRY"
