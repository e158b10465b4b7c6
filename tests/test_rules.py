"""Every rule fires on a minimal mutation of the valid sample, at the right cell, nowhere else."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from nianbao.validation import validate
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey

from .workbook_edit import edit_workbook


def K(table: str, row: str, col: str) -> CellKey:
    return CellKey(table, row, col)


def findings_of(path, previous=None) -> set[tuple[str, str]]:
    """Return the table rules' findings. The sample's 正文 states the sample's numbers, so a
    changed table also contradicts it (N-NUMBER): that rule has its own tests."""
    report = validate(read_workbook(path), read_workbook(previous) if previous else None)
    return {(f.rule, f.where) for f in report.findings if f.rule != "N-NUMBER"}


def test_unmutated_sample_passes_every_rule(sample_path, previous_path):
    assert findings_of(sample_path) == set()
    assert findings_of(sample_path, previous_path) == set()


# (id, value changes given to the builder, expected {(rule, cell)})
VALUE_CASES = [
    (
        "balance-broken-by-carry-forward",
        {K("t3", "r4", "c1"): 3},
        {("H3-1", "表三!D30"), ("H3-1", "表三!J30")},
    ),
    (
        "balance-broken-by-new-applications",
        {K("t3", "r1", "c2"): 3},
        {("H3-1", "表三!E30"), ("H3-1", "表三!J30")},
    ),
    ("blank-input", {K("t3", "r3_5_2", "c2"): None}, {("V-BLANK", "表三!E22")}),
    (
        "negative-count",
        {K("t3", "r3_5_2", "c1"): -1, K("t3", "r3_5_1", "c1"): 2},
        {("V-NEGATIVE", "表三!D22")},
    ),
    (
        "fractional-count",
        {K("t3", "r1", "c1"): Decimal("14.5"), K("t3", "r4", "c1"): Decimal("2.5")},
        {("V-INTEGER", "表三!D6"), ("V-INTEGER", "表三!D30")},
    ),
    (
        "fee-with-five-decimals",
        {K("t2", "admin_fee", "amount"): Decimal("0.12345")},
        {("V-DECIMALS", "表二!B16")},
    ),
    (
        "negative-fee",
        {K("t2", "admin_fee", "amount"): Decimal("-0.5")},
        {("V-NEGATIVE", "表二!B16")},
    ),
    ("township-with-regulations", {K("t2", "regulation", "issued"): 1}, {("P-1", "表二!B5")}),
    ("fee-in-yuan-not-wan", {K("t2", "admin_fee", "amount"): 3800}, {("P-2", "表二!B16")}),
    (
        "signed-blank-in-table-four",
        {K("t4", "cases", "after_other"): None},
        {("V-BLANK", "表四!M6")},
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES]
)
def test_rule_fires_on_value_change(build, sample, changes, expected):
    path = build(sample, values=changes)
    assert findings_of(path) == expected


def test_reviews_without_any_application_is_a_hint(build, sample):
    zeros = {k: Decimal(0) for k in sample.values if k.table == "t3"}
    path = build(sample, values=zeros)
    assert findings_of(path) == {("P-3", "表四!E6")}


# (id, cells typed over the built sample, expected {(rule, cell)}). A total that is typed over,
# edited or emptied also unbalances what the workbook shows further on: those knock-on findings
# are expected too, because the printed table (and the 校验 sheet) shows them.
EDIT_CASES = [
    (
        "total-typed-over-wrongly",
        {"表三!D29": 99},
        {
            ("H3-2", "表三!D29"),
            ("F-CONSTANT", "表三!D29"),
            ("H3-1", "表三!D30"),
            ("H3-3", "表三!J29"),
        },
    ),
    ("total-typed-over-correctly", {"表三!J6": 17}, {("F-CONSTANT", "表三!J6")}),
    (
        "row-total-formula-missing-a-column",
        {"表三!J6": "=SUM(D6:G6)"},
        {("F-CHANGED", "表三!J6"), ("H3-3", "表三!J6"), ("H3-1", "表三!J30")},
    ),
    ("equivalent-formula-accepted", {"表三!J6": "=D6+E6+F6+G6+H6+I6"}, set()),
    ("absolute-references-accepted", {"表三!J6": "=sum($D$6:$I$6)"}, set()),
    ("total-cleared", {"表三!J6": None}, {("F-EMPTY", "表三!J6"), ("H3-1", "表三!J30")}),
    ("review-total-typed-over", {"表四!E6": 5}, {("H4-1", "表四!E6"), ("F-CONSTANT", "表四!E6")}),
    ("suit-total-formula-changed", {"表四!J6": "=SUM(F6:H6)"}, {("F-CHANGED", "表四!J6")}),
    # SUM skips text: the row total the workbook shows leaves the number out.
    ("number-as-text", {"表三!D6": "14"}, {("V-TEXT", "表三!D6"), ("H3-1", "表三!J30")}),
    (
        "full-width-number-as-text",
        {"表三!D6": "１４"},
        {("V-TEXT", "表三!D6"), ("H3-1", "表三!J30")},
    ),
    ("spaced-thousands-as-text", {"表二!B9": " 1,036 "}, {("V-TEXT", "表二!B9")}),
    (
        "words-in-number-cell",
        {"表三!D6": "十四"},
        {("V-NUMBER", "表三!D6"), ("H3-1", "表三!D30"), ("H3-1", "表三!J30")},
    ),
    ("formula-in-input-cell", {"表三!D6": "=10+4"}, {("F-INPUT", "表三!D6")}),
    (
        "year-changed",  # 五 of the 2025 sample speaks of 2026's plans: odd in a 2024 report
        {"基本信息!B5": 2024},
        {("M-YEAR", "基本信息!B5"), ("N-YEAR-MENTION", "正文!B12")},
    ),
    ("unit-renamed", {"基本信息!B3": "青禾乡人民政府"}, {("M-UNIT", "基本信息!B3")}),
    (
        "unknown-unit-kind",
        {"基本信息!B4": "村委会"},
        {("M-KIND", "基本信息!B4"), ("M-INFO-VALUE", "基本信息!B4")},
    ),
    ("contact-missing", {"基本信息!B7": None}, {("M-INFO", "基本信息!B7")}),
    ("narrative-part-missing", {"正文!B12": None}, {("T-BLANK", "正文!B12")}),
    ("label-edited", {"表三!C10": "1.国家秘密"}, {("S-LABEL", "表三!C10")}),
    ("header-edited", {"表二!D4": "现行有效件数（历史累计）"}, {("S-LABEL", "表二!D4")}),
    ("content-outside-table", {"表三!L40": "备注：无"}, {("S-EXTRA", "表三!L40")}),
]


@pytest.mark.parametrize(
    ("cells", "expected"), [c[1:] for c in EDIT_CASES], ids=[c[0] for c in EDIT_CASES]
)
def test_rule_fires_on_edited_workbook(sample_path, tmp_path, cells, expected):
    edited = edit_workbook(sample_path, tmp_path / "edited.xlsx", cells)
    assert findings_of(edited) == expected


def test_changed_formula_names_the_missing_cell(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", {"表三!J6": "=SUM(D6:G6)"})
    report = validate(read_workbook(edited))
    changed = next(f for f in report.findings if f.rule == "F-CHANGED")
    assert "漏加了 H6、I6" in changed.message
    assert changed.expected == "SUM(D6:I6)"


def test_structure_change_stops_reading_that_table_only(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", insert_rows=("表三", 9))
    wb = read_workbook(edited)
    assert wb.unreadable_tables == {"t3"}
    report = validate(wb)
    assert {(f.rule, f.where) for f in report.findings} == {("S-LABEL", "表三!B9")}
    assert "插入了 1 行" in report.findings[0].message
    assert not any(k.table == "t3" for k in wb.cells)


def test_deleted_row_is_reported_as_structure_change(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", delete_rows=("表三", 12))
    report = validate(read_workbook(edited))
    assert {(f.rule, f.where) for f in report.findings} == {("S-LABEL", "表三!C12")}
    assert "删除了 1 行" in report.findings[0].message


def test_missing_sheet_is_reported_and_other_tables_still_checked(sample_path, tmp_path):
    edited = edit_workbook(
        sample_path, tmp_path / "e.xlsx", {"表二!B5": 1}, delete_sheets=("表四",)
    )
    assert findings_of(edited) == {("S-SHEET", "表四"), ("P-1", "表二!B5")}


def test_extra_sheet_is_a_hint(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", add_sheets=("我的草稿",))
    assert findings_of(edited) == {("S-OTHER-SHEET", "我的草稿")}


# -- cross-year --------------------------------------------------------------------------------


def test_carry_over_mismatch_with_last_year(build, sample, previous_path):
    path = build(sample, values={K("t3", "r2", "c1"): 2, K("t3", "r4", "c1"): 3})
    assert findings_of(path, previous_path) == {("X-1", "表三!D7"), ("X-1", "表三!J7")}
    assert findings_of(path) == set()  # not checked without last year's workbook


def test_in_force_documents_drift_from_last_year(build, sample, previous_path):
    path = build(sample, values={K("t2", "normative", "in_force"): 10})
    assert findings_of(path, previous_path) == {("X-2", "表二!D6")}


def test_previous_of_wrong_year_is_refused(build, sample):
    older = build(replace(sample_request(2024), year=2023), "older.xlsx")
    assert findings_of(build(sample), older) == {("X-YEAR", "")}


def test_previous_of_other_unit_is_a_warning(build, sample):
    other = build(replace(sample_request(2024), unit="白云镇人民政府"), "other.xlsx")
    assert findings_of(build(sample), other) == {("X-UNIT", "")}


def test_previous_in_2019_format_still_checks_carry_over(build, sample, spec2019):
    last = sample_request(2024)
    values = {
        k: v for k, v in last.values.items() if k.table == "t3" and not k.row.startswith("r3_6")
    }
    values.update({K("t3", "r3_6", c): Decimal(0) for c in ("c1", "c2", "c3", "c4", "c5", "c6")})
    previous = build(TemplateRequest2019(last, values), "prev2019.xlsx")
    path = build(sample, values={K("t3", "r2", "c1"): 2, K("t3", "r4", "c1"): 3})
    found = findings_of(path, previous)
    assert ("X-1", "表三!D7") in found
    assert ("X-MISSING", "") in found  # 现行有效件数 has no 2019 counterpart


def TemplateRequest2019(request, t3_values):
    """Return last year's sample as a 2019-format request (table three only is comparable)."""
    return replace(request, format_version="2019", values=t3_values)


# -- format and stamp --------------------------------------------------------------------------


def test_wrong_format_for_year_is_a_warning(build, sample):
    path = build(replace(sample, year=2020), values={})
    found = findings_of(path)
    assert ("M-FORMAT", "基本信息!B6") in found


@pytest.mark.parametrize("amount", ["0.07", "0.56", "1.2345", "0.0001", "123.4567"])
def test_amounts_stored_as_binary_doubles_read_back_exactly(build, sample, amount):
    """0.07 is stored as 0.07000000000000001; it must not look like a fifth decimal."""
    path = build(sample, values={K("t2", "admin_fee", "amount"): Decimal(amount)})
    assert read_workbook(path).cells[K("t2", "admin_fee", "amount")].value == Decimal(amount)
    assert findings_of(path) == set()
