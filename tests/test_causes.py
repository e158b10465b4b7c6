"""Root cause first: a mistyped number is one problem, told at the typed cell, and the sums it
breaks are linked to it (validation/causes.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

import pytest

from nianbao.validation import validate
from nianbao.validation.text_report import render_report
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.spec import CellKey, Severity

from .workbook_edit import edit_workbook

K = CellKey

# How people mistype a number (value -> what they type).
MISTYPES = {
    "text": str,
    "full-width": lambda v: str(v).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "spaces": lambda v: f" {v} ",
    "unit": lambda v: f"{v}件",
    "unit-with-space": lambda v: f"{v} 件",
    "chinese-numeral": lambda v: {14: "十四", 6: "六", 2: "二", 1: "一", 36: "三十六"}[v],
}

# (cell, value in the sample, the rules it feeds): one cell per rule family.
CELLS = [
    ("表三!D6", K("t3", "r1", "c1"), 14),  # 本年新收: H3-1 directly, the 总计 column via J6
    ("表三!D8", K("t3", "r3_1", "c1"), 6),  # a 办理结果: inside 三（七）总计, H3-2 / H3-1
    ("表三!D30", K("t3", "r4", "c1"), 2),  # 结转下年度: the balance's own anchor
    ("表三!E6", K("t3", "r1", "c2"), 2),  # 法人 column: H3-1 on E and on the 总计 column
    ("表二!B9", K("t2", "licensing", "decisions"), 36),  # 表二
    ("表四!A6", K("t4", "cases", "review_upheld"), 1),  # 表四 row totals
]


def _errors(report):
    return [f for f in report.findings if f.severity == Severity.ERROR]


def _assert_one_problem_at(report, where: str) -> None:
    roots = report.roots()
    assert roots, "the mistyped cell must be reported"
    first = roots[0]
    assert first.where == where, [f.where for f in roots]
    for f in _errors(report):
        if f is not first:
            assert f.cause == first.id, (f.rule, f.where, f.text)
            assert where in f.text, f.text  # it says where its difference comes from
    assert report.counts[Severity.ERROR] == 1


@pytest.mark.parametrize("how", list(MISTYPES))
@pytest.mark.parametrize(("where", "key", "value"), CELLS, ids=[c[0] for c in CELLS])
def test_a_mistyped_number_is_one_error_at_the_typed_cell(
    tmp_path, sample_path, how, where, key, value
):
    typed = MISTYPES[how](value)
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {where: typed})
    report = validate(read_workbook(path))
    _assert_one_problem_at(report, where)


def test_a_mistyped_number_with_thousands_separator(tmp_path, build, sample):
    """1,234 typed as text in 本年新收, with the rest of the column balancing 1,234."""
    values = dict(sample.values)
    values[K("t3", "r1", "c1")] = 1234
    values[K("t3", "r4", "c1")] = 1234 + 1 - 13  # 本年新收 + 上年结转 − 办理结果
    path = build(replace(sample, values=values), "big.xlsx")
    typed = edit_workbook(path, tmp_path / "typed.xlsx", {"表三!D6": "1,234件"})
    report = validate(read_workbook(typed))
    _assert_one_problem_at(report, "表三!D6")
    assert "应改为数字 1234" in report.roots()[0].text


def test_a_mistyped_carry_is_one_error_also_across_years(tmp_path, sample_path, previous_path):
    """上年结转 typed as "1件" also feeds X-1 (last year's 结转下年度)."""
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D7": "1件"})
    report = validate(read_workbook(path), read_workbook(previous_path))
    _assert_one_problem_at(report, "表三!D7")


def test_the_146_case_reads_as_the_clerk_needs_it(tmp_path, sample_path):
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    report = validate(read_workbook(path))
    first = report.roots()[0]
    assert first.rule == "V-NUMBER"
    assert "「14件」" in first.text and "应改为数字 14" in first.text
    explained = report.explained_by(first)
    assert {f.where for f in explained} == {"表三!D30", "表三!J30"}
    for f in explained:
        assert "差额来自 表三!D6 的「14件」" in f.text
        assert "漏填或多填" not in f.message  # the generic advice is not given for a typo
    text = render_report(report)
    assert text.index("[V-NUMBER]") < text.index("[H3-1]")
    assert "错误 1 项" in text and "另有 2 项由上述问题引起" in text


def test_words_in_a_number_cell_get_the_value_that_balances(tmp_path, sample_path):
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "见附件"})
    report = validate(read_workbook(path))
    first = report.roots()[0]
    assert first.where == "表三!D6"
    assert "推算应为 14" in first.text
    assert report.counts[Severity.ERROR] == 1


def test_a_real_imbalance_is_one_problem_in_its_column_and_the_total_column(build, sample):
    values = dict(sample.values)
    values[K("t3", "r4", "c1")] = 3  # one too many carried forward
    report = validate(read_workbook(build(replace(sample, values=values))))
    errors = _errors(report)
    assert [(f.rule, f.where) for f in report.roots(Severity.ERROR)] == [("H3-1", "表三!D30")]
    first = report.roots()[0]
    # Plain expected/actual: the anchor cell, what it would have to hold.
    assert first.expected == Decimal(2) and first.actual == Decimal(3)
    assert first.text.startswith("若其余数字无误，四、结转下年度")
    assert "应为 2，现为 3" in first.text
    (total,) = [f for f in errors if f is not first]
    assert total.where == "表三!J30" and total.cause == first.id
    assert report.counts[Severity.ERROR] == 1


def test_two_independent_mistakes_are_two_problems(tmp_path, build, sample):
    values = dict(sample.values)
    values[K("t3", "r4", "c2")] = 1  # 法人 column carries one it does not have
    path = build(replace(sample, values=values))
    typed = edit_workbook(path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    report = validate(read_workbook(typed))
    roots = [(f.rule, f.where) for f in report.roots(Severity.ERROR)]
    assert roots == [("V-NUMBER", "表三!D6"), ("H3-1", "表三!E30")]
    assert report.counts[Severity.ERROR] == 2


def test_a_typed_over_total_explains_the_sum_and_the_balance(tmp_path, sample_path):
    """「（七）总计」typed over with 20: F-CONSTANT is the cause, raised to an error."""
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D29": 20})
    report = validate(read_workbook(path))
    first = report.roots()[0]
    assert (first.rule, first.where, first.severity) == ("F-CONSTANT", "表三!D29", "error")
    assert all(f.cause == first.id for f in _errors(report) if f is not first)
    assert {f.rule for f in report.explained_by(first)} >= {"H3-2", "H3-1"}
    assert report.counts[Severity.ERROR] == 1


def test_a_blank_workbook_is_one_finding_per_table(build, sample):
    blank = replace(sample, values=dict.fromkeys(sample.values))
    report = validate(read_workbook(build(blank)))
    roots = report.roots(Severity.ERROR)
    assert [(f.rule, f.sheet) for f in roots] == [
        ("V-EMPTY", "表二"),
        ("V-EMPTY", "表三"),
        ("V-EMPTY", "表四"),
    ]
    t3 = roots[1]
    assert t3.text.startswith("表三尚未填写（共 ") and len(t3.cells) == int(t3.actual)
    # The cells are kept, each linked to its table's finding.
    blanks = report.explained_by(t3)
    assert len(blanks) == len(t3.cells) and {f.rule for f in blanks} == {"V-BLANK"}
    assert len(render_report(report).splitlines()) < 30


def test_one_blank_cell_that_breaks_a_balance_is_its_cause(build, sample):
    values = dict(sample.values)
    values[K("t3", "r3_1", "c1")] = None  # 6 予以公开 left blank
    report = validate(read_workbook(build(replace(sample, values=values))))
    first = report.roots()[0]
    assert (first.rule, first.where) == ("V-BLANK", "表三!D8")
    assert "推算应为 6" in first.text
    assert report.counts[Severity.ERROR] == 1


def test_narrative_number_says_the_text_is_likely_wrong_when_the_table_balances(
    tmp_path, sample_path
):
    import openpyxl

    text = openpyxl.load_workbook(sample_path)["正文"]["B5"].value
    assert "收到政府信息公开申请17件" in text
    changed = text.replace("申请17件", "申请20件")
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"正文!B5": changed})
    report = validate(read_workbook(path))
    numbers = [f for f in report.findings if f.rule == "N-NUMBER"]
    assert numbers and all("更可能是正文的数字写错了" in f.action for f in numbers)


def test_json_gives_every_finding_an_id_and_its_cause(tmp_path, sample_path):
    path = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    run = subprocess.run(
        [sys.executable, "-m", "nianbao", "check", "--json", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    report = data if "findings" in data else data["reports"][0]
    findings = report["findings"]
    ids = [f["id"] for f in findings]
    assert len(set(ids)) == len(ids)
    assert findings[0]["id"] == "V-NUMBER@表三!D6" and findings[0]["cause"] is None
    assert [f["cause"] for f in findings[1:]] == ["V-NUMBER@表三!D6"] * 2
    assert report["counts"]["error"] == 1 and report["explained"] == 2


def test_the_total_column_is_the_same_problem_even_with_a_blank_cell_elsewhere(build, sample):
    """A real imbalance in 自然人 and an unrelated blank in 商业企业: the 总计 column's balance is
    the 自然人 problem, not a third error (the blank is its own problem)."""
    values = dict(sample.values)
    values[K("t3", "r4", "c1")] = 3
    values[K("t3", "r3_5_2", "c2")] = None  # 表三!E22, 0 in the sample
    report = validate(read_workbook(build(replace(sample, values=values))))
    roots = [(f.rule, f.where) for f in report.roots(Severity.ERROR)]
    assert roots == [("V-BLANK", "表三!E22"), ("H3-1", "表三!D30")]
    total = next(f for f in report.findings if f.where == "表三!J30")
    assert total.cause == "H3-1@表三!D30"
    assert report.counts[Severity.ERROR] == 2
