"""The inputs of ``nianbao data`` and ``nianbao trends`` read into plain records, one per unit and
year: a unit's workbook, each unit sheet of a summary and the summary's own total, a workbook
imported from a published report, or a published report read directly (.pdf/.docx/.html/.txt).

No pandas here: this is the part the two commands share with anything else that wants the
numbers. Every input cell keeps where it came from (file, sheet and cell, SHA-256 of the file)
and whether it is unknown (a cell a published report did not show: never 0). A file that cannot
be read is an ``Unreadable`` with the reader's Chinese reason, never dropped.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from nianbao.applog import guarded
from nianbao.errors import Cancelled, NianbaoError, UsageError, os_reason
from nianbao.files import file_sha256
from nianbao.jobs import IsCancelled, Progress
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.compute import number_keys
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec
from nianbao.workbook_templates.summary_layout import unit_sheet_layout
from nianbao.workbook_templates.values import normalize_label
from nianbao.workbook_templates.xlsx_reader import open_xlsx

# Where the numbers of a record were read from.
ORIGIN_WORKBOOK = "workbook"  # a unit's own workbook
ORIGIN_SUMMARY = "summary"  # a summary (汇总表): its unit sheets and its own total
ORIGIN_IMPORTED = "imported"  # a workbook ``nianbao import`` made of a published report
ORIGIN_REPORT = "report"  # a published report read directly
# What a record stands for.
LEVEL_UNIT = "unit"
LEVEL_WHOLE = "whole"  # a summary's own total
# A few large files (summaries of hundreds of units: 25 KB a unit) are worth the workers too.
PARALLEL_BYTES = 4 << 20
REPORT_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
# 汇总情况 (county.summary): a unit a row, 单位名称 in its second column, 单位类型 in its third.
_STATUS_NAME_COL, _STATUS_KIND_COL = 1, 2


@dataclass(frozen=True)
class Record:
    """One unit's (or one summary's) input cells of one year, as read from one file."""

    unit: str
    kind: str
    year: int
    spec: FormatSpec
    level: str
    origin: str
    values: Mapping[CellKey, Decimal | None]  # every number input cell (None: blank or no number)
    unknown: frozenset[CellKey]
    statuses: Mapping[CellKey, str]  # the reader's status of each cell ("ok", "blank", ...)
    texts: Mapping[CellKey, str]  # what a cell holds when it is not a plain number
    file: Path
    sha256: str
    sheet: str = ""  # a summary's unit sheet the numbers are on ("" : the table sheets)

    @property
    def refs(self) -> Mapping[CellKey, str]:
        """Return the cell of each number in the file: 表三!D6 (none for a published report)."""
        if self.origin == ORIGIN_REPORT:
            return {}
        return part_refs(self.spec, self.sheet) if self.sheet else all_refs(self.spec)

    def __reduce__(self):
        # Sent from a reading worker: the spec by its version (loaded once in every process).
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "spec"}
        return (_record, (self.spec.format_version, fields))


def _record(format_version: str, fields: dict) -> Record:
    from nianbao.workbook_templates.loader import load_spec

    return Record(spec=load_spec(format_version), **fields)


@dataclass(frozen=True)
class Unreadable:
    """A file given (or found in a folder given) that gave no numbers, and why."""

    path: Path
    reason: str
    fault: bool = False  # a fault of ours (logged), not the file's


@dataclass
class Collected:
    records: list[Record] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not a spreadsheet: lock files, drafts ...
    faults: int = 0  # files that met a fault of ours (logged): exit code 3


@cache
def all_refs(spec: FormatSpec) -> dict[CellKey, str]:
    """Return where each value cell (input or total) lives in a workbook: "表三!D6"."""
    refs = {}
    for table in spec.tables:
        lay = L.table_layout(table)
        for vc in lay.values:
            refs[vc.key] = f"{table.sheet}!{L.a1(vc.row, vc.col)}"
    return refs


@cache
def part_refs(spec: FormatSpec, sheet: str) -> dict[CellKey, str]:
    """Return where each value cell lives on a summary's unit sheet: "单位!D6"."""
    lay = unit_sheet_layout(spec)
    return {k: f"{sheet}!{lay.ref(k)}" for k in lay.index}


def _summary_kinds(wb: FilledWorkbook) -> dict[str, str]:
    """Return each unit's kind by its normalised name, from the summary's 汇总情况 sheet."""
    heading = wb.spec.summary.status_heading
    with open_xlsx(wb.path) as pkg:
        raw = pkg.sheet(wb.spec.summary.status_sheet, max_rows=len(wb.parts) + 200)
    if raw is None:
        return {}
    kinds: dict[str, str] = {}
    head = next(
        (r for r in range(min(raw.max_row + 1, 50)) if raw.text(r, 0) == heading[0]),
        None,
    )
    if head is None:
        return {}
    for r in range(head + 1, raw.max_row + 1):
        name = raw.text(r, _STATUS_NAME_COL).strip()
        if name:
            kinds[normalize_label(name)] = raw.text(r, _STATUS_KIND_COL).strip()
    return kinds


def workbook_records(wb: FilledWorkbook, sha256: str) -> list[Record]:
    """Return the records of a read workbook: one, or a summary's own total and its unit sheets."""
    spec = wb.spec
    keys = number_keys(spec)
    origin = (
        ORIGIN_SUMMARY
        if wb.is_summary
        else ORIGIN_IMPORTED
        if wb.stamp.is_imported
        else ORIGIN_WORKBOOK
    )
    cells = wb.cells
    values = {k: cells[k].value if k in cells else None for k in keys}
    statuses = {k: cells[k].status if k in cells else "unread" for k in keys}
    texts = {k: cells[k].text for k in keys if k in cells and cells[k].text}
    unknown = wb.unknown | {k for k in keys if k.table in wb.unreadable_tables}
    own = Record(
        unit=wb.unit,
        kind=wb.kind,
        year=wb.year,
        spec=spec,
        level=LEVEL_WHOLE if wb.is_summary else LEVEL_UNIT,
        origin=origin,
        values=values,
        unknown=frozenset(unknown),
        statuses=statuses,
        texts=texts,
        file=wb.path,
        sha256=sha256,
    )
    if not wb.is_summary:
        return [own]
    kinds = _summary_kinds(wb) if wb.parts else {}
    records = [own]
    for part in wb.parts:
        pc = part.cells
        records.append(
            Record(
                unit=part.unit,
                kind=kinds.get(normalize_label(part.unit), ""),
                year=wb.year,
                spec=spec,
                level=LEVEL_UNIT,
                origin=ORIGIN_SUMMARY,
                values={k: pc[k].value if k in pc else None for k in keys},
                unknown=frozenset(),
                statuses={k: pc[k].status if k in pc else "unread" for k in keys},
                texts={k: pc[k].text for k in keys if k in pc and pc[k].text},
                file=wb.path,
                sha256=sha256,
                sheet=part.sheet,
            )
        )
    return records


def report_record(path: Path, sha256: str) -> Record:
    """Return the record of a published report read directly (as ``nianbao import`` reads it,
    without writing a workbook); raise a NianbaoError when it cannot be read."""
    from nianbao.importer.report import ImportRequest, read_report

    try:
        result = read_report(ImportRequest(source=path, output=path.with_suffix(".xlsx")))
    except UsageError as exc:  # its action speaks of import's options (--year …)
        raise UsageError(
            exc.message,
            f"请先用“nianbao import {path.name} -o 填报表.xlsx”（可加 --year、--unit）导入，"
            "再给出导入的填报表。",
        ) from None
    spec = result.spec
    keys = number_keys(spec)
    values: dict[CellKey, Decimal | None] = {}
    texts: dict[CellKey, str] = {}
    for k in keys:
        v = result.values.get(k)
        values[k] = v if isinstance(v, Decimal) else None
        if isinstance(v, str) and v:
            texts[k] = v
    return Record(
        unit=result.unit,
        kind=result.kind,
        year=result.year,
        spec=spec,
        level=LEVEL_UNIT,
        origin=ORIGIN_REPORT,
        values=values,
        unknown=frozenset(k for k in keys if k in result.unknown),
        statuses={k: "ok" if values[k] is not None else "blank" for k in keys},
        texts=texts,
        file=path,
        sha256=sha256,
    )


def input_files(
    inputs: Iterable[str | Path], output: str | Path | None = None
) -> tuple[list[Path], list[str]]:
    """Return the files to read (spreadsheets found in folders, and every file named) and what
    was skipped, with why; raise UsageError when nothing is left. The ``output`` of an earlier
    run, found in a folder given, is not an input (named, it is refused by the caller)."""
    from nianbao.files import real_path
    from nianbao.services.checking import collect_inputs

    given = [Path(p) for p in inputs]
    try:
        files, skipped = collect_inputs(given)
        if output is not None:
            named = {real_path(p) for p in given}
            mine = real_path(output)
            files = [f for f in files if real_path(f) != mine or mine in named]
        return files, skipped
    except UsageError as exc:
        raise UsageError(
            exc.message.replace("需要校验的", "可以读取的"),
            "请给出 .xlsx 填报表、汇总表、已发布的年报文件，或包含填报表的文件夹。",
        ) from None


def _read_one(path: Path) -> list[Record] | Unreadable:
    """Return the records of one file, or why it gave none (a fault of ours is logged)."""

    def work() -> list[Record] | Unreadable:
        try:
            sha = file_sha256(path)
            if path.suffix.lower() in REPORT_SUFFIXES:
                return [report_record(path, sha)]
            return workbook_records(read_workbook(path), sha)
        except NianbaoError as exc:
            return Unreadable(path, f"{exc.message}{exc.action}")
        except OSError as exc:
            return Unreadable(path, f"文件无法读取（{os_reason(exc)}）。")

    return guarded(work, lambda f: Unreadable(path, f"{f.message}{f.action}", fault=True), path)


def _size(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def _read_chunk(paths: Sequence[Path]) -> list[list[Record] | Unreadable]:
    return [_read_one(p) for p in paths]


def _read_all(
    files: Sequence[Path], progress: Progress | None, cancelled: IsCancelled | None
) -> Iterator[list[Record] | Unreadable]:
    """Yield what each file gave, in order; many files are read by worker processes, as the
    rollup reads them (same start, signals and stop: ``county.intake``)."""
    import multiprocessing
    import sys

    from nianbao.county import intake

    total = len(files)

    def step(i: int, path: Path) -> None:
        if cancelled and cancelled():
            raise Cancelled()
        if progress:
            progress(i / total, f"已读取 {i}/{total}：{path.name}")

    count = min(os.cpu_count() or 1, intake.MAX_WORKERS, total)
    if count <= 1 or (total < intake.PARALLEL_FROM and _size(files) < PARALLEL_BYTES):
        for i, path in enumerate(files):
            step(i, path)
            yield _read_one(path)
        return
    fork = sys.platform.startswith("linux") and intake._single_threaded()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    size = max(1, min(16, total // (count * 8)))
    chunks = [files[i : i + size] for i in range(0, total, size)]
    done = 0
    pool = ProcessPoolExecutor(count, context, intake._init_worker, ({}, os.getpid()))
    try:
        with intake._stop_signals_held():
            futures = [pool.submit(_read_chunk, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            for path, got in zip(chunk, future.result(), strict=True):
                done += 1
                step(done, path)
                yield got
    except BaseException:
        intake._stop_workers(pool)
        raise
    pool.shutdown()


def read_inputs(
    inputs: Iterable[str | Path],
    *,
    output: str | Path | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> Collected:
    """Return the records of every readable input, and the inputs that could not be read (the
    ``output`` being written is not one of them)."""
    files, skipped = input_files(inputs, output)
    collected = Collected(skipped=skipped)
    for got in _read_all(files, progress, cancelled):
        if isinstance(got, Unreadable):
            collected.unreadable.append(got)
            collected.faults += got.fault
        else:
            collected.records.extend(got)
    if progress:
        progress(1.0, "读取完成")
    return collected
