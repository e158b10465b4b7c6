"""Last year feeds this year: cells pre-filled from last year's workbook by the spec's cross-year
rules (本年「二、上年结转」＝上年「四、结转下年度继续办理」), and what could not be carried."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.validation import Finding, validate
from nianbao.validation.carry import carry_forward, carry_instances, describe
from nianbao.workbook_templates import build_template, read_workbook
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import FAIL_MARK, check_lines
from nianbao.workbook_templates.compute import computed_cells
from nianbao.workbook_templates.loader import FORMATS_DIR, load_spec, parse_spec
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey, Severity

from .spec_edit import spec_with_rule
from .workbook_edit import edit_workbook

COLUMNS = ("c1", "c2", "c3", "c4", "c5", "c6")


def K(table: str, row: str, col: str) -> CellKey:
    return CellKey(table, row, col)


def last_year_request(year: int = 2024, carried=(1, 2, 3, 0, 4, 5)):
    """Return the 2024 sample with a different 结转下年度 in every column (still balanced)."""
    request = sample_request(2024)
    values = dict(request.values)
    for col, n in zip(COLUMNS, carried, strict=True):
        values[K("t3", "r1", col)] += n - values[K("t3", "r4", col)]
        values[K("t3", "r4", col)] = Decimal(n)
    return replace(request, year=year, values=values)


def as_2019_format(request, year: int = 2020):
    """Return a request in the 2019 format: table three only, （六） as one row."""
    values = {
        k: v for k, v in request.values.items() if k.table == "t3" and not k.row.startswith("r3_6")
    }
    values.update({K("t3", "r3_6", c): Decimal(0) for c in COLUMNS})
    return replace(request, year=year, format_version="2019", values=values)


@pytest.fixture
def last_year(build):
    return build(last_year_request(), "last.xlsx")


def test_carry_fills_each_column_of_carried_over_row_from_last_years_carried_forward(last_year):
    spec = load_spec("2021")
    previous = read_workbook(last_year)
    result = carry_forward(spec, previous, year=2025, unit="青禾镇人民政府")
    expected = {K("t3", "r2", c): previous.values()[K("t3", "r4", c)] for c in COLUMNS}
    assert result.values == expected
    assert list(expected.values()) == [Decimal(n) for n in (1, 2, 3, 0, 4, 5)]
    assert result.notes == ()
    assert {c.rule for c in result.cells} == {"X-1"}


def test_only_single_term_rules_into_input_cells_carry(spec2021, spec2019):
    carried = {(inst.rule.id, inst.left[0].key) for inst in carry_instances(spec2021)}
    assert carried == {("X-1", K("t3", "r2", c)) for c in COLUMNS}  # not X-2, not the 总计 cell
    assert K("t3", "r2", "ct") in computed_cells(spec2021)
    # The 2019 format's X-2 has two previous terms: no carry either.
    assert {inst.rule.id for inst in carry_instances(spec2019)} == {"X-1"}


def test_workbook_built_with_carry_passes_its_own_checks_and_the_cross_year_check(
    build, previous_path
):
    previous = read_workbook(previous_path)
    this_year = sample_request(2025)
    result = carry_forward(this_year.spec(), previous, year=2025, unit=this_year.unit)
    assert set(result.values) == {K("t3", "r2", c) for c in COLUMNS}
    rest = {k: v for k, v in this_year.values.items() if k not in result.values}
    path = build(replace(this_year, values={**rest, **result.values}), "this.xlsx")
    wb = read_workbook(path)
    assert {k: wb.values()[k] for k in result.values} == result.values
    assert validate(wb, previous).findings == []
    failing = [ln.text for ln in check_lines(wb.spec, wb.values(), wb.kind) if ln.mark == FAIL_MARK]
    assert failing == []


def test_2019_format_workbook_of_2020_carries_into_the_2021_format(build):
    last = build(as_2019_format(last_year_request(2020)), "2020.xlsx")
    previous = read_workbook(last)
    assert previous.spec.format_version == "2019"
    result = carry_forward(load_spec("2021"), previous, year=2021, unit=previous.unit)
    assert result.values == {K("t3", "r2", c): previous.values()[K("t3", "r4", c)] for c in COLUMNS}
    assert result.notes == ()


def spec_carrying(rule_right: str):
    """Return the 2021 spec with X-1 reading another of last year's rows (a format whose carry
    names a cell the other format has no counterpart for, or a total)."""
    text = (FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8")
    changed = text.replace('right = ["prev:r4"]', f'right = ["prev:{rule_right}"]', 1)
    assert changed != text
    return parse_spec(tomllib.loads(changed), "test")


def test_cells_last_years_format_lacks_are_reported_not_carried(build):
    previous = read_workbook(build(as_2019_format(last_year_request(2020)), "2020.xlsx"))
    spec = spec_carrying("r3_6_1")  # the 2019 format has （六） as one row, no 1./2./3.
    result = carry_forward(spec, previous, year=2021, unit=previous.unit)
    assert result.values == {}
    assert [n.rule for n in result.notes] == ["C-MISSING"] * 6
    assert "2019 版" in result.notes[0].message and "没有预填" in result.notes[0].message
    assert "自然人" in result.notes[0].message


def test_computed_source_is_recomputed_never_the_cached_value(build, tmp_path):
    source = build(last_year_request(), "last.xlsx")
    total = K("t3", "r3_7", "c1")
    # Saved again by openpyxl: formulas stay, their cached results are gone.
    edited = edit_workbook(source, tmp_path / "edited.xlsx")
    previous = read_workbook(edited)
    results = [k for k in last_year_request().values if k.row.startswith("r3_") and k.col == "c1"]
    expected = sum((last_year_request().values[k] for k in results), Decimal(0))
    result = carry_forward(spec_carrying("r3_7"), previous, year=2025, unit="")
    assert previous.totals[total].formula and previous.totals[total].constant is None
    assert result.values[K("t3", "r2", "c1")] == expected > 0


def test_previous_of_wrong_year_carries_nothing_and_says_which_year_is_needed(build):
    older = read_workbook(build(last_year_request(2023), "2023.xlsx"))
    result = carry_forward(load_spec("2021"), older, year=2025, unit="青禾镇人民政府")
    assert result.values == {}
    (note,) = result.notes
    assert note.rule == "C-YEAR" and note.severity == "warning"
    assert "2023" in note.message and "2024" in note.message + note.action


def test_previous_of_other_unit_is_carried_with_the_cross_year_unit_warning(last_year):
    previous = read_workbook(last_year)
    result = carry_forward(load_spec("2021"), previous, year=2025, unit="白云镇人民政府")
    assert len(result.values) == 6
    (note,) = result.notes
    assert note.rule == "X-UNIT" and "青禾镇人民政府" in note.message
    assert note.text == load_spec("2021").rule("X-UNIT").message.format(
        actual="青禾镇人民政府", expected="白云镇人民政府"
    )


def test_blank_cell_last_year_is_carried_as_zero_with_a_note(build):
    request = last_year_request()
    path = build(request, values={K("t3", "r4", "c3"): None, K("t3", "r1", "c3"): 0})
    result = carry_forward(load_spec("2021"), read_workbook(path), year=2025, unit="")
    assert result.values[K("t3", "r2", "c3")] == 0
    (note,) = result.notes
    assert note.rule == "C-BLANK" and "科研机构" in note.message


def test_unreadable_table_last_year_is_reported_once(build, tmp_path):
    spec = load_spec("2021")
    source = build(last_year_request(), "last.xlsx")
    table = spec.table("t3")
    cell = next(c for c in L.table_layout(table).labels if c.text == table.row("r4").label)
    label = f"{table.sheet}!{L.a1(cell.row, cell.col)}"
    edited = edit_workbook(source, tmp_path / "moved.xlsx", {label: "四、结转"})
    previous = read_workbook(edited)
    assert "t3" in previous.unreadable_tables
    result = carry_forward(spec, previous, year=2025, unit="")
    assert result.values == {}
    (note,) = result.notes
    assert note.rule == "C-UNREADABLE" and "表三" in note.message


# -- every note is a finding of a rule of the spec ---------------------------------------------


def _wrong_year(build, tmp_path):
    previous = read_workbook(build(last_year_request(2023), "2023.xlsx"))
    return load_spec("2021"), previous, 2025, "青禾镇人民政府"


def _cell_the_other_format_lacks(build, tmp_path):
    previous = read_workbook(build(as_2019_format(last_year_request(2020)), "2020.xlsx"))
    return spec_carrying("r3_6_1"), previous, 2021, previous.unit


def _unreadable_table(build, tmp_path):
    spec = load_spec("2021")
    table = spec.table("t3")
    cell = next(c for c in L.table_layout(table).labels if c.text == table.row("r4").label)
    label = f"{table.sheet}!{L.a1(cell.row, cell.col)}"
    source = build(last_year_request(), "last.xlsx")
    return (
        spec,
        read_workbook(edit_workbook(source, tmp_path / "moved.xlsx", {label: "四"})),
        2025,
        "",
    )


def _blank_cell(build, tmp_path):
    path = build(last_year_request(), values={K("t3", "r4", "c3"): None, K("t3", "r1", "c3"): 0})
    return load_spec("2021"), read_workbook(path), 2025, ""


def _other_unit(build, tmp_path):
    return load_spec("2021"), read_workbook(build(last_year_request())), 2025, "白云镇人民政府"


def _imported_without_tables(build, tmp_path):
    from nianbao.importer.report import ImportRequest, import_report

    from .test_import import SEED_004

    out = tmp_path / "imported-2024.xlsx"
    import_report(ImportRequest(source=SEED_004, output=out))
    return load_spec("2021"), read_workbook(out), 2025, ""


@pytest.mark.parametrize(
    ("make", "rule", "severity"),
    [
        pytest.param(_wrong_year, "C-YEAR", "warning", id="previous-of-wrong-year"),
        pytest.param(_cell_the_other_format_lacks, "C-MISSING", "info", id="cell-format-lacks"),
        pytest.param(_unreadable_table, "C-UNREADABLE", "warning", id="table-not-read"),
        pytest.param(_blank_cell, "C-BLANK", "warning", id="blank-carried-as-0"),
        pytest.param(_other_unit, "X-UNIT", "warning", id="other-unit"),
        pytest.param(_imported_without_tables, "C-UNKNOWN", "info", id="imported-cell-unknown"),
    ],
)
def test_each_carry_note_is_a_finding_of_its_rule(make, rule, severity, build, tmp_path):
    spec, previous, year, unit = make(build, tmp_path)
    notes = carry_forward(spec, previous, year=year, unit=unit).notes
    assert notes and {(n.rule, n.severity) for n in notes} == {(rule, severity)}
    assert all(isinstance(n, Finding) and n.text and n.action for n in notes)
    assert spec.rule(rule).severity == severity


def test_a_carry_notes_severity_is_the_format_files(build):
    path = build(last_year_request(), values={K("t3", "r4", "c3"): None, K("t3", "r1", "c3"): 0})
    spec = spec_with_rule("2021", "C-BLANK", severity="error")
    (note,) = carry_forward(spec, read_workbook(path), year=2025, unit="").notes
    assert (note.rule, note.severity) == ("C-BLANK", Severity.ERROR)


def test_describe_names_rows_and_columns_with_the_values(last_year):
    spec = load_spec("2021")
    result = carry_forward(spec, read_workbook(last_year), year=2025, unit="")
    (line,) = describe(spec, result)
    row = spec.table("t3").row("r2").name
    assert row in line and "自然人 1" in line and "其他 5" in line


# -- the command line -------------------------------------------------------------------------


def nianbao(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_cli_template_with_previous_prefills_and_check_passes_the_cross_year_rule(
    last_year, tmp_path
):
    out = tmp_path / "青禾镇-2025年度填报表.xlsx"
    made = nianbao(
        "template", "-o", out, "--unit", "青禾镇人民政府", "--kind", "乡镇", "--year", "2025",
        "--previous", last_year,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "已按上年填报表预填" in made.stdout and "自然人 1" in made.stdout
    wb = read_workbook(out)
    previous = read_workbook(last_year)
    assert (wb.unit, wb.kind, wb.year) == ("青禾镇人民政府", "乡镇", 2025)
    for col in COLUMNS:
        assert wb.values()[K("t3", "r2", col)] == previous.values()[K("t3", "r4", col)]
    assert wb.cells[K("t3", "r4", "c1")].status == "blank"  # the rest is left to the clerk
    checked = nianbao("check", out, "--previous", last_year, "--json")
    assert checked.returncode == 1  # blanks of a fresh workbook
    rules = {f["rule"] for f in json.loads(checked.stdout)["findings"]}
    assert "V-BLANK" in rules and not rules & {"X-1", "X-YEAR", "X-UNIT", "X-MISSING"}


def test_cli_template_with_previous_of_wrong_year_prints_the_note(build, tmp_path):
    older = build(last_year_request(2023), "2023.xlsx")
    out = tmp_path / "t.xlsx"
    made = nianbao("template", "-o", out, "--year", "2025", "--previous", older)
    assert made.returncode == 0, made.stderr
    assert "2023" in made.stdout and "没有预填" in made.stdout
    assert read_workbook(out).cells[K("t3", "r2", "c1")].status == "blank"


def test_cli_template_with_unreadable_previous_writes_nothing(tmp_path):
    bad = tmp_path / "上年.xlsx"
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "t.xlsx"
    made = nianbao("template", "-o", out, "--year", "2025", "--previous", bad)
    assert made.returncode == 2
    assert made.stderr.startswith("错误：") and "Traceback" not in made.stderr
    assert not out.exists() and not (tmp_path / "t-正文.docx").exists()


# -- last year's figures on the reference sheet, and imported workbooks as last year's -------------


def _reference_rows(path: Path) -> tuple[object, list[list[object]]]:
    """Return the reference sheet (openpyxl) and its rows of values."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[load_spec("2021").sheets.reference]
    return ws, [list(row) for row in ws.iter_rows(values_only=True)]


def _row_after(rows: list[list[object]], label: str) -> list[object]:
    """Return the values right of the cell holding ``label`` (merged label cells are None)."""
    for row in rows:
        if label in row:
            return [v for v in row[row.index(label) + 1 :] if v is not None]
    raise AssertionError(f"{label} not on the reference sheet")


def test_template_previous_shows_last_years_figures_on_a_protected_reference_sheet(
    last_year, tmp_path
):
    spec = load_spec("2021")
    carry = carry_forward(spec, read_workbook(last_year), year=2025)
    request = replace(
        sample_request(2025), values=carry.values, reference=carry.reference
    )  # as cmd_template does it
    this = build_template(tmp_path / "2025.xlsx", request)
    ws, rows = _reference_rows(this)
    assert rows[0][0] == "上年（2024年）数据，仅供参考"
    assert "last.xlsx" in rows[1][0]
    assert ws.protection.sheet
    last = last_year_request()
    carried = [int(last.values[K("t3", "r4", c)]) for c in COLUMNS]
    assert _row_after(rows, "四、结转下年度继续办理") == [*carried, sum(carried)]
    assert _row_after(rows, "行政许可") == [int(last.values[K("t2", "licensing", "decisions")])]
    # The sheet sits right after the tables.
    import openpyxl

    names = openpyxl.load_workbook(this, read_only=True).sheetnames
    assert names.index(spec.sheets.reference) == names.index(spec.tables[-1].sheet) + 1


def test_reference_sheet_changes_nothing_in_reading_or_checking(last_year, tmp_path, build):
    spec = load_spec("2021")
    carry = carry_forward(spec, read_workbook(last_year), year=2025)
    with_reference = build(
        replace(sample_request(2025), values=carry.values, reference=carry.reference), "with.xlsx"
    )
    plain = build(replace(sample_request(2025), values=carry.values), "plain.xlsx")
    a, b = read_workbook(with_reference), read_workbook(plain)
    assert a.values() == b.values() and a.observations == b.observations == []
    previous = read_workbook(last_year)
    findings = [(f.rule, f.cell) for f in validate(a, previous).findings]
    assert findings == [(f.rule, f.cell) for f in validate(b, previous).findings]
    assert not any(f[0] == "S-OTHER-SHEET" for f in findings)


def test_template_without_previous_has_no_reference_sheet(tmp_path, build):
    import openpyxl

    names = openpyxl.load_workbook(build(sample_request(2025)), read_only=True).sheetnames
    assert load_spec("2021").sheets.reference not in names


def _imported_2019_tables(tmp_path: Path) -> Path:
    """Return a workbook imported from a 2024 report whose tables are in the 2019 format (表三
    maps except （六）, 表二 only the decision counts)."""
    from nianbao.importer.report import ImportRequest, import_report

    from .test_import import _write_2019_txt

    source = tmp_path / "2024.txt"
    _write_2019_txt(source, 2024, load_spec("2019"))
    out = tmp_path / "imported-2024.xlsx"
    import_report(ImportRequest(source=source, output=out))
    return out


def test_imported_unknown_cells_are_not_read_as_zero(tmp_path):
    from nianbao.validation.carry import previous_values

    wb = read_workbook(_imported_2019_tables(tmp_path))
    assert wb.stamp.is_imported and wb.stamp.source == "2024.txt"
    assert K("t3", "r3_6_1", "c1") in wb.unknown and wb.cells[K("t3", "r3_6_1", "c1")].value is None
    values = previous_values(wb)
    assert K("t3", "r4", "c1") in values  # read: 0
    for key in (K("t3", "r3_6_1", "c1"), K("t3", "r3_7", "c1"), K("t3", "r3_6_1", "ct")):
        assert key not in values  # unknown, and the totals over it
    assert K("t2", "normative", "in_force") not in values
    assert values[K("t2", "licensing", "decisions")] == 150


def test_unknown_cell_filled_in_later_is_known(tmp_path):
    imported = _imported_2019_tables(tmp_path)
    spec = load_spec("2021")
    cell = L.table_layout(spec.table("t3")).cell(K("t3", "r3_6_1", "c1"))
    edited = edit_workbook(
        imported, tmp_path / "filled.xlsx", {f"表三!{L.a1(cell.row, cell.col)}": 1}
    )
    wb = read_workbook(edited)
    assert K("t3", "r3_6_1", "c1") not in wb.unknown
    assert K("t3", "r3_6_2", "c1") in wb.unknown


def test_reference_sheet_of_an_imported_previous_shows_unknown_cells_as_unknown(tmp_path):
    spec = load_spec("2021")
    imported = read_workbook(_imported_2019_tables(tmp_path))
    carry = carry_forward(spec, imported, year=2025)
    assert [c.key.row for c in carry.cells] == ["r2"] * 6  # 结转下年度 was read
    this = build_template(
        tmp_path / "2025.xlsx",
        replace(sample_request(2025), values=carry.values, reference=carry.reference),
    )
    _, rows = _reference_rows(this)
    unknown = spec.reference.unknown
    assert (
        _row_after(rows, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
        == [unknown] * 7
    )
    assert _row_after(rows, "（七）总计") == [unknown] * 7  # a total over unknown cells
    assert _row_after(rows, "四、结转下年度继续办理") == [0] * 7
