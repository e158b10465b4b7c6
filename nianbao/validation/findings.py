"""Findings and reports: one record type for the CLI, JSON, the annotated workbook and exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.workbook_templates.checks import render
from nianbao.workbook_templates.spec import FormatSpec

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem, pinned to a cell where it has one, with everything a person needs.

    ``message`` is the full sentence shown to people (what is wrong, then what to do);
    ``text`` and ``action`` keep the two halves apart.
    """

    rule: str
    severity: str
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
    key: str = ""

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


def rule_findings(spec: FormatSpec, kind: str, args: Mapping[str, object], **fields) -> list:
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
    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def valid(self) -> bool:
        return self.readable and self.counts["error"] == 0

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: SEVERITY_ORDER[f.severity])

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "valid": self.valid,
            "counts": self.counts,
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
