"""Roll many unit workbooks up into one summary: account for every file, check every unit.

The county office drops whatever arrived (e-mail attachments, USB sticks, a second batch) into a
folder. Every file found is accounted for with a status and a reason; every roster unit gets a
status; units are matched by the unit stamped in their workbook; byte-identical copies count
once; two different files for one unit are a conflict resolved by a stated rule (the newer file
wins). Files are read and checked in worker processes; the summary workbook is written by
``summary_writer``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from nianbao.errors import (
    Cancelled,
    ForeignWorkbookError,
    NianbaoError,
    UsageError,
    WorkbookError,
)
from nianbao.files import LOCK_PREFIXES, SPREADSHEET_SUFFIXES, WORKBOOK_SUFFIXES
from nianbao.validation.engine import validate
from nianbao.validation.findings import Finding, Report
from nianbao.validation.shown import ShownValues
from nianbao.workbook_templates.compute import number_keys, recompute
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec, load_spec, spec_for_year
from nianbao.workbook_templates.values import normalize_label

from .roster import Roster, unit_file_stem

PARALLEL_FROM = 24  # files; fewer are read in this process (workers take ~0.2 s to start)
MAX_WORKERS = 8
FIRST_ERRORS = 3

Progress = Callable[[float, str], None]
_SHARED: dict[Decimal, Decimal] = {}


def _shared(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if len(_SHARED) < 100_000:
        return _SHARED.setdefault(value, value)
    return _SHARED.get(value, value)


@dataclass
class FileEntry:
    """One input file: what it is, what became of it, and why."""

    path: Path
    status: str = ""  # a status code of spec.STATUS_CODES
    reason: str = ""
    unit: str = ""  # the unit it belongs to (stamped, or guessed from the file name)
    kind: str = ""
    year: int | None = None
    format_version: str = ""
    sha256: str = ""
    mtime: float = 0.0
    size: int = 0
    report: Report | None = None
    values: dict[CellKey, Decimal | None] = field(default_factory=dict)
    numbers: tuple[Decimal | None, ...] = ()  # values in transit from a worker (number_keys order)
    used: bool = False

    def pack(self) -> FileEntry:
        """Return self with the values as a tuple, which crosses a process boundary cheaply."""
        if self.values and self.format_version:
            keys = number_keys(load_spec(self.format_version))
            self.numbers = tuple(self.values.get(k) for k in keys)
            self.values = {}
        return self

    def unpack(self) -> FileEntry:
        """Return self with the values back as a dict of the spec's own keys; equal numbers
        share one object, so a county of thousands of units stays small in memory."""
        if self.numbers:
            keys = number_keys(load_spec(self.format_version))
            self.values = {k: _shared(v) for k, v in zip(keys, self.numbers, strict=True)}
            self.numbers = ()
        return self

    @property
    def errors(self) -> int:
        return self.report.counts["error"] if self.report else 0

    @property
    def warnings(self) -> int:
        return self.report.counts["warning"] if self.report else 0


@dataclass
class UnitEntry:
    """One unit of the county: the roster's data, its status and the file used for it."""

    name: str
    kind: str = ""
    code: str = ""
    contact: str = ""
    on_roster: bool = True
    status: str = "missing"
    file: FileEntry | None = None
    others: list[FileEntry] = field(default_factory=list)  # unused files of this unit
    included: bool = False
    sheet: str = ""  # its sheet in the summary

    @property
    def values(self) -> dict[CellKey, Decimal | None]:
        return self.file.values if self.file else {}

    @property
    def report(self) -> Report | None:
        return self.file.report if self.file else None

    def first_errors(self, n: int = FIRST_ERRORS) -> list[Finding]:
        report = self.report
        if report is None:
            return []
        return [f for f in report.sorted_findings() if f.severity == "error"][:n]


@dataclass(frozen=True)
class RollupRequest:
    """What to roll up and how."""

    inputs: tuple[Path, ...]
    output: Path
    roster: Roster | None = None
    year: int | None = None
    unit: str = ""  # the summary's own unit, e.g. ××县人民政府办公室
    previous: Path | None = None
    exclude_invalid: bool = False
    returns: Path | None = None
    force: bool = False
    workers: int | None = None


@dataclass
class RollupResult:
    """Everything the rollup found and wrote; ``to_json`` is the CLI's --json output."""

    request: RollupRequest
    spec: FormatSpec
    year: int
    units: list[UnitEntry]
    files: list[FileEntry]
    totals: dict[CellKey, Decimal]
    summary_report: Report | None = None
    previous_note: str = ""
    output: Path | None = None
    returns: list[Path] = field(default_factory=list)

    @property
    def included(self) -> list[UnitEntry]:
        return [u for u in self.units if u.included]

    @property
    def missing(self) -> list[UnitEntry]:
        return [u for u in self.units if u.status == "missing"]

    @property
    def excluded(self) -> list[UnitEntry]:
        return [u for u in self.units if not u.included and u.status != "missing"]

    @property
    def failing(self) -> list[UnitEntry]:
        """Return the units to send back: errors, unreadable, wrong year or format."""
        bad = ("errors", "unreadable", "wrong_year", "wrong_format", "empty")
        return [u for u in self.units if u.status in bad or (u.file and u.file.errors)]

    def status_label(self, code: str) -> str:
        return self.spec.summary.statuses[code]

    def to_json(self) -> dict:
        label = self.status_label
        return {
            "output": str(self.output) if self.output else None,
            "year": self.year,
            "format_version": self.spec.format_version,
            "exclude_invalid": self.request.exclude_invalid,
            "units": [
                {
                    "unit": u.name,
                    "kind": u.kind or None,
                    "on_roster": u.on_roster,
                    "status": label(u.status),
                    "status_code": u.status,
                    "included": u.included,
                    "file": str(u.file.path) if u.file else None,
                    "sha256": u.file.sha256 if u.file else None,
                    "errors": u.file.errors if u.file else None,
                    "warnings": u.file.warnings if u.file else None,
                    "first_errors": [f.message for f in u.first_errors()],
                }
                for u in self.units
            ],
            "files": [
                {
                    "file": str(f.path),
                    "status": label(f.status),
                    "status_code": f.status,
                    "reason": f.reason,
                    "unit": f.unit or None,
                    "sha256": f.sha256 or None,
                    "used": f.used,
                }
                for f in self.files
            ],
            "missing": [u.name for u in self.missing],
            "included": [u.name for u in self.included],
            "excluded": [u.name for u in self.excluded],
            "summary": self.summary_report.to_dict() if self.summary_report else None,
            "previous": self.previous_note or None,
            "returns": [str(p) for p in self.returns],
        }


# -- finding the files --------------------------------------------------------------------------


def collect_files(inputs: Iterable[Path]) -> list[Path]:
    """Return every file named or found (recursively) under the inputs, in a stable order."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"找不到文件或文件夹 {path}。", "请检查路径是否正确。")
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    if not unique:
        raise UsageError("没有找到任何文件。", "请给出收到的填报表，或存放它们的文件夹。")
    return unique


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- reading one file (in a worker process) ------------------------------------------------------

_PREVIOUS: dict[str, FilledWorkbook] = {}  # a worker's last-year data by normalised unit name


def _init_worker(previous: dict[str, FilledWorkbook], worker: bool = False) -> None:
    if worker:
        import signal

        # Ctrl+C reaches the whole process group; the parent cancels, workers stay quiet.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PREVIOUS.clear()
    _PREVIOUS.update(previous)


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
    try:
        stat = path.stat()
        entry.mtime, entry.size = stat.st_mtime, stat.st_size
    except OSError as exc:
        entry.status, entry.reason = "unreadable", f"无法访问该文件（{exc.strerror}）。"
        return entry
    name = path.name
    if name.startswith(LOCK_PREFIXES):
        entry.status = "ignored"
        entry.reason = "WPS/Excel 打开文件时生成的临时锁定文件，不是填报表。"
        return entry
    try:
        entry.sha256 = _sha256(path)
    except OSError as exc:
        entry.status, entry.reason = "unreadable", f"无法读取该文件（{exc.strerror}）。"
        return entry
    try:
        wb = read_workbook(path)
    except ForeignWorkbookError as exc:
        entry.status, entry.reason = "foreign", str(exc)
        return entry
    except WorkbookError as exc:
        suffix = path.suffix.lower()
        spreadsheet = suffix in WORKBOOK_SUFFIXES + SPREADSHEET_SUFFIXES
        entry.status = "unreadable" if spreadsheet else "not_workbook"
        entry.reason = str(exc)
        return entry
    except NianbaoError as exc:
        entry.status, entry.reason = "unreadable", str(exc)
        return entry
    previous = _PREVIOUS.get(normalize_label(wb.unit))
    report = validate(wb, previous)
    entry.unit, entry.kind, entry.year = wb.unit, wb.kind, wb.year
    entry.format_version = wb.spec.format_version
    entry.report = report
    entry.values = _input_values(wb)
    return entry


def _examine_safely(path: Path) -> FileEntry:
    """Return ``examine(path)``; a fault of ours on one file is that file's status."""
    try:
        return examine(path).pack()
    except Exception as exc:  # a bug must not stop the batch
        entry = FileEntry(path, status="unreadable")
        entry.reason = (
            f"年报助手读取此文件时内部出错（{type(exc).__name__}），其他文件不受影响；"
            "请把该文件发给维护人员。"
        )
        return entry


def examine_all(
    paths: Sequence[Path],
    previous: dict[str, FilledWorkbook] | None = None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
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
        _init_worker(previous)
        try:
            for path in rest:
                step(_examine_safely(path))
        finally:
            _PREVIOUS.clear()

    if count <= 1 or total < PARALLEL_FROM:
        in_process(paths)
        return results
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    # Forking is fast (nothing to import again) but unsafe in a process with other threads (the
    # desktop app) and on macOS; there, and on Windows, workers are spawned.
    fork = sys.platform.startswith("linux") and _single_threaded()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    chunk = max(1, min(16, total // (count * 8)))
    try:
        with ProcessPoolExecutor(count, context, _init_worker, (previous, True)) as pool:
            try:
                for entry in pool.map(_examine_safely, paths, chunksize=chunk):
                    step(entry)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except (BrokenProcessPool, OSError):
        # Workers could not start or died (a frozen app, a locked-down PC): go on in-process.
        in_process(paths[len(results) :])
    return results


# -- deciding ------------------------------------------------------------------------------------


def _single_threaded() -> bool:
    """Return whether this process runs one thread only, counting threads Python did not start
    (Qt's, a library's): /proc lists every thread of the process on Linux."""
    import threading

    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def _guess_unit(path: Path, names: dict[str, str]) -> str:
    """Return the roster unit whose name (or file stem) the file name contains, longest first."""
    stem = normalize_label(path.stem)
    best, best_len = "", 0
    for norm, name in names.items():
        for option in (norm, normalize_label(unit_file_stem(name))):
            if option and option in stem and len(option) > best_len:
                best, best_len = name, len(option)
    return best


def _report_status(entry: FileEntry) -> str:
    values = [v for v in entry.values.values() if v is not None and v != 0]
    if not values:
        return "empty"
    if entry.errors:
        return "errors"
    return "warnings" if entry.warnings else "passed"


def choose_year(files: Sequence[FileEntry], year: int | None) -> int:
    """Return the report year: as given, else the most common year among the workbooks read."""
    if year is not None:
        return year
    years = Counter(f.year for f in files if f.report is not None and f.year)
    if not years:
        raise UsageError(
            "收到的文件中没有一个能读取的填报表，无法汇总。",
            "请检查文件夹是否选对；下面的文件清单说明了每个文件的情况。",
        )
    return max(years, key=lambda y: (years[y], y))


def decide(
    files: list[FileEntry],
    roster: Roster | None,
    year: int,
    spec: FormatSpec,
    *,
    exclude_invalid: bool = False,
) -> list[UnitEntry]:
    """Give every file a status and every unit its file; return the units in roster order.

    Rules, in order: lock files and non-spreadsheets are listed and ignored; byte-identical copies
    count once (the first found is used); a workbook of another year or format version is not
    summed; with a roster, a unit not on it is not summed; of two different files for one unit
    the newer (file time, then name) is used and the other is listed as 重复报送.
    """
    units: dict[str, UnitEntry] = {}
    if roster is not None:
        for r in roster.units:
            units[normalize_label(r.name)] = UnitEntry(r.name, r.kind, r.code, r.contact)
    by_sha: dict[str, FileEntry] = {}
    candidates: dict[str, list[FileEntry]] = {}
    for f in files:
        if f.status:
            continue  # decided while reading: ignored, unreadable, foreign, not a workbook
        if f.sha256 in by_sha:
            first = by_sha[f.sha256]
            f.status, f.unit = "copy", first.unit
            f.reason = f"与 {first.path.name} 内容完全相同，只计一次。"
            continue
        by_sha[f.sha256] = f
        if f.year != year:
            f.status = "wrong_year"
            f.reason = f"填报表的报告年度是 {f.year} 年，本次汇总的是 {year} 年度。"
            continue
        if f.format_version != spec.format_version:
            f.status = "wrong_format"
            f.reason = (
                f"填报表是 {f.format_version} 版格式，{year} 年度应使用 {spec.label}，不能相加。"
            )
            continue
        norm = normalize_label(f.unit)
        if not norm:
            f.status = "errors"
            f.reason = "「基本信息」中没有单位名称，无法确定是哪个单位的填报表。"
            continue
        if roster is not None and norm not in units:
            f.status = "not_on_roster"
            f.reason = f"单位「{f.unit}」不在名单中，未纳入汇总。"
            continue
        candidates.setdefault(norm, []).append(f)
    for norm, group in candidates.items():
        group.sort(key=lambda f: (f.mtime, f.path.name), reverse=True)
        chosen = group[0]
        unit = units.setdefault(norm, UnitEntry(chosen.unit, chosen.kind, on_roster=False))
        unit.file = chosen
        chosen.used = True
        chosen.status = _report_status(chosen)
        chosen.reason = _file_reason(chosen)
        for other in group[1:]:
            other.status = "duplicate"
            other.reason = (
                f"同一单位收到多份不同的填报表，按规则采用文件时间最新的 {chosen.path.name}，"
                "本文件未采用。如应采用本文件，请删除另一份后重新汇总。"
            )
            unit.others.append(other)
        unit.status = chosen.status
        if not unit.kind:
            unit.kind = chosen.kind
    _attach_unused(files, units)
    for unit in units.values():
        if unit.file is not None:
            unit.included = not (exclude_invalid and unit.file.errors)
    return list(units.values())


def _file_reason(f: FileEntry) -> str:
    if f.status == "empty":
        return "所有数字都是空白或 0，请确认是否填写完整。"
    if f.errors or f.warnings:
        return f"错误 {f.errors} 项，警告 {f.warnings} 项。"
    return "校验通过。"


def _attach_unused(files: list[FileEntry], units: dict[str, UnitEntry]) -> None:
    """Let a unit without a usable file show why: its file was unreadable or of another year."""
    names = {norm: u.name for norm, u in units.items()}
    rank = ("wrong_year", "wrong_format", "unreadable", "foreign")
    for f in files:
        if f.status not in rank:
            continue
        norm = normalize_label(f.unit) if f.unit else ""
        if norm not in units:
            guess = _guess_unit(f.path, names)
            norm = normalize_label(guess) if guess else ""
        if norm not in units:
            continue
        unit = units[norm]
        if not f.unit:
            f.unit = unit.name
        unit.others.append(f)
        if unit.file is None:
            current = rank.index(unit.status) if unit.status in rank else len(rank)
            unit.status = rank[min(rank.index(f.status), current)]
            if unit.status == "foreign":
                unit.status = "unreadable"


def sum_values(units: Iterable[UnitEntry], spec: FormatSpec) -> dict[CellKey, Decimal]:
    """Return the county's input totals: each input cell summed over the included units."""
    totals = dict.fromkeys(number_keys(spec), Decimal(0))
    for unit in units:
        if unit.included:
            for key, value in unit.values.items():
                if value is not None and key in totals:
                    totals[key] += value
    return totals


# -- the whole run -------------------------------------------------------------------------------


def _previous_by_unit(previous: FilledWorkbook) -> dict[str, FilledWorkbook]:
    """Return last year's numbers of each unit of a summary, as workbooks for cross-year rules."""
    from nianbao.validation.engine import values_workbook

    return {
        normalize_label(part.unit): values_workbook(
            previous.spec,
            {k: v for k, v in part.values().items() if v is not None},
            year=previous.year,
            unit=part.unit,
            path=previous.path,
        )
        for part in previous.parts
    }


def rollup(
    request: RollupRequest,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RollupResult:
    """Read, check and sum the inputs, then write the summary (and returns); return the result.

    Every output path is checked before any file is read; nothing is written on cancel.
    """
    from nianbao.files import check_target

    check_target(request.output, force=request.force)
    previous_wb = read_workbook(request.previous) if request.previous else None
    previous_units = _previous_by_unit(previous_wb) if previous_wb else {}
    paths = collect_files(request.inputs)
    output = request.output.resolve()
    paths = [p for p in paths if p.resolve() != output]

    def part(start: float, width: float) -> Progress | None:
        if progress is None:
            return None
        return lambda fraction, message: progress(start + width * fraction, message)

    files = examine_all(
        paths,
        previous_units,
        workers=request.workers,
        progress=part(0.0, 0.8),
        cancelled=cancelled,
    )
    year = choose_year(files, request.year)
    try:
        spec = spec_for_year(year)
    except NianbaoError:
        raise UsageError(f"不支持 {year} 年度。", "请用 --year 指定 2019 年以后的年度。") from None
    units = decide(files, request.roster, year, spec, exclude_invalid=request.exclude_invalid)
    totals = sum_values(units, spec)
    result = RollupResult(request, spec, year, units, files, totals)
    if previous_wb is not None:
        result.previous_note = _previous_note(previous_wb, units)
    result.summary_report = _summary_report(result, previous_wb)
    if cancelled and cancelled():
        raise Cancelled()
    if progress:
        progress(0.8, "正在写汇总表……")
    from .summary_writer import write_summary

    result.output = write_summary(result, request.output, force=request.force)
    if request.returns is not None:
        if progress:
            progress(0.95, "正在写退回材料……")
        from .returns import write_returns

        result.returns = write_returns(result, request.returns, force=request.force)
    if progress:
        progress(1.0, "完成")
    return result


def _previous_note(previous: FilledWorkbook, units: list[UnitEntry]) -> str:
    if not previous.parts:
        return (
            f"上年文件 {previous.path.name} 不是汇总表，只对汇总数做了跨年度校验，没有逐单位校验。"
        )
    names = {normalize_label(p.unit) for p in previous.parts}
    unmatched = [u.name for u in units if u.file and normalize_label(u.name) not in names]
    note = f"已按上年汇总表 {previous.path.name} 逐单位做跨年度校验。"
    if unmatched:
        shown = "、".join(unmatched[:5]) + ("等" if len(unmatched) > 5 else "")
        note += f"上年汇总表中没有 {len(unmatched)} 个单位（{shown}），这些单位未做跨年度校验。"
    return note


def _summary_report(result: RollupResult, previous: FilledWorkbook | None) -> Report:
    """Return the checks of the totals themselves (as the written summary will show them)."""
    from nianbao.validation.engine import validate_values

    return validate_values(
        result.spec,
        result.totals,
        year=result.year,
        unit=result.request.unit,
        kind=result.spec.summary.kind,
        previous=previous,
    )


def unit_totals(unit: UnitEntry, spec: FormatSpec) -> dict[CellKey, Decimal]:
    """Return a unit's inputs and computed totals, as its sheet in the summary shows them."""
    numbers = {k: v for k, v in unit.values.items() if v is not None}
    return {**numbers, **recompute(spec, numbers)}


__all__ = [
    "FileEntry",
    "RollupRequest",
    "RollupResult",
    "UnitEntry",
    "collect_files",
    "decide",
    "examine",
    "examine_all",
    "rollup",
    "sum_values",
    "unit_totals",
]
