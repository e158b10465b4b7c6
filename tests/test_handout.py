"""Handing out: one stamped workbook and narrative template per roster unit, the 下发清单, and
every refusal made before anything is written."""

from __future__ import annotations

import argparse
from pathlib import Path

import docx
import openpyxl
import pytest

from nianbao.county.handout import LIST_NAME, HandoutFile, handout
from nianbao.county.roster import Roster, RosterError, RosterUnit, read_roster
from nianbao.desktop.cli import _Parser
from nianbao.desktop.county_commands import COMMANDS, add_parsers
from nianbao.errors import Cancelled, OutputExistsError, UsageError
from nianbao.files import narrative_template_path
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.builder import default_year

UNITS = [
    ("青禾镇人民政府", "乡镇"),
    ("城关街道办事处", "街道"),
    ("县自然资源局", "县直部门"),
    ("县委办/县政府办", ""),
    ("县文化:广电和旅游局", "县直部门"),
]


@pytest.fixture
def roster_path(tmp_path) -> Path:
    path = tmp_path / "名单.csv"
    lines = ["序号,单位名称,单位类型"] + [f"{i},{n},{k}" for i, (n, k) in enumerate(UNITS, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def roster(roster_path) -> Roster:
    return read_roster(roster_path)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_handout_writes_a_stamped_workbook_and_narrative_per_unit(roster, tmp_path):
    folder = tmp_path / "下发"
    files = handout(roster, 2025, folder)
    assert [(f.unit, f.kind) for f in files] == UNITS
    for (unit, kind), f in zip(UNITS, files, strict=True):
        assert f.workbook.parent == folder
        wb = read_workbook(f.workbook)
        assert (wb.stamp.unit, wb.stamp.kind, wb.stamp.year) == (unit, kind, 2025)
        assert wb.stamp.format_version == "2021"
        assert f.narrative == narrative_template_path(f.workbook)
        text = "\n".join(p.text for p in docx.Document(str(f.narrative)).paragraphs)
        assert unit in text and "2025" in text
    assert files[0].workbook.name == "青禾镇人民政府-2025年度填报表.xlsx"
    assert files[0].narrative.name == "青禾镇人民政府-2025年度填报表-正文.docx"
    assert len(list(folder.iterdir())) == 2 * len(UNITS) + 1


def test_unsafe_characters_are_dropped_from_file_names(roster, tmp_path):
    files = handout(roster, 2025, tmp_path / "out")
    names = {f.unit: f.workbook.name for f in files}
    assert names["县委办/县政府办"] == "县委办县政府办-2025年度填报表.xlsx"
    assert names["县文化:广电和旅游局"] == "县文化广电和旅游局-2025年度填报表.xlsx"
    # The stamp keeps the name as written; only the file name is cleaned.
    assert read_workbook(files[3].workbook).stamp.unit == "县委办/县政府办"


def test_handout_list_names_every_file_sent(roster, tmp_path):
    folder = tmp_path / "out"
    files = handout(roster, 2025, folder)
    ws = openpyxl.load_workbook(folder / LIST_NAME).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0] == (
        "序号",
        "单位名称",
        "单位类型",
        "填报表文件",
        "正文模板文件",
        "报告年度",
        "格式版本",
    )
    assert len(rows) == 1 + len(UNITS)
    for n, (row, f) in enumerate(zip(rows[1:], files, strict=True), 1):
        assert row[:2] == (n, f.unit)
        assert row[2] == (f.kind or "（由单位选择）")
        assert row[3:6] == (f.workbook.name, f.narrative.name, 2025)
        assert row[6].startswith("2021 版")


def test_second_handout_into_the_same_folder_refuses_and_writes_nothing(roster, tmp_path):
    folder = tmp_path / "out"
    handout(roster, 2025, folder)
    before = snapshot(folder)
    with pytest.raises(OutputExistsError) as info:
        handout(roster, 2025, folder)
    assert "青禾镇人民政府-2025年度填报表.xlsx" in info.value.message
    assert "等 11 个文件" in info.value.message
    assert "--force" in info.value.action and "空文件夹" in info.value.action
    assert snapshot(folder) == before


def test_an_existing_handout_list_alone_is_refused_up_front(roster, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / LIST_NAME).write_bytes(b"old list")
    with pytest.raises(OutputExistsError, match=LIST_NAME):
        handout(roster, 2025, folder)
    assert snapshot(folder) == {LIST_NAME: b"old list"}


def test_force_overwrites_an_earlier_handout(roster, tmp_path):
    folder = tmp_path / "out"
    first = handout(roster, 2025, folder, narrative=False)
    first[0].workbook.write_bytes(b"spoiled")
    again = handout(roster, 2025, folder, narrative=False, force=True)
    assert read_workbook(again[0].workbook).stamp.unit == "青禾镇人民政府"


def test_cancel_after_two_units_leaves_exactly_their_files(roster, tmp_path):
    folder = tmp_path / "out"
    checks = []

    def cancelled() -> bool:
        checks.append(1)
        return len(checks) > 2

    with pytest.raises(Cancelled) as info:
        handout(roster, 2025, folder, cancelled=cancelled)
    assert info.value.message == "已取消：已生成 2 个单位的填报表，其余未生成。"
    assert sorted(snapshot(folder)) == sorted(
        [
            "青禾镇人民政府-2025年度填报表.xlsx",
            "青禾镇人民政府-2025年度填报表-正文.docx",
            "城关街道办事处-2025年度填报表.xlsx",
            "城关街道办事处-2025年度填报表-正文.docx",
        ]
    )


def test_progress_is_reported_after_each_unit(roster, tmp_path):
    calls: list[tuple[float, str]] = []
    handout(
        roster, 2025, tmp_path / "out", narrative=False, progress=lambda f, m: calls.append((f, m))
    )
    assert [f for f, _ in calls] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert calls[0][1] == "已生成 1/5：青禾镇人民政府"


def test_without_narratives_only_workbooks_and_list_are_written(roster, tmp_path):
    folder = tmp_path / "out"
    files = handout(roster, 2025, folder, narrative=False)
    assert all(f.narrative is None for f in files)
    assert not list(folder.glob("*.docx"))
    ws = openpyxl.load_workbook(folder / LIST_NAME).active
    assert ws["E2"].value is None


def test_colliding_file_names_are_refused_before_writing(tmp_path):
    roster = Roster(
        tmp_path / "名单.xlsx",
        (RosterUnit("县委办/县政府办", row=2), RosterUnit("县委办县政府办", row=7)),
    )
    folder = tmp_path / "out"
    with pytest.raises(RosterError) as info:
        handout(roster, 2025, folder)
    assert "第 2 行" in info.value.message and "第 7 行" in info.value.message
    assert not folder.exists()


def test_the_year_chooses_the_format_unless_given(roster, tmp_path):
    files = handout(roster, 2020, tmp_path / "a", narrative=False)
    assert read_workbook(files[0].workbook).stamp.format_version == "2019"
    files = handout(roster, 2020, tmp_path / "b", narrative=False, format_version="2021")
    assert read_workbook(files[0].workbook).stamp.format_version == "2021"


def test_a_unit_the_builder_would_refuse_is_refused_with_its_row(tmp_path):
    roster = Roster(tmp_path / "名单.xlsx", (RosterUnit("县" * 101, row=4),))
    with pytest.raises(RosterError, match="第 4 行"):
        handout(roster, 2025, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_output_folder_needs_an_existing_parent(roster, tmp_path):
    with pytest.raises(UsageError, match="不存在"):
        handout(roster, 2025, tmp_path / "no" / "such")
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(UsageError, match="是一个文件"):
        handout(roster, 2025, tmp_path / "file")


def test_handout_file_is_a_frozen_value(tmp_path):
    f = HandoutFile("县财政局", "", tmp_path / "a.xlsx", None)
    with pytest.raises(AttributeError):
        f.kind = "乡镇"  # type: ignore[misc]


# -- the command ------------------------------------------------------------------------------


def run_command(*argv: str) -> int:
    parser = _Parser(prog="nianbao")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_parsers(sub)
    args: argparse.Namespace = parser.parse_args(list(argv))
    return COMMANDS[args.command](args)


def test_handout_command_prints_a_summary_and_next_step(roster_path, tmp_path, capsys):
    folder = tmp_path / "下发"
    assert (
        run_command("handout", "--roster", str(roster_path), "--year", "2025", "-o", str(folder))
        == 0
    )
    out, err = capsys.readouterr()
    assert f"已为 5 个单位生成填报表和正文模板，保存在：{folder}" in out
    assert "报告年度：2025" in out and "2021 版" in out
    assert "未指定 --year" not in out
    assert "由单位在填报表中选择：县委办/县政府办" in out
    assert f"下发清单：{folder / LIST_NAME}" in out
    assert f"nianbao rollup 收表文件夹 --roster {roster_path} -o 汇总.xlsx" in out
    assert err == ""  # no progress line when stderr is not a terminal
    assert len(list(folder.glob("*.xlsx"))) == 6


def test_handout_command_defaults_the_year_and_says_so(roster_path, tmp_path, capsys):
    folder = tmp_path / "out"
    args = ("handout", "--roster", str(roster_path), "-o", str(folder), "--no-narrative")
    assert run_command(*args) == 0
    out = capsys.readouterr().out
    year = default_year()
    assert "已为 5 个单位生成填报表，保存在" in out
    assert f"（未指定 --year，按今天的日期取 {year} 年度）" in out
    assert (folder / f"青禾镇人民政府-{year}年度填报表.xlsx").exists()
    assert not list(folder.glob("*.docx"))


def test_handout_command_passes_roster_errors_on(tmp_path):
    bad = tmp_path / "名单.csv"
    bad.write_text("机关\n青禾镇人民政府\n", encoding="utf-8")
    with pytest.raises(RosterError) as info:
        run_command("handout", "--roster", str(bad), "--year", "2025", "-o", str(tmp_path / "o"))
    assert info.value.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_handout_command_requires_the_roster(tmp_path):
    with pytest.raises(UsageError, match="--roster"):
        run_command("handout", "-o", str(tmp_path / "o"))


def test_handout_command_shows_progress_on_a_terminal(roster_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    args = ("handout", "--roster", str(roster_path), "--year", "2025", "-o", str(tmp_path / "o"))
    assert run_command(*args, "--no-narrative") == 0
    err = capsys.readouterr().err
    assert "\r 20% 已生成 1/5：青禾镇人民政府" in err
    assert "100% 已生成 5/5：县文化:广电和旅游局" in err and err.endswith("\n")
