"""The stamp that identifies a workbook as ours: format, template, unit, kind, year, structure.

It is written twice, in the document's custom properties and in a hidden sheet, because some
programs drop custom properties when they save.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

PROPERTY_PREFIX = "nianbao_"
GENERATOR = "nianbao"


@dataclass(frozen=True)
class Stamp:
    format_version: str
    template_version: str
    fingerprint: str
    year: int
    unit: str = ""
    kind: str = ""
    generator: str = GENERATOR

    def pairs(self) -> list[tuple[str, str]]:
        """Return (key, text) pairs in a fixed order."""
        return [(k, str(v)) for k, v in asdict(self).items()]

    @classmethod
    def from_pairs(cls, pairs: dict[str, str]) -> Stamp | None:
        """Return the stamp read from key/text pairs, or None when they do not form one."""
        names = {f.name for f in fields(cls)}
        data = {k: (v or "").strip() for k, v in pairs.items() if k in names}
        if data.get("generator") != GENERATOR or not data.get("format_version"):
            return None
        try:
            year = int(float(data.get("year", "")))
        except ValueError:
            return None
        return cls(
            format_version=data["format_version"],
            template_version=data.get("template_version", ""),
            fingerprint=data.get("fingerprint", ""),
            year=year,
            unit=data.get("unit", ""),
            kind=data.get("kind", ""),
        )
