"""The generated county (tests/county.py) is what it says, checked with the existing core only."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import load_workbook

from nianbao.errors import WorkbookError
from nianbao.validation.engine import validate
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.reader import read_workbook

from .county import ROSTER_HEADER, County, make_county

pytestmark = pytest.mark.slow  # each case generates a county of returned workbooks


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    return make_county(tmp_path_factory.mktemp("county"))


@pytest.fixture(scope="module")
def workbooks(county):
    """Return every .xlsx in the inbox that is not a lock file, read (or the error raised)."""
    result = {}
    for path in sorted(county.inbox.rglob("*.xlsx")):
        if path.name.startswith("~$"):
            continue
        try:
            result[path] = read_workbook(path)
        except WorkbookError as exc:
            result[path] = exc
    return result


def _readable(workbooks) -> dict:
    return {p: wb for p, wb in workbooks.items() if not isinstance(wb, Exception)}


def test_roster_has_forty_distinct_units_of_three_kinds(county):
    assert len(county.units) == len(set(county.units)) == 40
    kinds = [county.kinds[u] for u in county.units]
    assert (kinds.count("乡镇"), kinds.count("街道"), kinds.count("县直部门")) == (22, 6, 12)
    suffixes = {"乡镇": ("镇人民政府", "乡人民政府"), "街道": ("街道办事处",), "县直部门": ("局",)}
    for unit in county.units:
        assert unit.endswith(suffixes[county.kinds[unit]]), unit


def test_roster_xlsx_and_csv_list_the_same_units(county):
    rows = load_workbook(str(county.roster)).get_sheet_by_name("名单").to_python()
    assert tuple(rows[0]) == ROSTER_HEADER
    with county.roster_csv.open(encoding="utf-8", newline="") as fh:
        assert fh.read(1) == "\ufeff"  # the BOM Excel needs to open UTF-8 CSV correctly
        csv_rows = list(csv.reader(fh))
    assert tuple(csv_rows[0]) == ROSTER_HEADER
    assert [r[1] for r in rows[1:]] == [r[1] for r in csv_rows[1:]] == county.units
    assert [r[2] for r in csv_rows[1:]] == [county.kinds[u] for u in county.units]
    assert [[str(c) for c in r[1:]] for r in rows[1:]] == [r[1:] for r in csv_rows[1:]]


def test_each_readable_workbook_holds_the_recorded_values(county, workbooks):
    seen = defaultdict(list)
    for path, wb in _readable(workbooks).items():
        seen[wb.unit].append(path)
        assert (wb.kind, wb.year) == (county.kinds[wb.unit], county.year)
        read = {k: v for k, v in wb.values().items() if v is not None}
        assert read == county.values[wb.unit], path.name
    assert set(seen) == set(county.values)
    assert {u for u, paths in seen.items() if len(paths) > 1} == {county.duplicate}
    assert len(county.values) == 40 - 2 - 1


def test_exactly_the_broken_units_fail_with_their_rule(county, workbooks):
    assert sorted(county.broken.values()) == ["H3-1", "V-BLANK", "V-NEGATIVE"]
    for path, wb in _readable(workbooks).items():
        report = validate(wb)
        errors = {f.rule for f in report.findings if f.severity == "error"}
        if wb.unit in county.broken:
            assert not report.valid
            assert errors == {county.broken[wb.unit]}, path.name
        else:
            assert report.valid and not errors, (path.name, errors)


def test_the_corrupt_file_is_the_unreadable_units_only_file(county, workbooks):
    failed = [p for p, wb in workbooks.items() if isinstance(wb, WorkbookError)]
    assert failed == county.files[county.unreadable]
    assert failed[0].name == f"{county.unreadable}-{county.year}年度填报表.xlsx"
    with pytest.raises(WorkbookError):
        read_workbook(failed[0])
    assert county.unreadable not in county.values


def test_the_duplicate_is_byte_identical_under_another_name_and_folder(county):
    first, second = county.files[county.duplicate]
    assert first.read_bytes() == second.read_bytes()
    assert first.name != second.name and first.parent != second.parent
    assert county.duplicate not in county.broken


def test_missing_units_have_no_file(county, workbooks):
    assert len(county.missing) == 2
    units = {wb.unit for wb in _readable(workbooks).values()} | {county.unreadable}
    for unit in county.missing:
        assert unit in county.units and unit not in units and unit not in county.files
    assert not any(unit in p.name for unit in county.missing for p in county.inbox.rglob("*"))


def test_lock_file_and_strays_are_not_workbooks(county):
    lock = county.lock_file.read_bytes()
    assert county.lock_file.name.startswith("~$") and len(lock) == 165
    assert county.lock_file.with_name(county.lock_file.name[2:]).is_file()
    assert lock[0] == len("Administrator") and lock[1:14] == b"Administrator"
    suffixes = sorted(p.suffix for p in county.stray_files)
    assert suffixes == [".docx", ".jpg", ".txt"]
    for path in county.stray_files:
        assert path.is_file() and county.inbox in path.parents


def test_expected_total_matches_a_sum_of_the_files_themselves(county, workbooks):
    """Sum the workbooks as read from disk, one per unit, in integer units of 1/10000."""
    keys = input_keys(spec_for_year(county.year))
    by_unit = {wb.unit: wb for wb in _readable(workbooks).values()}
    for include_broken in (True, False):
        units = [u for u in by_unit if include_broken or u not in county.broken]
        scaled = dict.fromkeys(keys, 0)
        for unit in units:
            for key, value in by_unit[unit].values().items():
                if value is not None:
                    scaled[key] += int(value * 10_000)
        expected = county.expected_total(include_broken)
        assert list(expected) == list(keys)
        assert {k: Decimal(v) / 10_000 for k, v in scaled.items()} == expected
    difference = {
        k: v - county.expected_total(include_broken=False)[k]
        for k, v in county.expected_total().items()
    }
    assert any(difference.values())  # the broken units do contribute numbers


def test_same_seed_same_county(county, tmp_path):
    again = make_county(tmp_path)
    assert again.values == county.values
    assert (again.broken, again.missing, again.unreadable, again.duplicate) == (
        county.broken,
        county.missing,
        county.unreadable,
        county.duplicate,
    )
    relative = {u: [p.relative_to(county.folder) for p in ps] for u, ps in county.files.items()}
    assert {u: [p.relative_to(tmp_path) for p in ps] for u, ps in again.files.items()} == relative
    assert make_county(tmp_path / "other", seed=8).values != county.values


def test_files_are_named_as_handed_out_or_as_clerks_rename_them(county):
    names = [p.name for ps in county.files.values() for p in ps]
    standard = [n for n in names if n.endswith(f"-{county.year}年度填报表.xlsx")]
    assert len(names) - len(standard) >= 3
    assert "城关镇年报(最终版).xlsx" in names
    assert any(n.startswith("附件1：") and "局" in n for n in names)
    folders = {Path(p).parent.relative_to(county.inbox) for ps in county.files.values() for p in ps}
    assert {Path("邮件附件"), Path("U盘/第二批")} <= folders
