"""Take in what arrived: find every file under the folders given, and examine each one (its
hash and time; for a workbook its unit, year, format, report and numbers), in worker processes
when there are many. Nothing is decided here (``decide`` does that) and nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

from nianbao.applog import Fault, guarded
from nianbao.errors import (
    Cancelled,
    ForeignWorkbookError,
    NianbaoError,
    OwnOutputError,
    UsageError,
    WorkbookError,
    os_reason,
)
from nianbao.files import (
    LOCK_PREFIXES,
    SPREADSHEET_SUFFIXES,
    WORKBOOK_SUFFIXES,
    entry_problem,
    file_sha256,
    is_our_temp,
    scan_inputs,
)
from nianbao.jobs import IsCancelled, Progress
from nianbao.validation.engine import validate
from nianbao.validation.shown import ShownValues
from nianbao.workbook_templates.compute import number_keys
from nianbao.workbook_templates.content import WorkbookContent, digest, workbook_content
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.spec import CellKey, RulePack, Severity
from nianbao.workbook_templates.values import normalize_label

from .model import UNIT_FROM_INFO, UNIT_FROM_STAMP, FileEntry, Status

PARALLEL_FROM = 24  # files; fewer are read in this process (workers take ~0.2 s to start)


MAX_WORKERS = 8


def collect_files(inputs: Iterable[Path]) -> list[Path]:
    """Return every entry named or found (recursively) under the inputs, in a stable order:
    files, and what is not one (a FIFO, a broken link …), which ``examine`` lists with why. A link
    to a file seen already is kept: its content makes it a 相同副本."""
    files = [e.path for e in scan_inputs(inputs)]
    if not files:
        raise UsageError("没有找到任何文件。", "请给出收到的填报表，或存放它们的文件夹。")
    return files


_PREVIOUS: dict[str, FilledWorkbook] = {}  # a worker's last-year data by normalised unit name
_RULES: list[RulePack] = []  # the local rule pack a worker checks by (none, or one)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _init_worker(
    previous: dict[str, FilledWorkbook],
    parent: int | None = None,
    rules: RulePack | None = None,
) -> None:
    """Set up a process that examines files: last year's data, the local rule pack and, in a
    worker (``parent`` is the pid of the process that started it), its signals."""
    if parent is not None:
        import signal

        # Ctrl+C reaches the whole process group; the parent cancels, workers stay quiet. A
        # worker writes nothing: told to stop, it just ends (not the parent's inherited handler).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stops = {getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)}
        for signum in stops:
            signal.signal(signum, signal.SIG_DFL)
        if hasattr(signal, "pthread_sigmask"):  # held by the parent while it forked us
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
        _end_with(parent)
    _PREVIOUS.clear()
    _PREVIOUS.update(previous)
    _RULES[:] = [rules] if rules is not None else []


def _end_with(parent: int) -> None:
    """Have Linux end this worker when its parent ends, even killed with SIGKILL (elsewhere,
    and where prctl is refused, nothing happens: the parent's shutdown ends its workers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(0)


def _input_values(wb: FilledWorkbook) -> dict[CellKey, Decimal | None]:
    """Return the numbers a unit contributes: typed numbers (also typed as text), and the value
    of a formula typed into an input cell; blank and words contribute nothing."""
    values = {k: wb.cells[k].value for k in number_keys(wb.spec) if k in wb.cells}
    formulas = [k for k in values if wb.cells[k].status == "formula"]
    if formulas:  # rare: evaluate them as the spreadsheet would, not from the cached result
        shown = ShownValues(wb)
        values.update((k, shown.input_formula(k)) for k in formulas)
    return values


def examine(path: Path) -> FileEntry:
    """Return what one file is: its hash and time, and, for a workbook, its unit and report."""
    entry = FileEntry(path)
    if (problem := entry_problem(path)) is not None:
        entry.status, entry.reason = Status.IGNORED, problem
        return entry
    try:
        stat = path.stat()
        entry.mtime, entry.size = stat.st_mtime, stat.st_size
    except OSError as exc:
        entry.status, entry.reason = Status.UNREADABLE, f"无法访问该文件（{os_reason(exc)}）。"
        return entry
    name = path.name
    if is_our_temp(path):
        entry.status = Status.OWN_OUTPUT
        entry.reason = "年报助手写入中（或被中断时留下）的临时文件，不是填报表。"
        return entry
    if name.startswith(LOCK_PREFIXES):
        entry.status = Status.IGNORED
        entry.reason = "WPS/Excel 打开文件时生成的临时锁定文件，不是填报表。"
        return entry
    try:
        entry.sha256 = file_sha256(path)
    except OSError as exc:
        entry.status, entry.reason = Status.UNREADABLE, f"无法读取该文件（{os_reason(exc)}）。"
        return entry
    try:
        wb = read_workbook(path)
    except OwnOutputError as exc:
        entry.status, entry.reason = Status.OWN_OUTPUT, exc.message
        return entry
    except ForeignWorkbookError as exc:
        entry.status, entry.reason = Status.FOREIGN, str(exc)
        return entry
    except WorkbookError as exc:
        suffix = path.suffix.lower()
        spreadsheet = suffix in WORKBOOK_SUFFIXES + SPREADSHEET_SUFFIXES
        entry.status = Status.UNREADABLE if spreadsheet else Status.NOT_WORKBOOK
        entry.reason = str(exc)
        return entry
    except NianbaoError as exc:
        entry.status, entry.reason = Status.UNREADABLE, str(exc)
        return entry
    entry.values = values = _input_values(wb)

    def content() -> WorkbookContent:  # what its annotated copy would be written from
        return workbook_content(wb, {k: values.get(k) for k, c in wb.cells.items() if c.formula})

    if wb.stamp.is_annotated and _unchanged(content()):
        entry.status = Status.OWN_OUTPUT
        entry.reason = (
            "年报助手生成的批注副本（退回材料），生成后没有改动过，不是单位报送的填报表。"
        )
        entry.values = {}
        return entry
    # A unit is who the workbook was handed out to, never the name typed in 基本信息 (which
    # anyone can change: a retyped name is an M-UNIT error of this workbook's own unit).
    entry.unit = wb.stamp.unit or wb.info.get("unit", "")
    entry.unit_from = UNIT_FROM_STAMP if wb.stamp.unit else UNIT_FROM_INFO
    checked = wb
    if _RULES:
        from nianbao.workbook_templates.rule_packs import with_rules

        checked = with_rules(wb, _RULES[0])
    report = validate(checked, _PREVIOUS.get(normalize_label(entry.unit)))
    entry.kind, entry.year = wb.kind, wb.year
    entry.format_version = wb.spec.format_version
    entry.report = report
    entry.parts = tuple(p.unit for p in wb.parts)
    if report.counts[Severity.ERROR]:
        entry.content = content()
    return entry


def _unchanged(content: WorkbookContent) -> bool:
    """Return whether an annotated copy still holds what it was written with."""
    try:
        return digest(content.request()) == content.stamp.content
    except NianbaoError:  # a forged stamp no copy could have been written with
        return False


def _examine_safely(path: Path) -> FileEntry:
    """Return ``examine(path)``; a fault of ours on one file is that file's status."""

    def fault(fault: Fault) -> FileEntry:
        return FileEntry(path, status=Status.UNREADABLE, reason=f"{fault.message}{fault.action}")

    return guarded(lambda: examine(path).pack(), fault, file=path)


def examine_all(
    paths: Sequence[Path],
    previous: dict[str, FilledWorkbook] | None = None,
    *,
    rules: RulePack | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> list[FileEntry]:
    """Return the examined files in input order, reading them in parallel when there are many."""
    previous = previous or {}
    total = len(paths)
    count = workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)
    results: list[FileEntry] = []

    def step(entry: FileEntry) -> None:
        results.append(entry.unpack())
        if progress:
            progress(len(results) / total, f"已读取 {len(results)}/{total}：{entry.path.name}")
        if cancelled and cancelled():
            raise Cancelled()

    def in_process(rest: Sequence[Path]) -> None:
        _init_worker(previous, rules=rules)
        try:
            for path in rest:
                step(_examine_safely(path))
        finally:
            _PREVIOUS.clear()
            _RULES.clear()

    if count <= 1 or total < PARALLEL_FROM:
        in_process(paths)
        return results
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    # Forking is fast (nothing to import again) but unsafe in a process with other threads (the
    # desktop app) and on macOS; there, and on Windows, workers are spawned.
    fork = sys.platform.startswith("linux") and _single_threaded()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    size = max(1, min(16, total // (count * 8)))
    chunks = [paths[i : i + size] for i in range(0, total, size)]
    try:
        pool = ProcessPoolExecutor(count, context, _init_worker, (previous, os.getpid(), rules))
        try:
            with _stop_signals_held():  # the first submissions start the workers
                futures = [pool.submit(_examine_chunk, chunk) for chunk in chunks]
            for future in futures:  # not pool.map: its iterator cancels futures (see below)
                for entry in future.result():
                    step(entry)
        except BaseException:  # cancelled, Ctrl+C, SIGTERM, a worker that died
            _stop_workers(pool)
            raise
        pool.shutdown()
    except (BrokenProcessPool, OSError):
        # Workers could not start or died (a frozen app, a locked-down PC): go on in-process.
        in_process(paths[len(results) :])
    return results


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGHUP back while workers are forked, and let them arrive after.

    The command line turns them into an exception; one arriving during a fork would be raised in
    Python's after-fork hooks, where it is printed as "Exception ignored" and lost: the rollup
    went on as if never told to stop. A worker lets them through again when it starts."""
    import signal

    stops = {getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _examine_chunk(paths: Sequence[Path]) -> list[FileEntry]:
    """Return the examined files of one chunk (in a worker)."""
    return [_examine_safely(path) for path in paths]


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers now, without waiting for the files they are reading or those queued.

    They are killed before any future is cancelled: the pool then fails every pending future
    itself, where a cancelled one would make it fail with InvalidStateError (Python 3.11)."""
    # Python 3.11 has no public way to reach a pool's processes (3.14 adds kill_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        # SIGKILL, not SIGTERM: a worker forked a moment ago still has the parent's handler,
        # which would print a traceback; a worker writes nothing, so nothing is left half done.
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=5)
    # The pool sees its workers gone and ends at once; where they could not be reached, the
    # queue is dropped and the files being read are waited for.
    pool.shutdown(wait=True, cancel_futures=not processes)


def _single_threaded() -> bool:
    """Return whether this process runs one thread only, counting threads Python did not start
    (Qt's, a library's): /proc lists every thread of the process on Linux."""
    import threading

    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1
