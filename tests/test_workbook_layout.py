"""What a clerk sees when the handed-out workbook is opened (issue 17): the 校验 sheet's filter
works under protection, and a long unit name is not cut off in 基本信息."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace

from nianbao.workbook_templates import layout as L


def _sheet_xml(path, sheet_name: str) -> str:
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{sheet_name}" sheetId="\d+" r:id="(rId\d+)"', book)
        assert rid, sheet_name
        target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
            rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
        )
        return z.read("xl/" + target.group(1).removeprefix("/xl/")).decode()


def test_the_check_sheets_filter_is_usable_under_protection(sample_path, spec2021):
    xml = _sheet_xml(sample_path, spec2021.sheets.checks)
    assert "<autoFilter " in xml
    protection = re.search(r"<sheetProtection [^>]*/>", xml).group(0)
    assert 'autoFilter="0"' in protection  # 0: filtering is not locked


def test_a_long_unit_name_gets_a_row_tall_enough(build, sample, spec2021):
    long_name = "示例县" + "农业农村和乡村振兴" * 8 + "局"
    path = build(replace(sample, unit=long_name))
    xml = _sheet_xml(path, spec2021.sheets.info)
    row = L.info_row(spec2021, "unit") + 1
    height = re.search(rf'<row r="{row}"[^>]*\sht="([\d.]+)"', xml)
    assert height and float(height.group(1)) >= 40  # two lines at least, not the fixed 22
