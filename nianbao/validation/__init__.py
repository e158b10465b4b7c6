"""Validation: the rules of the spec applied to a read workbook (``engine``), the one finding
record and the report (``findings``), the narrative checks (``narrative_*``, ``leftovers``), the
numbers a workbook shows (``shown``), causes and consequences (``causes``), a summary's balances
explained by its units (``parts``), the text report and the annotated copy."""

from .engine import validate
from .findings import Finding, Report

__all__ = ["Finding", "Report", "validate"]
