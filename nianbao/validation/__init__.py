"""Validation: rules from the spec applied to a read workbook; findings and reports."""

from .engine import validate
from .findings import Finding, Report

__all__ = ["Finding", "Report", "validate"]
