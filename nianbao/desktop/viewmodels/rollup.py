"""What the 汇总 page shows, prepared without Qt: the rows of the completeness grid and of the
received-files list, the counts line, the colour of each status, and which dropped paths are a
roster and which are returned workbooks.

Labels of the statuses come from the spec (``result.status_label``), their sort order and the
counts from ``county.model``, colours from the summary workbook's styles, so the page, the
terminal and the 汇总情况 sheet always agree.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from nianbao.county.dates import DATE_FORMS, parse_date
from nianbao.county.deadlines import timeliness_text
from nianbao.county.explain import check_lines, verdict
from nianbao.county.handout import HandoutFile, handout
from nianbao.county.ledger import arrival_text
from nianbao.county.model import (
    AcceptanceRequest,
    FileEntry,
    RollupRequest,
    RollupResult,
    Status,
    Timely,
    UnitEntry,
    status_rank,
)
from nianbao.county.rollup import rollup
from nianbao.county.roster import CSV_SUFFIXES, read_roster
from nianbao.county.text import counts_text
from nianbao.errors import NianbaoError, OutputExistsError, UsageError
from nianbao.files import WORKBOOK_SUFFIXES
from nianbao.jobs import IsCancelled, Progress
from nianbao.validation.compare import Comparison, comparison_lines
from nianbao.workbook_templates.spec import Severity
from nianbao.workbook_templates.styles import STATUS_COLOURS

UNIT_COLUMNS = (
    "序号", "单位", "类型", "状态", "计入汇总", "错误", "警告", "首次收到", "是否按时", "版本",
    "验收", "文件", "主要问题",
)  # fmt: skip
# Double-clicking these cells of a unit with several versions shows what changed.
CHANGE_COLUMNS = (UNIT_COLUMNS.index("版本"), UNIT_COLUMNS.index("验收"))
ACCEPTED, CHANGED_AFTER = "已验收", "验收后有改动"
CHANGES_TIP = "双击查看改动"
FILE_COLUMNS = ("文件", "状态", "单位", "采用", "说明")
STATUS_COLUMN = UNIT_COLUMNS.index("状态")
FILE_STATUS_COLUMN = FILE_COLUMNS.index("状态")

ROSTER_HINT = "名单"  # a file dropped among workbooks is the roster when its name says so


def status_colours(code: Status) -> tuple[str, str] | None:
    """Return (background, text colour) of a status as on the 汇总情况 sheet; None: plain."""
    return STATUS_COLOURS.get(code)


@dataclass(frozen=True)
class UnitRow:
    """One line of the completeness grid: a unit, its status and what to look at."""

    number: int  # position in the rollup (roster order, then units not on the roster)
    unit: str
    kind: str
    status: Status
    status_label: str
    included: bool
    included_label: str  # 是/否 as on the 汇总情况 sheet
    errors: int | None  # None: no workbook was read for the unit
    warnings: int | None
    file: Path | None  # the file used, or the unusable file the unit sent
    file_shown: str
    problem: str
    on_roster: bool
    arrived: float = 0.0  # when the content used first arrived (0: nothing used)
    timeliness: str = ""  # 按时 / 逾期 N 天 / 已逾期 N 天 ("" without a deadline)
    lateness: int = -2  # days late (0 on time, -1 not due yet, -2 no deadline): sorts worst last
    version: int = 0  # which version is used, of ``versions`` (0: none)
    versions: int = 0
    acceptance: str = ""  # ACCEPTED, CHANGED_AFTER or ""
    accepted_at: str = ""  # when (ISO time) the standing acceptance was made
    changes: Comparison | None = None  # what double-clicking 版本/验收 shows
    changes_title: str = ""

    def texts(self) -> tuple[str, ...]:
        """Return the cell texts in UNIT_COLUMNS order."""
        return (
            str(self.number),
            self.unit if self.on_roster else f"{self.unit}（名单外）",
            self.kind,
            self.status_label,
            self.included_label,
            "" if self.errors is None else str(self.errors),
            "" if self.warnings is None else str(self.warnings),
            arrival_text(self.arrived),
            self.timeliness,
            f"{self.version}/{self.versions}" if self.versions > 1 else "",
            self.acceptance,
            self.file_shown,
            self.problem,
        )

    def tips(self) -> tuple[str, ...]:
        """Return the tool tip of each cell: its text, and how to see the changes where there
        are some."""
        texts = list(self.texts())
        if self.versions > 1:
            texts[CHANGE_COLUMNS[0]] = f"第 {self.version} 版（共 {self.versions} 版）"
        if self.acceptance:
            when = self.accepted_at[:16].replace("T", " ")
            texts[CHANGE_COLUMNS[1]] = f"{self.acceptance}（验收于 {when}）"
        if self.changes is not None:
            for column in CHANGE_COLUMNS:
                texts[column] = f"{texts[column]}。{CHANGES_TIP}".lstrip("。")
        return tuple(texts)

    def sort_keys(self) -> tuple[int | float | str, ...]:
        """Return a sort key per column (numbers sort as numbers, statuses by attention)."""
        return (
            self.number,
            self.unit,
            self.kind,
            status_rank(self.status) * 100_000 + self.number,
            int(self.included),
            -1 if self.errors is None else self.errors,
            -1 if self.warnings is None else self.warnings,
            self.arrived,
            self.lateness * 100_000 + self.number,
            self.versions * 1000 + self.version,
            (self.acceptance == CHANGED_AFTER) * 2 + bool(self.acceptance),
            self.file_shown,
            self.problem,
        )


@dataclass(frozen=True)
class FileRow:
    """One received file: what became of it and why."""

    path: Path
    shown: str
    status: Status
    status_label: str
    unit: str
    used: bool
    used_label: str
    reason: str

    def texts(self) -> tuple[str, ...]:
        return (self.shown, self.status_label, self.unit, self.used_label, self.reason)

    def sort_keys(self) -> tuple[int | str, ...]:
        return (self.shown, status_rank(self.status), self.unit, int(self.used), self.reason)


def shown_path(path: Path, bases: tuple[Path, ...] = ()) -> str:
    """Return ``path`` relative to the first base folder holding it (as the clerk put it there),
    else the full path."""
    for base in bases:
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _problem(unit: UnitEntry) -> str:
    """Return the first problems of a unit in one line: errors, else warnings (only those no
    other explains), else why its file could not be used."""
    report = unit.report
    if report is not None:
        findings = unit.first_errors() or report.roots(Severity.WARNING)[:1]
        text = "；".join(f"{f.where} {f.text}".strip() for f in findings)
        if text:
            return text
        if unit.status == Status.EMPTY and unit.file is not None:
            return unit.file.reason
        return ""
    return unit.others[0].reason if unit.others else ""


def _unit_file(unit: UnitEntry) -> FileEntry | None:
    if unit.file is not None:
        return unit.file
    return unit.others[0] if unit.others else None


def _lateness(unit: UnitEntry) -> int:
    standing = unit.timeliness
    if standing is None:
        return -2
    return -1 if standing.code == Timely.OPEN else standing.days


def _acceptance(unit: UnitEntry) -> str:
    if unit.accepted is None:
        return ""
    newest = unit.versions[-1] if unit.versions else None
    changed = newest is not None and newest.sha256 != unit.accepted["sha256"]
    return CHANGED_AFTER if changed else ACCEPTED


def _changes(unit: UnitEntry) -> tuple[Comparison | None, str]:
    """Return what a unit's 版本/验收 cells open: a newer version against the accepted one, else
    the version used against the one before it; and the dialog's title."""
    if unit.after_acceptance is not None:
        return unit.after_acceptance, f"{unit.name}：验收后收到的新版本与已验收版本相比"
    if unit.revision is not None:
        used = unit.version
        return unit.revision, f"{unit.name}：第 {used} 版与第 {used - 1} 版相比"
    return None, ""


def unit_rows(result: RollupResult, bases: tuple[Path, ...] = ()) -> list[UnitRow]:
    """Return one grid row per unit, in the rollup's order (roster units first)."""
    words = result.spec.summary
    rows = []
    for number, unit in enumerate(result.units, start=1):
        entry = _unit_file(unit)
        changes, changes_title = _changes(unit)
        rows.append(
            UnitRow(
                number=number,
                unit=unit.name,
                kind=unit.kind,
                status=unit.status,
                status_label=result.status_label(unit.status),
                included=unit.included,
                included_label=words.included if unit.included else words.not_included,
                errors=unit.file.errors if unit.file and unit.report else None,
                warnings=unit.file.warnings if unit.file and unit.report else None,
                file=entry.path if entry else None,
                file_shown=shown_path(entry.path, bases) if entry else "",
                problem=_problem(unit),
                on_roster=unit.on_roster,
                arrived=unit.file.first_seen if unit.file else 0.0,
                timeliness=timeliness_text(unit.timeliness, words.timeliness),
                lateness=_lateness(unit),
                version=unit.version,
                versions=len(unit.versions),
                acceptance=_acceptance(unit),
                accepted_at=unit.accepted["time"] if unit.accepted else "",
                changes=changes,
                changes_title=changes_title,
            )
        )
    return rows


def changes_lines(row: UnitRow) -> list[str]:
    """Return what the changes dialog of a unit's row says, line by line (as ``nianbao diff``)."""
    return comparison_lines(row.changes) if row.changes is not None else []


# -- acceptance (验收) -----------------------------------------------------------------------------

ACCEPT_SELECTED, ACCEPT_ALL_VALID, UNACCEPT_SELECTED = "accept", "accept_all_valid", "unaccept"


def acceptance_question(result: RollupResult, names: list[str], mode: str) -> str:
    """Return what the page asks before accepting or withdrawing (empty: nothing to do)."""
    units = {u.name: u for u in result.units}
    if mode == ACCEPT_ALL_VALID:
        return (
            "验收所有最后收到的版本没有错误的单位：将用同样的文件重新汇总，更新汇总表和收件记录，"
            "并写出验收回执。验收后单位再报送的不同内容不会替换已验收的版本，除非重新验收。"
        )
    chosen = [units[n] for n in names if n in units]
    if mode == UNACCEPT_SELECTED:
        chosen = [u for u in chosen if u.accepted]
        if not chosen:
            return ""
        return (
            f"撤销 {'、'.join(u.name for u in chosen)} 的验收：将重新汇总，"
            "此后采用这些单位最后收到的版本；撤销也记入收件记录和验收回执，原来的验收记录保留。"
        )
    chosen = [u for u in chosen if u.versions]
    if not chosen:
        return ""
    parts = [f"{u.name}（第 {len(u.versions)} 版，{u.versions[-1].path.name}）" for u in chosen]
    return (
        f"验收 {'、'.join(parts)}：将用同样的文件重新汇总，更新汇总表和收件记录，并写出验收回执。"
        "验收后单位再报送的不同内容不会替换已验收的版本，除非重新验收。"
    )


def acceptance_request(result: RollupResult, names: list[str], mode: str) -> RollupRequest:
    """Return the last rollup's request again, accepting or withdrawing as asked; the summary
    it wrote is written again (the office asked for it by accepting)."""
    acceptance = AcceptanceRequest(
        accept=tuple(names) if mode == ACCEPT_SELECTED else (),
        accept_all_valid=mode == ACCEPT_ALL_VALID,
        unaccept=tuple(names) if mode == UNACCEPT_SELECTED else (),
    )
    return replace(result.request, acceptance=acceptance, force=True)


def parse_deadline(text: str) -> dt.date | None:
    """Return the day typed in the 截止日期 field (None when empty); UsageError when it is not
    a date, with the forms it may take."""
    text = text.strip()
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        raise UsageError(f"截止日期“{text}”不是日期。", f"请写成 {DATE_FORMS}，或留空。")
    return day


def file_rows(result: RollupResult, bases: tuple[Path, ...] = ()) -> list[FileRow]:
    """Return one row per file found, in the order they were found."""
    words = result.spec.summary
    return [
        FileRow(
            path=f.path,
            shown=shown_path(f.path, bases),
            status=f.decided,
            status_label=result.status_label(f.status),
            unit=f.unit,
            used=f.used,
            used_label=words.included if f.used else words.not_included,
            reason=f.reason,
        )
        for f in result.files
    ]


def counts_line(result: RollupResult) -> str:
    """Return the line above the grid: who sent what, in the words of the summary's 汇总情况
    sheet and the terminal (``county.text.counts_text``), and the year."""
    return f"{result.year} 年度　{counts_text(result)}"


def files_line(result: RollupResult) -> str:
    """Return how many files were found and why the unused ones were not used."""
    unused = Counter(f.decided for f in result.files if not f.used)
    text = f"收到文件 {len(result.files)} 个"
    if unused:
        why = "、".join(
            f"{result.status_label(code)} {n}"
            for code, n in sorted(unused.items(), key=lambda item: status_rank(item[0]))
        )
        text += f"，其中 {sum(unused.values())} 个未采用（{why}）"
    return text


def summary_check_line(result: RollupResult) -> str:
    """Return the check result of the summary's own totals, in a few words."""
    report = result.summary_report
    return verdict(report) if report is not None else ""


def summary_check_details(result: RollupResult, shown: int = 5) -> str:
    """Return the summary's own problems, one per line: each with where its difference comes
    from (the units with errors, when they account for it) and what to do, as on the terminal
    and the 汇总情况 sheet."""
    report = result.summary_report
    if report is None or not report.findings:
        return ""
    lines = check_lines(report, shown)
    if len(report.roots()) > shown:
        lines.append("点“查看汇总数校验”可逐项查看全部。")
    return "\n".join(lines)


# -- the core calls, as the CLI makes them -------------------------------------------------------


def describe_roster(path: Path) -> tuple[bool, str]:
    """Return whether the roster can be used and what to say about it beside its field."""
    try:
        roster = read_roster(path)
    except NianbaoError as exc:
        return False, f"名单有问题：{exc.message}" + (f"怎么办：{exc.action}" if exc.action else "")
    note = f"名单中有 {len(roster.units)} 个单位。"
    without_kind = sum(not u.kind for u in roster.units)
    if without_kind:
        note += f"其中 {without_kind} 个没有填单位类型，由单位在填报表中选择。"
    return True, note


def hand_out(
    roster_path: Path,
    year: int,
    folder: Path,
    *,
    narrative: bool = True,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> list[HandoutFile]:
    """Read the roster and hand out, as ``nianbao handout`` does; return the files per unit.

    Existing files are refused as by the command, with advice that fits the window.
    """
    roster = read_roster(roster_path)
    try:
        return handout(
            roster, year, folder, narrative=narrative, progress=progress, cancelled=cancelled
        )
    except OutputExistsError as exc:
        raise OutputExistsError(
            exc.message,
            "请在“保存到文件夹”中换一个新的或空的文件夹后再下发；已有的文件不会被覆盖。",
        ) from None


def roll_up(
    request: RollupRequest,
    roster_path: Path | None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    rules: Path | None = None,
) -> RollupResult:
    """Read the local rule pack and the roster (if any) and roll up, as ``nianbao rollup``
    does; return the result."""
    if rules is not None:
        from nianbao.workbook_templates.rule_packs import load_rule_pack

        request = replace(request, rules=load_rule_pack(rules))
    if roster_path is not None:
        request = replace(request, roster=read_roster(roster_path))
    return rollup(request, progress=progress, cancelled=cancelled)


def handout_note(folder: Path, files: list[HandoutFile]) -> str:
    """Return what the page says after a handout: what was written where, and what next."""
    what = "填报表和正文模板" if any(f.narrative for f in files) else "填报表"
    return (
        f"已为 {len(files)} 个单位生成{what}，保存在 {folder}（另有“下发清单.xlsx”）。\n"
        "下一步：把每个单位的文件发给该单位；收回后放进一个文件夹，到“② 收表汇总”汇总。"
    )


# -- dropped files -------------------------------------------------------------------------------


def is_stamped_workbook(path: Path) -> bool:
    """Return whether ``path`` is one of our workbooks (a unit's or a summary); False when it is
    not, or cannot be opened."""
    from nianbao.errors import NianbaoError
    from nianbao.workbook_templates.reader import find_stamp
    from nianbao.workbook_templates.xlsx_reader import open_xlsx

    if path.suffix.lower() not in WORKBOOK_SUFFIXES or not path.is_file():
        return False
    try:
        with open_xlsx(path) as pkg:
            return find_stamp(pkg) is not None
    except (NianbaoError, OSError):
        return False


@dataclass(frozen=True)
class Dropped:
    """Dropped paths sorted out: the roster (if any) and the inputs to roll up."""

    roster: Path | None
    inputs: tuple[Path, ...]


def sort_dropped(paths: list[Path]) -> Dropped:
    """Return which dropped path is the roster and which are returned files or folders.

    One file alone is the roster when it is a CSV (or text) file or an .xlsx that is not one of
    our workbooks; among several, only such a file named like a roster (…名单…) is.
    """
    paths = [Path(p) for p in paths]
    roster = None
    inputs = []
    for path in paths:
        if roster is None and _may_be_roster(path, alone=len(paths) == 1):
            roster = path
        else:
            inputs.append(path)
    return Dropped(roster, tuple(inputs))


def _may_be_roster(path: Path, *, alone: bool) -> bool:
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in CSV_SUFFIXES + WORKBOOK_SUFFIXES:
        return False
    if not alone and ROSTER_HINT not in path.stem:
        return False
    return suffix in CSV_SUFFIXES or not is_stamped_workbook(path)


def first_report_year() -> int:
    """Return the first report year any format covers (the lowest year a clerk can choose)."""
    from nianbao.workbook_templates.loader import available_formats

    return min(spec.first_year for spec in available_formats().values())


def common_folder(paths: tuple[Path, ...]) -> Path | None:
    """Return the folder holding all ``paths`` (a folder itself counts), or None."""
    if not paths:
        return None
    folders = [str(p if p.is_dir() else p.parent) for p in paths]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives on Windows
        return None
