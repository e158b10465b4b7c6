"""Field names for numbers in the narrative ({表三.本年新收.总计}): derived from the spec."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nianbao.workbook_templates.compute import input_keys, recompute
from nianbao.workbook_templates.fields import (
    field_value,
    replace_fields,
    resolve,
    spec_fields,
    suggest,
)
from nianbao.workbook_templates.spec import CellKey


@pytest.fixture(params=["2021", "2019"])
def spec(request, spec2021, spec2019):
    return spec2021 if request.param == "2021" else spec2019


def test_field_names_are_unique_and_cover_every_table_cell(spec):
    fields = spec_fields(spec)
    names = [f.name for f in fields]
    assert len(names) == len(set(names))
    single = {f.keys[0] for f in fields if len(f.keys) == 1 and not f.info}
    assert single >= set(spec.value_keys())


def test_documented_example_resolves_in_every_format(spec):
    field = resolve(spec, spec.report.field_example.strip("{}"))
    assert field is not None
    assert field.keys == (CellKey("t3", "r1", "ct"),)


@pytest.mark.parametrize(
    "written",
    [
        "表三.本年新收.总计",
        "表三．本年新收．总计",
        " 表三 . 本年新收 . 总计 ",
        "表三.本年新收政府信息公开申请数量.总计",
        "表三.一、本年新收政府信息公开申请数量.总计",
    ],
)
def test_field_spellings_are_tolerated(spec2021, written):
    assert resolve(spec2021, written).keys == (CellKey("t3", "r1", "ct"),)


def _values(spec):
    inputs = {k: Decimal(i + 1) for i, k in enumerate(input_keys(spec))}
    return {**inputs, **recompute(spec, inputs)}


def test_group_fields_sum_their_cells(spec2021):
    values = _values(spec2021)
    withheld = resolve(spec2021, "表三.不予公开.总计")
    expected = sum(values[CellKey("t3", f"r3_3_{i}", "ct")] for i in range(1, 9))
    assert field_value(withheld, values, {}) == str(expected)
    orgs = resolve(spec2021, "表三.本年新收.法人或其他组织")
    expected = sum(values[CellKey("t3", "r1", f"c{i}")] for i in range(2, 7))
    assert field_value(orgs, values, {}) == str(expected)
    suits = resolve(spec2021, "表四.行政诉讼")
    expected = (
        values[CellKey("t4", "cases", "direct_total")]
        + values[CellKey("t4", "cases", "after_total")]
    )
    assert field_value(suits, values, {}) == str(expected)


def test_row_group_leaves_out_the_total_row(spec2021):
    values = _values(spec2021)
    outcomes = resolve(spec2021, "表三.本年度办理结果.自然人")
    assert field_value(outcomes, values, {}) == str(values[CellKey("t3", "r3_7", "c1")])


def test_blank_cell_field_is_empty_and_zero_prints_as_zero(spec2021):
    field = resolve(spec2021, "表二.规章.本年制发件数")
    assert field_value(field, {}, {}) == ""
    assert field_value(field, {field.keys[0]: Decimal(0)}, {}) == "0"
    fee = resolve(spec2021, "表二.行政事业性收费.本年收费金额")
    assert field_value(fee, {fee.keys[0]: Decimal("0.3800")}, {}) == "0.38"


def test_info_fields_come_from_basic_information(spec2021):
    field = resolve(spec2021, "单位名称")
    assert field_value(field, {}, {"unit": "青禾镇人民政府"}) == "青禾镇人民政府"


def test_replace_fields_reports_unknown_names_and_keeps_literal_braces(spec2021):
    def lookup(name):
        field = resolve(spec2021, name)
        return "17" if field else None

    text, unknown = replace_fields(
        "收到{表三.本年新收.总计}件，{{不是字段}}，{表三.新收}件", lookup
    )
    assert text == "收到17件，{不是字段}，{表三.新收}件"
    assert unknown == ["表三.新收"]


def test_unknown_field_gets_close_suggestions(spec2021):
    assert "表三.本年新收.总计" in suggest(spec2021, "表三.本年新收.合计")
