"""The built-in sample workbooks (a fictional township), as template requests, and the same
sample with two typical mistakes (for the demo, the screenshots and the tests)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from .builder import TemplateRequest
from .compute import computed_cells
from .loader import load_spec
from .spec import CellKey

SAMPLES_DIR = Path(__file__).with_name("samples")


def sample_request(year: int = 2025) -> TemplateRequest:
    """Return the sample for a year (2025, or 2024 as its previous year) as a TemplateRequest.

    Table rows given as lists are the block's columns in order, leaving out computed cells.
    """
    with (SAMPLES_DIR / f"sample_{year}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    spec = load_spec(data["format_version"])

    computed = computed_cells(spec)
    values: dict[CellKey, Decimal] = {}
    for table_code, rows in data.get("values", {}).items():
        table = spec.table(table_code)
        for row_code, row_values in rows.items():
            if isinstance(row_values, list):
                cols = [
                    c.code
                    for c in table.block_of(row_code).columns
                    if CellKey(table_code, row_code, c.code) not in computed
                ]
                row_values = dict(zip(cols, row_values, strict=True))
            for col_code, value in row_values.items():
                values[CellKey(table_code, row_code, col_code)] = Decimal(str(value))
    return TemplateRequest(
        year=int(data["year"]),
        unit=data["unit"],
        kind=data["kind"],
        format_version=data["format_version"],
        values=values,
        texts=dict(data.get("texts", {})),
        info=dict(data.get("info", {})),
    )


def sample_with_mistakes(request: TemplateRequest) -> TemplateRequest:
    """Return the sample with two typical clerk mistakes, to show what findings look like: a
    结转 that does not balance its column, and a cell left blank."""
    values = dict(request.values)
    values[CellKey("t3", "r4", "c1")] = Decimal(3)  # 结转下年度 does not balance
    values[CellKey("t3", "r3_5_2", "c2")] = None  # a cell left blank
    return replace(request, values=values)
