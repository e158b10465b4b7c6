"""Hostile files: each one is refused (exit 2, a Chinese message saying why) or read with a
finding that names the problem; never a traceback, always in bounded time and memory.

Every case is checked twice: through the library (``read_workbook`` + ``validate``) and through
the command line in a subprocess (``python -m desktop check FILE``), whose time is bounded by a
timeout and whose peak memory is measured. The files are real: see ``hostile.py``.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from nianbao.errors import (
    CorruptWorkbookError,
    EncryptedWorkbookError,
    NotAWorkbookError,
    WorkbookError,
)
from nianbao.validation import Report, validate
from nianbao.workbook_templates import build_template, read_workbook
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.xlsx_reader import DEFAULT_MAX_ROWS, open_xlsx

from . import hostile as H

pytestmark = pytest.mark.slow  # every case runs the command line in a subprocess on a hostile file

REPO = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CLI_TIMEOUT = 60  # seconds; the heaviest case takes well under one
MAX_RSS_MB = 600
SECRET = "NIANBAO-SECRET-7f3a"  # content of the file the XXE payloads try to read

Craft = Callable[[Path, Path], Path]


@dataclass(frozen=True)
class Refused:
    """A file that must be refused: ``error`` raised, its message containing ``says``."""

    id: str
    craft: Craft
    error: type[WorkbookError]
    says: str
    suffix: str = ".xlsx"
    soffice: bool = False


@dataclass(frozen=True)
class Accepted:
    """A file that must be read, with exactly the findings ``rules`` (none of them errors)."""

    id: str
    craft: Craft
    rules: frozenset[str]
    suffix: str = ".xlsx"
    exit_code: int = 0


def _secret_next_to(dest: Path) -> Path:
    secret = dest.parent / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def _xls(seed: Path, dest: Path) -> Path:
    """A real .xls made by LibreOffice from our workbook (cached next to ``dest``)."""
    made = dest.parent / "libreoffice-made.xls"
    if not made.exists():
        H.make_xls(seed, made)
    return H.make_et_from_xls(made, dest)


def _sheet3(seed: Path) -> str:
    return H.sheet_part(seed, "表三")


DAMAGED = "已损坏或不完整"
DTD = "DTD"
TOO_BIG = "安全限制"


REFUSED = [
    # Cut short, e.g. an interrupted download or a full USB stick.
    Refused("truncated-to-2-bytes", lambda s, d: H.make_truncated(s, d, 2), NotAWorkbookError,
            "不是 Excel 工作簿"),
    Refused("truncated-to-the-zip-magic", lambda s, d: H.make_truncated(s, d, 4),
            CorruptWorkbookError, DAMAGED),
    Refused("truncated-to-100-bytes", lambda s, d: H.make_truncated(s, d, 100),
            CorruptWorkbookError, DAMAGED),
    Refused("truncated-at-half", lambda s, d: H.make_truncated(s, d, s.stat().st_size // 2),
            CorruptWorkbookError, DAMAGED),
    Refused("truncated-in-central-directory", lambda s, d: H.make_truncated(s, d, -100),
            CorruptWorkbookError, DAMAGED),
    Refused("truncated-without-end-record", lambda s, d: H.make_truncated(s, d, -22),
            CorruptWorkbookError, DAMAGED),
    Refused("truncated-by-one-byte", lambda s, d: H.make_truncated(s, d, -1),
            CorruptWorkbookError, DAMAGED),
    Refused("block-missing-in-the-middle",
            lambda s, d: H.make_cut(s, d, s.stat().st_size // 3, 4096), CorruptWorkbookError,
            DAMAGED),
    Refused("bytes-missing-after-the-zip-magic", lambda s, d: H.make_cut(s, d, 4, 425),
            CorruptWorkbookError, DAMAGED),
    # Flipped bytes inside the compressed data of the parts we read: zlib or CRC errors.
    Refused("corrupt-table-3-sheet", lambda s, d: H.make_corrupt_member(s, d, _sheet3(s)),
            CorruptWorkbookError, "表三"),
    Refused("corrupt-shared-strings", lambda s, d: H.make_corrupt_member(s, d, H.SHARED_STRINGS),
            CorruptWorkbookError, DAMAGED),
    Refused("corrupt-workbook-part", lambda s, d: H.make_corrupt_member(s, d, H.WORKBOOK_PART),
            CorruptWorkbookError, DAMAGED),
    Refused("corrupt-workbook-rels", lambda s, d: H.make_corrupt_member(s, d, H.WORKBOOK_RELS),
            CorruptWorkbookError, DAMAGED),
    Refused("corrupt-package-rels", lambda s, d: H.make_corrupt_member(s, d, "_rels/.rels"),
            CorruptWorkbookError, DAMAGED),
    Refused("corrupt-custom-properties",
            lambda s, d: H.make_corrupt_member(s, d, H.CUSTOM_PROPS), CorruptWorkbookError,
            DAMAGED),
    Refused("corrupt-central-directory", H.make_corrupt_central_directory, CorruptWorkbookError,
            DAMAGED),
    Refused("local-header-name-mismatch", H.make_renamed_local_header, CorruptWorkbookError,
            DAMAGED),
    Refused("multibyte-xml-encoding-declared",
            lambda s, d: H.make_xml_encoding(s, d, H.WORKBOOK_PART, "GBK"), CorruptWorkbookError,
            DAMAGED),
    Refused("unknown-xml-encoding-in-workbook-part",
            lambda s, d: H.make_xml_encoding(s, d, H.WORKBOOK_PART, "x-unknown"),
            CorruptWorkbookError, DAMAGED),
    Refused("unknown-xml-encoding-in-shared-strings",
            lambda s, d: H.make_xml_encoding(s, d, H.SHARED_STRINGS, "x-unknown"),
            CorruptWorkbookError, DAMAGED),
    # Passwords.
    Refused("opening-password", H.make_encrypted, EncryptedWorkbookError, "密码"),
    Refused("zip-encryption-flag", H.make_zip_encrypted_flag, EncryptedWorkbookError, "加密"),
    # Not a workbook, whatever the name says.
    Refused("empty-file", H.make_empty, NotAWorkbookError, "空文件"),
    Refused("plain-text-named-xlsx", H.make_text, NotAWorkbookError, "不是 Excel 工作簿"),
    Refused("random-bytes-named-xlsx", H.make_random_binary, NotAWorkbookError,
            "不是 Excel 工作簿"),
    Refused("html-named-xlsx", H.make_html, NotAWorkbookError, "网页"),
    Refused("html-with-bom-named-xlsx", H.make_html_with_bom, NotAWorkbookError, "网页"),
    Refused("xml-spreadsheet-2003-named-xlsx", H.make_xml_spreadsheet, NotAWorkbookError, "网页"),
    Refused("csv", H.make_csv, NotAWorkbookError, "CSV", suffix=".csv"),
    Refused("csv-named-xlsx", H.make_csv, NotAWorkbookError, "不是 Excel 工作簿"),
    Refused("empty-zip", H.make_empty_zip, NotAWorkbookError, "压缩包"),
    Refused("word-document-named-xlsx", H.make_docx, NotAWorkbookError, "不是 Excel 工作簿",),
    Refused("xls", _xls, NotAWorkbookError, "旧版 Excel（.xls）", suffix=".xls", soffice=True),
    Refused("et", _xls, NotAWorkbookError, "WPS 表格（.et）", suffix=".et", soffice=True),
    Refused("xls-named-xlsx", _xls, NotAWorkbookError, ".xls", soffice=True),
    # Zip bombs and size limits.
    Refused("zip-bomb-in-table-3", H.make_zip_bomb, CorruptWorkbookError, TOO_BIG),
    Refused("zip-bomb-in-shared-strings", lambda s, d: H.make_zip_bomb(s, d, H.SHARED_STRINGS),
            CorruptWorkbookError, TOO_BIG),
    Refused("zip-bomb-in-workbook-part", lambda s, d: H.make_zip_bomb(s, d, H.WORKBOOK_PART),
            CorruptWorkbookError, "过大"),
    Refused("zip-bomb-header-claims-4-kb", H.make_lying_zip_bomb, CorruptWorkbookError, "表三"),
    Refused("zip-bomb-header-claims-4-kb-with-its-crc",
            lambda s, d: H.make_lying_zip_bomb(s, d, matching_crc=True), CorruptWorkbookError,
            "表三"),
    Refused("zip-bomb-header-claims-just-under-limit",
            lambda s, d: H.make_lying_zip_bomb(s, d, claimed=H.MAX_PART_BYTES - 1),
            CorruptWorkbookError, "表三"),
    Refused("more-members-than-allowed", H.make_too_many_members, CorruptWorkbookError,
            "部件过多"),
    Refused("file-over-size-limit", H.make_oversized_file, CorruptWorkbookError, "MB"),
    # XML entity attacks: any DTD is refused, so nothing expands and nothing is fetched.
    Refused("billion-laughs-in-workbook-part", H.make_billion_laughs, CorruptWorkbookError, DTD),
    Refused("billion-laughs-in-shared-strings",
            lambda s, d: H.make_billion_laughs(s, d, H.SHARED_STRINGS), CorruptWorkbookError, DTD),
    Refused("billion-laughs-in-table-3-sheet",
            lambda s, d: H.make_billion_laughs(s, d, _sheet3(s)), CorruptWorkbookError, DTD),
    Refused("billion-laughs-in-workbook-rels",
            lambda s, d: H.make_billion_laughs(s, d, H.WORKBOOK_RELS), CorruptWorkbookError, DTD),
    Refused("billion-laughs-in-custom-properties",
            lambda s, d: H.make_billion_laughs(s, d, H.CUSTOM_PROPS), CorruptWorkbookError, DTD),
    Refused("quadratic-blowup-in-shared-strings", H.make_quadratic_blowup, CorruptWorkbookError,
            DTD),
    Refused("xxe-in-workbook-part",
            lambda s, d: H.make_xxe(s, d, H.WORKBOOK_PART, _secret_next_to(d)),
            CorruptWorkbookError, DTD),
    Refused("xxe-in-shared-strings",
            lambda s, d: H.make_xxe(s, d, H.SHARED_STRINGS, _secret_next_to(d)),
            CorruptWorkbookError, DTD),
    Refused("xxe-in-table-3-sheet",
            lambda s, d: H.make_xxe(s, d, _sheet3(s), _secret_next_to(d)), CorruptWorkbookError,
            DTD),
    Refused("external-dtd-in-workbook-part",
            lambda s, d: H.make_external_dtd(s, d, H.WORKBOOK_PART, _secret_next_to(d)),
            CorruptWorkbookError, DTD),
]  # fmt: skip

ACCEPTED = [
    Accepted("xlsm-with-vba-project", H.make_xlsm, frozenset({"S-MACRO"}), suffix=".xlsm"),
    Accepted("xlsm-content-named-xlsx", H.make_xlsm, frozenset({"S-MACRO"})),
    Accepted("external-link", H.make_external_link, frozenset({"S-EXTERNAL"})),
    Accepted("external-link-relationship-only",
             lambda s, d: H.make_external_link(s, d, element=False), frozenset({"S-EXTERNAL"})),
    Accepted("external-references-element-only",
             lambda s, d: H.make_external_link(s, d, relationship=False),
             frozenset({"S-EXTERNAL"})),
    Accepted("million-row-extra-sheet", H.make_million_row_sheet, frozenset({"S-OTHER-SHEET"})),
    Accepted("million-rows-below-table-3", H.make_rows_below_table,
             frozenset({"S-OVERSIZE", "S-EXTRA"})),
    Accepted("million-rows-far-below-table-3",
             lambda s, d: H.make_rows_below_table(s, d, gap=DEFAULT_MAX_ROWS),
             frozenset({"S-OVERSIZE"})),
    # Parts the reader never opens cannot hurt it: a bomb is not inflated, a DTD not parsed.
    Accepted("zip-bomb-in-an-unused-part",
             lambda s, d: H.make_zip_bomb(s, d, "xl/media/image1.png", zeros=4 * H.MAX_PART_BYTES),
             frozenset()),
    Accepted("billion-laughs-in-content-types",
             lambda s, d: H.make_billion_laughs(s, d, H.CONTENT_TYPES), frozenset()),
]  # fmt: skip


def _param(case: Refused | Accepted):
    marks = []
    if isinstance(case, Refused) and case.soffice:
        marks.append(pytest.mark.libreoffice)
    return pytest.param(case, id=case.id, marks=marks)


# -- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid built-in sample (passes every rule), built once for the module."""
    return build_template(tmp_path_factory.mktemp("seed") / "sample.xlsx", sample_request(2025))


@pytest.fixture(scope="module")
def crafted(
    seed: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Refused | Accepted], Path]:
    """Return a function making (once per module) the hostile file of a case."""
    folder = tmp_path_factory.mktemp("hostile")
    made: dict[str, Path] = {}

    def make(case: Refused | Accepted) -> Path:
        if case.id not in made:
            if isinstance(case, Refused) and case.soffice and H.soffice() is None:
                if os.environ.get("NIANBAO_REQUIRE_LIBREOFFICE") == "1":
                    pytest.fail("LibreOffice (soffice) is needed for the .xls/.et cases")
                pytest.skip("LibreOffice (soffice) is not installed")
            made[case.id] = case.craft(seed, folder / f"{case.id}{case.suffix}")
        return made[case.id]

    return make


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float | None  # None where the platform cannot tell

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@functools.cache
def _state_home() -> str:
    """Where a child writes its internal-error log: a temporary folder, never the user's ~."""
    folder = tempfile.mkdtemp(prefix="nianbao-state-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def run_cli(*args: object, timeout: float = CLI_TIMEOUT) -> CliRun:
    """Run ``python -m desktop ARGS`` with a timeout; measure the child's own peak memory.

    ``os.wait4`` reports the resource usage of exactly this child (RUSAGE_CHILDREN would report
    the maximum over every child this test process ever waited for).
    """
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "XDG_STATE_HOME": _state_home(),
    }
    command = [sys.executable, "-m", "nianbao", *map(str, args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        peak: float | None = None
        deadline = time.monotonic() + timeout
        if hasattr(os, "wait4"):
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
                    peak = usage.ru_maxrss * scale / 2**20
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    pytest.fail(f"{' '.join(command[3:])} did not finish within {timeout} s")
                time.sleep(0.01)
        else:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                pytest.fail(f"{' '.join(command[3:])} did not finish within {timeout} s")
        out.seek(0)
        err.seek(0)
        return CliRun(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            peak,
        )


def assert_well_behaved(run: CliRun) -> None:
    """No traceback, Chinese text for people, and memory within bounds."""
    assert "Traceback" not in run.output, run.output
    assert CHINESE.search(run.output), run.output
    assert SECRET not in run.output
    if run.peak_rss_mb is not None:
        assert run.peak_rss_mb < MAX_RSS_MB, f"peak RSS {run.peak_rss_mb:.0f} MB"


# -- refused files --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c) for c in REFUSED])
def test_hostile_file_is_refused_with_a_clear_chinese_error(
    case: Refused, crafted: Callable[[Refused], Path]
) -> None:
    path = crafted(case)
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path)
    error = raised.value
    assert type(error) is case.error, f"{type(error).__name__}: {error.message}"
    assert case.says in error.message
    assert CHINESE.search(error.message) and CHINESE.search(error.action)
    assert path.name in error.message
    assert SECRET not in str(error)


@pytest.mark.parametrize("case", [_param(c) for c in REFUSED])
def test_hostile_file_exits_2_with_a_chinese_message_and_no_traceback(
    case: Refused, crafted: Callable[[Refused], Path]
) -> None:
    run = run_cli("check", crafted(case))
    assert run.returncode == 2, run.output
    assert_well_behaved(run)
    assert "错误：" in run.stderr and case.says in run.stderr
    assert "[FILE]" in run.stdout and "无法读取" in run.stdout


@pytest.mark.parametrize(
    "case_id", ["truncated-at-half", "zip-bomb-in-table-3", "billion-laughs-in-workbook-part"]
)
def test_refused_file_gives_json_with_the_message(
    case_id: str, crafted: Callable[[Refused], Path]
) -> None:
    case = next(c for c in REFUSED if c.id == case_id)
    run = run_cli("check", crafted(case), "--json")
    assert run.returncode == 2
    assert_well_behaved(run)
    data = json.loads(run.stdout)
    assert data["valid"] is False
    [finding] = data["findings"]
    assert finding["rule"] == "FILE" and case.says in finding["message"]


# -- files read with a finding --------------------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c) for c in ACCEPTED])
def test_suspicious_file_is_read_with_the_finding_that_names_it(
    case: Accepted, crafted: Callable[[Accepted], Path]
) -> None:
    report = validate(read_workbook(crafted(case)))
    assert {f.rule for f in report.findings} == case.rules
    assert not [f for f in report.findings if f.severity == "error"]
    assert all(CHINESE.search(f.message) for f in report.findings)


@pytest.mark.parametrize("case", [_param(c) for c in ACCEPTED])
def test_suspicious_file_is_checked_by_the_cli_with_its_finding(
    case: Accepted, crafted: Callable[[Accepted], Path]
) -> None:
    run = run_cli("check", crafted(case))
    assert run.returncode == case.exit_code, run.output
    assert_well_behaved(run)
    for rule in case.rules:
        assert f"[{rule}]" in run.stdout


def test_macros_in_an_xlsm_are_only_reported(crafted: Callable[[Accepted], Path]) -> None:
    path = crafted(next(c for c in ACCEPTED if c.id == "xlsm-with-vba-project"))
    with open_xlsx(path) as pkg:
        assert pkg.has_macros
    [finding] = validate(read_workbook(path)).findings
    assert finding.rule == "S-MACRO" and finding.severity == "info"
    assert "宏不会被执行" in finding.message


def test_reading_stops_early_below_a_table_with_a_million_rows(
    crafted: Callable[[Accepted], Path],
) -> None:
    path = crafted(next(c for c in ACCEPTED if c.id == "million-rows-below-table-3"))
    with open_xlsx(path) as pkg:
        sheet = pkg.sheet("表三")
    assert sheet is not None and sheet.truncated
    assert sheet.max_row < DEFAULT_MAX_ROWS
    [oversize] = [f for f in validate(read_workbook(path)).findings if f.rule == "S-OVERSIZE"]
    assert oversize.sheet == "表三" and "未读取" in oversize.message


def test_a_million_row_sheet_that_is_not_ours_is_never_parsed(
    crafted: Callable[[Accepted], Path],
) -> None:
    path = crafted(next(c for c in ACCEPTED if c.id == "million-row-extra-sheet"))
    wb = read_workbook(path)
    [other] = validate(wb).findings
    assert other.rule == "S-OTHER-SHEET" and other.sheet == "数据"
    assert "已忽略" in other.message


def test_a_folder_of_hostile_files_is_checked_file_by_file(
    crafted: Callable[[Refused | Accepted], Path], tmp_path: Path
) -> None:
    cases = [c for c in REFUSED if not c.soffice] + ACCEPTED
    for case in cases:
        path = crafted(case)
        os.link(path, tmp_path / path.name)
    run = run_cli("check", tmp_path, "--json")
    assert run.returncode == 2
    assert_well_behaved(run)
    reports = {Path(r["file"]).name: r for r in json.loads(run.stdout)}
    assert set(reports) == {f"{c.id}{c.suffix}" for c in cases}
    for case in cases:
        report = reports[f"{case.id}{case.suffix}"]
        rules = {f["rule"] for f in report["findings"]}
        assert rules == ({"FILE"} if isinstance(case, Refused) else case.rules), case.id


def test_a_damaged_file_in_a_folder_does_not_stop_the_others(
    seed: Path, crafted: Callable[[Refused], Path], tmp_path: Path
) -> None:
    os.link(seed, tmp_path / "valid.xlsx")
    os.link(crafted(next(c for c in REFUSED if c.id == "block-missing-in-the-middle")),
            tmp_path / "broken.xlsx")  # fmt: skip
    run = run_cli("check", tmp_path)
    assert run.returncode == 2, run.output
    assert_well_behaved(run)
    assert "valid.xlsx" in run.stdout and "broken.xlsx" in run.stdout


# -- cell contents that stress the validator ----------------------------------------------------


def _cell(case_id: str, sheet: str, cell: str, value: str, formula: str | None = None):
    return pytest.param(sheet, cell, value, formula, id=case_id)


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "formula"),
    [
        _cell("count-with-15-digits", "表三", "D6", "123456789012345"),
        _cell("amount-with-9-integer-digits", "表二", "B16", "123456789.0123"),
        _cell("count-1e28", "表三", "D6", "1E+28"),
        _cell("count-1e308", "表三", "D6", "1E+308"),
        _cell("count-beyond-decimal-range", "表三", "D6", "-1E+1000000"),
        _cell("amount-1e24", "表二", "B16", "1E+24"),
        _cell("year-1e200000", "基本信息", "B5", "1E+200000"),
        _cell("formula-dividing-by-zero", "表三", "D6", "0", "D7/(D8-D8)"),
        _cell("total-formula-dividing-by-zero", "表三", "J6", "0", "1/0"),
        _cell("formula-with-a-31-digit-result", "表三", "D6", "0",
              "99999999999999*99999999999999*999"),
        _cell("formula-nested-64-deep", "表三", "D6", "1", "(" * 64 + "1" + ")" * 64),
        _cell("formula-nested-2000-deep", "表三", "D6", "1", "(" * 2000 + "1" + ")" * 2000,),
        _cell("formula-with-3000-unary-minus", "表三", "D6", "1", "-" * 3000 + "1",),
        _cell("total-formula-with-1000-nested-sums", "表三", "J6", "1",
              "SUM(" * 1000 + "D6" + ")" * 1000),
    ],
)  # fmt: skip
def test_odd_cell_content_gives_findings_not_a_crash(
    seed: Path, tmp_path: Path, sheet: str, cell: str, value: str, formula: str | None
) -> None:
    path = H.make_cell_value(seed, tmp_path / "cell.xlsx", sheet, cell, value, formula)
    try:
        report = validate(read_workbook(path))
    except WorkbookError as exc:
        assert CHINESE.search(exc.message)
    else:
        assert isinstance(report, Report)
    run = run_cli("check", path)
    assert run.returncode in (0, 1, 2), run.output
    assert_well_behaved(run)


def test_huge_exponent_in_the_date_cell_is_read_in_bounded_time(seed: Path, tmp_path: Path) -> None:
    path = H.make_cell_value(seed, tmp_path / "date.xlsx", "基本信息", "B9", "1E+999999999")
    # In a subprocess, so that a regression (building 10**999999999 as a date) cannot hang the
    # suite: the reader refuses such a number at once.
    run = run_cli("check", path, timeout=20)
    assert run.returncode in (0, 1, 2), run.output
    assert_well_behaved(run)
