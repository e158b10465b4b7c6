"""The stamp that identifies a workbook as ours: format, template, unit, kind, year, structure.

It is written twice, in the document's custom properties and in a hidden sheet, because some
programs drop custom properties when they save.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

PROPERTY_PREFIX = "nianbao_"
GENERATOR = "nianbao"
SUMMARY_ROLE = "summary"
# In the hidden stamp sheet of a summary, one row per unit sheet: PART_KEY, sheet name.
PART_KEY = "part"


@dataclass(frozen=True)
class Stamp:
    format_version: str
    template_version: str
    fingerprint: str
    year: int
    unit: str = ""
    kind: str = ""
    generator: str = GENERATOR
    role: str = ""  # SUMMARY_ROLE for a summary workbook (汇总表), else ""
    parts: int = 0  # how many unit sheets a summary sums

    def pairs(self) -> list[tuple[str, str]]:
        """Return (key, text) pairs in a fixed order (role and parts only when set)."""
        return [(k, str(v)) for k, v in asdict(self).items() if k not in ("role", "parts") or v]

    @property
    def is_summary(self) -> bool:
        return self.role == SUMMARY_ROLE

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
        except ValueError:
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
        )
