"""Hostile situations of ``check --annotate`` and the county rollup (issue 21): nothing lost,
nothing misattributed, nothing unbounded.

Each situation is a folder of real files and one command, run in a subprocess as a clerk would;
every one is checked for its exit code, its Chinese message (and what to do, where it refuses),
no traceback, every file that was there before left byte-identical, and no temporary file left
behind. Those about reading hostile files run under ``prlimit --as`` and ``timeout``: a
regression (opening the clerk's file again with openpyxl) fails by memory or time, not only by a
slow suite. ``bench/hostile_situations.py`` runs the same list under /usr/bin/time for the table
in docs/hostile-situations.md.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.files import TEMP_PREFIX
from nianbao.validation import validate
from nianbao.workbook_templates import TemplateRequest, build_template, read_workbook
from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes

from . import hostile as H
from .county import County, make_county
from .workbook_edit import edit_workbook

REPO = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")
BOUNDED_MB = 400  # address space of each process reading a hostile file (the old path: 2.1 GB)
BOUNDED_SECONDS = 60  # the old path took 79 s on the million-row sheet
UNIT_A, UNIT_B = "甲镇人民政府", "乙镇人民政府"


# -- the files the situations are made of ---------------------------------------------------------


class Seeds:
    """Workbooks the situations copy from, built once for the module (and the bench script)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @functools.cache  # noqa: B019 (one Seeds per module: the cache lives as long as it)
    def workbook(self, unit: str, *, broken: bool = False) -> Path:
        """Return a filled 2025 workbook handed out to ``unit``: the built-in sample's numbers,
        with its two typical mistakes when ``broken``."""
        request = replace(sample_request(2025), unit=unit)
        request = sample_with_mistakes(request) if broken else request
        name = f"{unit}{'-错' if broken else ''}.xlsx"
        return build_template(self.folder / name, request)

    @functools.cache  # noqa: B019
    def county(self) -> County:
        return make_county(self.folder / "county", n_units=12, seed=21)

    def copy(self, source: Path, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class Situation:
    """A folder made by ``prepare`` (which returns the command's arguments), what must happen:
    the exit code, phrases of the output, and ``then`` (more checks on the folder afterwards).
    ``bounded``: the command runs under ``prlimit --as=BOUNDED_MB`` and ``timeout``."""

    id: str
    prepare: Callable[[Path, Seeds], list[object]]
    exit_code: int
    says: tuple[str, ...]
    bounded: bool = False
    then: Callable[[Path, Run], None] | None = field(default=None, compare=False)


# -- 1. annotated copies and returns from what was read ----------------------------------------


def _huge_styles(folder: Path, seeds: Seeds) -> list[object]:
    H.make_huge_part(seeds.workbook(UNIT_A, broken=True), folder / "甲.xlsx", "xl/styles.xml")
    return ["check", "甲.xlsx", "--annotate", "批注.xlsx"]


def _million_row_checks(folder: Path, seeds: Seeds) -> list[object]:
    H.make_rows_below_table(seeds.workbook(UNIT_A, broken=True), folder / "甲.xlsx", sheet="校验")
    return ["check", "甲.xlsx", "--annotate", "批注.xlsx"]


def _copy_is_ours_and_checks_the_same(folder: Path, run: Run) -> None:
    copy = read_workbook(folder / "批注.xlsx")
    assert copy.stamp.is_annotated and copy.unit == UNIT_A
    original = validate(read_workbook(folder / "甲.xlsx"))
    again = validate(copy)
    assert {(f.rule, f.where) for f in again.findings} <= {
        (f.rule, f.where) for f in original.findings
    }
    assert (folder / "批注.xlsx").stat().st_size < 200_000


def _hostile_returns(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    inbox.mkdir()
    H.make_huge_part(seeds.workbook(UNIT_A, broken=True), inbox / "甲.xlsx", "xl/styles.xml")
    H.make_rows_below_table(seeds.workbook(UNIT_B, broken=True), inbox / "乙.xlsx", sheet="校验")
    return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回"]


def _both_copies_and_the_list(folder: Path, run: Run) -> None:
    names = sorted(p.name for p in (folder / "退回").iterdir())
    assert names == sorted([f"{UNIT_A}-批注.xlsx", f"{UNIT_B}-批注.xlsx", "退回清单.xlsx"])


def _forge_year(source: Path, target: Path) -> Path:
    """Write ``source`` with its stamp's year forged to 2150 (no template can carry it)."""
    custom = H.member_text(source, H.CUSTOM_PROPS)
    forged, n = re.subn(
        r'(name="nianbao_year"><vt:lpwstr>)2025(<)', r"\g<1>2150\g<2>", custom, count=1
    )
    assert n == 1
    target.parent.mkdir(parents=True, exist_ok=True)
    return H.rezip(source, target, replace={H.CUSTOM_PROPS: forged.encode()})


def _forged_year(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    seeds.copy(seeds.workbook(UNIT_A, broken=True), inbox / "甲.xlsx")
    _forge_year(seeds.workbook(UNIT_B), inbox / "乙.xlsx")
    return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回"]


def _annotate_forged_year(folder: Path, seeds: Seeds) -> list[object]:
    _forge_year(seeds.workbook(UNIT_B), folder / "乙.xlsx")
    return ["check", "乙.xlsx", "--annotate", "批注.xlsx"]


def _no_copy(folder: Path, run: Run) -> None:
    assert not (folder / "批注.xlsx").exists()
    assert "[M-YEAR]" in run.stdout  # the check's report is printed all the same


def _one_unit_fails_the_other_gets_its_copy(folder: Path, run: Run) -> None:
    from nianbao.workbook_templates.xlsx_reader import open_xlsx

    assert (folder / "退回" / f"{UNIT_A}-批注.xlsx").exists()
    assert not (folder / "退回" / f"{UNIT_B}-批注.xlsx").exists()
    with open_xlsx(folder / "退回" / "退回清单.xlsx") as pkg:
        sheet = pkg.sheet("退回清单")
    assert sheet is not None
    copy_col = [sheet.text(2, c) for c in range(20)].index("批注副本")
    rows = {sheet.text(r, 1): sheet.text(r, copy_col) for r in range(3, sheet.max_row + 1)}
    assert rows[UNIT_A] == f"{UNIT_A}-批注.xlsx"
    assert rows[UNIT_B].startswith("未能生成批注副本：") and "2150" in rows[UNIT_B]


def _inbox_of_one_broken_unit(folder: Path, seeds: Seeds) -> Path:
    inbox = folder / "收表"
    seeds.copy(seeds.workbook(UNIT_A, broken=True), inbox / "甲.xlsx")
    return inbox


def _returns_is_a_file(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    (folder / "退回.txt").write_text("不是文件夹", encoding="utf-8")
    return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回.txt"]


def _returns_without_parent(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "没有/退回"]


def _returns_already_there(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    (folder / "退回").mkdir()
    (folder / "退回" / "退回清单.xlsx").write_bytes(b"earlier list")
    return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回"]


def _nothing_written(folder: Path, run: Run) -> None:
    assert not (folder / "汇总.xlsx").exists()
    assert not (folder / "没有").exists()


# -- 2. a unit is who the workbook was handed out to -------------------------------------------


def _retyped_name(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    inbox.mkdir()
    edit_workbook(seeds.workbook(UNIT_A), inbox / "甲.xlsx", {"基本信息!B3": UNIT_B})
    seeds.copy(seeds.workbook(UNIT_B), inbox / "乙.xlsx")
    (folder / "名单.csv").write_text(f"单位名称\n{UNIT_A}\n{UNIT_B}\n", encoding="utf-8")
    return ["rollup", "收表", "--roster", "名单.csv", "-o", "汇总.xlsx", "--json"]


def _numbers_stay_with_the_stamped_unit(folder: Path, run: Run) -> None:
    data = json.loads(run.stdout)
    units = {u["unit"]: u for u in data["units"]}
    assert units[UNIT_A]["status_code"] == "errors" and units[UNIT_B]["status_code"] == "passed"
    assert Path(units[UNIT_A]["file"]).name == "甲.xlsx"
    files = {Path(f["file"]).name: f for f in data["files"]}
    assert files["甲.xlsx"]["unit"] == UNIT_A and files["甲.xlsx"]["unit_from"] == "stamp"
    assert files["乙.xlsx"]["status_code"] == "passed"  # not 重复报送


def _unstamped(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    inbox.mkdir()
    sample = sample_request(2025)
    info = {**sample.info, "unit": UNIT_A, "kind": "乡镇"}
    build_template(
        inbox / "甲.xlsx",
        TemplateRequest(year=2025, values=sample.values, texts=sample.texts, info=info),
    )
    return ["rollup", "收表", "-o", "汇总.xlsx"]


# -- 3. outputs never replace inputs; our outputs are not units ---------------------------------


def _output_is_a_unit_file(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    return ["rollup", "收表", "-o", "收表/甲.xlsx", "--force"]


def _annotate_over_input(folder: Path, seeds: Seeds) -> list[object]:
    seeds.copy(seeds.workbook(UNIT_A, broken=True), folder / "甲.xlsx")
    return ["check", "甲.xlsx", "--annotate", "甲.xlsx", "--force"]


def _output_is_the_roster(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    from nianbao.county.roster import write_roster_template

    write_roster_template(folder / "名单.xlsx")
    return ["rollup", "收表", "--roster", "名单.xlsx", "-o", "名单.xlsx", "--force"]


def _rerun_over_last_outputs(folder: Path, seeds: Seeds) -> list[object]:
    county = seeds.county()
    inbox = folder / "收表"
    shutil.copytree(county.inbox, inbox)
    rollup(
        RollupRequest(
            inputs=(inbox,),
            output=inbox / "汇总.xlsx",
            roster=read_roster(county.roster),
            unit="青禾县人民政府办公室",
            returns=inbox / "退回",
        )
    )
    (inbox / f"{TEMP_PREFIX}汇总.abcd.xlsx").write_bytes((inbox / "汇总.xlsx").read_bytes())
    return ["rollup", "收表", "-o", "二.xlsx", "--json"]


def _last_outputs_are_not_units(folder: Path, run: Run) -> None:
    data = json.loads(run.stdout)
    ours = sorted(
        Path(f["file"]).relative_to("收表").as_posix()
        for f in data["files"]
        if f["status_code"] == "own_output"
    )
    returned = sorted(f"退回/{p.name}" for p in (folder / "收表" / "退回").iterdir())
    assert ours == sorted([f"{TEMP_PREFIX}汇总.abcd.xlsx", "汇总.xlsx", *returned])
    first, second = read_workbook(folder / "收表" / "汇总.xlsx"), read_workbook(folder / "二.xlsx")
    assert second.values() == first.values()  # not doubled


# -- 5. exit codes and rosters ----------------------------------------------------------------


def _unreadable_without_roster(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    seeds.copy(seeds.workbook(UNIT_A), inbox / "甲.xlsx")
    H.make_truncated(seeds.workbook(UNIT_B), inbox / "乙.xlsx", 3000)
    return ["rollup", "收表", "-o", "汇总.xlsx"]


def _nothing_readable(folder: Path, seeds: Seeds) -> list[object]:
    inbox = folder / "收表"
    inbox.mkdir()
    H.make_truncated(seeds.workbook(UNIT_B), inbox / "乙.xlsx", 3000)
    (inbox / "说明.txt").write_text("见附件", encoding="utf-8")
    return ["rollup", "收表", "-o", "汇总.xlsx"]


def _workbook_as_roster(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    seeds.copy(seeds.workbook(UNIT_B), folder / "名单.xlsx")
    return ["rollup", "收表", "--roster", "名单.xlsx", "-o", "汇总.xlsx"]


def _roster_with_a_runaway_quote(folder: Path, seeds: Seeds) -> list[object]:
    _inbox_of_one_broken_unit(folder, seeds)
    text = f'单位名称,单位类型\n{UNIT_A},乡镇\n"{UNIT_B},乡镇\n丙镇人民政府,乡镇\n'
    (folder / "名单.csv").write_text(text, encoding="utf-8")
    return ["rollup", "收表", "--roster", "名单.csv", "-o", "汇总.xlsx"]


SITUATIONS = [
    Situation("annotate-3-gb-styles-xml", _huge_styles, 1, ("批注副本：批注.xlsx",),
              bounded=True, then=_copy_is_ours_and_checks_the_same),
    Situation("annotate-million-row-check-sheet", _million_row_checks, 1, ("批注副本：批注.xlsx",),
              bounded=True, then=_copy_is_ours_and_checks_the_same),
    Situation("annotate-forged-stamp-year", _annotate_forged_year, 2, ("2150", "无法写出副本"),
              then=_no_copy),
    Situation("returns-of-hostile-files", _hostile_returns, 1, ("退回材料：", "2 个批注副本"),
              bounded=True, then=_both_copies_and_the_list),
    Situation("returns-one-copy-cannot-be-written", _forged_year, 1,
              (f"{UNIT_B}：未能生成批注副本", "2150"),
              then=_one_unit_fails_the_other_gets_its_copy),
    Situation("returns-folder-is-a-file", _returns_is_a_file, 2, ("不是文件夹",),
              then=_nothing_written),
    Situation("returns-folder-without-parent", _returns_without_parent, 2, ("不存在",),
              then=_nothing_written),
    Situation("returns-already-there", _returns_already_there, 2,
              ("已有 退回清单.xlsx", "--force"), then=_nothing_written),
    Situation("unit-retyped-as-another", _retyped_name, 1,
              (f"是「{UNIT_B}」，但这份填报表是下发给「{UNIT_A}」的",),
              then=_numbers_stay_with_the_stamped_unit),
    Situation("workbook-without-stamped-unit", _unstamped, 0,
              ("按「基本信息」中填写的单位名称识别",)),
    Situation("output-is-a-unit-file", _output_is_a_unit_file, 2, ("不能覆盖", "--force"),
              then=_nothing_written),
    Situation("annotate-over-its-input", _annotate_over_input, 2, ("不能覆盖",)),
    Situation("output-is-the-roster", _output_is_the_roster, 2, ("不能覆盖",)),
    Situation("rerun-over-last-summary-and-returns", _rerun_over_last_outputs, 1,
              ("本软件输出，已忽略",), then=_last_outputs_are_not_units),
    Situation("unreadable-file-without-roster", _unreadable_without_roster, 1,
              ("乙.xlsx：无法读取",)),
    Situation("nothing-readable", _nothing_readable, 2, ("乙.xlsx：", "说明.txt：")),
    Situation("filled-workbook-as-roster", _workbook_as_roster, 2, ("不是填报单位名单",)),
    Situation("roster-with-a-runaway-quote", _roster_with_a_runaway_quote, 2,
              ("第 3 行有一个没有配对的引号",)),
]  # fmt: skip


# -- running a situation ------------------------------------------------------------------------


@functools.cache
def _state_home() -> str:
    folder = tempfile.mkdtemp(prefix="nianbao-state-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def bounds_available() -> bool:
    return bool(shutil.which("prlimit") and shutil.which("timeout"))


def run_situation(
    situation: Situation, args: list[object], cwd: Path, *, wrapper: tuple[str, ...] = ()
) -> Run:
    """Run ``python -m nianbao ARGS`` in ``cwd``, bounded when the situation says so; return
    its outcome with its peak memory (of the whole process tree) and wall time."""
    command = [*wrapper, sys.executable, "-m", "nianbao", *map(str, args)]
    if situation.bounded and bounds_available():
        limit = ["prlimit", f"--as={BOUNDED_MB * 2**20}", "timeout", "-k", "5"]
        command = [*limit, str(BOUNDED_SECONDS), *command]
    # Started from a small launcher: on Linux a child's peak RSS starts at its parent's size at
    # fork, and the test process may have grown to hundreds of MB by now.
    command = [sys.executable, "-c", _LAUNCHER, *command]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTHONIOENCODING": "utf-8",
        "XDG_STATE_HOME": _state_home(),
    }
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        stderr, _, peak = stderr.rpartition(_PEAK_MARK)
        return Run(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            stderr,
            int(peak.strip() or usage.ru_maxrss) / 1024,
            seconds,
        )


_PEAK_MARK = "\n@@peak-kib@@ "
# Runs the command as its own child and reports that child's (and its children's) peak RSS; a
# child ended by a signal ends the launcher the same way, so the exit status is the command's.
_LAUNCHER = (
    "import os, resource, signal, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    f"sys.stderr.write({_PEAK_MARK!r} + str(peak))\n"
    "sys.stderr.flush()\n"
    "if code < 0:\n"
    "    signal.signal(-code, signal.SIG_DFL)\n"
    "    os.kill(os.getpid(), -code)\n"
    "sys.exit(code)\n"
)


def snapshot(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``folder`` by its relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds(tmp_path_factory.mktemp("seeds"))


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="measures the child with os.wait4")
@pytest.mark.parametrize("situation", [pytest.param(s, id=s.id) for s in SITUATIONS])
def test_hostile_situation(situation: Situation, seeds: Seeds, tmp_path: Path) -> None:
    args = situation.prepare(tmp_path, seeds)
    before = snapshot(tmp_path)
    run = run_situation(situation, args, tmp_path)
    assert run.returncode == situation.exit_code, run.output
    assert "Traceback" not in run.output and "Exception ignored" not in run.output
    assert CHINESE.search(run.output)
    for phrase in situation.says:
        assert phrase in run.output, run.output
    if situation.exit_code == 2:
        assert "错误：" in run.stderr and "怎么办：" in run.stderr, run.stderr
    after = snapshot(tmp_path)
    assert {p: h for p, h in after.items() if p in before} == before  # inputs untouched
    assert [p for p in after if TEMP_PREFIX in p and p not in before] == []
    if situation.bounded:
        assert run.seconds < BOUNDED_SECONDS and run.peak_mb < BOUNDED_MB
    if situation.then is not None:
        situation.then(tmp_path, run)
