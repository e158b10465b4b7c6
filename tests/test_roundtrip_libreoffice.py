"""Round trips through LibreOffice Calc: a clerk fills our blank template in Calc, Calc saves it.

Every workbook of this module is filled, recalculated and saved by one LibreOffice session (the
``calc_saved`` fixture). Then:

* the template's own formulas, as LibreOffice calculated them, give exactly the totals and the
  校验 lines ``check`` computes, and a correct fill reads back exactly and passes;
* mistakes typed in Calc are reported at their cells, and each line of the 校验 sheet shows ✗
  exactly when the validator reports that rule there;
* our reader sees the same input values as an independent reader (python-calamine).
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from python_calamine import CalamineWorkbook

from nianbao.validation import validate
from nianbao.workbook_templates import TemplateRequest, build_template, load_spec, read_workbook
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import PASS_MARK, CheckLine, check_lines
from nianbao.workbook_templates.compute import input_keys, recompute
from nianbao.workbook_templates.reader import CellRead, FilledWorkbook
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey, FormatSpec

from .libreoffice import CellValue, Job, run_jobs

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.usefixtures("libreoffice_ok"),
]

UNIT = "青禾镇人民政府"
KIND = "乡镇"
SPEC_2021 = load_spec("2021")
SPEC_2019 = load_spec("2019")
SAMPLE = sample_request(2025)


# -- what the clerk types -------------------------------------------------------------------


def _consistent_fill_2019(seed: int = 2020) -> dict[CellKey, Decimal | str]:
    """Return random inputs for every cell of the 2019 format that pass every rule for a 乡镇."""
    spec = SPEC_2019
    rng = random.Random(seed)
    values: dict[CellKey, Decimal | str] = {}
    for key in input_keys(spec):
        vtype = spec.value_type(key)
        if vtype == "text":
            values[key] = f"{rng.randint(1, 999) / 10}万元"
        elif vtype == "signed":
            values[key] = Decimal(rng.randint(-5, 5))
        else:
            values[key] = Decimal(rng.randint(0, 20))
    for col in spec.table("t2").block_of("regulation").columns:
        values[CellKey("t2", "regulation", col.code)] = Decimal(0)  # P-1: a 乡镇 makes none
    # Table three: 一＋二＝三（七）总计＋四 in every column (H3-1), with results that add up.
    results = spec.rule("H3-2").parts
    for col in ("c1", "c2", "c3", "c4", "c5", "c6"):
        total = Decimal(0)
        for row in results:
            values[CellKey("t3", row, col)] = Decimal(rng.choice((0, 0, 0, 1, 2, 7)))
            total += values[CellKey("t3", row, col)]
        values[CellKey("t3", "r3_1", col)] += 1  # at least one application (P-3)
        carried = Decimal(rng.randint(0, 3))
        values[CellKey("t3", "r4", col)] = carried
        total += 1 + carried
        previous = Decimal(rng.randint(0, int(total)))
        values[CellKey("t3", "r2", col)] = previous
        values[CellKey("t3", "r1", col)] = total - previous
    assert set(values) == set(input_keys(spec))
    return values


REQUEST_2020 = TemplateRequest(
    year=2020,
    unit=UNIT,
    kind=KIND,
    values=_consistent_fill_2019(),
    texts=dict(SAMPLE.texts),
    info={**SAMPLE.info, "date": "2021-01-20"},
)

# Clean fills: every input, the contact fields and the narrative, typed into a blank template.
FILLS: dict[str, TemplateRequest] = {"2021-format": SAMPLE, "2019-format": REQUEST_2020}


def _record_ref(sheet: str, row: int) -> str:
    return f"{sheet}!{L.a1(row, L.RECORD_VALUE_COL)}"


def _excel_date(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - dt.date(1899, 12, 30)).days


def _typed_cells(spec: FormatSpec, request: TemplateRequest) -> dict[str, CellValue]:
    """Return what a clerk types for a request: "表三!D6" → value (a date as Calc stores it)."""
    cells: dict[str, CellValue] = {
        L.display_ref(spec, key): value for key, value in request.values.items()
    }
    for code, text in request.info.items():
        ref = _record_ref(spec.sheets.info, L.info_row(spec, code))
        cells[ref] = _excel_date(text) if spec.info_field(code).type == "date" else text
    for code, text in request.texts.items():
        cells[_record_ref(spec.sheets.text, L.text_row(spec, code))] = text
    return cells


@dataclass(frozen=True)
class Mistake:
    """Cells a clerk gets wrong in Calc, and the (rule, cell) findings that must follow."""

    typed: Mapping[CellKey, CellValue]
    findings: frozenset[tuple[str, CellKey]]
    unprotect: tuple[str, ...] = ()


def _key(text: str) -> CellKey:
    return CellKey(*text.split("."))


def _sample(text: str) -> Decimal:
    return Decimal(SAMPLE.values[_key(text)])


_TOTAL_OF_RESULTS_C1 = sum(
    (_sample(f"t3.{row}.c1") for row in SPEC_2021.rule("H3-2").parts), Decimal(0)
)

MISTAKES: dict[str, Mistake] = {
    # One more new application for 商业企业 than the results account for: the column and the
    # 总计 column no longer balance.
    "unbalanced_column": Mistake(
        {_key("t3.r1.c2"): _sample("t3.r1.c2") + 1},
        frozenset({("H3-1", _key("t3.r4.c2")), ("H3-1", _key("t3.r4.ct"))}),
    ),
    # The clerk unprotects 表三 and types a wrong number over the 自然人 （七）总计 formula. The
    # table then shows that number: the 自然人 column and the （七）总计 row no longer add up.
    "typed_over_total": Mistake(
        {_key("t3.r3_7.c1"): _TOTAL_OF_RESULTS_C1 + 6},
        frozenset(
            {
                ("F-CONSTANT", _key("t3.r3_7.c1")),
                ("H3-2", _key("t3.r3_7.c1")),
                ("H3-1", _key("t3.r4.c1")),
                ("H3-3", _key("t3.r3_7.ct")),
            }
        ),
        unprotect=(SPEC_2021.table("t3").sheet,),
    ),
    "number_as_text": Mistake(
        {_key("t2.licensing.decisions"): str(_sample("t2.licensing.decisions"))},
        frozenset({("V-TEXT", _key("t2.licensing.decisions"))}),
    ),
    "negative": Mistake(
        {_key("t4.cases.review_upheld"): -1},
        frozenset({("V-NEGATIVE", _key("t4.cases.review_upheld"))}),
    ),
    "blank": Mistake(
        {_key("t3.r3_3_1.c3"): None},
        frozenset({("V-BLANK", _key("t3.r3_3_1.c3"))}),
    ),
    "fraction": Mistake(
        {_key("t2.normative.repealed"): 0.5},
        frozenset({("V-INTEGER", _key("t2.normative.repealed"))}),
    ),
    "too_many_decimals": Mistake(
        {_key("t2.admin_fee.amount"): 0.12345},
        frozenset({("V-DECIMALS", _key("t2.admin_fee.amount"))}),
    ),
}
MISTAKES["all_at_once"] = Mistake(
    {k: v for m in MISTAKES.values() for k, v in m.typed.items()},
    frozenset().union(*(m.findings for m in MISTAKES.values())),
    unprotect=(SPEC_2021.table("t3").sheet,),
)


# -- one LibreOffice session for the whole module ---------------------------------------------


@pytest.fixture(scope="module")
def calc_saved(libreoffice_ok: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Return the workbooks LibreOffice filled and saved, by case name ("2021-format", ...)."""
    tmp = tmp_path_factory.mktemp("calc")
    jobs: dict[str, Job] = {}
    for name, request in FILLS.items():
        spec = request.spec()
        blank = build_template(
            tmp / f"blank-{name}.xlsx",
            TemplateRequest(year=request.year, unit=request.unit, kind=request.kind),
        )
        jobs[name] = Job(blank, tmp / f"{name}.xlsx", _typed_cells(spec, request))
    clean_2021 = jobs["2021-format"]
    for name, mistake in MISTAKES.items():
        typed = {L.display_ref(SPEC_2021, k): v for k, v in mistake.typed.items()}
        jobs[name] = Job(
            clean_2021.source,
            tmp / f"{name}.xlsx",
            {**clean_2021.cells, **typed},
            mistake.unprotect,
        )
    run_jobs(list(jobs.values()), timeout=90)
    for job in jobs.values():
        with zipfile.ZipFile(job.target) as zf:
            assert b"<Application>LibreOffice" in zf.read("docProps/app.xml"), job.target
    return {name: job.target for name, job in jobs.items()}


# -- reading what LibreOffice saved -----------------------------------------------------------


def _grid(path: Path, sheet: str) -> list[list]:
    """Return a sheet's cached values as python-calamine reads them, from A1."""
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )


def _at(grid: list[list], row: int, col: int) -> object:
    try:
        return grid[row][col]
    except IndexError:
        return ""


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def _inputs_as_read(spec: FormatSpec, wb: FilledWorkbook) -> dict[CellKey, Decimal | str | None]:
    return {
        key: cell.text if spec.value_type(key) == "text" else cell.value
        for key, cell in wb.cells.items()
    }


class _CheckRow(NamedTuple):
    """One 校验 line as LibreOffice calculated it."""

    rule_id: str
    mark: str
    number: object


CHECK_RULE_COL = 1  # the 规则 column of the 校验 sheet


def _check_rows(spec: FormatSpec, path: Path) -> list[_CheckRow]:
    grid = _grid(path, spec.sheets.checks)
    return [
        _CheckRow(row[CHECK_RULE_COL], row[L.CHECK_MARK_COL], row[L.CHECK_NUMBER_COL])
        for row in grid[L.CHECK_FIRST_ROW :]
        if len(row) > CHECK_RULE_COL and row[CHECK_RULE_COL]
    ]


def _check_status(spec: FormatSpec, path: Path) -> object:
    return _at(_grid(path, spec.sheets.checks), L.CHECK_STATUS_ROW, L.CHECK_STATUS_COL)


def _where(spec: FormatSpec, key: CellKey) -> tuple[str, str]:
    cell = L.table_layout(spec.table(key.table)).cell(key)
    return spec.table(key.table).sheet, L.a1(cell.row, cell.col)


def _type_rule_ids(spec: FormatSpec) -> set[str]:
    kinds = ("text_number", "not_number", "negative", "not_integer", "too_many_decimals")
    return {r.id for kind in kinds for r in spec.rules_of_kind(kind)}


def _sheet_vs_validator(spec: FormatSpec, path: Path) -> list[str]:
    """Return every 校验 line whose mark (as LibreOffice computed it) the validator contradicts.

    An instance line fails iff the validator reports its rule at the line's anchor cell; a
    table's blank (type) line fails iff the validator reports a blank (type) finding there.
    """
    report = validate(read_workbook(path))
    at_cell = {(f.rule, f.sheet, f.cell) for f in report.findings}
    in_sheet = {(f.rule, f.sheet) for f in report.findings}
    blank_id = spec.rules_of_kind("blank")[0].id
    type_ids = _type_rule_ids(spec)
    lines: list[CheckLine] = check_lines(spec, {}, KIND)
    rows = _check_rows(spec, path)
    assert [row.rule_id for row in rows] == [line.rule_id for line in lines]
    problems = []
    for line, row in zip(lines, rows, strict=True):
        mark, number = row.mark, row.number
        if line.instance is not None:
            sheet, cell = _where(spec, line.instance.anchor)
            reported = (line.rule_id, sheet, cell) in at_cell
            where = f"{sheet}!{cell}"
        else:
            sheet = spec.table(line.table).sheet
            ids = {blank_id} if line.rule_id == blank_id else type_ids
            reported = any((rule, sheet) in in_sheet for rule in ids)
            where = sheet
        if (mark != PASS_MARK) != reported:
            verdict = "reports it" if reported else "does not report it"
            problems.append(f"{line.rule_id} {where}: 校验 {mark} ({number}), validator {verdict}")
    return problems


# -- a correct fill -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", FILLS)
def test_libreoffice_fill_reads_back_exactly(calc_saved: dict[str, Path], case: str) -> None:
    request = FILLS[case]
    spec = request.spec()
    wb = read_workbook(calc_saved[case])
    assert wb.spec is spec
    assert {k: c.status for k, c in wb.cells.items() if c.status != "ok"} == {}
    assert _inputs_as_read(spec, wb) == dict(request.values)
    assert {code: wb.info[code] for code in request.info} == dict(request.info)
    assert (wb.unit, wb.kind, wb.year) == (UNIT, KIND, request.year)
    assert wb.texts == {c.code: request.texts.get(c.code, "") for c in spec.text_cells}


@pytest.mark.parametrize("case", FILLS)
def test_libreoffice_fill_passes_validation(calc_saved: dict[str, Path], case: str) -> None:
    report = validate(read_workbook(calc_saved[case]))
    findings = report.findings
    if case == "2019-format":
        # Its narrative is the 2025 sample's text over random numbers in a 2020 workbook: the
        # text rightly disagrees with the tables (N-NUMBER) and the year (N-YEAR-MENTION); this
        # test is about the tables.
        findings = [f for f in findings if f.rule not in ("N-NUMBER", "N-YEAR-MENTION")]
    assert [(f.rule, f.where, f.message) for f in findings] == []
    assert report.valid


@pytest.mark.parametrize("case", FILLS)
def test_libreoffice_totals_match_recompute(calc_saved: dict[str, Path], case: str) -> None:
    """The blank template's formulas, recalculated by LibreOffice, give exactly our totals."""
    request = FILLS[case]
    spec = request.spec()
    numbers = {k: v for k, v in request.values.items() if isinstance(v, Decimal)}
    expected = recompute(spec, numbers)
    assert any(expected.values()), "a fill whose totals are all 0 would prove nothing"
    grids = {t.code: _grid(calc_saved[case], t.sheet) for t in spec.tables}
    calculated = {}
    for key in expected:
        cell = L.table_layout(spec.table(key.table)).cell(key)
        calculated[key] = _decimal(_at(grids[key.table], cell.row, cell.col))
    assert calculated == expected


@pytest.mark.parametrize("case", FILLS)
def test_libreoffice_check_sheet_matches_check_lines(
    calc_saved: dict[str, Path], case: str
) -> None:
    """Every 校验 line LibreOffice computed has our rule, mark and number; the status passes."""
    request = FILLS[case]
    spec = request.spec()
    lines = check_lines(spec, request.values, KIND)
    rows = _check_rows(spec, calc_saved[case])
    calculated = [(row.rule_id, row.mark, _decimal(row.number)) for row in rows]
    assert calculated == [(line.rule_id, line.mark, line.number) for line in lines]
    assert {line.mark for line in lines} == {PASS_MARK}
    assert _check_status(spec, calc_saved[case]) == spec.checks.status_pass


# -- mistakes typed in LibreOffice ------------------------------------------------------------


@pytest.mark.parametrize("case", MISTAKES)
def test_libreoffice_mistake_is_reported_at_its_cell(
    calc_saved: dict[str, Path], case: str
) -> None:
    """Each mistake is reported where it was made, and nothing else is reported (besides the
    sample's narrative now disagreeing with the changed number, N-NUMBER)."""
    report = validate(read_workbook(calc_saved[case]))
    found = {(f.rule, f.sheet, f.cell) for f in report.findings if f.rule != "N-NUMBER"}
    expected = {(rule, *_where(SPEC_2021, key)) for rule, key in MISTAKES[case].findings}
    assert found == expected
    assert not report.valid


@pytest.mark.parametrize("case", MISTAKES)
def test_libreoffice_check_sheet_agrees_with_validator(
    calc_saved: dict[str, Path], case: str
) -> None:
    """A 校验 line shows ✗ in LibreOffice exactly when the validator reports that rule there."""
    assert _sheet_vs_validator(SPEC_2021, calc_saved[case]) == []


def test_libreoffice_status_counts_failing_lines(calc_saved: dict[str, Path]) -> None:
    spec = SPEC_2021
    path = calc_saved["unbalanced_column"]
    failing = [row for row in _check_rows(spec, path) if row.mark != PASS_MARK]
    assert len(failing) == 2
    assert _check_status(spec, path) == spec.checks.status_fail.format(count=len(failing))


# -- our reader against an independent one ----------------------------------------------------


def _calamine_view(value: object) -> tuple[str, Decimal | str | None]:
    number = _decimal(value)
    if number is not None:
        return ("number", number)
    if value in ("", None):
        return ("blank", None)
    return ("text", str(value))


def _reader_view(spec: FormatSpec, read: CellRead) -> tuple[str, Decimal | str | None]:
    if read.status == "blank":
        return ("blank", None)
    if read.status == "ok" and spec.value_type(read.key) != "text":
        return ("number", read.value)
    return ("text", read.text)


@pytest.mark.parametrize("case", ["2021-format", "2019-format", "all_at_once"])
def test_reader_inputs_match_calamine(calc_saved: dict[str, Path], case: str) -> None:
    path = calc_saved[case]
    wb = read_workbook(path)
    spec = wb.spec
    grids = {t.code: _grid(path, t.sheet) for t in spec.tables}
    ours, theirs = {}, {}
    for key in input_keys(spec):
        cell = L.table_layout(spec.table(key.table)).cell(key)
        ours[key] = _reader_view(spec, wb.cells[key])
        theirs[key] = _calamine_view(_at(grids[key.table], cell.row, cell.col))
    assert ours == theirs
    assert {kind for kind, _ in ours.values()} >= {"number"}
