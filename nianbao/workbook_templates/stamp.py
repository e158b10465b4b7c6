"""The stamp that identifies a workbook as ours: format, template, unit, kind, year, structure.

It is written twice, in the document's custom properties and in a hidden sheet, because some
programs drop custom properties when they save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

from .compute import input_keys
from .spec import CellKey, FormatSpec

PROPERTY_PREFIX = "nianbao_"
GENERATOR = "nianbao"
SUMMARY_ROLE = "summary"
# An annotated copy (批注副本): the unit's workbook written again from what was read, with its
# problems marked. ``content`` holds the digest of what it was written with, so that a copy nobody
# has changed since is known as ours, while one the unit corrected counts as its return.
ANNOTATED_ROLE = "annotated"
# In the hidden stamp sheet of a summary, one row per unit sheet: PART_KEY, sheet name.
PART_KEY = "part"
# In the hidden stamp sheet of an imported workbook, one row per cell, row or table its source did
# not show: UNKNOWN_KEY, "t3" / "t3.r4" / "t3.r4.c1". Only there: a custom property holds at most
# 255 characters.
UNKNOWN_KEY = "unknown"
_OPTIONAL = ("role", "parts", "source", "imported", "content")


# The other workbooks we write (lists, not 填报表), marked in their custom properties with the
# generator and one of these roles, so that one found among returned files is known as ours.
OUTPUT_ROLES = {
    "returns_list": "退回清单",
    "handout_list": "下发清单",
    "roster": "填报单位名单",
    "receipt": "验收回执",
}


def output_properties(role: str) -> list[tuple[str, str]]:
    """Return the custom properties (name, text) that mark a list we write as ours."""
    if role not in OUTPUT_ROLES:
        raise ValueError(role)
    return [(PROPERTY_PREFIX + "generator", GENERATOR), (PROPERTY_PREFIX + "role", role)]


def output_role(properties: dict[str, str]) -> str:
    """Return the role of a list we wrote, from its custom properties ("" if not ours)."""
    if properties.get(PROPERTY_PREFIX + "generator") != GENERATOR:
        return ""
    role = properties.get(PROPERTY_PREFIX + "role", "")
    return role if role in OUTPUT_ROLES else ""


# The years a stamp may name: anything else was not written by us.
MIN_YEAR, MAX_YEAR = 2000, 2200


@dataclass(frozen=True)
class Stamp:
    format_version: str
    template_version: str
    fingerprint: str
    year: int
    unit: str = ""
    kind: str = ""
    generator: str = GENERATOR
    role: str = ""  # SUMMARY_ROLE for a summary (汇总表), ANNOTATED_ROLE for a 批注副本, else ""
    parts: int = 0  # how many unit sheets a summary sums
    source: str = ""  # an imported workbook: the name of the published report it was read from
    imported: str = ""  # an imported workbook: the date of the import (ISO)
    content: str = ""  # an annotated copy: the digest of the content it was written with

    def pairs(self) -> list[tuple[str, str]]:
        """Return (key, text) pairs in a fixed order (optional fields only when set)."""
        return [(k, str(v)) for k, v in asdict(self).items() if k not in _OPTIONAL or v]

    @property
    def is_imported(self) -> bool:
        return bool(self.source)

    @property
    def is_summary(self) -> bool:
        return self.role == SUMMARY_ROLE

    @property
    def is_annotated(self) -> bool:
        return self.role == ANNOTATED_ROLE

    @classmethod
    def from_pairs(cls, pairs: dict[str, str]) -> Stamp | None:
        """Return the stamp read from key/text pairs, or None when they do not form one."""
        names = {f.name for f in fields(cls)}
        data = {k: (v or "").strip() for k, v in pairs.items() if k in names}
        if data.get("generator") != GENERATOR or not data.get("format_version"):
            return None
        try:
            year = int(float(data.get("year", "")))
            parts = int(data.get("parts") or 0)
        except (ValueError, OverflowError):  # "inf" overflows
            return None
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        return cls(
            format_version=data["format_version"],
            template_version=data.get("template_version", ""),
            fingerprint=data.get("fingerprint", ""),
            year=year,
            unit=data.get("unit", ""),
            kind=data.get("kind", ""),
            role=data.get("role", ""),
            parts=max(parts, 0),
            source=data.get("source", ""),
            imported=data.get("imported", ""),
            content=data.get("content", ""),
        )


def encode_unknown(spec: FormatSpec, keys: Iterable[CellKey]) -> list[str]:
    """Return the stamp rows naming unknown input cells: a whole table or row when all of its
    input cells are unknown, else the cell, in spec order."""
    unknown = set(keys)
    inputs = input_keys(spec)
    tokens: list[str] = []
    for table in spec.tables:
        own = [k for k in inputs if k.table == table.code]
        if own and all(k in unknown for k in own):
            tokens.append(table.code)
            continue
        for row in table.rows:
            cells = [k for k in own if k.row == row.code]
            if cells and all(k in unknown for k in cells):
                tokens.append(f"{table.code}.{row.code}")
            else:
                tokens.extend(str(k) for k in cells if k in unknown)
    return tokens


def decode_unknown(spec: FormatSpec, tokens: Iterable[str]) -> frozenset[CellKey]:
    """Return the input cells named by stamp rows of ``encode_unknown`` (unknown names ignored)."""
    inputs = input_keys(spec)
    out: set[CellKey] = set()
    for token in tokens:
        parts = tuple(token.strip().split("."))
        out.update(k for k in inputs if tuple(k)[: len(parts)] == parts)
    return frozenset(out)
