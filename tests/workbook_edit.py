"""Edit a built workbook the way a careless clerk might, for rule tests (openpyxl based).

Real spreadsheet programs are exercised in test_roundtrip_libreoffice.py; here we only need
precise, fast mutations: a constant over a formula, text in a number cell, a deleted sheet, an
inserted row.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl


def edit_workbook(
    source: Path,
    target: Path,
    cells: dict[str, object] | None = None,
    *,
    delete_sheets: tuple[str, ...] = (),
    add_sheets: tuple[str, ...] = (),
    insert_rows: tuple[str, int] | None = None,
    delete_rows: tuple[str, int] | None = None,
) -> Path:
    """Write ``target``: ``source`` with cells set ("表三!D6": value, "=..." for formulas)."""
    wb = openpyxl.load_workbook(source)
    for ref, value in (cells or {}).items():
        sheet, cell = ref.split("!")
        wb[sheet][cell].value = value
    for name in delete_sheets:
        del wb[name]
    for name in add_sheets:
        wb.create_sheet(name)["A1"] = "备注"
    if insert_rows:
        sheet, row = insert_rows
        wb[sheet].insert_rows(row)
    if delete_rows:
        sheet, row = delete_rows
        wb[sheet].delete_rows(row)
    wb.save(target)
    return target
