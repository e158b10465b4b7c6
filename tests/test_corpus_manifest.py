"""The corpus of real published reports (tests/data/reports): the manifest parses, every file it
names is there, and every ground-truth cell code is a cell of the format the report uses."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from nianbao.workbook_templates import load_spec

from .report_forms import shared_corpus

REPO = Path(__file__).resolve().parent.parent
REPORTS = REPO / "tests" / "data" / "reports"
MANIFEST = REPORTS / "manifest.toml"

KINDS = {"乡镇", "街道", "县直部门", "县级政府", "市级", "省级"}
FORMS = {
    "html-table",
    "markdown-pipes",
    "one-cell-per-line",
    "tabs",
    "pdf-text",
    "pdf",
    "docx",
    "images",
    "mixed",
    "text-glued",
}
REQUIRED = (
    "file",
    "location",
    "source",
    "form",
    "title",
    "unit",
    "kind",
    "format",
    "tables_present",
    "clean",
    "values",
    "verdict",
    "not_problems",
)


def _reports() -> list[dict]:
    with MANIFEST.open("rb") as f:
        return tomllib.load(f)["report"]


REPORT_LIST = _reports()


def test_manifest_lists_reports():
    assert len(REPORT_LIST) >= 10
    files = [Path(r["file"]).name for r in REPORT_LIST]
    assert len(files) == len(set(files))


@pytest.mark.parametrize("report", REPORT_LIST, ids=lambda r: r["file"])
def test_report_entry(report):
    for key in REQUIRED:
        assert key in report, key
    assert report["location"] in {"repo", "shared"}
    assert report["kind"] in KINDS
    assert report["form"] in FORMS
    assert report["format"] in {"2019", "2021"}
    if "year" in report:
        assert 2019 <= report["year"] <= 2025
    else:
        assert report["year_note"]  # a report that prints no year says so
    assert set(report["tables_present"]) <= {"t2", "t3", "t4"}
    assert {"repository", "path", "commit"} <= set(report["source"])
    assert report["clean"] == (not report["verdict"])
    for finding in report["verdict"]:
        assert finding.get("problem"), finding
    for passage in report["not_problems"]:
        assert passage.get("why"), passage


@pytest.mark.parametrize("report", REPORT_LIST, ids=lambda r: r["file"])
def test_values_are_cells_of_the_format(report):
    spec = load_spec(report["format"])
    for code, value in report["values"].items():
        table_code, row_code, col_code = code.split(".")
        assert table_code in report["tables_present"], code
        column = spec.table(table_code).column(row_code, col_code)  # KeyError: not a cell
        if column.type == "text":
            assert isinstance(value, str), code
        else:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), code


@pytest.mark.parametrize(
    "report", [r for r in REPORT_LIST if r["location"] == "repo"], ids=lambda r: r["file"]
)
def test_repo_files_present(report):
    path = REPORTS / report["file"]
    assert path.is_file()
    assert path.stat().st_size < 1_000_000
    assert Path(report["file"]).name[:3].isdigit()


@pytest.mark.parametrize(
    "report", [r for r in REPORT_LIST if r["location"] == "repo"], ids=lambda r: r["file"]
)
def test_excerpts_are_in_the_file(report):
    text = (REPORTS / report["file"]).read_text(encoding="utf-8")
    for finding in report["verdict"] + report["not_problems"]:
        if "excerpt" in finding:
            assert finding["excerpt"] in text, finding["excerpt"]


@pytest.mark.parametrize(
    "report", [r for r in REPORT_LIST if r["location"] == "shared"], ids=lambda r: r["file"]
)
def test_shared_files_match(report):
    corpus = shared_corpus()
    if corpus is None:
        pytest.skip("the shared folder's corpus/ is not on this machine")
    path = corpus / report["file"]
    assert path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == report["sha256"]
    assert not (REPORTS / report["file"]).exists()  # binary files from snapshots are not committed


@pytest.mark.parametrize(
    "report",
    [r for r in REPORT_LIST if r["location"] == "shared" and r["file"].endswith(".pdf")],
    ids=lambda r: r["file"],
)
def test_pdf_excerpts_are_in_the_text(report):
    corpus = shared_corpus()
    if corpus is None or shutil.which("pdftotext") is None:
        pytest.skip("needs the shared corpus and pdftotext")
    text = subprocess.run(
        ["pdftotext", "-layout", str(corpus / report["file"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for finding in report["verdict"] + report["not_problems"]:
        if "excerpt" in finding:
            assert finding["excerpt"] in text, finding["excerpt"]
