"""nianbao import: the year and the unit from every common shape of a report's title, and the
unit's kind told by the unit's name (a note says so; --kind overrides it).

The titles are real: every report of the corpus (tests/data/reports, whose manifest records the
title, unit and year as printed), and titles of published reports whose shapes the corpus does
not have yet."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from nianbao.converters.document import Paragraph
from nianbao.errors import NianbaoError
from nianbao.importer.report import ImportRequest, import_report, read_report
from nianbao.importer.title import find_title, infer_kind, upper_level
from nianbao.validation import validate
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.loader import available_formats

from .report_forms import REPORTS

SPECS = tuple(available_formats().values())
CORPUS = [
    r
    for r in tomllib.loads((REPORTS / "manifest.toml").read_text(encoding="utf-8"))["report"]
    if r["location"] == "repo" and r.get("title") and "year" in r
]


def _title(*lines: str):
    return find_title([Paragraph.plain(line) for line in lines], SPECS)


@pytest.mark.parametrize("entry", CORPUS, ids=[r["file"] for r in CORPUS])
def test_the_corpus_reports_give_their_year_and_unit(entry):
    source = REPORTS / entry["file"]
    if str(entry["year"]) in entry["title"]:
        result = read_report(ImportRequest(source, Path("unused.xlsx")))
        assert (result.year, result.year_from) == (entry["year"], "title")
    else:  # a title without its year names the unit all the same
        result = read_report(ImportRequest(source, Path("unused.xlsx"), year=entry["year"]))
    assert (result.unit, result.unit_from) == (entry["unit"].replace(" ", ""), "title")


@pytest.mark.parametrize(
    ("lines", "year", "unit"),
    [
        # The issue's: 年度 after the year.
        (["平利县正阳镇2021年度政府信息公开工作年度报告"], 2021, "平利县正阳镇"),
        # The year before the unit (嘉善县下各镇, 2023).
        (["2023年下各镇政府信息公开工作年度报告"], 2023, "下各镇"),
        # 《》 around it (莘县王庄集镇 解读, 2023).
        (["《莘县王庄集镇人民政府2023年政府信息公开工作年度报告》"], 2023, "莘县王庄集镇人民政府"),
        # Cut after the year (利辛县望疃镇, 2023).
        (["利辛县望疃镇2023", "政府信息公开工作年度报告", "根据《条例》……"], 2023, "利辛县望疃镇"),
        # The unit on a line of its own, no 年 after the year (大余县吉村镇, 2023).
        (["吉村镇人民政府办公室", "2023政府信息公开工作年度报告"], 2023, "吉村镇人民政府办公室"),
        # 年度报告 without 工作 (沭阳县发改局, 2023).
        (["沭阳县发展和改革局2023年政府信息公开年度报告"], 2023, "沭阳县发展和改革局"),
        # A title without a unit, and a breadcrumb: the unit is not guessed.
        (["2023年政府信息公开工作年度报告"], 2023, ""),
        # A title without its year (榆阳区驼峰路街道, 2020): the unit all the same.
        (["驼峰路街道办事处政府信息公开工作年度报告", "一、总体情况"], None, "驼峰路街道办事处"),
        (["首页>政务公开>2024年政府信息公开工作年度报告"], None, None),
        # The year after 工作 (滨海新区司法局, 2025).
        (["滨海新区司法局政府信息公开工作2025年度报告"], 2025, "滨海新区司法局"),
        # 信息公开 after a unit ending in 政府 (镇宁, 2019); a 街道's own name (沅江路, 2023).
        (["镇宁自治县政府2019年信息公开工作年度报告"], 2019, "镇宁自治县政府"),
        (["2023年度沅江路街道信息公开工作报告"], 2023, "沅江路街道"),
        # No title line: the opening sentence names the report (建平县 2025, 襄阳市农业农村局 2022).
        (
            ["根据《条例》相关要求，现公布建平县人民政府2025年政府信息公开工作年度报告。本报告……"],
            2025,
            "建平县人民政府",
        ),
        (
            ["按照要求，编制并发布襄阳市农业农村局政府信息公开工作2022年度报告。本报告中……"],
            2022,
            "襄阳市农业农村局",
        ),
        (["绍兴市越城区东湖街道特编制2023年政府信息公开年度报告。"], 2023, "绍兴市越城区东湖街道"),
    ],
)
def test_title_shapes(lines, year, unit):
    title = _title(*lines)
    if unit is None:
        assert title is None
    else:
        assert (title.year, title.unit) == (year, unit)


def test_a_sentence_naming_the_report_is_no_title():
    assert _title("现将2024年政府信息公开工作年度报告公布如下。") is None


@pytest.mark.parametrize(
    ("unit", "kind", "ending"),
    [
        ("平利县正阳镇", "乡镇", "镇"),
        ("莘县王庄集镇人民政府", "乡镇", "镇人民政府"),
        ("吉村镇人民政府办公室", "乡镇", "镇人民政府办公室"),
        ("济南市历下区大明湖街道办事处", "街道", "街道办事处"),
        ("沭阳县发展和改革局", "县直部门", "局"),
        ("白银区人民政府办公室", "县直部门", "办公室"),
        ("紫金县人民政府", "县级政府", "县人民政府"),
        ("平潭综合实验区", "县级政府", "区"),
    ],
)
def test_the_kind_is_told_by_the_units_name(spec2021, unit, kind, ending):
    assert infer_kind(spec2021, unit) == (kind, ending)


def test_a_name_without_a_known_ending_tells_no_kind(spec2021):
    assert infer_kind(spec2021, "上海市人民政府办公厅") is None


@pytest.mark.parametrize(
    ("unit", "upper"),
    [
        ("上海市科学技术委员会", ("省级", "上海市")),  # ends in 委员会, yet no 县直部门
        ("上海市科委", ("省级", "上海市")),
        ("江苏省人民政府", ("省级", "江苏省")),
        ("淮安市人民政府", ("市级", "淮安市")),  # ends in 市人民政府, yet no 县级政府
        ("江苏省淮安市人民政府", ("市级", "淮安市")),
        ("吉林省吉林市人民政府", ("市级", "吉林市")),
        ("淮安市城市管理局", ("市级", "淮安市")),  # 城市 is no county-level place
        ("延边州人民政府", ("市级", "延边州")),
        ("淮安市洪泽区人民政府", None),  # a county-level place follows: the endings decide
        ("北京市朝阳区人民政府", None),
        ("上海市浦东新区人民政府", None),
        ("哈尔滨市五常市背荫河镇", None),
        ("五常市人民政府", None),  # a county-level city
        ("沭阳县发展和改革局", None),
        ("朝阳县人民政府", None),  # not 朝阳市
    ],
)
def test_a_unit_above_a_county_is_told_by_the_place_its_name_starts_with(unit, upper):
    assert upper_level(unit) == upper


def test_a_unit_above_a_county_gets_no_kind_and_is_told_why(tmp_path):
    source = REPORTS / "002_shanghai_kewei_2024.md"
    result = import_report(ImportRequest(source, tmp_path / "2024.xlsx"))
    assert (result.kind, result.kind_from) == ("", "")
    [note] = [n for n in result.notes if n.rule == "IM-UPPER-KIND"]
    assert "“上海市”" in note.message and "省级单位" in note.message and "--kind" in note.message
    assert not [n for n in result.notes if n.rule == "IM-KIND"]
    assert read_workbook(tmp_path / "2024.xlsx").kind == ""


def test_the_inferred_kind_is_said_written_editable_and_makes_the_government_rules_speak(tmp_path):
    source = REPORTS / "001_shuyang_xian_2025.txt"
    out = tmp_path / "2025.xlsx"
    result = import_report(ImportRequest(source, out))
    assert (result.kind, result.kind_from) == ("县级政府", "unit")
    [note] = [n for n in result.notes if n.rule == "IM-KIND"]
    assert "县人民政府" in note.message and "--kind" in note.message and note.severity == "info"
    wb = read_workbook(out)
    assert wb.kind == "县级政府" and wb.stamp.kind == ""  # an ordinary input, not locked
    assert "N-GOVERNMENT" in {f.rule for f in validate(wb).findings}  # a government's report
    given = import_report(ImportRequest(source, tmp_path / "given.xlsx", kind="县直部门"))
    assert (given.kind, given.kind_from) == ("县直部门", "option")
    assert not [n for n in given.notes if n.rule == "IM-KIND"]
    wb = read_workbook(tmp_path / "given.xlsx")
    assert wb.stamp.kind == "县直部门"
    assert "N-GOVERNMENT" not in {f.rule for f in validate(wb).findings}


def test_an_unknown_kind_option_is_refused(tmp_path):
    out = tmp_path / "x.xlsx"
    with pytest.raises(NianbaoError, match="不在可选范围内") as caught:
        import_report(ImportRequest(REPORTS / "001_shuyang_xian_2025.txt", out, kind="村"))
    assert caught.value.exit_code == 2 and not out.exists()
