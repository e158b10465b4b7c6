"""The rules of a rollup, in one place: which file counts for which unit, what status each file
and unit gets and why, the report year, and the county's totals.

Rules, in order: lock files, non-spreadsheets and our own outputs are listed and ignored (a
summary too when its units sent their own workbooks); byte-identical copies count once (the first
found is used); a workbook of another year or format version is not summed; with a roster, a unit
not on it is not summed; of two different files for one unit the one whose content arrived last
(the intake ledger's first-seen time, then file time, then name) is used and the other is listed as
重复报送. A workbook is its unit's by the stamp written at handout, never by the name typed in it
(only a workbook made without a unit is known by its typed name).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from nianbao.errors import UsageError
from nianbao.files import unit_file_stem
from nianbao.workbook_templates.compute import number_keys
from nianbao.workbook_templates.spec import CellKey, FormatSpec
from nianbao.workbook_templates.values import normalize_label

from .model import UNIT_FROM_INFO, UNIT_FROM_NAME, FileEntry, Status, UnitEntry
from .roster import Roster

SHOWN_FILES = 20  # files listed, each with why, when none of them can be summed


def _guess_unit(path: Path, names: dict[str, str]) -> str:
    """Return the roster unit whose name (or file stem) the file name contains, longest first."""
    stem = normalize_label(path.stem)
    best, best_len = "", 0
    for norm, name in names.items():
        for option in (norm, normalize_label(unit_file_stem(name))):
            if option and option in stem and len(option) > best_len:
                best, best_len = name, len(option)
    return best


def report_status(entry: FileEntry) -> Status:
    """Return the status of a workbook used for its unit: 疑似空表, 有错误, 有警告 or 通过."""
    values = [v for v in entry.values.values() if v is not None and v != 0]
    if not values:
        return Status.EMPTY
    if entry.errors:
        return Status.ERRORS
    return Status.WARNINGS if entry.warnings else Status.PASSED


def choose_year(files: Sequence[FileEntry], year: int | None) -> int:
    """Return the report year: as given, else the most common year among the workbooks read."""
    if year is not None:
        return year
    years = Counter(f.year for f in files if f.report is not None and f.year)
    if not years:
        listed = [f"  {f.path}：{f.reason or '不是填报表。'}" for f in files[:SHOWN_FILES]]
        if len(files) > SHOWN_FILES:
            listed.append(f"  ……共 {len(files)} 个文件")
        raise UsageError(
            f"收到的 {len(files)} 个文件中没有一个能读取的填报表，无法汇总：\n" + "\n".join(listed),
            "请检查文件夹是否选对，并按上面每个文件的说明处理。",
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
    the one whose content arrived last (first-seen time, then file time, then name) is used and
    the other is listed as 重复报送; the unit keeps both as its versions.
    """
    units: dict[str, UnitEntry] = {}
    if roster is not None:
        for r in roster.units:
            units[normalize_label(r.name)] = UnitEntry(
                r.name, r.kind, r.code, r.person, r.phone, deadline=r.deadline
            )
    _ignore_summaries_of_units_sent(files, year)
    by_sha: dict[str, FileEntry] = {}
    candidates: dict[str, list[FileEntry]] = {}
    for f in files:
        if f.status:
            continue  # decided while reading: ignored, unreadable, foreign, not a workbook
        if f.sha256 in by_sha:
            first = by_sha[f.sha256]
            f.status, f.unit = Status.COPY, first.unit
            f.reason = f"与 {first.path.name} 内容完全相同，只计一次。"
            continue
        by_sha[f.sha256] = f
        if f.year != year:
            f.status = Status.WRONG_YEAR
            f.reason = f"填报表的报告年度是 {f.year} 年，本次汇总的是 {year} 年度。"
            continue
        if f.format_version != spec.format_version:
            f.status = Status.WRONG_FORMAT
            f.reason = (
                f"填报表是 {f.format_version} 版格式，{year} 年度应使用 {spec.label}，不能相加。"
            )
            continue
        norm = normalize_label(f.unit)
        if not norm:
            f.status = Status.ERRORS
            f.reason = f"「{spec.sheets.info}」中没有单位名称，无法确定是哪个单位的填报表。"
            continue
        if roster is not None and norm not in units:
            f.status = Status.NOT_ON_ROSTER
            f.reason = f"单位「{f.unit}」不在名单中，未纳入汇总。"
            continue
        candidates.setdefault(norm, []).append(f)
    for norm, group in candidates.items():
        group.sort(key=_arrival, reverse=True)
        chosen = group[0]
        unit = units.setdefault(norm, UnitEntry(chosen.unit, chosen.kind, on_roster=False))
        unit.file = chosen
        chosen.used = True
        chosen.status = report_status(chosen)
        chosen.reason = file_reason(chosen, spec)
        for other in group[1:]:
            other.status = Status.DUPLICATE
            other.reason = (
                f"同一单位收到多份不同的填报表，按规则采用最后收到的 {chosen.path.name}，"
                "本文件是较早的版本，未采用。如应采用本文件，请删除另一份后重新汇总。"
            )
            unit.others.append(other)
        unit.versions = sorted(group, key=_arrival)
        unit.status = chosen.status
        if not unit.kind:
            unit.kind = chosen.kind
    _attach_unused(files, units)
    set_included(units.values(), exclude_invalid)
    return list(units.values())


def set_included(units: Iterable[UnitEntry], exclude_invalid: bool) -> None:
    """Mark the units summed: every one with a file used, less those with errors when
    ``exclude_invalid``."""
    for unit in units:
        if unit.file is not None:
            unit.included = not (exclude_invalid and unit.file.errors)


def _arrival(f: FileEntry) -> tuple[float, float, str]:
    """Return when a file's content arrived (the ledger's first-seen time, then its file time,
    then its name): the later of two versions of a unit is the one to use."""
    return (f.first_seen, f.mtime, f.path.name)


def _ignore_summaries_of_units_sent(files: list[FileEntry], year: int) -> None:
    """Set aside a summary whose units also sent their own workbooks (last run's summary left in
    the folder): summing both would count those units twice. A summary of other units (a
    county's, rolled up by the city) is summed like any workbook."""
    sent = {
        normalize_label(f.unit)
        for f in files
        if not f.status and f.report is not None and not f.parts and f.year == year
    }
    for f in files:
        if f.status or not f.parts:
            continue
        both = [u for u in f.parts if normalize_label(u) in sent]
        if both:
            shown = "、".join(both[:3]) + ("等" if len(both) > 3 else "")
            f.status = Status.OWN_OUTPUT
            f.reason = (
                f"年报助手生成的汇总表，其中 {len(both)} 个单位（{shown}）的填报表也在收到的"
                "文件中；为免重复计算，没有计入。"
            )


def file_reason(f: FileEntry, spec: FormatSpec) -> str:
    """Return why a used workbook has its status (and how its unit was told)."""
    if f.status == Status.EMPTY:
        reason = "所有数字都是空白或 0，请确认是否填写完整。"
    elif f.errors or f.warnings:
        reason = f"错误 {f.errors} 项，警告 {f.warnings} 项。"
    else:
        reason = "校验通过。"
    if f.unit_from == UNIT_FROM_INFO:
        reason += f"这份填报表下发时没有写入单位，按「{spec.sheets.info}」中填写的单位名称识别。"
    return reason


def _attach_unused(files: list[FileEntry], units: dict[str, UnitEntry]) -> None:
    """Let a unit without a usable file show why: its file was unreadable or of another year."""
    names = {norm: u.name for norm, u in units.items()}
    # The most telling reason first: a workbook of another year or format, then an unreadable
    # file, then a workbook that is not ours (shown as unreadable).
    rank = (Status.WRONG_YEAR, Status.WRONG_FORMAT, Status.UNREADABLE, Status.FOREIGN)
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
            f.unit, f.unit_from = unit.name, UNIT_FROM_NAME
        unit.others.append(f)
        if unit.file is None:
            current = rank.index(unit.status) if unit.status in rank else len(rank)
            unit.status = rank[min(rank.index(f.status), current)]
            if unit.status == Status.FOREIGN:
                unit.status = Status.UNREADABLE


def sum_values(units: Iterable[UnitEntry], spec: FormatSpec) -> dict[CellKey, Decimal]:
    """Return the county's input totals: each input cell summed over the included units."""
    totals = dict.fromkeys(number_keys(spec), Decimal(0))
    for unit in units:
        if unit.included:
            for key, value in unit.values.items():
                if value is not None and key in totals:
                    totals[key] += value
    return totals
