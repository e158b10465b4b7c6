"""Golden files of the generated template, compared part by part (XlsxWriter's method).

Volatile parts (creation time) are dropped and XML is pretty-printed, so a diff shows exactly what
changed in the workbook. Regenerate deliberately with ``pytest --regen-golden``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.dom import minidom

import pytest

from nianbao.workbook_templates import TemplateRequest, build_template

GOLDEN = Path(__file__).parent / "golden"
VOLATILE = {"docProps/core.xml"}

CASES = {
    "template_2021": TemplateRequest(year=2025, unit="白云镇人民政府", kind="乡镇"),
    "template_2019": TemplateRequest(year=2020),
}


def _parts(path: Path) -> dict[str, str]:
    parts = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if name in VOLATILE:
                continue
            data = zf.read(name)
            if name.endswith((".xml", ".rels")):
                text = minidom.parseString(data).toprettyxml(indent=" ")
            else:
                text = data.hex()
            parts[name] = text
    return parts


@pytest.mark.parametrize("case", sorted(CASES))
def test_template_matches_golden_files(case, tmp_path, request):
    built = build_template(tmp_path / f"{case}.xlsx", CASES[case])
    parts = _parts(built)
    folder = GOLDEN / case
    if request.config.getoption("--regen-golden"):
        for old in folder.rglob("*"):
            if old.is_file():
                old.unlink()
        for name, text in parts.items():
            target = folder / (name + ".txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        pytest.skip("golden files regenerated")
    expected = {
        str(p.relative_to(folder))[: -len(".txt")]: p.read_text(encoding="utf-8")
        for p in folder.rglob("*.txt")
    }
    assert sorted(parts) == sorted(expected)
    for name, text in parts.items():
        assert text == expected[name], f"part {name} differs from tests/golden/{case}"
