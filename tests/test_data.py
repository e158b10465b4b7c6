"""``nianbao data`` and ``export --data``: one tidy row per input cell of every readable file,
summing a summary's unit rows by cell gives its totals, unknown cells stay unknown, the CSV opens
in LibreOffice with its Chinese intact, unreadable files are listed; and pandas stays off the
start-up path of ``check``, ``template`` and the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from nianbao.analysis.sources import read_inputs
from nianbao.analysis.tidy import COLUMNS, tidy_frame
from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.compute import computed_cells, number_keys, recompute
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.sample import sample_request

from .county import make_county
from .report_forms import soffice

REPO = Path(__file__).resolve().parent.parent
SPEC = spec_for_year(2025)
CELL = ["table_code", "row_code", "col_code"]


def nianbao(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    made = make_county(folder)
    summary = folder / "汇总2025.xlsx"
    rollup(RollupRequest(inputs=(made.inbox,), output=summary, year=2025, unit="青山县"))
    return made, summary


def _csv(path: Path) -> pd.DataFrame:
    # keep_default_na=False: an empty text stays "", only the value column is read as numbers.
    frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None))
    return frame


def test_data_sums_by_cell_reproduce_every_summary_total(county, tmp_path):
    made, summary = county
    out = tmp_path / "数据.csv"
    result = nianbao("data", summary, "-o", out)
    assert result.returncode == 0, result.stderr
    frame = _csv(out)
    assert list(frame.columns) == list(COLUMNS)
    units = frame[frame["level"] == "unit"]
    whole = frame[frame["level"] == "whole"].set_index(CELL)["value"]
    assert set(units["unit"]) == set(made.values)  # every included unit, the unreadable one not
    assert dict(zip(units["unit"], units["kind"], strict=True)) == {
        u: made.kinds[u] for u in made.values
    }
    summed = units.groupby(CELL)["value"].sum()
    # Amounts in 万元 are decimals: floats add them up to within a rounding error.
    difference = (summed.reindex(whole.index) - whole).abs()
    assert len(whole) == len(number_keys(SPEC)) and (difference < 1e-9).all()
    expected = made.expected_total()  # computed by the generator, not by the code under test
    for key, value in expected.items():
        assert whole[(key.table, key.row, key.col)] == float(value), key
    # Where each number came from: the unit sheet's cell holds it.
    row = units[units["value"] > 0].iloc[0]
    sheet, cell = row["source_cell"].split("!")
    book = CalamineWorkbook.from_path(str(summary))
    cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    col = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(cell.rstrip("0123456789"))))
    assert cells[int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - 1][col - 1] == row["value"]
    assert row["source_file"] == str(summary) and len(row["sha256"]) == 64


def test_data_with_totals_sum_to_the_summarys_computed_totals(county):
    _, summary = county
    frame = tidy_frame(read_inputs([summary]).records, totals=True)
    units = frame[frame["level"] == "unit"].groupby(CELL)["value"].sum()
    whole = frame[frame["level"] == "whole"].set_index(CELL)["value"]
    totals = whole[whole.index.isin([(k.table, k.row, k.col) for k in computed_cells(SPEC)])]
    assert len(totals) == len(computed_cells(SPEC))
    assert ((units[totals.index] - totals).abs() < 1e-9).all()


def _imported(tmp_path: Path) -> tuple[Path, frozenset]:
    """Return a workbook imported from a published report whose 表四 was an image."""
    base = sample_request(2024)
    t4 = frozenset(k for k in SPEC.value_keys() if k.table == "t4")
    values = {k: v for k, v in base.values.items() if k.table != "t4"}
    path = tmp_path / "导入的2024年年报.xlsx"
    build_template(path, replace(base, values=values, unknown=t4, source="2024年年报.html"))
    return path, frozenset(k for k in t4 if k in set(number_keys(SPEC)))


def test_data_keeps_unknown_cells_unknown(tmp_path):
    path, unknown = _imported(tmp_path)
    for suffix in (".csv", ".json"):
        out = tmp_path / f"数据{suffix}"
        result = nianbao("data", path, "-o", out)
        assert result.returncode == 0, result.stderr
        assert f"{len(unknown)} 个单元格未知" in result.stdout
    frame = _csv(tmp_path / "数据.csv")
    flagged = frame[frame["unknown"]]
    assert {(r.table_code, r.row_code, r.col_code) for r in flagged.itertuples()} == {
        (k.table, k.row, k.col) for k in unknown
    }
    assert flagged["value"].isna().all() and set(flagged["status"]) == {"unknown"}
    assert (frame["origin"] == "imported").all()
    known = frame[~frame["unknown"]]
    assert known["value"].notna().all()  # the sample fills every other cell
    rows = json.loads((tmp_path / "数据.json").read_text(encoding="utf-8"))
    t4 = [r for r in rows if r["table_code"] == "t4"]
    assert t4 and all(r["value"] is None and r["unknown"] is True for r in t4)
    assert all(r["value"] is not None for r in rows if r["table_code"] != "t4")


def test_data_json_and_xlsx_hold_the_csvs_rows(tmp_path, sample_path):
    for suffix in (".csv", ".json", ".xlsx"):
        assert nianbao("data", sample_path, "-o", tmp_path / f"d{suffix}").returncode == 0
    csv = _csv(tmp_path / "d.csv")
    rows = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    sheet = CalamineWorkbook.from_path(str(tmp_path / "d.xlsx")).get_sheet_by_name("data")
    table = sheet.to_python()
    assert table[0] == list(COLUMNS) and len(table) - 1 == len(rows) == len(csv)
    value = COLUMNS.index("value")
    assert [r["value"] for r in rows] == [r[value] for r in table[1:]] == csv["value"].tolist()
    assert rows[0]["unit"] == table[1][0] == csv["unit"][0] == "青禾镇人民政府"


def test_data_lists_an_unreadable_file_and_writes_the_rest(tmp_path, sample_path):
    folder = tmp_path / "收到的"
    folder.mkdir()
    good = folder / "青禾镇.xlsx"
    good.write_bytes(sample_path.read_bytes())
    broken = folder / "坏了.xlsx"
    broken.write_bytes(sample_path.read_bytes()[:3000])
    (folder / "说明.txt").write_text("说明", encoding="utf-8")
    out = tmp_path / "数据.csv"
    result = nianbao("data", folder, "-o", out)
    assert result.returncode == 2
    assert f"{broken}：" in result.stderr and "Traceback" not in result.stderr
    assert "说明.txt（不是表格文件）" in result.stdout
    frame = _csv(out)
    assert set(frame["source_file"]) == {str(good)}
    again = nianbao("data", folder, "-o", out)
    assert again.returncode == 2 and "已经存在" in again.stderr and "--force" in again.stderr
    assert nianbao("data", folder, "-o", out, "--force").returncode == 2  # still the broken one
    bad = nianbao("data", good, "-o", tmp_path / "数据.txt")
    assert bad.returncode == 2 and ".csv、.xlsx 或 .json" in bad.stderr


@pytest.mark.libreoffice
@pytest.mark.usefixtures("libreoffice_ok")
def test_data_csv_opens_in_libreoffice_with_its_chinese(tmp_path, sample_path):
    """The file starts with the UTF-8 BOM (what WPS and Excel go by when a clerk double-clicks
    it); LibreOffice, told the file is UTF-8 as its import dialog detects, reads every Chinese
    label back, the BOM not glued to the first heading. (Headless without a charset it assumes
    Windows-1252 whatever the BOM says, so the charset is given, as a user picks it.)"""
    out = tmp_path / "数据.csv"
    assert nianbao("data", sample_path, "-o", out).returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfunit,")
    converted = tmp_path / "lo"
    converted.mkdir()
    soffice("--infilter=CSV:44,34,76", "--convert-to", "xlsx", str(out), cwd=converted)
    book = CalamineWorkbook.from_path(str(converted / "数据.xlsx"))
    table = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    csv = _csv(out)
    assert table[0] == list(COLUMNS)
    assert [r[0] for r in table[1:]] == csv["unit"].tolist() == ["青禾镇人民政府"] * len(csv)
    for name in ("row_label", "col_label", "source_cell"):
        at = COLUMNS.index(name)
        assert [r[at] for r in table[1:]] == csv[name].tolist()
    assert any("不予公开" in label for label in csv["row_label"])


def test_export_data_writes_the_three_tables_beside_the_word_file(tmp_path, sample_path):
    docx = tmp_path / "报告.docx"
    result = nianbao("export", sample_path, "-o", docx, "--data")
    assert result.returncode == 0, result.stderr
    csv_path, json_path = tmp_path / "报告-数据.csv", tmp_path / "报告-数据.json"
    assert docx.is_file() and csv_path.is_file() and json_path.is_file()
    frame = _csv(csv_path)
    assert list(frame["table"].unique()) == [t.name for t in SPEC.tables]
    values = {k: v for k, v in sample_request(2025).values.items() if v is not None}
    expected = {**values, **recompute(SPEC, values)}
    got = {(r.table_code, r.row_code, r.col_code): r.value for r in frame.itertuples()}
    assert got == {(k.table, k.row, k.col): float(v) for k, v in expected.items()}
    assert set(frame.loc[frame["status"] == "computed", "row_code"]) >= {"r3_7"}
    rows = json.loads(json_path.read_text(encoding="utf-8"))
    assert len(rows) == len(frame)
    (tmp_path / "第四个-数据.csv").write_text("x", encoding="utf-8")
    blocked = nianbao("export", sample_path, "-o", tmp_path / "第四个.docx", "--data")
    assert blocked.returncode == 2 and "已经存在" in blocked.stderr
    assert not (tmp_path / "第四个.docx").exists()  # refused before anything was written


def _imported_modules(code: str, env: dict | None = None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


HEAVY = ("pandas", "numpy")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check", "{sample}", "--json"], id="check"),
        pytest.param(
            ["template", "-o", "{out}", "--unit", "青禾镇人民政府", "--year", "2025"], id="template"
        ),
    ],
)
def test_start_up_path_does_not_import_pandas(argv, sample_path, tmp_path):
    args = [a.format(sample=sample_path, out=tmp_path / "t.xlsx") for a in argv]
    code = (
        "import sys, json, io, contextlib\nfrom nianbao.desktop.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main({args!r})\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert _imported_modules(code) == []
    # The same seen by the interpreter itself, from the very start of the process.
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nianbao", *args[:1], *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    imported = {line.split("|")[-1].strip() for line in traced.stderr.splitlines() if "|" in line}
    assert imported and not {m for m in imported if m.split(".")[0] in HEAVY}


@pytest.mark.gui
def test_window_first_paint_does_not_import_pandas(tmp_path):
    code = (
        f"import sys; sys.path.insert(0, {str(REPO / 'installer')!r})\n"
        "import bundle_selftest, io, contextlib, json\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out): bundle_selftest.first_paint()\n"
        "third = json.loads(out.getvalue().strip().splitlines()[-1])['third_party']\n"
        f"print(json.dumps([m for m in third if m.split('.')[0] in {HEAVY!r}]))"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    assert _imported_modules(code, env) == []


def test_data_figures_are_decimal_exact_for_amounts(tmp_path):
    """万元 amounts keep their digits: 0.38 is written 0.38, never 0.37999999999999995."""
    base = sample_request(2025)
    key = next(k for k in base.values if SPEC.value_type(k) == "amount_wan")
    path = tmp_path / "金额.xlsx"
    build_template(path, replace(base, values={**base.values, key: Decimal("0.38")}))
    out = tmp_path / "d.csv"
    assert nianbao("data", path, "-o", out).returncode == 0
    text = out.read_text(encoding="utf-8-sig")
    assert ",0.38," in text and "0.3799" not in text


def test_data_written_into_the_folder_it_reads_leaves_its_last_output_out(tmp_path, sample_path):
    folder = tmp_path / "收到的"
    folder.mkdir()
    (folder / "青禾镇.xlsx").write_bytes(sample_path.read_bytes())
    out = folder / "数据.csv"
    assert nianbao("data", folder, "-o", out).returncode == 0
    again = nianbao("data", folder, "-o", out, "--force")
    assert again.returncode == 0, again.stderr  # last run's CSV is not read as an input
    assert set(_csv(out)["source_file"]) == {str(folder / "青禾镇.xlsx")}
    named = nianbao("data", out, folder, "-o", out, "--force")
    assert named.returncode == 2 and "不能覆盖它" in named.stderr
