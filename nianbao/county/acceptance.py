"""Acceptance (验收): the county office marks a unit's workbook as accepted, and a later file from
that unit does not silently replace it.

An acceptance is of content: the SHA-256 of the version accepted, with when. It is kept as an event
in the intake ledger (``acceptances``), as is a withdrawal (``--unaccept``); nothing is ever
removed, so the ledger is the record of who was accepted when. At each rollup a unit whose last
event is an acceptance is 已验收: its accepted version is the one summed, even when a newer version
has arrived since (验收后有改动, shown with what changed), until the office accepts the new one.
"""

from __future__ import annotations

import time

from nianbao.errors import UsageError, WorkbookError
from nianbao.validation.text_report import summary_line
from nianbao.workbook_templates.spec import FormatSpec, Severity, Status
from nianbao.workbook_templates.values import normalize_label

from .ledger import Ledger
from .model import AcceptanceRequest, FileEntry, UnitEntry, iso_time
from .revisions import compare_pair

ACCEPT, WITHDRAW = "accept", "withdraw"


def current(ledger: Ledger) -> dict[str, dict]:
    """Return each unit's standing acceptance (by normalised unit name): its last event, when
    that is an acceptance."""
    last: dict[str, dict] = {}
    for event in ledger.acceptances:
        last[normalize_label(event["unit"])] = event
    return {unit: e for unit, e in last.items() if e["action"] == ACCEPT}


def _named(units: dict[str, UnitEntry], names: tuple[str, ...], option: str) -> list[UnitEntry]:
    found: list[UnitEntry] = []
    unknown: list[str] = []
    for name in names:
        unit = units.get(normalize_label(name))
        if unit is None:
            unknown.append(name)
        else:
            found.append(unit)
    if unknown:
        shown = "、".join(f"「{n}」" for n in unknown[:5])
        raise UsageError(
            f"{option} 中的单位 {shown} 不在本次汇总的单位中。",
            "请写名单（或填报表）中的单位全称；可用 --json 查看单位名称。",
        )
    return found


def _event(unit: UnitEntry, version: FileEntry, action: str, now: float) -> dict:
    report = version.report
    return {
        "unit": unit.name,
        "action": action,
        "sha256": version.sha256,
        "file": version.path.name,
        "time": iso_time(now) or "",
        "verdict": summary_line(report) if report is not None else "",
    }


def record_acceptance(
    ledger: Ledger, units: list[UnitEntry], request: AcceptanceRequest, now: float | None = None
) -> list[dict]:
    """Add this run's acceptances and withdrawals to the ledger; return the events added.
    An acceptance is of the unit's last version to arrive; a unit that sent no workbook that can
    be summed cannot be accepted (UsageError, before anything is written)."""
    now = time.time() if now is None else now
    by_name = {normalize_label(u.name): u for u in units}
    standing = current(ledger)
    added: list[dict] = []
    for unit in _named(by_name, request.unaccept, "--unaccept"):
        event = standing.get(normalize_label(unit.name))
        if event is not None:
            added.append({**event, "action": WITHDRAW, "time": iso_time(now) or ""})
    wanted = _named(by_name, request.accept, "--accept")
    if unsent := [u.name for u in wanted if not u.versions]:
        raise UsageError(
            f"单位 {'、'.join(unsent[:5])} 没有可以汇总的填报表，无法验收。",
            "请等单位报送能读取的填报表后再验收。",
        )
    if request.accept_all_valid:
        wanted += [
            u
            for u in units
            if u.versions and u not in wanted and not _errors(u.versions[-1]) and u.on_roster
        ]
    withdrawn = {normalize_label(e["unit"]) for e in added}
    for unit in wanted:
        newest = unit.versions[-1]
        event = standing.get(normalize_label(unit.name))
        if event is not None and event["sha256"] == newest.sha256 and unit.name not in withdrawn:
            continue  # accepted already, as it is
        added.append(_event(unit, newest, ACCEPT, now))
    ledger.acceptances.extend(added)
    return added


def _errors(version: FileEntry) -> int:
    return version.report.counts[Severity.ERROR] if version.report is not None else 1


def apply_acceptance(ledger: Ledger, units: list[UnitEntry], spec: FormatSpec) -> None:
    """Mark the accepted units; where a newer version arrived after the acceptance, sum the
    accepted one and say what the newer one changes (验收后有改动)."""
    standing = current(ledger)
    for unit in units:
        event = standing.get(normalize_label(unit.name))
        if event is None:
            continue
        unit.accepted = event
        if not unit.versions or unit.versions[-1].sha256 == event["sha256"]:
            continue
        newest = unit.versions[-1]
        accepted = next((v for v in unit.versions if v.sha256 == event["sha256"]), None)
        if accepted is None:
            unit.acceptance_note = (
                f"已验收的版本（{event['file']}，SHA-256 {event['sha256'][:12]}…）"
                f"不在收到的文件中，采用最后收到的 {newest.path.name}；请重新验收。"
            )
            continue
        try:
            unit.after_acceptance = compare_pair(accepted, newest)
        except WorkbookError as exc:
            unit.acceptance_note = f"无法与已验收的版本比较：{exc.message}"
        _use(unit, accepted, newest, spec)


def _use(unit: UnitEntry, accepted: FileEntry, newest: FileEntry, spec: FormatSpec) -> None:
    """Sum the accepted version instead of the newest one."""
    from .decide import file_reason, report_status

    if unit.file is not None:
        unit.file.used = False
    accepted.used = True
    accepted.status = report_status(accepted)
    kept = "已验收的版本（验收后又收到新版本，仍采用本版本）。"
    accepted.reason = kept + file_reason(accepted, spec)
    for version in unit.versions:
        if version is not accepted:
            version.status = Status.DUPLICATE
    newest.reason = (
        f"验收后收到的新版本，未采用：仍采用已验收的 {accepted.path.name}。"
        f"如要采用本版本，请用 --accept「{unit.name}」验收。"
    )
    unit.others = [v for v in unit.others if v is not accepted]
    if unit.file is not None and unit.file is not accepted and unit.file not in unit.others:
        unit.others.insert(0, unit.file)
    unit.file = accepted
    unit.status = accepted.status
