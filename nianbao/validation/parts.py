"""A summary's balances explained by the units it adds up.

A summary (汇总表) adds its units up cell by cell, so the difference of one of its balances
(say 一＋二＝三（七）＋四 of the 自然人 column) is exactly the sum of the same balance's differences
on each unit's numbers. When a summary balance fails and the included units with errors account
for all of its difference, the summary has not gone wrong by itself: its finding names those
units, each unit's share and the unit's own problem ("甲镇 -14（表三!D6 填的是「14件」）"), and
says whether summing only the units without errors (``--exclude-invalid``) would pass — which
the engine computes by checking those totals, never assumes. Where the units do not account for
the difference (a summary edited by hand, a balance over last year's figures), nothing is added.

This module does the arithmetic and the wording (``[summary.parts]`` of the format file); the
engine decides when to ask and checks the totals without the failing units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from nianbao.workbook_templates.checks import format_number, render
from nianbao.workbook_templates.compute import (
    ZERO,
    RuleInstance,
    number_keys,
    recompute,
    side_value,
)
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind, Severity

from .causes import Issued
from .findings import Finding, Report, json_value

SHARES_SHOWN = 5  # units named in one finding before "等 N 个单位"

_BALANCE_KINDS = frozenset({RuleKind.SUM, RuleKind.EQUATION})
_TYPED_KINDS = frozenset({RuleKind.TEXT_NUMBER, RuleKind.NOT_NUMBER})
_BLANK_KINDS = frozenset({RuleKind.BLANK, RuleKind.TABLE_BLANK})


@dataclass(frozen=True)
class Part:
    """One unit a summary adds up: its name, the numbers the summary summed (None: left out,
    as a spreadsheet's SUM leaves out a blank or words) and the unit's own check.

    ``read_back``: the numbers were read back from the summary's unit sheet, where a blank may
    have been words in the unit's own file.
    """

    name: str
    values: Mapping[CellKey, Decimal | None]
    report: Report
    read_back: bool = False

    @property
    def failing(self) -> bool:
        """Return whether the unit has errors of its own (``--exclude-invalid`` leaves it out)."""
        return self.report.counts[Severity.ERROR] > 0

    def numbers(self, spec: FormatSpec) -> dict[CellKey, Decimal]:
        """Return the unit's inputs as summed and its totals recomputed from them."""
        inputs = {k: v for k, v in self.values.items() if v is not None}
        return {**inputs, **recompute(spec, inputs)}


@dataclass(frozen=True)
class Share:
    """One unit's part of a summary balance's difference, and the unit's own problem behind it
    (its finding on the same balance, or the cell that finding says the difference comes from)."""

    unit: str
    amount: Decimal
    finding: Finding | None
    read_back: bool = False  # the unit's numbers were read back from a summary's unit sheet


@dataclass(frozen=True)
class PartsCause:
    """Where the difference of one summary finding comes from: the units' shares, largest first."""

    finding: str  # the summary finding's id
    difference: Decimal  # left − right of the balance on the summary's numbers
    shares: tuple[Share, ...]


@dataclass(frozen=True)
class PartsExplanation:
    """The summary findings the included units with errors account for, and whether summing
    only the units without errors passes (None: no unit would be left)."""

    causes: tuple[PartsCause, ...]
    exclude_passes: bool | None

    @property
    def units(self) -> tuple[str, ...]:
        """Return the units named, in the order they are first named."""
        return tuple(dict.fromkeys(s.unit for c in self.causes for s in c.shares))

    def cause_of(self, finding: Finding) -> PartsCause | None:
        """Return where a summary finding's difference comes from, if the units account for it."""
        return next((c for c in self.causes if c.finding == finding.id), None)

    def to_dict(self) -> dict:
        return {
            "units": list(self.units),
            "exclude_invalid_passes": self.exclude_passes,
            "findings": [
                {
                    "finding": c.finding,
                    "difference": json_value(c.difference),
                    "shares": [
                        {
                            "unit": s.unit,
                            "amount": json_value(s.amount),
                            "finding": s.finding.id if s.finding else None,
                            "where": s.finding.where if s.finding else None,
                            "message": s.finding.message if s.finding else None,
                        }
                        for s in c.shares
                    ],
                }
                for c in self.causes
            ],
        }


def difference(inst: RuleInstance, values: Mapping[CellKey, Decimal | None]) -> Decimal:
    """Return left − right of a rule instance of this year's cells on ``values``."""
    left = side_value(inst.left, values, None)
    right = side_value(inst.right, values, None)
    assert left is not None and right is not None  # no term of last year's
    return left - right


def balance_roots(
    findings: Sequence[Finding], issued: Sequence[Issued | None]
) -> list[tuple[int, RuleInstance]]:
    """Return the failing sums and balances no other finding explains, with their instances
    (leaving out those over last year's figures: the units' own are not at hand)."""
    found = []
    for i, (f, how) in enumerate(zip(findings, issued, strict=True)):
        inst = how.instance if how else None
        if f.cause is not None or inst is None:
            continue
        if inst.rule.kind in _BALANCE_KINDS and not inst.uses_previous:
            found.append((i, inst))
    return found


def _own_finding(part: Part, inst: RuleInstance) -> Finding | None:
    """Return the unit's own finding behind its share: the cause of its finding on the same
    balance, or that finding itself."""
    findings = part.report.findings
    same = next((f for f in findings if f.rule == inst.rule.id and f.key == inst.anchor), None)
    if same is None or same.cause is None:
        return same
    return next((f for f in findings if f.id == same.cause), same)


def part_shares(
    inst: RuleInstance,
    summary_difference: Decimal,
    parts: Sequence[tuple[Part, Mapping[CellKey, Decimal]]],
) -> tuple[Share, ...] | None:
    """Return each unit's share of a summary balance's difference, largest first, when the
    units with errors account for all of it; else None. ``parts`` pairs each unit with its
    numbers (``Part.numbers``)."""
    shares = []
    for part, numbers in parts:
        amount = difference(inst, numbers)
        if amount:
            if not part.failing:
                return None  # a unit without errors of its own: not the units' problem
            shares.append(Share(part.name, amount, _own_finding(part, inst), part.read_back))
    if not shares or sum((s.amount for s in shares), ZERO) != summary_difference:
        return None
    return tuple(sorted(shares, key=lambda s: -abs(s.amount)))


def part_causes(
    spec: FormatSpec,
    candidates: Sequence[tuple[int, RuleInstance]],
    findings: Sequence[Finding],
    values: Mapping[CellKey, Decimal | None],
    parts: Sequence[Part],
) -> tuple[PartsCause, ...]:
    """Return, for each candidate summary finding the units account for, where its difference
    comes from."""
    numbered = [(p, p.numbers(spec)) for p in parts] if candidates else []
    causes = []
    for i, inst in candidates:
        total = difference(inst, values)
        shares = part_shares(inst, total, numbered) if total else None
        if shares:
            causes.append(PartsCause(findings[i].id, total, shares))
    return tuple(causes)


def summed(spec: FormatSpec, parts: Sequence[Part]) -> dict[CellKey, Decimal]:
    """Return the inputs of a summary of ``parts`` (blank and words count as 0, as in SUM)."""
    totals = dict.fromkeys(number_keys(spec), ZERO)
    for part in parts:
        for key, value in part.values.items():
            if value is not None and key in totals:
                totals[key] += value
    return totals


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format_number(value)


def describe_share(spec: FormatSpec, share: Share) -> str:
    """Return one unit's share as the clause lists it: "甲镇 -14（表三!D6 填的是「14件」）"."""
    words = spec.summary.parts
    amount = _signed(share.amount)
    f = share.finding
    if f is None:
        return render(words.share_plain, {"unit": share.unit, "amount": amount})
    kind = spec.rule(f.rule).kind if any(r.id == f.rule for r in spec.rules) else None
    if kind in _TYPED_KINDS:
        cause = render(words.typed, {"cell": f.where, "actual": f.actual})
    elif kind in _BLANK_KINDS:
        cause = render(words.no_number if share.read_back else words.blank, {"cell": f.where})
    else:
        cause = render(words.rule, {"cell": f.where})
    return render(words.share, {"unit": share.unit, "amount": amount, "cause": cause})


def reword(
    spec: FormatSpec,
    findings: Sequence[Finding],
    issued: Sequence[Issued | None],
    explanation: PartsExplanation,
) -> list[Finding]:
    """Return the findings with each one the units account for saying so: its own text without
    the one-cell fix (the summary's cells are right), where the difference comes from, and what
    to do (have the units correct it, or sum only the units without errors)."""
    words = spec.summary.parts
    if explanation.exclude_passes is None:
        exclude = ""
    else:
        exclude = words.exclude_passes if explanation.exclude_passes else words.exclude_fails
    result = list(findings)
    for i, f in enumerate(findings):
        cause = explanation.cause_of(f)
        how = issued[i]
        if cause is None or how is None:
            continue
        listed = [describe_share(spec, s) for s in cause.shares]
        shares = "、".join(listed[:SHARES_SHOWN])
        if len(listed) > SHARES_SHOWN:
            shares += render(words.more, {"count": len(listed)})
        args = {"difference": _signed(cause.difference), "shares": shares, "count": len(listed)}
        text = render(how.rule.message, {**how.args, "fix": ""}) + render(words.clause, args)
        action = render(words.action, {"exclude": exclude, "count": len(listed)})
        # No value the summary's cell "should" have: the summary added right.
        result[i] = replace(f, text=text, action=action, expected=None)
    return result


__all__ = [
    "Part",
    "PartsCause",
    "PartsExplanation",
    "Share",
    "balance_roots",
    "part_causes",
    "part_shares",
    "reword",
    "summed",
]
