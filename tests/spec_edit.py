"""A format file changed in a copy, for tests that show a rule's wording and severity are data."""

from __future__ import annotations

import tomllib

from nianbao.workbook_templates.loader import FORMATS_DIR, parse_spec
from nianbao.workbook_templates.spec import FormatSpec


def spec_with_rule(version: str, rule_id: str, **fields: object) -> FormatSpec:
    """Return the spec of ``version`` parsed from a copy of its format file in which the rule
    ``rule_id`` has ``fields`` changed (severity, message …); the shipped file is untouched."""
    path = FORMATS_DIR / f"format_{version}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    (rule,) = [r for r in data["rules"] if r["id"] == rule_id]
    rule.update(fields)
    return parse_spec(data, f"{path.name} (changed copy)")
