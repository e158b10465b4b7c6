"""The check of a rollup's own totals, explained by the units it adds up, and told the same way
everywhere it is shown: on the terminal, on the summary's 汇总情况 sheet, in ``--json`` and on
the 汇总 page.

A county summary whose table 三 does not balance has, as a rule, not gone wrong by itself: it
adds up units that do not balance. ``check_totals`` checks the totals with the included units as
their parts (``validation.parts``), so a failing balance names each included unit with errors,
its share of the difference and its own problem (「14件」 in 表三!D6), and says whether summing only
the units without errors (``--exclude-invalid``) passes — computed by checking those totals.
"""

from __future__ import annotations

from collections.abc import Sequence

from nianbao.validation.engine import validate_summary, values_workbook
from nianbao.validation.findings import Finding, Report
from nianbao.validation.parts import Part, PartsExplanation
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import Severity

from .model import RollupResult, UnitEntry

CHECK_LABEL = "汇总数校验"
SHOWN = 5  # the summary's problems listed before "……共 N 项"
EXPLAINED_CELLS = 10  # cells of what a problem explains listed after it


def unit_parts(units: Sequence[UnitEntry]) -> list[Part]:
    """Return the included units as the parts of the summary: the numbers summed for each and
    its own check."""
    return [
        Part(u.name, u.values, u.report)
        for u in units
        if u.included and u.file is not None and u.report is not None
    ]


def check_totals(
    result: RollupResult, previous: FilledWorkbook | None
) -> tuple[Report, PartsExplanation | None]:
    """Return the check of the rollup's totals (as the written summary will show them) and
    which failing balances the included units with errors account for."""
    spec = result.spec
    if result.request.rules is not None:
        from nianbao.workbook_templates.rule_packs import apply_rules

        spec = apply_rules(spec, result.request.rules)
    wb = values_workbook(
        spec,
        result.totals,
        year=result.year,
        unit=result.request.unit,
        kind=spec.summary.kind,
    )
    return validate_summary(wb, previous, unit_parts(result.units))


def verdict(report: Report, see: str = "") -> str:
    """Return the one line of the totals' check: 通过, or how many problems of each kind (and
    ``see``, where to read all of them)."""
    if not report.findings:
        return f"{CHECK_LABEL}：通过"
    c = report.counts
    line = f"{CHECK_LABEL}：错误 {c[Severity.ERROR]} 项，警告 {c[Severity.WARNING]} 项"
    notes = [f"另有 {report.explained} 项由上述问题引起，不另计"] if report.explained else []
    notes += [see] if see else []
    return line + (f"（{'；'.join(notes)}）" if notes else "")


def _explained(report: Report, finding: Finding) -> str:
    cells = [f.where for f in report.explained_by(finding) if f.where]
    if not cells:
        return ""
    listed = "、".join(cells[:EXPLAINED_CELLS]) + (" 等" if len(cells) > EXPLAINED_CELLS else "")
    return f"由此引起 {len(cells)} 项（不另计）：{listed}"


def check_lines(report: Report, shown: int = SHOWN) -> list[str]:
    """Return the totals' problems as lines: each problem no other explains (where, what, and
    what it explains), then what to do, each different action once."""
    roots = report.roots()
    lines = []
    for f in roots[:shown]:
        label = f"（{f.pack_label}）" if f.pack else ""
        lines.append(f"{f.where} {f.text}{label}".strip())
        if explained := _explained(report, f):
            lines.append(f"  {explained}")
    if len(roots) > shown:
        lines.append(f"……共 {len(roots)} 项")
    actions = dict.fromkeys(f.action for f in roots[:shown] if f.action)
    lines += [f"怎么改：{a}" for a in actions]
    return lines


def excluding_helps(result: RollupResult) -> bool:
    """Return whether the totals fail because of included units with errors and summing only
    the units without errors passes (the rollup was run with them included)."""
    explanation = result.summary_explanation
    return (
        explanation is not None
        and bool(explanation.exclude_passes)
        and not result.request.exclude_invalid
    )


__all__ = [
    "CHECK_LABEL",
    "check_lines",
    "check_totals",
    "excluding_helps",
    "unit_parts",
    "verdict",
]
