"""The county rollup on a generated county of 40 units (tests/county.py): every input accounted
for, totals equal an independent sum, the summary is itself a valid workbook, returns, conflicts,
cancel, and a city-level rollup of county summaries."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.errors import Cancelled, OutputExistsError
from nianbao.validation import validate
from nianbao.workbook_templates import build_template, read_workbook
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.spec import CellKey
from nianbao.workbook_templates.summary_layout import unit_sheet_layout

from .county import County, make_county
from .test_cli import nianbao
from .workbook_edit import edit_workbook


def numbers(values: dict) -> dict[CellKey, Decimal]:
    spec = spec_for_year(2025)
    keys = [k for k in input_keys(spec) if spec.value_type(k) != "text"]
    return {k: values.get(k) or Decimal(0) for k in keys}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    return make_county(tmp_path_factory.mktemp("county"))


@pytest.fixture(scope="module")
def rolled(county: County, tmp_path_factory):
    """Run the CLI once, as the county office would, with the roster and returns."""
    out = tmp_path_factory.mktemp("out")
    result = nianbao(
        "rollup",
        county.inbox,
        "--roster",
        county.roster,
        "-o",
        out / "汇总.xlsx",
        "--unit",
        "青禾县人民政府办公室",
        "--returns",
        out / "退回",
        "--json",
    )
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout), out


def test_every_input_file_is_accounted_for(county, rolled):
    result, data, _ = rolled
    assert result.returncode == 1  # units are missing and failing
    listed = [Path(f["file"]) for f in data["files"]]
    on_disk = sorted(p for p in county.inbox.rglob("*") if p.is_file())
    assert sorted(listed) == on_disk
    status = {Path(f["file"]): f["status_code"] for f in data["files"]}
    assert status[county.lock_file] == "ignored"
    for stray in county.stray_files:
        assert status[stray] == "not_workbook"
    first, second = county.files[county.duplicate]
    assert sorted([status[first], status[second]]) == ["copy", "passed"]
    assert status[county.files[county.unreadable][0]] == "unreadable"


def test_every_roster_unit_has_the_right_status(county, rolled):
    _, data, _ = rolled
    units = {u["unit"]: u for u in data["units"]}
    assert list(units) == county.units
    assert sorted(data["missing"]) == sorted(county.missing)
    for name in county.missing:
        assert units[name]["status_code"] == "missing" and not units[name]["included"]
    assert units[county.unreadable]["status_code"] == "unreadable"
    for name in county.broken:
        assert units[name]["status_code"] == "errors"
        assert units[name]["included"]  # flagged, not dropped, by default
        assert units[name]["first_errors"]
    passing = set(county.units) - set(county.missing) - set(county.broken) - {county.unreadable}
    assert {u for u, d in units.items() if d["status_code"] == "passed"} == passing
    assert sorted(data["included"]) == sorted(passing | set(county.broken))
    assert data["exclude_invalid"] is False


def test_summary_totals_equal_an_independent_sum(county, rolled):
    _, data, _ = rolled
    wb = read_workbook(data["output"])
    assert wb.is_summary and len(wb.parts) == len(data["included"])
    assert numbers(wb.values()) == numbers(county.expected_total())
    for part in wb.parts:  # each unit sheet holds that unit's own numbers
        assert numbers(part.values()) == numbers(county.values[part.unit])
    import zipfile

    with zipfile.ZipFile(data["output"]) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        kinds = ["pieChart" if "pieChart" in z.read(n).decode() else "barChart" for n in charts]
    assert sorted(kinds) == ["barChart", "barChart", "pieChart"]


def test_summary_is_checked_like_any_workbook(county, rolled):
    _, data, _ = rolled
    result = nianbao("check", data["output"], "--json")
    report = json.loads(result.stdout)
    rules = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    # The unbalanced unit makes the county's table 三 unbalanced too: nothing else is wrong.
    assert rules == {"H3-1"}
    assert not [f for f in report["findings"] if f["rule"].startswith("R-")]
    # And the summary says so: that unit's one extra case is all of the county's difference,
    # and leaving the units with errors out passes (test_exclude_invalid_sums_only_clean_units).
    (balance,) = [f for f in report["findings"] if f["rule"] == "H3-1" and not f["cause"]]
    unit = next(u for u, rule in county.broken.items() if rule == "H3-1")
    named = f"全部来自纳入汇总的有错误的单位：{unit} -1（表三!D30 本身不相符）。"
    assert named in balance["message"]
    assert data["summary_causes"]["units"] == [unit]
    assert data["summary_causes"]["exclude_invalid_passes"] is True


def test_returns_hold_annotated_copies_and_a_list(county, rolled):
    _, _, out = rolled
    folder = out / "退回"
    copies = sorted(p.name for p in folder.glob("*-批注.xlsx"))
    assert copies == sorted(f"{u}-批注.xlsx" for u in county.broken)
    import openpyxl

    ws = openpyxl.load_workbook(folder / "退回清单.xlsx").active
    problems = 1 + [c.value for c in ws[3]].index("问题（错误）")
    listed = {ws.cell(r, 2).value: ws.cell(r, problems).value for r in range(4, ws.max_row + 1)}
    expected = set(county.broken) | {county.unreadable} | set(county.missing)
    assert set(listed) == expected
    assert "已损坏" in listed[county.unreadable]
    for unit, rule_kind in county.broken.items():
        assert listed[unit], rule_kind


def test_exclude_invalid_sums_only_clean_units(county, tmp_path):
    result = rollup(
        RollupRequest(
            inputs=(county.inbox,),
            output=tmp_path / "s.xlsx",
            roster=read_roster(county.roster_csv),
            exclude_invalid=True,
        )
    )
    assert {u.name for u in result.excluded} >= set(county.broken)
    assert not {u.name for u in result.included} & set(county.broken)
    wb = read_workbook(tmp_path / "s.xlsx")
    assert numbers(wb.values()) == numbers(county.expected_total(include_broken=False))
    report = validate(wb)
    assert report.valid, [f.message for f in report.findings if f.severity == "error"]
    assert result.to_json()["exclude_invalid"] is True


@pytest.mark.slow
def test_a_changed_summary_cell_is_an_error_at_that_cell(rolled, tmp_path):
    _, data, _ = rolled
    wb = read_workbook(data["output"])
    spec = wb.spec
    key = CellKey("t3", "r1", "c1")
    from nianbao.workbook_templates import layout as L

    ref = L.display_ref(spec, key)
    total = wb.cells[key].value
    broken = edit_workbook(
        Path(data["output"]),
        tmp_path / "改过.xlsx",
        {ref: int(total) + 7, L.display_ref(spec, CellKey("t3", "r2", "c1")): None},
    )
    changed = validate(read_workbook(broken))
    sums = [f for f in changed.findings if f.rule == "R-SUM"]
    assert sums[0].where == ref
    assert sums[0].expected == total and sums[0].actual == total + 7
    assert "SUM(各单位开始:各单位结束!" in sums[0].action
    # A blanked summary cell whose units hold numbers is a mismatch too.
    r2 = L.display_ref(spec, CellKey("t3", "r2", "c1"))
    assert r2 in [f.where for f in sums] or wb.cells[CellKey("t3", "r2", "c1")].value == 0


@pytest.mark.slow
def test_a_unit_sheet_correction_changes_the_totals(rolled, tmp_path):
    _, data, _ = rolled
    wb = read_workbook(data["output"])
    part = wb.parts[0]
    key = CellKey("t3", "r1", "c1")
    ref = unit_sheet_layout(wb.spec).ref(key)
    before = wb.cells[key].value
    old = part.cells[key].value or Decimal(0)
    edited = edit_workbook(
        Path(data["output"]), tmp_path / "更正.xlsx", {f"{part.sheet}!{ref}": int(old) + 5}
    )
    after = read_workbook(edited)
    assert after.cells[key].value == before + 5
    assert not [f for f in validate(after).findings if f.rule.startswith("R-")]


@pytest.mark.slow
def test_words_in_a_unit_sheet_and_a_missing_unit_sheet_are_reported(rolled, tmp_path):
    _, data, _ = rolled
    wb = read_workbook(data["output"])
    part = wb.parts[1]
    ref = unit_sheet_layout(wb.spec).ref(CellKey("t3", "r1", "c1"))
    edited = edit_workbook(
        Path(data["output"]),
        tmp_path / "坏.xlsx",
        {f"{part.sheet}!{ref}": "十二"},
        delete_sheets=(wb.parts[2].sheet,),
    )
    report = validate(read_workbook(edited))
    by_rule = {f.rule: f for f in report.findings}
    assert by_rule["R-PART-VALUE"].where == f"{part.sheet}!{ref}"
    assert wb.parts[2].sheet in by_rule["R-PARTS"].text


def test_conflicting_files_for_one_unit_use_the_newer(county, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(county.inbox, inbox)
    unit = county.units[0]
    old = next(p for p in inbox.rglob("*.xlsx") if "城关镇年报" in p.name and "~$" not in p.name)
    wb = read_workbook(old)
    from nianbao.workbook_templates import TemplateRequest

    values = {k: v for k, v in wb.values().items() if v is not None}
    key = CellKey("t2", "licensing", "decisions")
    values[key] = (values.get(key) or Decimal(0)) + 1
    newer = inbox / "城关镇年报(改).xlsx"
    build_template(newer, TemplateRequest(year=2025, unit=unit, kind="乡镇", values=values))
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    result = rollup(RollupRequest(inputs=(inbox,), output=tmp_path / "s.xlsx"))
    files = {f.path.name: f for f in result.files}
    assert files[newer.name].used and files[old.name].status == "duplicate"
    assert newer.name in files[old.name].reason
    entry = next(u for u in result.units if u.name == unit)
    assert entry.values[key] == values[key]


def test_other_year_and_unknown_unit_are_listed_not_summed(county, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    from nianbao.workbook_templates import TemplateRequest

    build_template(inbox / "a.xlsx", TemplateRequest(year=2025, unit=county.units[5], kind="乡镇"))
    build_template(inbox / "b.xlsx", TemplateRequest(year=2024, unit=county.units[6], kind="乡镇"))
    build_template(inbox / "c.xlsx", TemplateRequest(year=2025, unit="外县某镇人民政府"))
    result = rollup(
        RollupRequest(
            inputs=(inbox,),
            output=tmp_path / "s.xlsx",
            roster=read_roster(county.roster),
            year=2025,
        )
    )
    status = {f.path.name: f.status for f in result.files}
    assert status == {"a.xlsx": "empty", "b.xlsx": "wrong_year", "c.xlsx": "not_on_roster"}
    units = {u.name: u for u in result.units}
    assert units[county.units[6]].status == "wrong_year"
    assert not units[county.units[6]].included
    assert "外县某镇人民政府" not in units


def test_outputs_are_never_overwritten_and_cancel_writes_nothing(county, rolled, tmp_path):
    _, data, _ = rolled
    with pytest.raises(OutputExistsError):
        rollup(RollupRequest(inputs=(county.inbox,), output=Path(data["output"])))
    seen = []

    def cancelled() -> bool:
        return len(seen) >= 5

    target = tmp_path / "s.xlsx"
    with pytest.raises(Cancelled):
        rollup(
            RollupRequest(inputs=(county.inbox,), output=target, workers=1),
            progress=lambda f, m: seen.append(f),
            cancelled=cancelled,
        )
    assert not target.exists() and not list(tmp_path.iterdir())
    assert seen == sorted(seen) and all(0 <= f <= 1 for f in seen)


def test_bad_inputs_get_chinese_messages(tmp_path):
    result = nianbao("rollup", tmp_path / "没有", "-o", tmp_path / "s.xlsx")
    assert result.returncode == 2 and "找不到" in result.stderr
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "说明.txt").write_text("无", encoding="utf-8")
    result = nianbao("rollup", tmp_path / "empty", "-o", tmp_path / "s.xlsx")
    assert result.returncode == 2 and "没有一个能读取的填报表" in result.stderr
    # The message lists each file with why, rather than pointing at a list that is not printed.
    assert "说明.txt：" in result.stderr and "下面的文件清单" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s.xlsx").exists()


def test_without_a_roster_an_unusable_file_still_fails_the_run(county, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = {*county.broken, county.unreadable}
    good = [u for u, paths in county.files.items() if u not in bad and len(paths) == 1]
    for unit in good[:2]:
        shutil.copy(county.files[unit][0], inbox / f"{unit}.xlsx")
    clean = nianbao("rollup", inbox, "-o", tmp_path / "a.xlsx")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    shutil.copy(county.files[county.unreadable][0], inbox / "坏.xlsx")
    result = nianbao("rollup", inbox, "-o", tmp_path / "b.xlsx")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "坏.xlsx：无法读取" in result.stdout


@pytest.mark.slow
def test_city_rolls_up_county_summaries(tmp_path):
    summaries, expected = [], {}
    for i in range(3):
        c = make_county(tmp_path / f"c{i}", n_units=12, seed=100 + i)
        target = tmp_path / f"县{i}.xlsx"
        rollup(
            RollupRequest(
                inputs=(c.inbox,),
                output=target,
                roster=read_roster(c.roster),
                unit=f"第{i}县人民政府办公室",
                exclude_invalid=True,
            )
        )
        summaries.append(target)
        for key, value in numbers(c.expected_total(include_broken=False)).items():
            expected[key] = expected.get(key, Decimal(0)) + value
    city = rollup(RollupRequest(inputs=tuple(summaries), output=tmp_path / "市.xlsx", unit="某市"))
    assert [u.name for u in city.included] == [f"第{i}县人民政府办公室" for i in range(3)]
    assert all(u.status in ("passed", "warnings") for u in city.units)
    wb = read_workbook(tmp_path / "市.xlsx")
    assert numbers(wb.values()) == expected
    assert validate(wb).valid


def test_previous_summary_checks_each_unit_across_years(tmp_path):
    last = make_county(tmp_path / "last", n_units=12, year=2024, seed=3)
    now = make_county(tmp_path / "now", n_units=12, year=2025, seed=3)
    previous = tmp_path / "2024.xlsx"
    rollup(RollupRequest(inputs=(last.inbox,), output=previous, roster=read_roster(last.roster)))
    result = rollup(
        RollupRequest(
            inputs=(now.inbox,),
            output=tmp_path / "2025.xlsx",
            roster=read_roster(now.roster),
            previous=previous,
        )
    )
    assert "逐单位" in result.previous_note
    both = [u for u in result.units if u.file and u.name in last.values]
    assert both
    spec = spec_for_year(2025)
    from nianbao.workbook_templates.compute import recompute

    def carried(values, row):
        full = {**values, **recompute(spec, values)}
        return [
            full.get(CellKey("t3", row, c.code)) or 0 for c in spec.table("t3").blocks[0].columns
        ]

    for unit in both:
        differs = carried(now.values[unit.name], "r2") != carried(last.values[unit.name], "r4")
        assert any(f.rule == "X-1" for f in unit.report.findings) == differs, unit.name
    assert any(any(f.rule == "X-1" for f in u.report.findings) for u in both)
    assert any(f.rule == "X-1" for f in result.summary_report.findings)


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice_ok")
def test_libreoffice_recalculates_the_summary_to_the_same_totals(rolled, tmp_path):
    """LibreOffice opens the summary, a unit's number is corrected, everything is recalculated
    and saved: its own results of the 3-D sums equal ours, and the saved file still checks."""
    from nianbao.workbook_templates import layout as L
    from nianbao.workbook_templates.xlsx_reader import open_xlsx

    from .libreoffice import Job, run_jobs

    _, data, _ = rolled
    source = Path(data["output"])
    wb = read_workbook(source)
    spec, part = wb.spec, wb.parts[0]
    key = CellKey("t3", "r1", "c1")
    ref = unit_sheet_layout(spec).ref(key)
    old = part.cells[key].value or Decimal(0)
    saved = tmp_path / "calc.xlsx"
    run_jobs([Job(source, saved, {f"{part.sheet}!{ref}": int(old) + 3}, (part.sheet,))])
    after = read_workbook(saved)
    assert after.is_summary and [p.sheet for p in after.parts] == [p.sheet for p in wb.parts]
    assert after.cells[key].value == wb.cells[key].value + 3
    report = validate(after)
    assert not [f for f in report.findings if f.rule.startswith("R-")]
    # LibreOffice's own results, read from the saved file, equal our recomputed totals.
    ours = {**numbers(after.values())}
    from nianbao.workbook_templates.compute import recompute

    ours.update(recompute(spec, ours))
    with open_xlsx(saved) as pkg:
        for table in spec.tables:
            raw = pkg.sheet(table.sheet)
            for vc in L.table_layout(table).values:
                if spec.value_type(vc.key) == "text" or vc.key not in ours:
                    continue
                cached = raw.cells[(vc.row, vc.col)].value
                assert Decimal(str(cached)) == ours[vc.key], (table.sheet, vc.key)


@pytest.mark.slow
def test_roster_handout_rollup_from_the_command_line(tmp_path):
    """The README's three steps: a roster, the handout, the rollup of what came back."""
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位名称,单位类型\n东岭镇人民政府,乡镇\n西岭街道办事处,街道\n县档案馆,县直部门\n",
        encoding="utf-8-sig",
    )
    result = nianbao("handout", "--roster", roster, "--year", "2025", "-o", tmp_path / "下发")
    assert result.returncode == 0, result.stderr
    sent = sorted((tmp_path / "下发").glob("*-2025年度填报表.xlsx"))
    assert len(sent) == 3
    inbox = tmp_path / "收表"
    inbox.mkdir()
    shutil.copy(sent[0], inbox / "回执.xlsx")  # one unit sends its form back unfilled
    out = tmp_path / "汇总.xlsx"
    result = nianbao("rollup", inbox, "--roster", roster, "-o", out, "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    codes = {u["unit"]: u["status_code"] for u in data["units"]}
    unit = read_workbook(sent[0]).stamp.unit
    assert codes.pop(unit) == "empty"
    assert set(codes.values()) == {"missing"} and len(codes) == 2
    assert out.exists()
    text = nianbao("rollup", inbox, "--roster", roster, "-o", tmp_path / "二.xlsx")
    assert "未报送" in text.stdout and "疑似空表" in text.stdout


@pytest.mark.slow
def test_detail_stops_at_the_sheet_row_limit(county, tmp_path, monkeypatch):
    from nianbao.county import summary as summary_writer
    from nianbao.workbook_templates.xlsx_reader import open_xlsx

    monkeypatch.setattr(summary_writer, "MAX_ROWS", 40)
    target = tmp_path / "s.xlsx"
    rollup(RollupRequest(inputs=(county.inbox,), output=target, roster=read_roster(county.roster)))
    with open_xlsx(target) as pkg:
        raw = pkg.sheet("明细")
    assert raw.max_row == 39
    assert "超过 Excel 工作表的行数上限" in raw.text(39, 0)
    assert raw.text(38, 0) and raw.text(38, 5)  # the last listed value is a full row


def test_a_retyped_unit_name_never_moves_numbers_to_another_unit(county, tmp_path):
    """Unit A types unit B's name into its handout: A's numbers stay A's (an M-UNIT error
    naming both), B's own file is still B's, nobody shows as not sent."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a, b = county.units[3], county.units[4]
    (file_a,), (file_b,) = county.files[a], county.files[b]
    retyped = edit_workbook(file_a, inbox / "a.xlsx", {"基本信息!B3": b})
    shutil.copy(file_b, inbox / "b.xlsx")
    roster = read_roster(county.roster)
    result = rollup(RollupRequest(inputs=(inbox,), output=tmp_path / "s.xlsx", roster=roster))
    units = {u.name: u for u in result.units}
    assert units[a].file is not None and units[a].file.path == retyped
    assert units[a].status == "errors" and units[b].status == "passed"
    [unit_error] = [f for f in units[a].report.findings if f.rule == "M-UNIT"]
    assert unit_error.severity == "error" and a in unit_error.message and b in unit_error.message
    assert numbers(units[a].values) == numbers(county.values[a])
    assert numbers(units[b].values) == numbers(county.values[b])
    assert {f.path.name: f.status for f in result.files} == {"a.xlsx": "errors", "b.xlsx": "passed"}


def test_a_workbook_made_without_a_unit_is_known_by_its_typed_name_and_says_so(tmp_path):
    from nianbao.workbook_templates import TemplateRequest
    from nianbao.workbook_templates.sample import sample_request

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sample = sample_request(2025)
    info = {**sample.info, "unit": "东岭镇人民政府", "kind": "乡镇"}
    unstamped = TemplateRequest(year=2025, values=sample.values, texts=sample.texts, info=info)
    build_template(inbox / "东岭.xlsx", unstamped)
    result = rollup(RollupRequest(inputs=(inbox,), output=tmp_path / "s.xlsx"))
    [unit] = result.units
    assert unit.name == "东岭镇人民政府" and unit.file is not None
    assert unit.file.unit_from == "info"
    assert "按「基本信息」中填写的单位名称识别" in unit.file.reason


@pytest.mark.slow
def test_our_own_outputs_left_among_the_inputs_are_never_counted(county, tmp_path):
    """A rerun over a folder that holds last run's summary, returns and a temporary file: the
    totals are the units' own, each of our files is listed as 本软件输出，已忽略."""
    inbox = tmp_path / "inbox"
    shutil.copytree(county.inbox, inbox)
    roster = read_roster(county.roster)
    first = rollup(
        RollupRequest(
            inputs=(inbox,), output=inbox / "汇总.xlsx", roster=roster, returns=inbox / "退回"
        )
    )
    assert first.returns
    again = rollup(RollupRequest(inputs=(inbox,), output=tmp_path / "二.xlsx"))
    ours = {f.path.relative_to(inbox) for f in again.files if f.status == "own_output"}
    assert ours == {Path("汇总.xlsx"), *(p.relative_to(inbox) for p in first.returns)}
    assert numbers(again.totals) == numbers(first.totals)
    assert {u.name for u in again.included} == {u.name for u in first.included}


@pytest.mark.slow
def test_an_annotated_copy_the_unit_corrected_is_its_return(county, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(county.inbox, inbox)
    first = rollup(
        RollupRequest(inputs=(inbox,), output=tmp_path / "一.xlsx", returns=inbox / "退")
    )
    unit = next(u for u in first.units if u.name in county.broken)
    copy = inbox / "退" / f"{unit.name}-批注.xlsx"
    key = CellKey("t2", "licensing", "decisions")
    from nianbao.workbook_templates import layout as L

    corrected = edit_workbook(copy, copy, {L.display_ref(first.spec, key): 977})
    os.utime(corrected, (2_000_000_000, 2_000_000_000))  # newer than the unit's first file
    again = rollup(RollupRequest(inputs=(inbox,), output=tmp_path / "二.xlsx"))
    entry = next(u for u in again.units if u.name == unit.name)
    assert entry.file is not None and entry.file.path == corrected
    assert entry.values[key] == 977
