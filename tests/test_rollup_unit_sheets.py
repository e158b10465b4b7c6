"""The unit sheets of a summary guard their numbers as the unit's own workbook does: the same
data validation and red highlighting on every input cell, and ``check`` names the unit whose
sheet holds a number typed as text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.validation import validate
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.compute import number_keys
from nianbao.workbook_templates.layout import a1, table_layout
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.spec import CellKey
from nianbao.workbook_templates.summary_layout import unit_sheet_layout

from .county import make_county
from .workbook_edit import edit_workbook

SPEC = spec_for_year(2025)


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Path:
    county = make_county(tmp_path_factory.mktemp("county"), n_units=12)
    out = tmp_path_factory.mktemp("out") / "汇总.xlsx"
    rollup(RollupRequest(inputs=(county.inbox,), output=out, roster=read_roster(county.roster)))
    return out


def _guards(ws) -> tuple[Counter, dict[str, list[str]]]:
    """Return a sheet's validations (type, operator, formula1) by cell, and its conditional
    formatting formulas by cell."""
    validations: Counter = Counter()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                for cell in row:
                    validations[cell.coordinate] = (dv.type, dv.operator, dv.formula1)
    highlights: dict[str, list[str]] = {}
    for cf in ws.conditional_formatting:
        for rng in cf.sqref.ranges:
            cells = ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]
            for row in cells:
                for cell in row:
                    highlights.setdefault(cell.coordinate, []).extend(
                        r.formula[0] for r in cf.rules
                    )
    return validations, highlights


def test_every_number_of_a_unit_sheet_is_validated_and_turns_red_like_the_units_own(summary):
    book = openpyxl.load_workbook(summary)
    parts = read_workbook(summary).parts
    assert parts
    lay = unit_sheet_layout(SPEC)
    template = {t.code: _guards(book[t.sheet]) for t in SPEC.tables}  # as in a unit's template
    for part in parts:
        validations, highlights = _guards(book[part.sheet])
        for key in number_keys(SPEC):
            ref, own = lay.ref(key), table_layout(SPEC.table(key.table)).cell(key)
            own_validations, own_highlights = template[key.table]
            own_ref = a1(own.row, own.col)
            assert validations[ref] == own_validations[own_ref], (part.sheet, ref)
            assert validations[ref][1] == "greaterThanOrEqual" or key.table == "t2"
            assert len(highlights[ref]) == len(own_highlights[own_ref]), (part.sheet, ref)
            assert any(f.startswith("OR(ISTEXT(") for f in highlights[ref]), (part.sheet, ref)
        assert len(validations) == len(number_keys(SPEC))


def test_check_names_the_unit_whose_sheet_holds_a_number_typed_as_text(summary, tmp_path):
    wb = read_workbook(summary)
    part = wb.parts[1]
    ref = unit_sheet_layout(wb.spec).ref(CellKey("t3", "r1", "c1"))
    edited = edit_workbook(summary, tmp_path / "改.xlsx", {f"{part.sheet}!{ref}": "十二"})
    (finding,) = [f for f in validate(read_workbook(edited)).findings if f.rule == "R-PART-VALUE"]
    assert f"「{part.unit}」" in finding.text
    assert "「」" not in finding.text
    assert finding.where == f"{part.sheet}!{ref}"
    assert "表三" in finding.text and "十二" in finding.text
