"""What a county rollup knows: each received file, each unit, the request and the result, the
unit statuses and their groups, and the one count of who sent what (``counts``) that the
terminal, the window, the JSON and the summary's 汇总情况 sheet all show.

Nothing here reads or writes a file; ``intake`` reads, ``decide`` decides, ``rollup`` runs it all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from nianbao.validation.compare import Comparison
from nianbao.validation.findings import Finding, Report
from nianbao.validation.parts import PartsExplanation
from nianbao.workbook_templates.compute import number_keys, recompute
from nianbao.workbook_templates.content import WorkbookContent
from nianbao.workbook_templates.loader import load_spec
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RulePack, Severity, Status

from .dates import date_text
from .roster import Roster

__all__ = [
    "ATTENTION_ORDER",
    "RETURNED",
    "UNUSABLE",
    "USED",
    "AcceptanceRequest",
    "Counts",
    "FileEntry",
    "RollupRequest",
    "RollupResult",
    "Status",
    "Timeliness",
    "Timely",
    "UnitEntry",
    "counts",
    "status_rank",
    "timeliness_counts",
    "unit_totals",
]

FIRST_ERRORS = 3  # the problems of a unit shown where there is room for a line
UNIT_FROM_STAMP, UNIT_FROM_INFO, UNIT_FROM_NAME = "stamp", "info", "file_name"

# The statuses of a file that was used for its unit (the unit has the same status).
USED = frozenset({Status.PASSED, Status.WARNINGS, Status.ERRORS, Status.EMPTY})
# A unit that sent something, but nothing that can be summed (its file is listed in ``others``).
UNUSABLE = frozenset({Status.UNREADABLE, Status.FOREIGN, Status.WRONG_YEAR, Status.WRONG_FORMAT})
# A unit with one of these statuses is sent back (退回): fix, re-send, or send a workbook at all.
RETURNED = frozenset(
    {Status.ERRORS, Status.EMPTY, Status.UNREADABLE, Status.WRONG_YEAR, Status.WRONG_FORMAT}
)
# Sorting by status puts what needs the office's attention first: errors, files that cannot be
# used, units that sent nothing, then the doubtful, then the good.
ATTENTION_ORDER = (
    Status.ERRORS,
    Status.UNREADABLE,
    Status.FOREIGN,
    Status.WRONG_YEAR,
    Status.WRONG_FORMAT,
    Status.EMPTY,
    Status.MISSING,
    Status.NOT_ON_ROSTER,
    Status.DUPLICATE,
    Status.WARNINGS,
    Status.COPY,
    Status.NOT_WORKBOOK,
    Status.OWN_OUTPUT,
    Status.IGNORED,
    Status.PASSED,
)


def status_rank(status: Status) -> int:
    """Return where a status sorts: 0 for what needs attention most."""
    return ATTENTION_ORDER.index(status)


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
    status: Status | None = None  # None until decided
    reason: str = ""
    unit: str = ""  # the unit it belongs to
    # Where ``unit`` comes from: UNIT_FROM_STAMP (handed out to it), UNIT_FROM_INFO (typed in
    # 基本信息: a workbook made without a unit has nothing else), UNIT_FROM_NAME (guessed from the
    # file name of a file that could not be used).
    unit_from: str = ""
    kind: str = ""
    year: int | None = None
    format_version: str = ""
    sha256: str = ""
    mtime: float = 0.0
    first_seen: float = 0.0  # when its content first arrived (the intake ledger's; 0: unknown)
    size: int = 0
    report: Report | None = None
    values: dict[CellKey, Decimal | None] = field(default_factory=dict)
    numbers: tuple[Decimal | None, ...] = ()  # values in transit from a worker (number_keys order)
    used: bool = False
    # A workbook with errors: what its annotated copy is written from (the file is not read again).
    content: WorkbookContent | None = None
    parts: tuple[str, ...] = ()  # a summary: the units of its unit sheets

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
    def decided(self) -> Status:
        """Return the status of a file the rollup has decided on (every file of a result)."""
        if self.status is None:
            raise RuntimeError(f"{self.path} has no status yet")
        return self.status

    @property
    def errors(self) -> int:
        return self.report.counts[Severity.ERROR] if self.report else 0

    @property
    def warnings(self) -> int:
        return self.report.counts[Severity.WARNING] if self.report else 0


class Timely(StrEnum):
    """Whether a unit sent its workbook by its deadline (``county.deadlines``)."""

    ON_TIME = "on_time"  # its first file arrived on or before the deadline
    LATE = "late"  # after it
    OVERDUE = "overdue"  # nothing yet, and the deadline has passed
    OPEN = "open"  # nothing yet, and the deadline is still to come


@dataclass(frozen=True)
class Timeliness:
    """A unit's deadline and how it stands against it: ``days`` after the deadline its first
    file arrived (LATE) or that have passed without one (OVERDUE); 0 otherwise."""

    code: Timely
    deadline: dt.date
    days: int = 0
    arrived: float = 0.0  # when its first file arrived (0: none yet)


@dataclass
class UnitEntry:
    """One unit of the county: the roster's data, its status and the file used for it."""

    name: str
    kind: str = ""
    code: str = ""
    person: str = ""  # the roster's 联系人 and 联系电话
    phone: str = ""
    deadline: dt.date | None = None  # the roster's 截止日期 (else the rollup's --deadline)
    on_roster: bool = True
    status: Status = Status.MISSING
    file: FileEntry | None = None
    others: list[FileEntry] = field(default_factory=list)  # unused files of this unit
    # Every different workbook of this unit that could be summed, the first to arrive first
    # (the used one is the last); one entry for a unit that sent one version.
    versions: list[FileEntry] = field(default_factory=list)
    revision: Comparison | None = None  # the used version against the one before it
    revision_note: str = ""  # why there is no comparison although there are versions
    accepted: dict[str, str] | None = None  # its standing acceptance (the ledger's event)
    after_acceptance: Comparison | None = None  # a newer version against the accepted one
    acceptance_note: str = ""  # why the accepted version is not the one used
    timeliness: Timeliness | None = None  # None: the unit has no deadline
    included: bool = False
    sheet: str = ""  # its sheet in the summary

    @property
    def version(self) -> int:
        """Return which version (1, 2 …) is used; 0 when none is."""
        return self.versions.index(self.file) + 1 if self.file in self.versions else 0

    @property
    def values(self) -> dict[CellKey, Decimal | None]:
        return self.file.values if self.file else {}

    @property
    def report(self) -> Report | None:
        return self.file.report if self.file else None

    @property
    def sent(self) -> bool:
        """Return whether the unit sent anything, usable or not."""
        return self.status != Status.MISSING

    @property
    def unusable(self) -> bool:
        """Return whether the unit sent something, but nothing that can be summed."""
        return self.file is None and self.status in UNUSABLE

    def first_errors(self, n: int = FIRST_ERRORS) -> list[Finding]:
        """Return the unit's first ``n`` errors that no other explains: its own mistakes, the
        cell typed wrong before the sums it breaks (those are not errors of their own)."""
        report = self.report
        return report.roots(Severity.ERROR)[:n] if report is not None else []


@dataclass(frozen=True)
class AcceptanceRequest:
    """The acceptances (验收) the office asks for in a run (``county.acceptance``)."""

    accept: tuple[str, ...] = ()
    accept_all_valid: bool = False
    unaccept: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.accept or self.accept_all_valid or self.unaccept)


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
    acceptance: AcceptanceRequest = AcceptanceRequest()
    rules: RulePack | None = None  # a local rule pack every workbook and the totals are checked by
    deadline: dt.date | None = None  # for units whose roster row gives none
    now: float | None = None  # the time of the run (None: the clock's); lateness counts to it


@dataclass(frozen=True)
class Counts:
    """How many units are in which state, as every view of a rollup shows them.

    ``sent`` counts every unit that sent something: ``passed + warnings + errors + unusable``;
    ``errors`` counts 有错误 and 疑似空表 (a workbook was used, and it must be sent back)."""

    expected: int
    sent: int
    passed: int
    warnings: int
    errors: int
    unusable: int
    missing: int
    included: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts by name, the arguments of ``[summary] status_summary``."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def counts(units: list[UnitEntry]) -> Counts:
    """Return the unit counts of a rollup (the one place they are computed)."""
    return Counts(
        expected=len(units),
        sent=sum(u.sent for u in units),
        passed=sum(u.file is not None and u.status == Status.PASSED for u in units),
        warnings=sum(u.file is not None and u.status == Status.WARNINGS for u in units),
        errors=sum(u.file is not None and u.status in (Status.ERRORS, Status.EMPTY) for u in units),
        unusable=sum(u.unusable for u in units),
        missing=sum(not u.sent for u in units),
        included=sum(u.included for u in units),
    )


@dataclass(frozen=True)
class TimelinessCounts:
    """How many units with a deadline sent in time, late, not yet (overdue or still open)."""

    dated: int
    on_time: int
    late: int
    overdue: int
    open: int
    undated: int

    @property
    def rate(self) -> float | None:
        """Return the on-time rate: on time of the units with a deadline (None: none has one)."""
        return self.on_time / self.dated if self.dated else None

    def as_dict(self) -> dict[str, int | float | None]:
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "rate": self.rate}


def timeliness_counts(units: Iterable[UnitEntry]) -> TimelinessCounts:
    """Return the timeliness counts of a rollup (the one place they are computed)."""
    units = list(units)
    codes = [u.timeliness.code for u in units if u.timeliness is not None]
    return TimelinessCounts(
        dated=len(codes),
        on_time=codes.count(Timely.ON_TIME),
        late=codes.count(Timely.LATE),
        overdue=codes.count(Timely.OVERDUE),
        open=codes.count(Timely.OPEN),
        undated=len(units) - len(codes),
    )


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
    # Which failing balances of the totals the included units with errors account for.
    summary_explanation: PartsExplanation | None = None
    previous_note: str = ""
    output: Path | None = None
    returns: list[Path] = field(default_factory=list)
    # Units whose annotated copy could not be written, with why (the 退回清单 says it too).
    returns_failed: dict[str, str] = field(default_factory=dict)
    # Each version of a unit against the one before it, by (older, newer) sha256.
    comparisons: dict[tuple[str, str], Comparison] = field(default_factory=dict)
    ledger: Path | None = None  # the intake ledger written beside the summary
    ledger_added: int = 0  # contents it records for the first time
    acceptance_events: list[dict[str, str]] = field(default_factory=list)  # added by this run
    receipt: Path | None = None  # the 验收回执 written for them

    @property
    def revised(self) -> list[UnitEntry]:
        """Return the units that sent more than one version, in unit order."""
        return [u for u in self.units if len(u.versions) > 1]

    @property
    def included(self) -> list[UnitEntry]:
        return [u for u in self.units if u.included]

    @property
    def missing(self) -> list[UnitEntry]:
        return [u for u in self.units if not u.sent]

    @property
    def excluded(self) -> list[UnitEntry]:
        return [u for u in self.units if not u.included and u.sent]

    @property
    def failing(self) -> list[UnitEntry]:
        """Return the units to send back: errors, unreadable, wrong year or format, empty."""
        return [u for u in self.units if u.status in RETURNED or (u.file and u.file.errors)]

    @property
    def unusable_files(self) -> list[FileEntry]:
        """Return the received workbooks that could not be summed: unreadable, not ours, of
        another year or format, or without a unit name (whatever unit they are for)."""
        return [
            f
            for f in self.files
            if f.status in UNUSABLE or (f.status in USED and not f.used and f.report is not None)
        ]

    @property
    def counts(self) -> Counts:
        return counts(self.units)

    def status_label(self, status: Status | None) -> str:
        """Return the Chinese label of a status ("" for a file not yet decided)."""
        return self.spec.summary.statuses[status] if status is not None else ""

    def shown_path(self, file: FileEntry) -> str:
        """Return how a file is named in what leaves the office: from the input folder it was
        found in ("收到的报表/U盘/城关镇.xlsx"), never where that folder lies on this computer."""
        for given in self.request.inputs:
            try:
                inside = file.path.relative_to(given)
            except ValueError:
                continue
            return (Path(given.name) / inside).as_posix() if inside.parts else file.path.name
        return file.path.name

    def to_json(self) -> dict:
        label = self.status_label
        return {
            "output": str(self.output) if self.output else None,
            "year": self.year,
            "format_version": self.spec.format_version,
            "exclude_invalid": self.request.exclude_invalid,
            "rules": (
                {"name": self.request.rules.name, "file": self.request.rules.source}
                if self.request.rules
                else None
            ),
            "counts": self.counts.as_dict(),
            "timeliness": timeliness_counts(self.units).as_dict(),
            "units": [
                {
                    "unit": u.name,
                    "kind": u.kind or None,
                    "on_roster": u.on_roster,
                    "status": label(u.status),
                    "status_code": str(u.status),
                    "included": u.included,
                    "file": str(u.file.path) if u.file else None,
                    "sha256": u.file.sha256 if u.file else None,
                    "errors": u.file.errors if u.file else None,
                    "warnings": u.file.warnings if u.file else None,
                    "explained": u.report.explained if u.report else None,
                    "first_errors": [f.message for f in u.first_errors()],
                    "pack_findings": [
                        f.to_dict() for f in (u.report.roots() if u.report else []) if f.pack
                    ],
                    "first_seen": iso_time(u.file.first_seen) if u.file else None,
                    "deadline": date_text(u.timeliness.deadline) if u.timeliness else None,
                    "timeliness": (
                        {
                            "code": str(u.timeliness.code),
                            "days": u.timeliness.days,
                            "arrived": iso_time(u.timeliness.arrived),
                        }
                        if u.timeliness
                        else None
                    ),
                    "version": u.version or None,
                    "versions": [
                        {
                            "file": str(v.path),
                            "sha256": v.sha256,
                            "first_seen": iso_time(v.first_seen),
                            "status": label(v.status),
                            "used": v.used,
                        }
                        for v in u.versions
                    ],
                    "revision": u.revision.to_dict() if u.revision else None,
                    "acceptance": (
                        {
                            "time": u.accepted["time"],
                            "sha256": u.accepted["sha256"],
                            "file": u.accepted["file"],
                            "changed_after": u.after_acceptance is not None,
                            "changes": u.after_acceptance.to_dict() if u.after_acceptance else None,
                            "note": u.acceptance_note or None,
                        }
                        if u.accepted
                        else None
                    ),
                }
                for u in self.units
            ],
            "files": [
                {
                    "file": str(f.path),
                    "status": label(f.status) or None,
                    "status_code": str(f.status) if f.status else None,
                    "reason": f.reason,
                    "unit": f.unit or None,
                    "unit_from": f.unit_from or None,
                    "sha256": f.sha256 or None,
                    "first_seen": iso_time(f.first_seen),
                    "used": f.used,
                }
                for f in self.files
            ],
            "ledger": str(self.ledger) if self.ledger else None,
            "ledger_added": self.ledger_added,
            "acceptance_events": list(self.acceptance_events),
            "receipt": str(self.receipt) if self.receipt else None,
            "missing": [u.name for u in self.missing],
            "included": [u.name for u in self.included],
            "excluded": [u.name for u in self.excluded],
            "summary": self.summary_report.to_dict() if self.summary_report else None,
            "summary_causes": (
                self.summary_explanation.to_dict() if self.summary_explanation else None
            ),
            "previous": self.previous_note or None,
            "returns": [str(p) for p in self.returns],
            "returns_failed": dict(self.returns_failed),
        }


def iso_time(seconds: float) -> str | None:
    """Return a time as ISO 8601 with the local offset, as the JSON and the intake ledger keep
    times (None when unknown)."""
    if not seconds:
        return None
    return dt.datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")


def unit_totals(unit: UnitEntry, spec: FormatSpec) -> dict[CellKey, Decimal]:
    """Return a unit's inputs and computed totals, as its sheet in the summary shows them."""
    numbers = {k: v for k, v in unit.values.items() if v is not None}
    return {**numbers, **recompute(spec, numbers)}
