"""Hostile situations of ``check --annotate`` and the county rollup (issue 21): nothing lost,
nothing misattributed, nothing unbounded.

Each situation is a folder of real files and one command, run in a subprocess as a clerk would;
every one is checked for its exit code, its Chinese message (and what to do, where it refuses),
no traceback, every file that was there before left byte-identical, and no temporary file left
behind. Every one runs under ``prlimit --as`` and ``timeout``: a regression (opening the clerk's
file again with openpyxl, waiting on a FIFO) fails by memory or time, not only by a slow suite.
The machinery here (``Situation``, ``play``, ``assert_well_behaved``) also runs the situations of
tests/test_hostile_commands.py; ``bench/hostile_situations.py`` runs both lists for the table in
docs/hostile-situations.md.
"""

from __future__ import annotations

import atexit
import contextlib
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

pytestmark = pytest.mark.slow  # every case rolls up a county in a subprocess

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
    returncode: int | tuple[int, ...]
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

    Every command runs under ``prlimit --as=BOUNDED_MB`` and ``timeout seconds``. ``fsize``: the
    kernel refuses writes past that many bytes (a full disk); ``read_only``: that folder (made
    by ``prepare``) is bind-mounted read-only, which holds for root too; ``stop``: the signal
    sent once a temporary file of ours appears (an interrupted write); ``twice``: the command
    runs twice at once (``exit_code`` is then the two codes, sorted)."""

    id: str
    prepare: Callable[[Path, Seeds], list[object]]
    exit_code: int | tuple[int, ...] | frozenset[int]  # a frozenset: any one of them
    says: tuple[str, ...]
    then: Callable[[Path, Run], None] | None = field(default=None, compare=False)
    seconds: int = BOUNDED_SECONDS
    fsize: int | None = None
    read_only: str | None = None
    stop: int | None = None
    twice: bool = False


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
              then=_copy_is_ours_and_checks_the_same),
    Situation("annotate-million-row-check-sheet", _million_row_checks, 1, ("批注副本：批注.xlsx",),
              then=_copy_is_ours_and_checks_the_same),
    Situation("annotate-forged-stamp-year", _annotate_forged_year, 2, ("2150", "无法写出副本"),
              then=_no_copy),
    Situation("returns-of-hostile-files", _hostile_returns, 1, ("退回材料：", "2 个批注副本"),
              then=_both_copies_and_the_list),
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


# Mounts the folder "$1" read-only over itself in a private mount namespace (unshare -r maps the
# caller to root there, so it works unprivileged too), then runs the rest of the arguments.
_READ_ONLY = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'


@functools.cache
def read_only_unavailable() -> str | None:
    """Return why a read-only bind mount cannot be made here, or None when it can."""
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return "needs Linux and unshare"
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(
            ["unshare", "-rm", "sh", "-c", _READ_ONLY + " 2>&1", "sh", folder, "touch",
             f"{folder}/x"],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if "Read-only" not in probe.stderr + probe.stdout:
            return f"unshare -rm with mount --bind -o ro failed: {probe.stderr.strip()[:200]}"
    return None


def command_of(situation: Situation, args: list[object], cwd: Path) -> list[str]:
    """Return the command line that runs ``python -m nianbao ARGS`` as the situation says."""
    command = [sys.executable, "-m", "nianbao", *map(str, args)]
    if situation.read_only is not None:
        folder = str(cwd / situation.read_only)
        command = ["unshare", "-rm", "sh", "-c", _READ_ONLY, "sh", folder, *command]
    if bounds_available():
        limit = ["prlimit", f"--as={BOUNDED_MB * 2**20}", "timeout", "-k", "5"]
        command = [*limit, str(situation.seconds), *command]
    # Started from a small launcher: on Linux a child's peak RSS starts at its parent's size at
    # fork, and the test process may have grown to hundreds of MB by now.
    return [sys.executable, "-c", _LAUNCHER, *command]


def _env(situation: Situation) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTHONIOENCODING": "utf-8",
        "XDG_STATE_HOME": _state_home(),
    }
    if situation.fsize is not None:
        env[_FSIZE_VARIABLE] = str(situation.fsize)
    return env


def _descendants(pid: int) -> list[int]:
    """Return the pids of the live descendants of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent]
        found += children
        todo += children
    return found


def _nianbao_process(pid: int) -> int | None:
    """Return the pid of the ``python -m nianbao`` process started under ``pid``."""
    for child in _descendants(pid):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[1:3] == [b"-m", b"nianbao"]:
            return child
    return None


def _ours_being_written(folder: Path) -> bool:
    return any(p.name.startswith(TEMP_PREFIX) for p in folder.rglob("*"))


def _start(situation: Situation, args: list[object], cwd: Path, out, err) -> subprocess.Popen:
    command = command_of(situation, args, cwd)
    return subprocess.Popen(command, cwd=cwd, env=_env(situation), stdout=out, stderr=err)


def _finish(proc: subprocess.Popen, out, err, start: float) -> Run:
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


def run_situation(situation: Situation, args: list[object], cwd: Path) -> Run:
    """Run ``python -m nianbao ARGS`` in ``cwd`` as the situation says; return its outcome with
    its peak memory (the largest process of its tree) and wall time.

    With ``stop``, the signal goes to the nianbao process as soon as a temporary file of ours
    appears under ``cwd``; the Run's ``seconds`` is then negative when the command ended before
    one was seen (the caller tries again)."""
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(4)]
        if situation.twice:
            procs = [
                _start(situation, args, cwd, *files[:2]),
                _start(situation, args, cwd, *files[2:]),
            ]
            first, second = (
                _finish(p, files[2 * i], files[2 * i + 1], start) for i, p in enumerate(procs)
            )
            return Run(
                tuple(sorted([first.returncode, second.returncode])),  # type: ignore[list-item]
                first.stdout + second.stdout,
                first.stderr + second.stderr,
                max(first.peak_mb, second.peak_mb),
                max(first.seconds, second.seconds),
            )
        proc = _start(situation, args, cwd, *files[:2])
        if situation.stop is not None:
            seen = False
            while proc.poll() is None and time.monotonic() - start < situation.seconds:
                if _ours_being_written(cwd):
                    target = _nianbao_process(proc.pid)
                    if target is not None:
                        os.kill(target, situation.stop)
                        seen = True
                        break
                time.sleep(0.001)
            run = _finish(proc, *files[:2], start)
            return run if seen else replace(run, seconds=-run.seconds)
        return _finish(proc, *files[:2], start)


_PEAK_MARK = "\n@@peak-kib@@ "
_FSIZE_VARIABLE = "NIANBAO_TEST_FSIZE"
# Runs the command as its own child and reports that child's (and its children's) peak RSS; a
# child ended by a signal ends the launcher the same way, so the exit status is the command's.
# With NIANBAO_TEST_FSIZE the child may write files of at most that many bytes, and a write past
# it fails with EFBIG (SIGXFSZ ignored), as ENOSPC would on a full disk.
_LAUNCHER = (
    "import os, resource, signal, subprocess, sys\n"
    f"fsize = os.environ.pop({_FSIZE_VARIABLE!r}, '')\n"
    "def limit():\n"
    "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "    resource.setrlimit(resource.RLIMIT_FSIZE, (int(fsize), int(fsize)))\n"
    "code = subprocess.call(sys.argv[1:], preexec_fn=limit if fsize else None)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    f"sys.stderr.write({_PEAK_MARK!r} + str(peak))\n"
    "sys.stderr.flush()\n"
    "if code < 0:\n"
    "    signal.signal(-code, signal.SIG_DFL)\n"
    "    os.kill(os.getpid(), -code)\n"
    "sys.exit(code)\n"
)


def snapshot(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every regular file under ``folder`` by its relative path (a FIFO,
    socket or link to a device is never opened)."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and (not p.is_symlink() or p.resolve().is_relative_to(folder.resolve())):
            found[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


@dataclass(frozen=True)
class Outcome:
    """A situation run: its folder, the files there before and after, and the run."""

    folder: Path
    before: dict[str, str]
    after: dict[str, str]
    run: Run

    def changed(self) -> list[str]:
        return [p for p, h in self.before.items() if self.after.get(p) != h]

    def temps(self) -> list[str]:
        return [p for p in self.after if TEMP_PREFIX in Path(p).name and p not in self.before]


def play(situation: Situation, seeds: Seeds, folder: Path, attempts: int = 5) -> Outcome:
    """Prepare the situation in ``folder`` and run it (a stop that came too late is tried
    again in a fresh subfolder, up to ``attempts`` times)."""
    for attempt in range(attempts):
        here = folder if attempt == 0 else folder / f"again{attempt}"
        here.mkdir(parents=True, exist_ok=True)
        args = situation.prepare(here, seeds)
        before = snapshot(here)
        run = run_situation(situation, args, here)
        if run.seconds >= 0:
            break
        run = replace(run, seconds=-run.seconds)
    return Outcome(here, before, snapshot(here), run)


def assert_well_behaved(situation: Situation, outcome: Outcome) -> None:
    """Assert what every situation must hold (see the module docstring)."""
    run = outcome.run
    if isinstance(situation.exit_code, frozenset):
        assert run.returncode in situation.exit_code, run.output
    else:
        assert run.returncode == situation.exit_code, run.output
    assert "Traceback" not in run.output and "Exception ignored" not in run.output, run.output
    assert CHINESE.search(run.output), run.output
    for phrase in situation.says:
        assert phrase in run.output, run.output
    codes = run.returncode if isinstance(run.returncode, tuple) else (run.returncode,)
    if 2 in codes:
        # What to do: "怎么办：…", or (check's line per unreadable file) the action after it.
        assert "错误：" in run.stderr and ("怎么办：" in run.stderr or "请" in run.stderr)
    assert outcome.changed() == []  # inputs untouched
    assert outcome.temps() == []
    assert run.seconds < situation.seconds and run.peak_mb < BOUNDED_MB
    if situation.then is not None:
        situation.then(outcome.folder, run)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds(tmp_path_factory.mktemp("seeds"))


def skip_unless_possible(situation: Situation) -> None:
    if not hasattr(os, "wait4"):
        pytest.skip("measures the child with os.wait4")
    if situation.read_only is not None and (why := read_only_unavailable()):
        pytest.skip(f"no read-only folder for root: {why}")
    if (situation.stop is not None or situation.fsize is not None) and not sys.platform.startswith(
        "linux"
    ):
        pytest.skip("reads /proc, sets RLIMIT_FSIZE")


@pytest.mark.parametrize("situation", [pytest.param(s, id=s.id) for s in SITUATIONS])
def test_hostile_situation(situation: Situation, seeds: Seeds, tmp_path: Path) -> None:
    skip_unless_possible(situation)
    assert_well_behaved(situation, play(situation, seeds, tmp_path))
