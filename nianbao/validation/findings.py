"""Findings and reports: one record type for the CLI, JSON, the window, the annotated workbook and
the exports. Whatever the program has to tell a person about data (a rule that fails, a note on
last year's figures, a part of the narrative that was left out) is a ``Finding``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind, RuleSpec, Severity


@dataclass(frozen=True)
class Finding:
    """One problem, pinned to a cell where it has one, with everything a person needs.

    ``message`` is the full sentence shown to people (what is wrong, then what to do);
    ``text`` and ``action`` keep the two halves apart.
    """

    rule: str
    severity: Severity
    text: str
    action: str = ""
    sheet: str = ""
    cell: str = ""
    table: str = ""
    row: str = ""
    column: str = ""
    expected: Decimal | str | None = None
    actual: Decimal | str | None = None
    cells: tuple[str, ...] = ()
    key: CellKey | None = None  # the value cell of the format, where the finding has one
    section: str = ""  # the section code (s1 …) a finding on one part of the narrative is about
    id: str = ""  # unique within its report: "H3-1@表三!D30"
    cause: str | None = None  # the id of the finding that explains this one (see causes.py)
    pack: str = ""  # the local rule pack that added its rule or changed its severity (its name)

    @property
    def message(self) -> str:
        return f"{self.text}{self.action}" if self.action else self.text

    @property
    def pack_label(self) -> str:
        """Return what is shown beside a finding of a local rule pack: "本地规则“某市要求”"
        ("" for the format's own rules)."""
        return f"本地规则“{self.pack}”" if self.pack else ""

    @property
    def where(self) -> str:
        """Return "表三!D12", "表三" or "" for display."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "cause": self.cause,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "sheet": self.sheet or None,
            "cell": self.cell or None,
            "table": self.table or None,
            "row": self.row or None,
            "column": self.column or None,
            "expected": json_value(self.expected),
            "actual": json_value(self.actual),
            "cells": list(self.cells),
            "pack": self.pack or None,
        }


def rule_finding(rule: RuleSpec, args: Mapping[str, object], **fields) -> Finding:
    """Return the finding of one rule, worded with ``args``; ``fields`` say where (sheet,
    cell, row …)."""
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        text=render(rule.message, args),
        action=render(rule.action, args),
        pack=rule.pack,
        **fields,
    )


def rule_findings(
    spec: FormatSpec, kind: RuleKind, args: Mapping[str, object], **fields
) -> list[Finding]:
    """Return one finding per rule of ``kind``, worded by the rule with ``args``; ``fields``
    say where (sheet, cell, row …)."""
    return [rule_finding(rule, args, **fields) for rule in spec.rules_of_kind(kind)]


def json_value(value):
    """Return a JSON-friendly number or text: whole numbers as int, others as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value == "":
        return None
    return value


@dataclass
class Report:
    """The result of checking one workbook."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    unit: str = ""
    kind: str = ""
    year: int | None = None
    format_version: str = ""
    readable: bool = True

    @property
    def counts(self) -> dict[Severity, int]:
        """Return how many problems there are of each severity (every severity, maybe 0).

        A finding explained by another (its ``cause``) is the same problem and is not counted.
        """
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            if f.cause is None:
                counts[f.severity] += 1
        return counts

    @property
    def explained(self) -> int:
        """Return how many findings another finding explains (not counted in ``counts``)."""
        return sum(1 for f in self.findings if f.cause is not None)

    @property
    def valid(self) -> bool:
        return self.readable and self.counts[Severity.ERROR] == 0

    def sorted_findings(self) -> list[Finding]:
        """Return every finding: by severity, causes before what they explain, then in the
        order the checks gave them (table order)."""
        return sorted(self.findings, key=lambda f: (f.severity.rank, f.cause is not None))

    def roots(self, severity: Severity | None = None) -> list[Finding]:
        """Return the findings no other explains (of one severity, or all), in sorted order."""
        return [
            f
            for f in self.sorted_findings()
            if f.cause is None and (severity is None or f.severity == severity)
        ]

    def explained_by(self, finding: Finding) -> list[Finding]:
        """Return the findings that ``finding`` explains, in sorted order."""
        if not finding.id:
            return []
        return [f for f in self.sorted_findings() if f.cause == finding.id]

    def extend(self, findings: list[Finding]) -> None:
        """Add findings made after the check (a narrative file's), each given a unique id."""
        taken = {f.id for f in self.findings}
        self.findings += with_ids(findings, taken)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "valid": self.valid,
            "counts": {str(s): n for s, n in self.counts.items()},
            "explained": self.explained,
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }


def with_ids(findings: list[Finding], taken: set[str] | None = None) -> list[Finding]:
    """Return the findings, each without an id given one unique among them and ``taken``:
    rule and place ("V-NUMBER@表三!D6"), numbered when the same rule is twice at one place."""
    taken = set() if taken is None else taken
    result = []
    for f in findings:
        if not f.id:
            base = f"{f.rule}@{f.where}" if f.where else f.rule
            fid, n = base, 1
            while fid in taken:
                n += 1
                fid = f"{base}#{n}"
            f = replace(f, id=fid)
        taken.add(f.id)
        result.append(f)
    return result
