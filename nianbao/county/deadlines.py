"""Deadlines (截止日期): when each unit had to send its workbook, whether it did so in time, and the
on-time rate (按时报送率) the terminal, the window, the summary and the JSON all show.

A unit's deadline is its roster row's 截止日期, else the rollup's ``--deadline``; a unit with
neither has none and is not counted. A unit is on time when the first file it sent (any file of
it, usable or not: the later versions are corrections, not the report's arrival) arrived on or
before the deadline, by the intake ledger's first-seen time, in local calendar days. A unit that
sent nothing is overdue from the day after its deadline, counted to the time of the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from nianbao.workbook_templates.spec import TimelinessText

from .dates import date_text
from .model import RollupResult, Status, Timeliness, Timely, UnitEntry, timeliness_counts

# Files that are not a unit's own sending: a second copy of the same content arrives with the
# first (it has the same first-seen time anyway).
_NOT_SENT = frozenset({Status.COPY, Status.IGNORED, Status.OWN_OUTPUT, Status.NOT_WORKBOOK})


def _day(seconds: float) -> dt.date:
    return dt.datetime.fromtimestamp(seconds).date()


def first_arrival(unit: UnitEntry) -> float:
    """Return when the first file a unit sent arrived (0 when it sent none)."""
    times = [
        f.first_seen
        for f in [*unit.versions, *unit.others]
        if f.first_seen and f.status not in _NOT_SENT
    ]
    if unit.file is not None and unit.file.first_seen:
        times.append(unit.file.first_seen)
    return min(times, default=0.0)


def timeliness(unit: UnitEntry, deadline: dt.date | None, now: float) -> Timeliness | None:
    """Return how a unit stands against ``deadline`` at ``now`` (None without a deadline)."""
    if deadline is None:
        return None
    arrived = first_arrival(unit)
    if arrived:
        days = (_day(arrived) - deadline).days
        code = Timely.LATE if days > 0 else Timely.ON_TIME
        return Timeliness(code, deadline, max(days, 0), arrived)
    days = (_day(now) - deadline).days
    return Timeliness(Timely.OVERDUE if days > 0 else Timely.OPEN, deadline, max(days, 0))


def set_timeliness(units: Iterable[UnitEntry], default: dt.date | None, now: float) -> None:
    """Give every unit its standing against its own deadline, else ``default``."""
    for unit in units:
        unit.timeliness = timeliness(unit, unit.deadline or default, now)


def rate_text(rate: float) -> str:
    """Return an on-time rate as a percentage with at most one decimal: 87.5%, 100%."""
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def timeliness_text(standing: Timeliness | None, words: TimelinessText) -> str:
    """Return a unit's 是否按时 cell ("" without a deadline)."""
    if standing is None:
        return ""
    template = {
        Timely.ON_TIME: words.on_time,
        Timely.LATE: words.late,
        Timely.OVERDUE: words.overdue,
        Timely.OPEN: words.open,
    }[standing.code]
    return template.format(days=standing.days, deadline=date_text(standing.deadline))


def timeliness_sentence(result: RollupResult) -> str:
    """Return the sentence on timeliness after who sent what ("" when no unit has a deadline)."""
    words = result.spec.summary.timeliness
    n = timeliness_counts(result.units)
    if not n.dated or n.rate is None:
        return ""
    deadlines = {u.timeliness.deadline for u in result.units if u.timeliness is not None}
    named = (
        words.one_deadline.format(deadline=date_text(deadlines.pop()))
        if len(deadlines) == 1
        else words.many_deadlines
    )
    clauses = ""
    if n.open:
        clauses += words.open_clause.format(count=n.open)
    if n.undated:
        clauses += words.undated_clause.format(count=n.undated)
    return words.summary.format(
        deadlines=named,
        on_time=n.on_time,
        late=n.late,
        overdue=n.overdue,
        clauses=clauses,
        rate=rate_text(n.rate),
        dated=n.dated,
    )


def late_units(units: Iterable[UnitEntry]) -> list[UnitEntry]:
    """Return the units that sent late or are overdue, in the order given."""
    return [
        u
        for u in units
        if u.timeliness is not None and u.timeliness.code in (Timely.LATE, Timely.OVERDUE)
    ]
