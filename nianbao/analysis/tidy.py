"""``nianbao data``: every input cell of every record as one tidy long table (pandas), written as
CSV (UTF-8 with BOM, so that WPS and Excel show the Chinese), .xlsx or JSON.

One row per cell: who (unit, kind, year, format_version, level, origin), where in the format
(table, row and column codes and their official labels), the value (empty when blank or
unknown, never 0 for unknown), whether it is unknown, the reader's status, and where it came
from (source_file, source_cell, sha256). Column names are machine names (open data); the README
lists them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from nianbao.errors import UsageError
from nianbao.files import atomic_output
from nianbao.workbook_templates.compute import (
    computed_cells,
    inputs_under,
    number_keys,
    recompute,
)
from nianbao.workbook_templates.spec import CellKey, FormatSpec

from .sources import Record

COLUMNS = (
    "unit",
    "kind",
    "year",
    "format_version",
    "level",
    "origin",
    "table_code",
    "table",
    "row_code",
    "row_label",
    "col_code",
    "col_label",
    "value",
    "unknown",
    "status",
    "text",
    "source_file",
    "source_cell",
    "sha256",
)
SUFFIXES = (".csv", ".xlsx", ".json")
XLSX_MAX_ROWS = 1_048_575  # one row of an Excel sheet is the heading


def frame_keys(spec: FormatSpec, totals: bool = False) -> tuple[CellKey, ...]:
    """Return the cells a record has a row for: the number inputs, or with ``totals`` every
    number cell of the tables (the computed totals too), in sheet order."""
    if not totals:
        return number_keys(spec)
    return tuple(k for k in spec.value_keys() if spec.value_type(k) != "text")


@cache
def _key_columns(spec: FormatSpec, totals: bool) -> dict[str, np.ndarray]:
    """Return the columns that depend on the cell only (one entry per cell of ``frame_keys``)."""
    keys = frame_keys(spec, totals)
    table_code, table, row_code, row_label, col_code, col_label = ([] for _ in range(6))
    for k in keys:
        t = spec.table(k.table)
        row, col = t.row(k.row), t.column(k.row, k.col)
        table_code.append(k.table)
        table.append(t.name)
        row_code.append(k.row)
        row_label.append(row.name)
        col_code.append(k.col)
        col_label.append("·".join(col.path) if col.path else col.name)
    columns = {
        "table_code": table_code,
        "table": table,
        "row_code": row_code,
        "row_label": row_label,
        "col_code": col_code,
        "col_label": col_label,
    }
    return {name: np.array(v, dtype=object) for name, v in columns.items()}


def _number(value: Decimal | None) -> float:
    return float(value) if value is not None else np.nan


def _with_totals(
    record: Record,
) -> tuple[
    Mapping[CellKey, Decimal | None],
    frozenset[CellKey],
    Mapping[CellKey, str],
    Mapping[CellKey, str],
]:
    """Return a record's values, unknown cells, statuses and cell references with its computed
    totals added (recomputed from the inputs; unknown when any input under them is)."""
    spec = record.spec
    known = {k: v for k, v in record.values.items() if k not in record.unknown}
    totals = recompute(spec, known)
    computed = computed_cells(spec)
    unknown = set(record.unknown)
    unknown |= {k for k in totals if inputs_under(spec, k) & record.unknown}
    statuses = {**record.statuses, **dict.fromkeys(computed, "computed")}
    return {**record.values, **totals}, frozenset(unknown), statuses, record.refs


def tidy_frame(records: Iterable[Record], *, totals: bool = False) -> pd.DataFrame:
    """Return the tidy table of the records: one row per number input cell of each record (and
    per computed total, recomputed, with ``totals``)."""
    by_spec: dict[FormatSpec, list[Record]] = {}
    for r in records:
        by_spec.setdefault(r.spec, []).append(r)
    frames = []
    for spec, group in by_spec.items():
        keys = frame_keys(spec, totals)
        n = len(keys)
        cols: dict[str, object] = {}
        for name in ("unit", "kind", "year", "level", "origin"):
            cols[name] = np.repeat(np.array([getattr(r, name) for r in group], dtype=object), n)
        cols["format_version"] = np.repeat(
            np.array([spec.format_version], dtype=object), n * len(group)
        )
        for name, values in _key_columns(spec, totals).items():
            cols[name] = np.tile(values, len(group))
        value, unknown, status, text, cell = [], [], [], [], []
        for r in group:
            if totals:
                vals, unknown_keys, stats, refs = _with_totals(r)
            else:
                vals, unknown_keys, stats, refs = r.values, r.unknown, r.statuses, r.refs
            texts = r.texts
            for k in keys:
                is_unknown = k in unknown_keys
                unknown.append(is_unknown)
                value.append(np.nan if is_unknown else _number(vals.get(k)))
                status.append("unknown" if is_unknown else stats.get(k, "blank"))
                text.append(texts.get(k, ""))
                cell.append(refs.get(k, ""))
        cols["value"] = np.array(value, dtype=float)
        cols["unknown"] = np.array(unknown, dtype=bool)
        cols["status"] = np.array(status, dtype=object)
        cols["text"] = np.array(text, dtype=object)
        cols["source_file"] = np.repeat(np.array([str(r.file) for r in group], dtype=object), n)
        cols["source_cell"] = np.array(cell, dtype=object)
        cols["sha256"] = np.repeat(np.array([r.sha256 for r in group], dtype=object), n)
        frames.append(pd.DataFrame(cols, columns=list(COLUMNS)))
    if not frames:
        return pd.DataFrame({c: [] for c in COLUMNS})
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame["year"] = frame["year"].astype("int64")
    return frame


def check_data_target(target: str | os.PathLike) -> Path:
    """Return the output path if its suffix is one ``nianbao data`` writes; else UsageError."""
    path = Path(target)
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(
            f"输出文件 {path.name} 的扩展名应为 .csv、.xlsx 或 .json。",
            "例如：-o 数据.csv（WPS/Excel 可直接打开）。",
        )
    return path


def _json_value(value: float) -> int | float | None:
    if value != value:  # NaN: blank or unknown
        return None
    return int(value) if value.is_integer() else value


def write_frame(frame: pd.DataFrame, target: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the tidy table as CSV (UTF-8 with BOM), .xlsx or JSON, atomically; return the path."""
    path = check_data_target(target)
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise UsageError(
            f"共 {len(frame)} 行，超过 Excel 工作表的行数上限（{XLSX_MAX_ROWS} 行）。",
            "请改为输出 .csv 或 .json，例如 -o 数据.csv。",
        )
    with atomic_output(path, force=force) as tmp:
        if suffix == ".csv":
            # %.15g: 12 not 12.0, 0.38 not 0.37999999999999995 (Excel's 15 digits).
            frame.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.15g")
        elif suffix == ".json":
            _write_json(frame, tmp)
        else:
            _write_xlsx(frame, tmp)
    return path


def _write_json(frame: pd.DataFrame, tmp: Path) -> None:
    columns = list(frame.columns)
    value_at = columns.index("value")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for i, row in enumerate(frame.itertuples(index=False, name=None)):
            item = dict(zip(columns, row, strict=True))
            item["value"] = _json_value(row[value_at])
            item["year"] = int(item["year"])
            item["unknown"] = bool(item["unknown"])
            fh.write(("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False))
        fh.write("\n]\n")


def _write_xlsx(frame: pd.DataFrame, tmp: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("data")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, list(frame.columns), bold)
    value_at = list(frame.columns).index("value")
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, v in enumerate(row):
            if c == value_at:
                if v == v:  # not NaN
                    sheet.write_number(r, c, v)
            elif isinstance(v, bool | np.bool_):
                sheet.write_boolean(r, c, bool(v))
            elif isinstance(v, int | np.integer):
                sheet.write_number(r, c, int(v))
            elif v:
                sheet.write_string(r, c, str(v))
    sheet.freeze_panes(1, 0)
    book.close()
