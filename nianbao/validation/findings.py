"""Findings and reports: one record type for the CLI, JSON, the window, the annotated workbook and
the exports. Whatever the program has to tell a person about data (a rule that fails, a note on
last year's figures, a part of the narrative that was left out) is a ``Finding``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind, Severity


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

    @property
    def message(self) -> str:
        return f"{self.text}{self.action}" if self.action else self.text

    @property
    def where(self) -> str:
        """Return "表三!D12", "表三" or "" for display."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def to_dict(self) -> dict:
        return {
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
        }


def rule_findings(
    spec: FormatSpec, kind: RuleKind, args: Mapping[str, object], **fields
) -> list[Finding]:
    """Return one finding per rule of ``kind``, worded by the rule with ``args``; ``fields``
    say where (sheet, cell, row …)."""
    return [
        Finding(
            rule=rule.id,
            severity=rule.severity,
            text=render(rule.message, args),
            action=render(rule.action, args),
            **fields,
        )
        for rule in spec.rules_of_kind(kind)
    ]


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
        """Return how many findings there are of each severity (every severity, maybe 0)."""
        counts = dict.fromkeys(Severity, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def valid(self) -> bool:
        return self.readable and self.counts[Severity.ERROR] == 0

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.severity.rank)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "valid": self.valid,
            "counts": {str(s): n for s, n in self.counts.items()},
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
