"""Root cause first in a county: a unit that typed 「14件」 for 14 has one error, that cell, in
every list of what to send back (退回清单, 主要问题, the terminal, --json, the 汇总 page); the sums
it breaks are never listed as errors of their own."""

from __future__ import annotations

import json
from dataclasses import replace

import openpyxl
import pytest

from nianbao.county.model import RollupRequest, RollupResult
from nianbao.county.returns import LIST_NAME
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.desktop.viewmodels import rollup as view
from nianbao.files import workbook_name
from nianbao.workbook_templates import build_template, load_spec
from nianbao.workbook_templates.sample import sample_request

from .county import TYPO_CELL, TYPO_KEY, TYPO_TEXT, TwoMistakes, make_two_mistakes
from .test_cli import nianbao
from .workbook_edit import edit_workbook

SPEC = load_spec("2021")
SAMPLE = sample_request(2025)


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> TwoMistakes:
    return make_two_mistakes(tmp_path_factory.mktemp("county"))


@pytest.fixture(scope="module")
def result(county, tmp_path_factory) -> RollupResult:
    out = tmp_path_factory.mktemp("out")
    request = RollupRequest(
        inputs=(county.inbox,),
        output=out / "汇总.xlsx",
        roster=read_roster(county.roster),
        returns=out / "退回",
    )
    return rollup(request)


def _rows(path, heading: str) -> dict[str, dict[str, str]]:
    """Return the rows below the header row that starts with ``heading``, by unit name."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    top = next(i for i, row in enumerate(rows) if row[0] == heading)
    names = rows[top]
    return {
        row[1]: dict(zip(names, row, strict=True))
        for row in rows[top + 1 :]
        if row[1] and str(row[0]).isdigit()
    }


def test_the_typo_unit_counts_one_error_and_shows_the_typed_cell_first(county, result):
    unit = next(u for u in result.units if u.name == county.typo)
    assert unit.file is not None and unit.report is not None
    assert unit.file.errors == 1
    assert unit.report.explained >= 2  # 自然人 and 总计 of table 三 no longer balance
    (first,) = unit.first_errors()
    assert (first.where, first.actual) == (TYPO_CELL, TYPO_TEXT)
    assert view.unit_rows(result)[0].problem == f"{TYPO_CELL} {first.text}"


def test_returns_list_leads_with_the_typed_cell_and_lists_no_consequence(county, result):
    listed = _rows(result.returns[-1], SPEC.summary.returns_heading[0])
    assert result.returns[-1].name == LIST_NAME
    problems = listed[county.typo]["问题（错误）"].splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"{TYPO_CELL} ")
    assert TYPO_TEXT in problems[0]
    # The unbalanced unit's own problem is its column: one error, its 总计 column explained.
    problems = listed[county.imbalance]["问题（错误）"].splitlines()
    assert len(problems) == 1 and problems[0].startswith("表三!D30 ")


def test_summary_sheet_counts_and_names_the_typed_cell_only(county, result):
    heading = SPEC.summary.status_heading
    listed = _rows(result.output, heading[0])
    typo = listed[county.typo]
    assert typo[heading[5]] == 1  # 错误数
    assert typo[heading[7]].startswith(f"{TYPO_CELL} ") and "；" not in typo[heading[7]]


def test_terminal_and_json_show_the_typed_cell_and_one_error(county, tmp_path):
    args = ("rollup", county.inbox, "--roster", county.roster)
    text = nianbao(*args, "-o", tmp_path / "t.xlsx").stdout
    line = next(x for x in text.splitlines() if x.strip().startswith(county.typo))
    assert f"【有错误】{TYPO_CELL} " in line and "另有" not in line
    data = json.loads(nianbao(*args, "-o", tmp_path / "j.xlsx", "--json").stdout)
    unit = next(u for u in data["units"] if u["unit"] == county.typo)
    assert (unit["errors"], len(unit["first_errors"])) == (1, 1)
    assert unit["explained"] >= 2 and TYPO_TEXT in unit["first_errors"][0]


# -- the summary explains itself ----------------------------------------------------------------

TYPO_SHARE = -SAMPLE.values[TYPO_KEY]  # the unit counts 0 where it meant 14: the county is short
IMBALANCE_SHARE = -1  # one case too many among the results


def _summary_error(report: dict) -> dict:
    (error,) = [f for f in report["findings"] if f["severity"] == "error" and not f["cause"]]
    return error


@pytest.fixture(scope="module")
def rolled_cli(county, tmp_path_factory):
    """Run ``nianbao rollup --json`` on the issue's county as the county office would."""
    out = tmp_path_factory.mktemp("cli")
    run = nianbao(
        "rollup", county.inbox, "--roster", county.roster, "-o", out / "汇总.xlsx", "--json"
    )
    return run, json.loads(run.stdout), out / "汇总.xlsx"


def test_the_summary_names_both_units_with_their_shares_and_suggests_exclude_invalid(
    county, rolled_cli
):
    run, data, _ = rolled_cli
    assert run.returncode == 1 and "Traceback" not in run.stderr
    summary = data["summary"]
    assert not summary["valid"] and summary["counts"]["error"] == 1
    error = _summary_error(summary)
    assert error["id"] == "H3-1@表三!D30"
    message = error["message"]
    typo = f"{county.typo} {TYPO_SHARE}（{TYPO_CELL} 填的是「{TYPO_TEXT}」）"
    imbalance = f"{county.imbalance} {IMBALANCE_SHARE}（表三!D30 本身不相符）"
    assert f"{typo}、{imbalance}" in message  # the larger share first
    assert f"差额 {TYPO_SHARE + IMBALANCE_SHARE} " in message
    assert "--exclude-invalid" in message and "即可通过校验" in message
    # No one-cell fix for a summary that added right: neither in words nor as a value.
    assert "若其余数字无误" not in message and error["expected"] is None
    causes = data["summary_causes"]
    assert causes["units"] == [county.typo, county.imbalance]
    assert causes["exclude_invalid_passes"] is True
    (cause,) = causes["findings"]
    assert cause["finding"] == error["id"]
    assert [(s["unit"], s["amount"], s["finding"]) for s in cause["shares"]] == [
        (county.typo, TYPO_SHARE, f"V-NUMBER@{TYPO_CELL}"),
        (county.imbalance, IMBALANCE_SHARE, "H3-1@表三!D30"),
    ]


@pytest.mark.slow
def test_the_terminal_and_the_summary_sheet_say_the_same(county, rolled_cli, tmp_path):
    _, _, summary = rolled_cli
    text = nianbao("rollup", county.inbox, "--roster", county.roster, "-o", tmp_path / "t.xlsx")
    lines = [x.strip() for x in text.stdout.splitlines()]
    check = next(i for i, x in enumerate(lines) if x.startswith("汇总数校验：错误 1 项"))
    told = lines[check + 1 : check + 4]
    assert told[0].startswith("表三!D30 ") and f"{county.typo} {TYPO_SHARE}（" in told[0]
    assert told[1] == "由此引起 1 项（不另计）：表三!J30"
    assert told[2].startswith("怎么改：") and "--exclude-invalid" in told[2]
    ws = openpyxl.load_workbook(summary)[SPEC.summary.status_sheet]
    rows = [str(ws.cell(r, 1).value or "").strip() for r in range(1, 12)]
    shown = rows.index(next(x for x in rows if x.startswith("汇总数校验：错误 1 项")))
    assert rows[shown + 1 : shown + 4] == told
    assert rows[shown + 4] == SPEC.summary.status_heading[0]  # then the units, as before


@pytest.mark.slow
def test_rerun_with_exclude_invalid_passes_as_the_summary_said(county, tmp_path):
    out = tmp_path / "剔除.xlsx"
    run = nianbao(
        "rollup", county.inbox, "--roster", county.roster, "-o", out, "--exclude-invalid", "--json"
    )
    data = json.loads(run.stdout)
    assert run.returncode == 1  # the two units still have to be sent back
    assert sorted(data["included"]) == sorted(county.clean)
    assert data["summary"]["valid"] and data["summary_causes"] is None
    check = json.loads(nianbao("check", out, "--json").stdout)
    assert check["valid"], [f["message"] for f in check["findings"] if f["severity"] == "error"]


@pytest.mark.slow
def test_checking_the_written_summary_names_the_units_and_export_refuses_saying_so(
    county, rolled_cli, tmp_path
):
    _, _, summary = rolled_cli
    run = nianbao("check", summary, "--json")
    assert run.returncode == 1
    message = _summary_error(json.loads(run.stdout))["message"]
    # Read back from the unit sheet, 「14件」 is a blank cell: the words are not in the summary.
    typo = f"{county.typo} {TYPO_SHARE}（{TYPO_CELL} 为空，原表未填写或填的不是数字）"
    assert f"{typo}、{county.imbalance} {IMBALANCE_SHARE}（表三!D30 本身不相符）" in message
    assert "--exclude-invalid" in message and "即可通过校验" in message
    export = nianbao("export", summary, "-o", tmp_path / "汇总.docx")
    assert export.returncode != 0 and not (tmp_path / "汇总.docx").exists()
    assert typo in export.stdout + export.stderr


@pytest.mark.parametrize(
    "summary_name",
    [
        pytest.param("剔除.xlsx", id="clean-units-summary-edited"),
        pytest.param("汇总.xlsx", id="failing-units-summary-edited"),
    ],
)
@pytest.mark.slow
def test_an_edited_summary_cell_is_not_put_on_the_units(county, tmp_path, summary_name):
    exclude = ("--exclude-invalid",) if summary_name == "剔除.xlsx" else ()
    written = tmp_path / summary_name
    nianbao("rollup", county.inbox, "--roster", county.roster, "-o", written, *exclude)
    edited = edit_workbook(written, tmp_path / "改过.xlsx", {TYPO_CELL: 100})
    report = json.loads(nianbao("check", edited, "--json").stdout)
    balance = next(f for f in report["findings"] if f["id"] == "H3-1@表三!D30")
    assert "R-SUM" in {f["rule"] for f in report["findings"]}  # the edit itself is found
    assert "纳入汇总" not in balance["message"] and "--exclude-invalid" not in balance["message"]


@pytest.mark.slow
def test_exclude_invalid_is_not_promised_when_leaving_units_out_breaks_last_years_carry(
    county, tmp_path
):
    """Last year's summary holds all four towns; leaving two out this year breaks 上年结转 of the
    county, so the summary says excluding them would not pass — and it does not."""
    last_year = tmp_path / "2024收表"
    last_year.mkdir()
    for unit in (county.typo, county.imbalance, *county.clean):
        request = replace(sample_request(2024), unit=unit, kind="乡镇")
        build_template(last_year / workbook_name(unit, 2024), request)
    previous = tmp_path / "2024汇总.xlsx"
    assert nianbao("rollup", last_year, "--roster", county.roster, "-o", previous).returncode == 0
    args = ("rollup", county.inbox, "--roster", county.roster, "--previous", previous, "--json")
    data = json.loads(nianbao(*args, "-o", tmp_path / "2025汇总.xlsx").stdout)
    assert data["summary_causes"]["exclude_invalid_passes"] is False
    message = _summary_error(data["summary"])["message"]
    assert "全部来自纳入汇总的有错误的单位" in message and "仍不能通过校验" in message
    excluded = json.loads(nianbao(*args, "-o", tmp_path / "剔除.xlsx", "--exclude-invalid").stdout)
    assert not excluded["summary"]["valid"]
