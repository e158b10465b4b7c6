"""The county's roster of units: .xlsx and .csv as offices really keep them, every refusal, and
the roster template."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from nianbao.county.roster import (
    Roster,
    RosterError,
    RosterUnit,
    read_roster,
    write_roster_template,
)
from nianbao.errors import OutputExistsError, UsageError
from nianbao.files import unit_file_stem

from .test_handout import run_command


def write_xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", before: str = "") -> Path:
    """Write ``rows`` from A1 into ``sheet`` (after a sheet ``before`` holding junk, if given)."""
    wb = xlsxwriter.Workbook(str(path))
    if before:
        ws = wb.add_worksheet(before)
        ws.write_string(0, 0, "单位名称")
        ws.write_string(1, 0, "不应读到这里")
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def roster_error(path: Path) -> RosterError:
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.exit_code == 2
    assert info.value.action, "every refusal says what to do"
    return info.value


# -- reading .xlsx ----------------------------------------------------------------------------


def test_reads_xlsx_roster_below_title_and_instruction_rows(tmp_path):
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [
            ["2025年度政务公开年报填报单位名单"],
            ["说明：单位名称须为全称"],
            [],
            ["序号", "单位名称", "单位类型", "编码", "联系人", "联系电话"],
            [1, "  青禾镇人民政府 ", "乡镇", "001", "张三", "0571-12345678"],
            [],
            [2, "城关街道办事处", "街道", None, None, 13800000000],
            [3, "县自然资源局", "", 17, "李四", None],
        ],
    )
    roster = read_roster(path)
    assert roster.path == path
    assert roster.units == (
        RosterUnit("青禾镇人民政府", "乡镇", "001", "张三", "0571-12345678", 5),
        RosterUnit("城关街道办事处", "街道", "", "", "13800000000", 7),
        RosterUnit("县自然资源局", "", "17", "李四", "", 8),
    )


def test_only_the_name_column_is_required(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["单位名称"], ["青禾镇人民政府"], ["县财政局"]])
    assert read_roster(path).units == (
        RosterUnit("青禾镇人民政府", row=2),
        RosterUnit("县财政局", row=3),
    )


def test_alternative_titles_are_recognised_and_serial_number_is_not_the_code(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            ["序号", "单位", "类型", "代码", "电话", "备注"],
            [9, "青禾镇人民政府", "乡镇", "Q1", "123", "x"],
        ],
    )
    assert read_roster(path).units == (RosterUnit("青禾镇人民政府", "乡镇", "Q1", "", "123", 2),)


def test_title_with_required_mark_is_still_the_name_column(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx", [["单位名称（必填）", "单位类型"], ["县财政局", "县直部门"]]
    )
    assert read_roster(path).names() == ["县财政局"]


def test_a_sheet_named_roster_wins_over_the_first_sheet(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx", [["单位名称"], ["青禾镇人民政府"]], "名单", before="其他"
    )
    assert read_roster(path).names() == ["青禾镇人民政府"]


def test_rows_numbered_in_advance_without_a_name_are_skipped(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx", [["序号", "单位名称"], [1, "青禾镇人民政府"], [2, None], [3, None]]
    )
    assert read_roster(path).names() == ["青禾镇人民政府"]


def test_header_is_looked_for_in_the_first_ten_rows_only(tmp_path):
    rows = [["说明"]] * 10 + [["单位名称"], ["县财政局"]]
    error = roster_error(write_xlsx(tmp_path / "r.xlsx", rows))
    assert "前 10 行" in error.message
    assert read_roster(write_xlsx(tmp_path / "ok.xlsx", rows[1:])).names() == ["县财政局"]


def test_a_stray_cell_far_to_the_right_is_ignored(tmp_path):
    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "单位名称")
    ws.write_string(1, 0, "县财政局")
    ws.write_string(5000, 16000, "x")
    wb.close()
    assert read_roster(path).units == (RosterUnit("县财政局", row=2),)


def test_find_ignores_spaces_and_full_width(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["单位名称"], ["青禾镇（人民政府）"], ["县财政局"]])
    roster = read_roster(path)
    assert roster.find(" 青禾镇 (人民政府)").row == 2
    assert roster.find("县 财政局").name == "县财政局"
    assert roster.find("县教育局") is None


# -- reading .csv -----------------------------------------------------------------------------

CSV_TEXT = "单位名单\n序号,单位名称,单位类型,联系人\n1,青禾镇人民政府,乡镇,张三\n2,县财政局,,\n\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_reads_csv_in_the_encodings_excel_and_wps_save(tmp_path, encoding):
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    assert read_roster(path).units == (
        RosterUnit("青禾镇人民政府", "乡镇", "", "张三", "", 3),
        RosterUnit("县财政局", "", "", "", "", 4),
    )


@pytest.mark.parametrize("delimiter", ["\t", "，"], ids=["tab", "chinese-comma"])
def test_reads_csv_with_other_separators(tmp_path, delimiter):
    path = tmp_path / "名单.csv"
    path.write_text(CSV_TEXT.replace(",", delimiter), encoding="utf-8")
    assert read_roster(path).names() == ["青禾镇人民政府", "县财政局"]


def test_csv_name_with_comma_inside_quotes_is_one_name(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('单位名称,单位类型\n"县文化,广电和旅游局",县直部门\n', encoding="utf-8")
    assert read_roster(path).units == (RosterUnit("县文化,广电和旅游局", "县直部门", row=2),)


# -- refusals ---------------------------------------------------------------------------------


def test_refuses_a_roster_without_a_name_column(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["机关", "类别"], ["青禾镇人民政府", "乡镇"]])
    error = roster_error(path)
    assert "没有找到“单位名称”列" in error.message
    assert "roster-template" in error.action


def test_refuses_an_unknown_kind_naming_the_row(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [["单位名称", "单位类型"], ["青禾镇人民政府", "乡镇"], ["县供电公司", "企业"]],
    )
    error = roster_error(path)
    assert "第 3 行" in error.message and "“企业”" in error.message
    assert "县直部门" in error.action


def test_refuses_the_summary_kind(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["单位名称", "单位类型"], ["某县人民政府", "汇总"]])
    error = roster_error(path)
    assert "第 2 行" in error.message and "汇总" in error.message
    assert "rollup" in error.action


def test_refuses_duplicate_units_listing_their_rows(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            ["单位名称"],
            ["青禾镇人民政府"],
            ["县财政局"],
            ["青禾镇 人民政府"],
            ["县财政局"],
            ["县教育局"],
        ],
    )
    error = roster_error(path)
    assert "“青禾镇人民政府”在第 2、4 行" in error.message
    assert "“县财政局”在第 3、5 行" in error.message


def test_refuses_an_empty_roster(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["说明"], ["序号", "单位名称"], [1], [2]])
    error = roster_error(path)
    assert "还没有填报单位" in error.message and "第 2 行" in error.message


def test_refuses_details_without_a_name(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [["单位名称", "单位类型"], ["青禾镇人民政府", "乡镇"], [None, "县直部门"]],
    )
    assert "第 3 行" in roster_error(path).message


def test_refuses_a_name_with_control_characters(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("单位名称\n青禾镇\x07人民政府\n", encoding="utf-8")
    assert "第 2 行" in roster_error(path).message


@pytest.mark.parametrize("suffix", [".xls", ".et", ".ods"])
def test_refuses_other_spreadsheet_types_saying_to_save_as_xlsx_or_csv(tmp_path, suffix):
    path = tmp_path / f"名单{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    error = roster_error(path)
    assert path.name in error.message
    assert ".xlsx" in error.action and "CSV" in error.action


def test_passes_on_the_reader_message_for_a_damaged_workbook(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"broken" * 50)
    error = roster_error(path)
    assert "已损坏" in error.message and "名单.xlsx" in error.message


def test_a_missing_file_is_a_roster_error(tmp_path):
    assert "找不到" in roster_error(tmp_path / "无此名单.csv").message
    assert "找不到" in roster_error(tmp_path / "无此名单.xlsx").message


# -- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("青禾镇人民政府", "青禾镇人民政府"),
        ("县委办/县政府办", "县委办县政府办"),
        ('城关:街道*办事处?"<>|', "城关街道办事处"),
        ("  县  财政局 \t", "县 财政局"),
        ("..", "单位"),
        ("", "单位"),
        ("CON", "CON_"),
    ],
)
def test_unit_file_stem_is_safe_on_windows(name, stem):
    assert unit_file_stem(name) == stem


def test_unit_file_stem_of_a_long_name_fits_a_file_name():
    stem = unit_file_stem("镇" * 100)
    assert stem == "镇" * 60
    assert len(f"{stem}-2025年度填报表-正文.docx".encode()) < 255


# -- the template -----------------------------------------------------------------------------


def test_empty_template_reads_back_as_a_roster_with_no_units(tmp_path):
    path = write_roster_template(tmp_path / "名单.xlsx")
    error = roster_error(path)
    assert "还没有填报单位" in error.message


def test_filled_template_reads_back_with_its_units(tmp_path):
    path = write_roster_template(tmp_path / "名单.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["名单"]
    header = [c.value for c in ws[5]]
    assert header == ["序号", "单位名称", "单位类型", "编码", "联系人", "联系电话", "截止日期"]
    assert ws.freeze_panes == "A6"
    deadlines, kinds = sorted(ws.data_validations.dataValidation, key=lambda v: v.type)
    assert kinds.formula1 == '"乡镇,街道,县直部门,县级政府"'
    assert str(kinds.sqref) == "C6:C505"
    assert deadlines.type == "date" and str(deadlines.sqref) == "G6:G505"
    ws.append([1, "青禾镇人民政府", "乡镇", "001", "张三", "0571-1"])
    ws.append([2, "县财政局"])
    wb.save(path)
    assert read_roster(path).units == (
        RosterUnit("青禾镇人民政府", "乡镇", "001", "张三", "0571-1", 6),
        RosterUnit("县财政局", row=7),
    )


def test_template_is_not_overwritten_unasked(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError):
        write_roster_template(path)
    assert path.read_bytes() == b"precious"
    write_roster_template(path, force=True)
    assert path.read_bytes().startswith(b"PK")


# -- the command ------------------------------------------------------------------------------


def test_roster_template_command_says_what_to_do_next(tmp_path, capsys):
    out = tmp_path / "名单.xlsx"
    assert run_command("roster-template", "-o", str(out)) == 0
    printed = capsys.readouterr().out
    assert f"已生成填报单位名单模板：{out}" in printed
    assert f"nianbao handout --roster {out} --year" in printed
    assert out.exists()


def test_roster_template_command_refuses_other_extensions_and_overwriting(tmp_path):
    with pytest.raises(UsageError, match=r"\.xlsx"):
        run_command("roster-template", "-o", str(tmp_path / "名单.csv"))
    out = write_roster_template(tmp_path / "名单.xlsx")
    with pytest.raises(OutputExistsError):
        run_command("roster-template", "-o", str(out))
    assert run_command("roster-template", "-o", str(out), "--force") == 0


def test_roster_is_a_frozen_value():
    roster = Roster(Path("r.xlsx"), (RosterUnit("县财政局", row=2),))
    with pytest.raises(AttributeError):
        roster.units = ()  # type: ignore[misc]
    assert roster.names() == ["县财政局"]


def test_refuses_a_filled_workbook_given_as_the_roster(sample_path):
    # Its 基本信息 labels would be read as seven units.
    with pytest.raises(RosterError) as raised:
        read_roster(sample_path)
    assert "是年报助手的填报表或汇总表，不是填报单位名单" in raised.value.message
    assert "roster-template" in raised.value.action


def test_refuses_an_unbalanced_quote_naming_its_line(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text(
        '单位名称,单位类型\n东岭镇人民政府,乡镇\n"西岭街道办事处,街道\n县档案馆,县直部门\n',
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as raised:
        read_roster(path)
    assert "第 3 行有一个没有配对的引号" in raised.value.message
    assert "引号" in raised.value.action
