"""A county's season of resubmissions (issue 19): on the generated county of 40 units, files
arrive on different days, three units send again — one fixing an error, one changing a number,
one resending the same content under another name — and the office rolls up again and again.
The intake ledger beside the summary keeps when each content first arrived; the version used is
the one that arrived last; what changed is in 汇总情况 and 修订记录; a ledger that cannot be read
stops the run and is never replaced."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from nianbao.county.ledger import ledger_path
from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.errors import UsageError
from nianbao.workbook_templates import TemplateRequest, build_template, read_workbook
from nianbao.workbook_templates.spec import CellKey

from .county import County, make_county
from .test_cli import assert_no_traceback, nianbao

pytestmark = pytest.mark.slow  # a season of rollups of a 40-unit county

DAY = 86_400
JAN_10 = 1_768_046_400  # 2026-01-10 12:00 UTC, and the days after
LICENSING = CellKey("t2", "licensing", "decisions")
R3_1 = CellKey("t3", "r3_1", "c1")  # the cell tests/county.py breaks for H3-1


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    return make_county(tmp_path_factory.mktemp("county"))


def _at(path: Path, day: int) -> Path:
    os.utime(path, (JAN_10 + day * DAY, JAN_10 + day * DAY))
    return path


def _unit_file(county: County, unit: str) -> Path:
    return next(p for p in county.files[unit] if p.exists())


def _resend(county: County, inbox: Path, unit: str, name: str, changed: dict) -> Path:
    """Write a new version of a unit's workbook: its numbers with ``changed`` cells."""
    wb = read_workbook(_unit_file(county, unit))
    values = {k: v for k, v in wb.values().items() if v is not None}
    values.update(changed)
    kind = county.kinds[unit]
    request = TemplateRequest(
        year=2025, unit=unit, kind=kind, values=values, info=dict(wb.info), texts=dict(wb.texts)
    )
    return build_template(inbox / name, request)


def _roll(county: County, inbox: Path, out: Path):
    request = RollupRequest(
        inputs=(inbox,), output=out, roster=read_roster(county.roster), force=True, workers=1
    )
    return rollup(request)


@pytest.fixture(scope="module")
def season(county: County, tmp_path_factory):
    """Day 0: every file arrives and the office rolls up. Day 3: three units send again."""
    folder = tmp_path_factory.mktemp("season")
    inbox = folder / "收到的报表"
    shutil.copytree(county.inbox, inbox)
    originals = {u: inbox / _unit_file(county, u).relative_to(county.inbox) for u in county.files}
    for path in inbox.rglob("*"):
        if path.is_file():
            _at(path, 0)
    out = folder / "汇总.xlsx"
    first = _roll(county, inbox, out)
    ledger_day0 = ledger_path(out).read_bytes()

    fixer = next(u for u, what in county.broken.items() if what == "H3-1")
    changer = next(u for u in county.units if u not in county.broken and u in originals)
    resender = next(u for u in county.units if u not in (fixer, changer) and u in originals)
    # The fixer's corrected workbook: 一、本年新收 of 自然人 one less, as it balances.
    typed = read_workbook(originals[fixer]).cells[R3_1].value
    fixed = _at(_resend(county, inbox, fixer, "改正后.xlsx", {R3_1: typed - 1}), 3)
    before = read_workbook(originals[changer]).cells[LICENSING].value or Decimal(0)
    changed = _at(_resend(county, inbox, changer, "改了一个数.xlsx", {LICENSING: before + 5}), 3)
    copy = inbox / "重发（同一份）.xlsx"
    shutil.copyfile(originals[resender], copy)
    _at(copy, 4)
    second = _roll(county, inbox, out)
    return {
        "inbox": inbox,
        "out": out,
        "first": first,
        "second": second,
        "ledger_day0": ledger_day0,
        "fixer": fixer,
        "changer": changer,
        "resender": resender,
        "fixed": fixed,
        "changed": changed,
        "copy": copy,
        "originals": originals,
        "before": before,
    }


def _unit(result, name):
    return next(u for u in result.units if u.name == name)


def test_the_first_rollup_records_when_every_content_arrived(season):
    first = season["first"]
    data = json.loads(season["ledger_day0"].decode("utf-8"))
    assert data["format"] == "nianbao-intake-ledger" and data["version"] == 1
    shas = {f.sha256 for f in first.files if f.sha256}
    assert set(data["entries"]) == shas and first.ledger_added == len(shas)
    for f in first.files:
        if f.sha256:
            assert f.first_seen == JAN_10  # the earlier of the file's time and now
    assert not first.revised


def test_resubmissions_are_versions_and_the_last_to_arrive_is_used(season):
    second = season["second"]
    fixer, changer = _unit(second, season["fixer"]), _unit(second, season["changer"])
    for unit, new in ((fixer, season["fixed"]), (changer, season["changed"])):
        assert [v.path for v in unit.versions][-1] == new and unit.file.path == new
        assert unit.version == 2 and len(unit.versions) == 2
        assert unit.versions[0].first_seen == JAN_10 and unit.file.first_seen == JAN_10 + 3 * DAY
    assert fixer.status != "errors" and fixer.revision is not None
    assert any(t.startswith("[") for t in fixer.revision.fixed)
    [cell] = changer.revision.cells
    assert cell.key == LICENSING and cell.new == str(season["before"] + 5)
    resender = _unit(second, season["resender"])
    assert len(resender.versions) == 1  # the same bytes again: a copy, no version
    copy = next(f for f in second.files if f.path == season["copy"])
    assert copy.status == "copy" and copy.first_seen == JAN_10  # arrived on day 0, as content
    assert {u.name for u in second.revised} == {season["fixer"], season["changer"]}


def test_the_summary_shows_the_version_used_and_what_changed(season):
    wb = openpyxl.load_workbook(season["out"], read_only=True)
    status = [list(r) for r in wb["汇总情况"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(status) if r and r[0] == "序号")
    assert status[head][9:14] == ["首次收到", "是否按时", "版本", "验收", "SHA-256（前 16 位）"]
    row = next(r for r in status[head + 1 :] if r[1] == season["changer"])
    arrived = dt.datetime.fromtimestamp(JAN_10 + 3 * DAY).strftime("%Y-%m-%d %H:%M")
    assert row[9] == arrived  # when its content arrived, not when the file was last touched
    assert row[11].startswith("第 2 版（共 2 版）：改动 1 处：表二!")
    assert "「行政许可」「本年处理决定数量」" in row[11]
    revisions = [list(r) for r in wb["修订记录"].iter_rows(values_only=True)]
    rows = [r for r in revisions if r[0] in (season["fixer"], season["changer"])]
    assert [(r[0], r[1], r[5]) for r in rows if r[0] == season["changer"]] == [
        (season["changer"], "第 1 版", "否"),
        (season["changer"], "第 2 版", "是"),
    ]
    changes = next(r[6] for r in rows if r[0] == season["changer"] and r[1] == "第 2 版")
    assert "→" in changes and "（第一版）" in next(r[6] for r in rows if r[1] == "第 1 版")
    assert not [f for f in _checked(season["out"]) if f.rule.startswith("S-")]


def _checked(path):
    from nianbao.validation import validate

    return validate(read_workbook(path)).findings


def test_rolling_up_again_renaming_or_touching_a_file_changes_no_arrival(county, season):
    inbox, out = season["inbox"], season["out"]
    before = ledger_path(out).read_bytes()
    again = _roll(county, inbox, out)
    assert ledger_path(out).read_bytes() == before and again.ledger_added == 0
    # The fixer's first workbook is renamed and touched: it is still the older version.
    old = _unit(again, season["fixer"]).versions[0].path
    renamed = old.with_name("早先的.xlsx")
    old.rename(renamed)
    _at(renamed, 9)
    third = _roll(county, inbox, out)
    fixer = _unit(third, season["fixer"])
    assert fixer.file.path == season["fixed"] and fixer.versions[0].path == renamed
    assert fixer.versions[0].first_seen == JAN_10 and third.ledger_added == 0
    renamed.rename(old)


def test_a_ledger_that_cannot_be_read_stops_the_run_and_is_kept(county, season, tmp_path):
    out = tmp_path / "汇总.xlsx"
    ledger = ledger_path(out)
    ledger.write_text('{"format": "nianbao-intake-ledger", "version": 1, "entries": {', "utf-8")
    broken = ledger.read_bytes()
    with pytest.raises(UsageError, match="收件记录") as caught:
        _roll(county, season["inbox"], out)
    assert "不会自动重建" in caught.value.action and not out.exists()
    assert ledger.read_bytes() == broken
    run = nianbao("rollup", season["inbox"], "--roster", county.roster, "-o", out)
    assert run.returncode == 2 and "收件记录" in run.stderr
    assert_no_traceback(run)
    assert ledger.read_bytes() == broken and not out.exists()
    ledger.write_text(json.dumps({"format": "other"}), "utf-8")
    with pytest.raises(UsageError, match="不是年报助手的收件记录"):
        _roll(county, season["inbox"], out)


def test_the_json_lists_each_units_versions_and_arrival(county, season, tmp_path):
    out = tmp_path / "s.xlsx"
    shutil.copyfile(ledger_path(season["out"]), ledger_path(out))
    run = nianbao("rollup", season["inbox"], "--roster", county.roster, "-o", out, "--json")
    data = json.loads(run.stdout)
    assert data["ledger"] == str(ledger_path(out)) and data["ledger_added"] == 0
    unit = next(u for u in data["units"] if u["unit"] == season["changer"])
    assert unit["version"] == 2 and [v["used"] for v in unit["versions"]] == [False, True]
    assert unit["first_seen"].startswith("2026-01-13")
    assert unit["revision"]["cells"][0]["col_code"] == "decisions"


# -- acceptance (验收) ------------------------------------------------------------------------


def _accept_roll(county, inbox, out, **acceptance):
    from nianbao.county.model import AcceptanceRequest

    request = RollupRequest(
        inputs=(inbox,),
        output=out,
        roster=read_roster(county.roster),
        force=True,
        workers=1,
        acceptance=AcceptanceRequest(**acceptance),
    )
    return rollup(request)


def _status_rows(out: Path) -> list[list]:
    sheet = openpyxl.load_workbook(out, read_only=True)["汇总情况"]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_an_accepted_version_stays_used_after_a_change_until_accepted_again(county, tmp_path):
    inbox = tmp_path / "收到的报表"
    shutil.copytree(county.inbox, inbox)
    for path in inbox.rglob("*"):
        if path.is_file():
            _at(path, 0)
    out = tmp_path / "汇总.xlsx"
    unit = next(u for u in county.units if u not in county.broken and u in county.files)
    first = _accept_roll(county, inbox, out, accept=(unit,))
    [event] = first.acceptance_events
    assert event["unit"] == unit and event["action"] == "accept"
    accepted_sha = _unit(first, unit).file.sha256
    assert event["sha256"] == accepted_sha and first.receipt is not None
    receipt = openpyxl.load_workbook(first.receipt, read_only=True)["验收回执"]
    rows = [r for r in receipt.iter_rows(values_only=True) if r and r[1] == unit]
    assert rows and rows[0][3] == accepted_sha and rows[0][6] == "本次验收"

    before = read_workbook(_unit_file(county, unit)).cells[LICENSING].value or Decimal(0)
    _at(_resend(county, inbox, unit, "验收后又改.xlsx", {LICENSING: before + 1}), 5)
    later = _accept_roll(county, inbox, out)
    entry = _unit(later, unit)
    assert entry.file.sha256 == accepted_sha  # the accepted version is still the one summed
    assert entry.values[LICENSING] == before and entry.after_acceptance is not None
    [cell] = entry.after_acceptance.cells
    assert cell.key == LICENSING and later.receipt is None and not later.acceptance_events
    newest = next(f for f in later.files if f.path.name == "验收后又改.xlsx")
    assert not newest.used and "验收" in newest.reason
    row = next(r for r in _status_rows(out) if r and r[1] == unit)
    accepted = row[12]  # 验收
    assert accepted.startswith("已验收（")
    assert "验收后收到新版本 验收后又改.xlsx，未采用" in accepted

    again = _accept_roll(county, inbox, out, accept=(unit,))
    assert _unit(again, unit).file.path.name == "验收后又改.xlsx"
    assert _unit(again, unit).values[LICENSING] == before + 1
    withdrawn = _accept_roll(county, inbox, out, unaccept=(unit,))
    assert [e["action"] for e in withdrawn.acceptance_events] == ["withdraw"]
    assert _unit(withdrawn, unit).accepted is None
    history = json.loads(ledger_path(out).read_text("utf-8"))["acceptances"]
    assert [e["action"] for e in history] == ["accept", "accept", "withdraw"]  # nothing removed


def test_accept_all_valid_takes_only_units_without_errors(county, tmp_path):
    out = tmp_path / "汇总.xlsx"
    result = _accept_roll(county, county.inbox, out, accept_all_valid=True)
    accepted = {e["unit"] for e in result.acceptance_events}
    assert accepted and not accepted & set(county.broken)
    assert all(u.accepted for u in result.units if u.name in accepted)
    assert set(county.missing).isdisjoint(accepted)


def test_accepting_an_unknown_or_missing_unit_is_refused_before_writing(county, tmp_path):
    out = tmp_path / "汇总.xlsx"
    with pytest.raises(UsageError, match="不在本次汇总的单位中"):
        _accept_roll(county, county.inbox, out, accept=("没有这个单位",))
    with pytest.raises(UsageError, match="无法验收"):
        _accept_roll(county, county.inbox, out, accept=(county.missing[0],))
    assert not out.exists() and not ledger_path(out).exists()
    run = nianbao(
        "rollup", county.inbox, "--roster", county.roster, "-o", out, "--accept", "没有这个单位"
    )
    assert run.returncode == 2 and "不在本次汇总的单位中" in run.stderr
    assert_no_traceback(run)
