"""Root cause first in a county: a unit that typed 「14件」 for 14 has one error, that cell, in
every list of what to send back (退回清单, 主要问题, the terminal, --json, the 汇总 page); the sums
it breaks are never listed as errors of their own."""

from __future__ import annotations

import json

import openpyxl
import pytest

from nianbao.county.model import RollupRequest, RollupResult
from nianbao.county.returns import LIST_NAME
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.desktop.viewmodels import rollup as view
from nianbao.workbook_templates import load_spec

from .county import TYPO_CELL, TYPO_TEXT, TwoMistakes, make_two_mistakes
from .test_cli import nianbao

SPEC = load_spec("2021")


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
    problems = listed[county.typo][SPEC.summary.returns_heading[4]].splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"{TYPO_CELL} ")
    assert TYPO_TEXT in problems[0]
    # The unbalanced unit's own problem is its column: one error, its 总计 column explained.
    problems = listed[county.imbalance][SPEC.summary.returns_heading[4]].splitlines()
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
