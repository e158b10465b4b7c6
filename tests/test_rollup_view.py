"""What the 汇总 page shows, prepared without Qt, on a rollup of a small generated county."""

from __future__ import annotations

from collections import Counter

import pytest

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.desktop.viewmodels import rollup as view
from nianbao.files import handout_folder_name, summary_name
from nianbao.workbook_templates.styles import FAIL_FILL, FAIL_FONT, MISSING_FILL, PASS_FILL

from .county import County, make_county


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    return make_county(tmp_path_factory.mktemp("county"), n_units=12)


@pytest.fixture(scope="module")
def result(county, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    request = RollupRequest(
        inputs=(county.inbox,), output=out / "汇总.xlsx", roster=read_roster(county.roster)
    )
    return rollup(request)


def test_one_row_per_roster_unit_with_its_status_and_file(county, result):
    rows = {row.unit: row for row in view.unit_rows(result, (county.inbox,))}
    assert list(rows) == county.units
    assert [row.number for row in rows.values()] == list(range(1, 13))
    for name in county.missing:
        row = rows[name]
        assert (row.status_label, row.file, row.errors) == ("未报送", None, None)
        assert not row.included
    unreadable = rows[county.unreadable]
    assert unreadable.status == "unreadable" and unreadable.errors is None
    assert unreadable.file == county.files[county.unreadable][0]
    assert "损坏" in unreadable.problem  # why the file could not be used
    for name in county.broken:
        row = rows[name]
        assert row.status_label == "有错误" and row.errors and row.included
        assert row.problem and row.texts()[4] == "是"
    first = rows[county.units[0]]
    assert first.status in ("passed", "warnings") and first.errors == 0
    # 主要问题: the first errors, else the first warning; nothing for a unit that passed.
    assert bool(first.problem) == (first.status == "warnings")
    # The file is shown as the clerk put it into the inbox, subfolder included.
    assert first.file_shown == str(first.file.relative_to(county.inbox))


def test_counts_line_adds_up_to_the_roster(county, result):
    # 12 units: 2 sent nothing, 1 a damaged file, 3 a mistake, 6 a file without errors.
    clean = Counter(u.status for u in result.units if u.status in ("passed", "warnings"))
    assert clean.total() == 6
    assert view.counts_line(result) == (
        f"2025 年度　应报送 12 个单位：已报送 10 个（通过 {clean['passed']}，"
        f"有警告 {clean['warnings']}，有错误 3，文件无法使用 1），未报送 2 个；纳入汇总 9 个单位。"
    )
    c = result.counts
    assert c.passed + c.warnings + c.errors + c.unusable == c.sent
    assert c.sent + c.missing == c.expected == len(county.units)


def test_files_line_names_every_reason_a_file_was_not_used(county, result):
    line = view.files_line(result)
    on_disk = [p for p in county.inbox.rglob("*") if p.is_file()]
    assert line.startswith(f"收到文件 {len(on_disk)} 个，其中 6 个未采用")
    for words in ("无法读取 1", "相同副本（只计一次） 1", "不是表格文件 3", "已忽略"):
        assert words in line
    rows = view.file_rows(result, (county.inbox,))
    assert sorted(row.path for row in rows) == sorted(on_disk)


def test_summary_check_line_counts_the_totals_findings(result):
    # The unbalanced unit (H3-1) unbalances the county's table 三 too.
    assert view.summary_check_line(result).startswith("汇总数校验：错误 ")
    assert "表三" in view.summary_check_details(result)


def test_status_colours_are_the_summary_sheets():
    assert view.status_colours("errors") == (FAIL_FILL, FAIL_FONT)
    assert view.status_colours("passed")[0] == PASS_FILL
    assert view.status_colours("missing")[0] == MISSING_FILL
    assert view.status_colours("copy") is None  # plain on the sheet too


def test_sorting_by_status_puts_what_needs_attention_first(result):
    rows = view.unit_rows(result)
    column = view.STATUS_COLUMN
    ordered = sorted(rows, key=lambda r: r.sort_keys()[column])
    clean = [row.status for row in ordered[6:]]
    assert [row.status for row in ordered[:6]] == ["errors"] * 3 + ["unreadable"] + ["missing"] * 2
    assert clean == sorted(clean, reverse=True)  # "warnings" before "passed"
    # Within a status the roster order is kept.
    for status in ("errors", "missing", "passed", "warnings"):
        numbers = [r.number for r in ordered if r.status == status]
        assert numbers == sorted(numbers)
    # Counts sort as numbers, units without a workbook below zero.
    errors = sorted(rows, key=lambda r: r.sort_keys()[view.UNIT_COLUMNS.index("错误")])
    assert errors[0].errors is None and errors[-1].errors == max(r.errors or 0 for r in rows)


def test_dropped_roster_is_told_apart_from_returned_workbooks(county, tmp_path):
    workbook = county.files[county.units[0]][0]
    assert view.sort_dropped([county.roster]) == view.Dropped(county.roster, ())
    assert view.sort_dropped([county.roster_csv]).roster == county.roster_csv
    assert view.sort_dropped([workbook]) == view.Dropped(None, (workbook,))
    several = view.sort_dropped([workbook, county.roster, county.inbox])
    assert several == view.Dropped(county.roster, (workbook, county.inbox))
    # Among returned files, a workbook that is not ours is a returned file, not the roster.
    other = tmp_path / "某镇报表.xlsx"
    other.write_bytes(county.roster.read_bytes())
    assert view.sort_dropped([workbook, other]) == view.Dropped(None, (workbook, other))
    assert not view.is_stamped_workbook(county.files[county.unreadable][0])  # truncated


def test_default_names_and_common_folder(county):
    assert summary_name(2025) == "2025年度汇总表.xlsx"
    assert summary_name(None) == "汇总表.xlsx"
    assert handout_folder_name(2025) == "2025年度下发"
    # The duplicate's second copy is always in another subfolder than the first.
    assert view.common_folder(tuple(county.files[county.duplicate])) == county.inbox
    assert view.common_folder((county.inbox,)) == county.inbox
    assert view.common_folder(()) is None


def test_roster_is_described_beside_its_field(county, tmp_path):
    assert view.describe_roster(county.roster) == (True, "名单中有 12 个单位。")
    partial = tmp_path / "名单.csv"
    lines = ["单位名称,单位类型", "青石镇人民政府,乡镇", "县统计局,", "城东街道办事处,"]
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert view.describe_roster(partial) == (
        True,
        "名单中有 3 个单位。其中 2 个没有填单位类型，由单位在填报表中选择。",
    )
    usable, note = view.describe_roster(tmp_path / "没有这个名单.xlsx")
    assert not usable and note.startswith("名单有问题：") and "怎么办：" in note
