"""Property-based fuzz of the annotated copy and the rollup's returns on corrupted workbooks that
``check`` accepts (issue 21: 23 of 31 such files crashed ``--annotate``).

Property: for any workbook our reader reads, ``annotate_workbook`` writes a copy that our reader
reads again as an unchanged annotated copy of the same unit, or refuses with a Chinese
NianbaoError; and a rollup with --returns of it and a good workbook writes the summary and the
退回清单, with the corrupted unit's copy written or its reason listed. Anything else is a bug.

The corruptions are those of test_fuzz_reader (any content in any cell of the sheets we read,
garbled XML of a part we read, members deleted, duplicated, renamed, swapped), applied to the
built-in sample with its two typical mistakes, so that there is something to annotate. Few
examples by default (NIANBAO_FUZZ_ANNOTATE_EXAMPLES): writing a copy costs what writing a
template costs.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.errors import NianbaoError, WorkbookError
from nianbao.validation import validate
from nianbao.validation.annotate import annotate_workbook, copy_content
from nianbao.workbook_templates import build_template, read_workbook
from nianbao.workbook_templates.content import digest
from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes

from . import hostile as H
from .test_fuzz_reader import (
    PACKAGE_PARTS,
    SHEETS_WE_READ,
    _mutated,
    anywhere,
    apply_member_ops,
    cell_contents,
    member_ops,
    set_cells,
    xml_plans,
)

pytestmark = pytest.mark.slow  # hypothesis runs each property over many generated workbooks

CHINESE = re.compile(r"[\u4e00-\u9fff]")
EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_ANNOTATE_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
OTHER_UNIT = "乙镇人民政府"


class Seed:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        broken = build_template(folder / "seed.xlsx", sample_with_mistakes(sample_request(2025)))
        self.members = H.read_members(broken)
        self.parts = {name: H.sheet_part(broken, name) for name in SHEETS_WE_READ}
        good = replace(sample_request(2025), unit=OTHER_UNIT)
        self.good = build_template(folder / "乙.xlsx", good)

    def __repr__(self) -> str:
        return "Seed(sample with mistakes)"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    return Seed(tmp_path_factory.mktemp("fuzz-annotate"))


def _accepted(path: Path):
    """Return the workbook and report as check has them, or None when check refuses the file."""
    try:
        wb = read_workbook(path)
    except WorkbookError:
        event("refused by the reader")
        return None
    return wb, validate(wb)


def check_annotate(path: Path, target: Path) -> None:
    """The property of the annotated copy (see the module docstring)."""
    accepted = _accepted(path)
    if accepted is None:
        return
    wb, report = accepted
    try:
        annotate_workbook(wb, report, target, force=True)
    except NianbaoError as exc:
        event(f"copy refused: {type(exc).__name__}")
        assert CHINESE.search(exc.message), exc.message
        return
    copy = read_workbook(target)
    assert copy.stamp.is_annotated and copy.stamp.unit in ("", wb.stamp.unit)
    assert digest(copy_content(copy).request()) == copy.stamp.content  # known as ours
    event("copy written")


def check_returns(path: Path, seed: Seed, folder: Path) -> None:
    """The property of the rollup's returns (see the module docstring)."""
    inbox = folder / "收表"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in inbox.iterdir():
        old.unlink()
    os.link(path, inbox / "甲.xlsx")
    os.link(seed.good, inbox / "乙.xlsx")
    returns = folder / "退回"
    try:
        result = rollup(
            RollupRequest(
                inputs=(inbox,),
                output=folder / "汇总.xlsx",
                returns=returns,
                force=True,
                workers=1,
            )
        )
    except NianbaoError as exc:
        event(f"rollup refused: {type(exc).__name__}")
        assert CHINESE.search(exc.message), exc.message
        return
    assert result.returns and result.returns[-1] == returns / "退回清单.xlsx"
    for unit in result.units:
        if unit.file is not None and unit.file.errors:
            copy = returns / f"{unit.name}-批注.xlsx"
            assert copy in result.returns or unit.name in result.returns_failed
    event("returns written" + (" with a failure" if result.returns_failed else ""))


def _write(seed: Seed, members: H.Members, name: str) -> Path:
    return H.write_zip(seed.folder / name, members)


@FUZZ
@given(
    sheet=st.sampled_from(SHEETS_WE_READ[:5]),
    changes=st.lists(st.tuples(anywhere, cell_contents), min_size=1, max_size=6),
)
def test_annotated_copy_of_any_cell_content(seed: Seed, sheet: str, changes: list) -> None:
    part = seed.parts[sheet]
    members = [
        (n, set_cells(d.decode(), changes).encode() if n == part else d) for n, d in seed.members
    ]
    path = _write(seed, members, "cells.xlsx")
    check_annotate(path, seed.folder / "cells-批注.xlsx")
    check_returns(path, seed, seed.folder / "cells-rollup")


@FUZZ
@given(part=st.sampled_from(PACKAGE_PARTS + SHEETS_WE_READ), ops=xml_plans)
def test_annotated_copy_of_a_garbled_part(seed: Seed, part: str, ops: list) -> None:
    name = seed.parts.get(part, part)
    members = [(n, _mutated(d, ops) if n == name else d) for n, d in seed.members]
    path = _write(seed, members, "part.xlsx")
    check_annotate(path, seed.folder / "part-批注.xlsx")
    check_returns(path, seed, seed.folder / "part-rollup")


@FUZZ
@given(ops=st.lists(member_ops, min_size=1, max_size=3))
def test_annotated_copy_of_a_damaged_package(seed: Seed, ops: list) -> None:
    path = _write(seed, apply_member_ops(seed.members, ops), "members.xlsx")
    check_annotate(path, seed.folder / "members-批注.xlsx")
    check_returns(path, seed, seed.folder / "members-rollup")
