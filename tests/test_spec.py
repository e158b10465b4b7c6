"""The format specs: official wording, layout, integrity, and the year → format choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nianbao.errors import SpecError
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.compute import computed_cells, input_keys, rule_instances
from nianbao.workbook_templates.loader import (
    FORMATS_DIR,
    available_formats,
    load_spec,
    parse_spec,
    spec_for_year,
)

REPO = Path(__file__).resolve().parent.parent
CODE_DIRS = ("nianbao",)


def test_both_formats_load_and_differ_in_fingerprint():
    specs = available_formats()
    assert set(specs) == {"2019", "2021"}
    assert specs["2019"].fingerprint != specs["2021"].fingerprint


@pytest.mark.parametrize(
    ("year", "version"), [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2025, "2021")]
)
def test_format_follows_report_year(year, version):
    assert spec_for_year(year).format_version == version


def test_year_before_any_format_is_refused():
    with pytest.raises(SpecError, match="没有对应的年报格式"):
        spec_for_year(2018)


def test_unknown_format_version_names_the_known_ones():
    with pytest.raises(SpecError) as info:
        load_spec("2030")
    assert "2019" in info.value.action and "2021" in info.value.action


def test_table_three_has_official_corner_note_and_wording(spec2021):
    t3 = spec2021.table("t3")
    assert (
        t3.blocks[0].corner
        == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    )
    labels = [r.label for r in t3.rows]
    assert len(labels) == 25
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels
    assert labels[0] == "一、本年新收政府信息公开申请数量"
    assert labels[-1] == "四、结转下年度继续办理"
    assert [c.label for c in t3.blocks[0].columns] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]


def _merge(spec, table_code, text):
    lay = L.table_layout(spec.table(table_code))
    cell = next(c for c in lay.labels if c.text == text)
    return cell.last_row - cell.row + 1, cell.last_col - cell.col + 1


@pytest.mark.parametrize(
    ("version", "text", "span"),
    [
        ("2021", "三、本年度办理结果", (22, 1)),
        ("2019", "三、本年度办理结果", (20, 1)),
        ("2021", "（三）不予公开", (8, 1)),
        ("2021", "（四）无法提供", (3, 1)),
        ("2021", "（五）不予处理", (5, 1)),
        ("2021", "（六）其他处理", (3, 1)),
        ("2019", "（六）其他处理", (1, 2)),
        ("2021", "申请人情况", (1, 7)),
        ("2021", "法人或其他组织", (1, 5)),
        ("2021", "自然人", (2, 1)),
        ("2021", "一、本年新收政府信息公开申请数量", (1, 3)),
        ("2021", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", (3, 3)),
    ],
)
def test_table_three_merges_match_the_official_layout(version, text, span):
    assert _merge(load_spec(version), "t3", text) == span


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("行政复议", (1, 5)),
        ("行政诉讼", (1, 10)),
        ("未经复议直接起诉", (1, 5)),
        ("复议后起诉", (1, 5)),
    ],
)
def test_table_four_header_merges(spec2021, text, span):
    assert _merge(spec2021, "t4", text) == span


def test_table_four_has_fifteen_cells_and_three_totals(spec2021):
    keys = spec2021.table("t4").value_keys()
    assert len(keys) == 15
    assert sum(1 for k in keys if k in computed_cells(spec2021)) == 3


def test_computed_cells_are_totals_only(spec2021):
    computed = computed_cells(spec2021)
    t3 = [k for k in computed if k.table == "t3"]
    assert len(t3) == 25 + 6  # the 总计 column, and the （七）总计 row
    assert len(input_keys(spec2021)) == 166


def test_table_two_differs_between_versions(spec2019, spec2021):
    def labels(spec):
        return [c.label for b in spec.table("t2").blocks for c in b.columns]

    assert "本年制发件数" in labels(spec2021) and "本年新制作数量" in labels(spec2019)
    assert "采购总金额" in labels(spec2019) and "采购总金额" not in labels(spec2021)
    signed = [c for b in spec2019.table("t2").blocks for c in b.columns if c.type == "signed"]
    assert {c.label for c in signed} == {"本年增/减"}


def test_rules_expand_per_column_and_row(spec2021):
    by_rule = {}
    for inst in rule_instances(spec2021):
        by_rule.setdefault(inst.rule.id, []).append(inst)
    assert len(by_rule["H3-1"]) == 7
    assert len(by_rule["H3-2"]) == 7
    assert len(by_rule["H3-3"]) == 25
    assert len(by_rule["X-1"]) == 7


def test_spec_with_bad_rule_reference_is_refused():
    import tomllib

    text = (FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8")
    broken = text.replace('left = ["r1", "r2"]', 'left = ["r1", "r9"]', 1)
    with pytest.raises(SpecError, match="H3-1"):
        parse_spec(tomllib.loads(broken), "broken")


def test_spec_with_unknown_message_argument_is_refused():
    import tomllib

    text = (FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8")
    broken = text.replace("（{left_detail}）", "（{left_details}）", 1)
    assert broken != text
    with pytest.raises(SpecError, match="未知参数"):
        parse_spec(tomllib.loads(broken), "broken")


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("rule_id", ["D-EMPTY", "C-UNKNOWN", "I-PREVIOUS", "IM-TOTAL"])
def test_a_format_file_without_the_rule_of_a_worded_kind_is_refused(version, rule_id):
    """The program words these notes only through their rule: without it a clerk would not be
    told (and without D-EMPTY an empty part would no longer refuse the export)."""
    import tomllib

    data = tomllib.loads((FORMATS_DIR / f"format_{version}.toml").read_text(encoding="utf-8"))
    (kind,) = [r["kind"] for r in data["rules"] if r["id"] == rule_id]
    data["rules"] = [r for r in data["rules"] if r["id"] != rule_id]
    with pytest.raises(SpecError, match=kind):
        parse_spec(data, "broken")


def _official_labels() -> set[str]:
    labels = set()
    for spec in available_formats().values():
        for table in spec.tables:
            labels.add(table.title)
            for block in table.blocks:
                labels.update(c.label for c in block.columns)
                labels.update(r.label for r in block.rows)
                labels.update(p for r in block.rows for p in r.path)
    return {label for label in labels if len(label) >= 4}


def test_no_official_label_or_cell_address_outside_the_spec():
    labels = _official_labels()
    offenders = []
    address = re.compile(r"""["']\$?[A-Z]{1,2}\$?\d{1,3}(:\$?[A-Z]{1,2}\$?\d{1,3})?["']""")
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.name}: {label}" for label in labels if label in text]
            offenders += [f"{path.name}: {m.group(0)}" for m in address.finditer(text)]
    assert offenders == []


def _sheet_names() -> set[str]:
    names: set[str] = set()
    for spec in available_formats().values():
        names.update(n for n in spec.all_sheet_names if n)
        names.add(spec.sheets.reference)
        s = spec.summary
        names.update((s.status_sheet, s.detail_sheet, s.chart_sheet, s.first_part, s.last_part))
    return names - {""}


def test_no_sheet_name_is_quoted_in_code():
    """A message that names a sheet ("在「基本信息」表填写") takes the name from the spec, so a
    format that renames a sheet is told right everywhere."""
    names = "|".join(re.escape(n) for n in sorted(_sheet_names(), key=len, reverse=True))
    # 「…」 names a sheet in our messages; “…”表 too. (The 校验 page is a page, not a sheet.)
    quoted = re.compile(rf"「(?:{names})」|[“\"](?:{names})[”\"]表")
    offenders = []
    for folder in CODE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                offenders += [f"{path.name}:{number}: {m.group(0)}" for m in quoted.finditer(line)]
    assert offenders == []
