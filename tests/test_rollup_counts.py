"""Who sent what is counted once (``county.model.counts``): the terminal, ``--json``, the 汇总
page and the summary's 汇总情况 sheet say the same numbers for the same intake folder."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from nianbao.files import workbook_name
from nianbao.workbook_templates import build_template, load_spec
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.xlsx_reader import open_xlsx

from .county import make_county
from .test_cli import nianbao

SPEC = load_spec("2021")


def _numbers(sentence: str) -> dict[str, int]:
    """Return the numbers of a status_summary sentence, by argument name."""
    template = SPEC.summary.status_summary
    pattern = re.escape(template)
    for name in re.findall(r"\{(\w+)\}", template):
        pattern = pattern.replace(re.escape("{" + name + "}"), rf"(?P<{name}>\d+)")
    m = re.search(pattern, sentence)
    assert m, f"no status summary in {sentence!r}"
    return {k: int(v) for k, v in m.groupdict().items()}


def _three_units(tmp_path: Path) -> tuple[Path, Path]:
    """Return a roster of three units and an inbox: one valid workbook, one corrupt file named
    after the second unit, nothing from the third (the case of the count bug)."""
    names = ("甲镇人民政府", "乙镇人民政府", "丙镇人民政府")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,单位类型\n" + "".join(f"{n},乡镇\n" for n in names), "utf-8")
    inbox = tmp_path / "收表"
    inbox.mkdir()
    sample = replace(sample_request(2025), unit=names[0])
    build_template(inbox / workbook_name(names[0], 2025), sample)
    good = (inbox / workbook_name(names[0], 2025)).read_bytes()
    (inbox / workbook_name(names[1], 2025)).write_bytes(good[: len(good) // 3])
    return roster, inbox


def _sheet_sentence(summary: Path) -> str:
    with open_xlsx(summary) as pkg:
        return pkg.sheet(SPEC.summary.status_sheet).text(1, 0)


def _terminal_and_json(inbox: Path, roster: Path, tmp_path: Path) -> tuple[dict, dict, Path]:
    text = nianbao("rollup", inbox, "--roster", roster, "-o", tmp_path / "终端.xlsx")
    data = json.loads(
        nianbao("rollup", inbox, "--roster", roster, "-o", tmp_path / "j.xlsx", "--json").stdout
    )
    return _numbers(text.stdout), data["counts"], tmp_path / "终端.xlsx"


@pytest.mark.slow
def test_three_units_one_corrupt_file_are_counted_alike_in_terminal_json_and_sheet(tmp_path):
    roster, inbox = _three_units(tmp_path)
    terminal, json_counts, summary = _terminal_and_json(inbox, roster, tmp_path)
    expected = {
        "expected": 3,
        "sent": 2,  # the corrupt file's unit did send something
        "passed": 1,
        "warnings": 0,
        "errors": 0,
        "unusable": 1,
        "missing": 1,
        "included": 1,
    }
    assert terminal == expected
    assert json_counts == expected
    assert _numbers(_sheet_sentence(summary)) == expected


@pytest.mark.gui
@pytest.mark.slow
def test_the_rollup_page_counts_as_the_terminal_json_and_sheet_do(gui, tmp_path):
    county = make_county(tmp_path / "县", n_units=12)
    terminal, json_counts, summary = _terminal_and_json(county.inbox, county.roster, tmp_path)
    page = gui.window.go("rollup")
    gui.wait_jobs()
    assert page.open_files([county.roster, county.inbox])
    page.output.set_path(tmp_path / "窗口.xlsx")
    page.run_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    window = _numbers(page.counts.text())
    assert window == terminal == json_counts == _numbers(_sheet_sentence(summary))
    assert _numbers(_sheet_sentence(tmp_path / "窗口.xlsx")) == window
    assert window["sent"] == window["passed"] + window["warnings"] + window["errors"] + 1
    assert (window["expected"], window["missing"], window["unusable"]) == (12, 2, 1)
