"""Deadlines in a county's season (issue 19, point 4): the roster's 截止日期 column and the
rollup's --deadline; each unit 按时, 逾期 N 天 or 未报送（已逾期 N 天）from when its first file
arrived; the on-time rate beside who sent what on the terminal, in the summary and the JSON; the
退回清单 listing late and missing units with the roster's contacts.

Expected figures are worked out here from the days the files are made to arrive, not by the code
under test."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from nianbao.county.dates import parse_date
from nianbao.county.model import RollupRequest, Timely
from nianbao.county.rollup import rollup
from nianbao.county.roster import RosterError, read_roster, write_roster_template
from nianbao.workbook_templates import TemplateRequest, build_template, read_workbook
from nianbao.workbook_templates.spec import CellKey

from .county import County, make_county
from .test_cli import assert_no_traceback, nianbao

DAY = 86_400
JAN_10 = 1_768_046_400  # 2026-01-10 12:00 UTC: the same calendar day in every time zone ±11 h
DEADLINE = dt.date(2026, 1, 20)  # --deadline: day 10
DEPARTMENT_DEADLINE = dt.date(2026, 1, 31)  # the roster's own, for 县直部门: day 21
pytestmark = pytest.mark.slow  # rollups of a 40-unit county

NOW = JAN_10 + 40 * DAY  # the rollup runs on 2026-02-19
LICENSING = CellKey("t2", "licensing", "decisions")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-01-31", dt.date(2026, 1, 31)),
        ("2026/1/31", dt.date(2026, 1, 31)),
        ("2026.01.31", dt.date(2026, 1, 31)),
        ("2026年1月31日", dt.date(2026, 1, 31)),
        ("2026 年 1 月 31 日", dt.date(2026, 1, 31)),
        ("20260131", dt.date(2026, 1, 31)),
        ("2026-01-31 00:00:00", dt.date(2026, 1, 31)),
        ("2026-01-31T00:00:00", dt.date(2026, 1, 31)),
        ("46053", dt.date(2026, 1, 31)),  # the day number of a date cell of WPS/Excel
        ("46053.5", dt.date(2026, 1, 31)),
        ("2026-02-30", None),
        ("1月31日", None),  # which year cannot be known
        ("下周一", None),
        ("31", None),
        ("", None),
    ],
    ids=lambda v: str(v),
)
def test_parse_date_reads_the_ways_offices_write_a_day(text, day):
    assert parse_date(text) == day


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    return make_county(tmp_path_factory.mktemp("county"))


def _arrival_day(county: County, unit: str) -> int:
    """Return the day (after 2026-01-10) a unit's files arrive: spread over four weeks."""
    return (county.units.index(unit) * 7) % 29


def _dated_roster(county: County, folder: Path) -> Path:
    """Return the county's roster as CSV with a 截止日期 column: 县直部门 have their own."""
    with county.roster_csv.open(encoding="utf-8-sig", newline="") as src:
        rows = list(csv.reader(src))
    head = next(i for i, r in enumerate(rows) if "单位名称" in r)
    name = rows[head].index("单位名称")
    rows[head].append("截止日期")
    for row in rows[head + 1 :]:
        if row and row[name]:
            department = county.kinds.get(row[name]) == "县直部门"
            row.append("2026年1月31日" if department else "")
    path = folder / "名单（含截止日期）.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _expected(county: County, unit: str) -> tuple[Timely, int]:
    deadline = DEPARTMENT_DEADLINE if county.kinds[unit] == "县直部门" else DEADLINE
    if unit in county.missing:
        return Timely.OVERDUE, (dt.date(2026, 2, 19) - deadline).days
    arrived = dt.date(2026, 1, 10) + dt.timedelta(days=_arrival_day(county, unit))
    late = (arrived - deadline).days
    return (Timely.LATE, late) if late > 0 else (Timely.ON_TIME, 0)


@pytest.fixture(scope="module")
def season(county: County, tmp_path_factory):
    folder = tmp_path_factory.mktemp("season")
    inbox = folder / "收到的报表"
    shutil.copytree(county.inbox, inbox)
    for unit, paths in county.files.items():
        when = JAN_10 + _arrival_day(county, unit) * DAY
        for path in paths:
            target = inbox / path.relative_to(county.inbox)
            if target.exists():
                os.utime(target, (when, when))
    roster = _dated_roster(county, folder)
    out = folder / "汇总.xlsx"
    returns = folder / "退回"
    request = RollupRequest(
        inputs=(inbox,),
        output=out,
        roster=read_roster(roster),
        workers=1,
        returns=returns,
        deadline=DEADLINE,
        now=NOW,
    )
    return {"result": rollup(request), "out": out, "roster": roster, "inbox": inbox}


def test_each_unit_is_on_time_late_or_overdue_from_its_first_file(county, season):
    result = season["result"]
    got = {u.name: (u.timeliness.code, u.timeliness.days) for u in result.units if u.timeliness}
    assert got == {u: _expected(county, u) for u in county.units}
    codes = [code for code, _ in got.values()]
    assert codes.count(Timely.LATE) > 5 and codes.count(Timely.ON_TIME) > 5  # a real spread
    assert codes.count(Timely.OVERDUE) == len(county.missing)


def test_the_roster_deadline_wins_over_the_county_default(county, season):
    units = {u.name: u for u in season["result"].units}
    for name in county.units:
        wanted = DEPARTMENT_DEADLINE if county.kinds[name] == "县直部门" else DEADLINE
        assert units[name].timeliness.deadline == wanted, name


def test_on_time_rate_stands_beside_who_sent_what(county, season):
    result = season["result"]
    expected = [_expected(county, u)[0] for u in county.units]
    on_time, late = expected.count(Timely.ON_TIME), expected.count(Timely.LATE)
    overdue = expected.count(Timely.OVERDUE)
    rate = f"{on_time / len(county.units) * 100:.1f}".removesuffix(".0") + "%"
    sentence = (
        f"按名单所列截止日期：按时报送 {on_time} 个，逾期报送 {late} 个，逾期未报送 {overdue} 个；"
        f"按时报送率 {rate}（{on_time}/{len(county.units)}）。"
    )
    from nianbao.county.text import counts_text, render_rollup

    assert counts_text(result).endswith(sentence)
    terminal = render_rollup(result)
    assert sentence in terminal
    late_units = [u for u in county.units if _expected(county, u)[0] == Timely.LATE]
    first = late_units[0]
    assert f"逾期报送：{first}（{_expected(county, first)[1]} 天）" in terminal

    data = result.to_json()
    assert data["timeliness"] == {
        "dated": len(county.units),
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "open": 0,
        "undated": 0,
        "rate": on_time / len(county.units),
    }


def test_the_summary_shows_the_rate_and_each_units_standing(county, season):
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(season["out"])["汇总情况"].rows]
    assert "按时报送率" in rows[1][0]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    column = rows[head].index("是否按时")
    assert rows[head][column - 1] == "首次收到"
    by_unit = {r[1]: r[column] for r in rows[head + 1 :] if r[1]}
    for unit in county.units:
        code, days = _expected(county, unit)
        deadline = DEPARTMENT_DEADLINE if county.kinds[unit] == "县直部门" else DEADLINE
        wanted = {
            Timely.ON_TIME: f"按时（截止 {deadline}）",
            Timely.LATE: f"逾期 {days} 天（截止 {deadline}）",
            Timely.OVERDUE: f"已逾期 {days} 天（截止 {deadline}）",
        }[code]
        assert by_unit[unit] == wanted, unit


def test_the_returns_list_names_late_and_missing_units_with_their_contacts(county, season):
    result = season["result"]
    sheet = openpyxl.load_workbook(result.returns[-1])["退回清单"]
    rows = [[c.value for c in r] for r in sheet.rows]
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    heading = rows[head]
    listed = {r[1]: dict(zip(heading, r, strict=True)) for r in rows[head + 1 :] if r[1]}
    roster = {u.name: u for u in read_roster(season["roster"]).units}
    late = [u for u in county.units if _expected(county, u)[0] == Timely.LATE]
    for unit in [*county.missing, *late]:
        assert unit in listed, unit
        assert listed[unit]["联系人"] == roster[unit].person
        assert listed[unit]["联系电话"] == roster[unit].phone
        assert listed[unit]["是否按时"].startswith(("逾期", "已逾期")), unit
    names = list(listed)
    assert names[: len(county.missing)] == county.missing  # the units that sent nothing first
    only_late = [u for u in late if u not in county.broken and u != county.unreadable]
    for unit in only_late:
        days = _expected(county, unit)[1]
        assert listed[unit]["怎么改"].startswith(f"逾期 {days} 天报送"), unit
        assert not listed[unit]["问题（错误）"]
    # ... and after the units that must correct or re-send.
    failing = [u.name for u in result.failing]
    assert max(names.index(u) for u in failing) < min(names.index(u) for u in only_late)


def test_a_correction_after_the_deadline_does_not_make_an_on_time_unit_late(county, tmp_path):
    inbox = tmp_path / "收到的报表"
    shutil.copytree(county.inbox, inbox)
    for path in inbox.rglob("*"):
        if path.is_file():
            os.utime(path, (JAN_10, JAN_10))
    unit = next(u for u in county.units if u in county.files and u not in county.broken)
    source = read_workbook(next(p for p in county.files[unit] if p.exists()))
    values = {k: v for k, v in source.values().items() if v is not None}
    values[LICENSING] = (values.get(LICENSING) or 0) + 1
    later = build_template(
        inbox / "改正后.xlsx",
        TemplateRequest(
            year=2025,
            unit=unit,
            kind=county.kinds[unit],
            values=values,
            info=dict(source.info),
            texts=dict(source.texts),
        ),
    )
    os.utime(later, (JAN_10 + 30 * DAY, JAN_10 + 30 * DAY))
    request = RollupRequest(
        inputs=(inbox,), output=tmp_path / "汇总.xlsx", workers=1, deadline=DEADLINE, now=NOW
    )
    entry = next(u for u in rollup(request).units if u.name == unit)
    assert len(entry.versions) == 2 and entry.file.path == later
    assert entry.timeliness.code == Timely.ON_TIME and entry.timeliness.days == 0


def test_units_not_yet_due_and_units_without_a_deadline_are_told_apart(county, tmp_path):
    roster = _dated_roster(county, tmp_path)  # only the 县直部门 have a deadline of their own
    request = RollupRequest(
        inputs=(county.inbox,),
        output=tmp_path / "汇总.xlsx",
        roster=read_roster(roster),
        workers=1,
        now=JAN_10,  # before 2026-01-31
    )
    result = rollup(request)
    departments = [u for u in result.units if county.kinds[u.name] == "县直部门"]
    others = [u for u in result.units if county.kinds[u.name] != "县直部门"]
    assert all(u.timeliness is None for u in others)
    assert all(u.timeliness is not None for u in departments)
    missing = [u for u in departments if u.name in county.missing]
    assert all(u.timeliness.code == Timely.OPEN for u in missing)
    from nianbao.county.text import counts_text

    text = counts_text(result)
    assert "截止日期 2026-01-31：" in text
    if missing:
        assert f"尚未报送但未到截止日期 {len(missing)} 个" in text
    assert f"没有截止日期的 {len(others)} 个单位不计" in text


def test_without_any_deadline_nothing_is_said_about_timeliness(county, tmp_path):
    request = RollupRequest(inputs=(county.inbox,), output=tmp_path / "汇总.xlsx", workers=1)
    result = rollup(request)
    from nianbao.county.text import counts_text

    assert "按时" not in counts_text(result)
    assert all(u.timeliness is None for u in result.units)
    assert result.to_json()["timeliness"]["rate"] is None


def test_roster_deadlines_come_from_date_cells_and_text(tmp_path):
    path = tmp_path / "名单.xlsx"
    write_roster_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["名单"]
    head = next(r for r in range(1, 10) if ws.cell(r, 2).value == "单位名称")
    ws.cell(head + 1, 2, "甲镇人民政府")
    ws.cell(head + 1, 7, dt.datetime(2026, 1, 25))  # a date cell, as WPS/Excel keep one
    ws.cell(head + 2, 2, "县教育局")
    ws.cell(head + 2, 7, "2026/1/31")
    ws.cell(head + 3, 2, "乙镇人民政府")  # no deadline of its own
    wb.save(path)
    units = read_roster(path).units
    assert [u.deadline for u in units] == [dt.date(2026, 1, 25), dt.date(2026, 1, 31), None]


def test_a_roster_deadline_that_is_not_a_date_is_refused_with_its_row(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("单位名称,截止日期\n甲镇人民政府,2026-01-31\n乙镇人民政府,月底前\n", "utf-8")
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert "第 3 行" in caught.value.message and "“月底前”不是日期" in caught.value.message
    assert "2026-01-31" in caught.value.action


def test_cli_deadline_gives_each_unit_its_standing_in_json(county, tmp_path):
    out = tmp_path / "汇总.xlsx"
    run = nianbao(
        "rollup", str(county.inbox), "--roster", str(county.roster), "-o", str(out),
        "--deadline", "2026-01-31", "--json",
    )  # fmt: skip
    assert_no_traceback(run)
    assert run.returncode == 1  # units are missing and failing, as before
    data = json.loads(run.stdout)
    today = dt.date.today()
    overdue = max((today - dt.date(2026, 1, 31)).days, 0)
    missing = [u for u in data["units"] if u["unit"] in county.missing]
    assert missing and all(u["deadline"] == "2026-01-31" for u in missing)
    code = "overdue" if overdue else "open"
    assert all(u["timeliness"] == {"code": code, "days": overdue, "arrived": None} for u in missing)
    assert data["timeliness"]["dated"] == len(county.units)


def test_cli_refuses_a_deadline_that_is_not_a_date(county, tmp_path):
    run = nianbao(
        "rollup", str(county.inbox), "-o", str(tmp_path / "汇总.xlsx"), "--deadline", "1月31日"
    )
    assert_no_traceback(run)
    assert run.returncode == 2
    assert "--deadline 1月31日 不是日期" in run.stderr and "2026-01-31" in run.stderr
    assert not (tmp_path / "汇总.xlsx").exists()
