"""Template leftovers in the narrative (N-LEFTOVER): placeholders that must not be published."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nianbao.converters.narrative import narrative_from_workbook, read_narrative
from nianbao.validation import validate
from nianbao.validation.leftovers import find_leftovers
from nianbao.validation.narrative_checks import narrative_findings
from nianbao.workbook_templates import read_workbook

from .conftest import SEEDS
from .test_cli import nianbao


def _seed(number: str):
    return next(SEEDS.glob(f"{number}_*.txt"))


@pytest.mark.parametrize(
    ("text", "kind", "excerpt"),
    [
        ("全年全市共公开政府信息X万余条，其中", "number", "X万余条"),
        ("通过政府门户网站公开Y条", "number", "Y条"),
        ("累计培训人员X余人次", "number", "X余人"),
        ("20××年度，我办完善各项制度", "year", "20××年度"),
        ("自1983年至20__年的所有档案资料", "year", "20__年"),
        ("现将我局20xx年度政府信息公开工作报告", "year", "20xx年度"),
        ("XX区水资源管理办公室按照", "name", "XX区"),
        ("成立了xxxxx政府信息公开工作领导小组", "number", "xxxxx"),
        ("（单位名称）2025年政府信息公开", "name", "（单位名称）"),
        ("由×××同志负责", "name", "×××"),
        ("如在 [具体重大决策项目] 中", "guidance", "[具体重大决策项目]"),
        ("【请填写本年度主动公开的情况】", "guidance", "【请填写"),
        ("2020 年主动公开信息  条，其中", "missing_number", "信息  条"),
        ("以下是一篇关于年报的文章示例", "residue", "以下是一篇"),
        ("你可以根据实际情况进行修改和完善", "residue", "你可以根据实际情况"),
        ("以上报告内容仅供参考", "residue", "仅供参考"),
        ("2021年度政府信息公开工作年度报告范文", "residue", "报告范文"),
        ("以下是为大家整理的范文，", "residue", "的范文"),
        ("【在此填写本机关的具体做法】", "guidance", "【在此填写"),
        # Seed 004 (紫金县人民政府 2024, published): a policy's name left as its description.
        ("例如，在“具体重大政策名称”发布时，不仅详细解读", "name", "“具体重大政策名称”"),
    ],
)
def test_leftover_is_found_with_its_excerpt(text, kind, excerpt):
    hits = find_leftovers(text)
    assert [h.kind for h in hits][:1] == [kind]
    assert excerpt in hits[0].excerpt


@pytest.mark.parametrize(
    "text",
    [
        "全年共收到申请17件，办结16件。",
        "网站访问量12万次，政务新媒体发布信息300条。",
        "依据《条例》第二十条第（一）项，规章0件。",
        "XML 格式的数据开放目录 20 个。",
        "本报告电子版可在 https://www.example.gov.cn/xxgk/ 下载。",
        "2025年1月1日至2025年12月31日",
        "（一）主动公开",
        "GB/T 9704—2012",
        "X光机采购项目1个",
        # Real reports (issue 16): words that contain 范文, document numbers, page furniture.
        "制定依申请公开办理示范文书，统一答复格式。",
        "清理规范文件12件，废止3件。",
        "转发《关于做好政务公开工作的通知》（X政发【2019】12号）",
        "依据宁政办发〔2021〕5号文件",
        "【字体：大 中 小】 打印 关闭",
        "【打印本页】【关闭窗口】",
        "[ 打印 ] [ 关闭 ]",
        "坚持“具体问题具体分析”，做到“具体到人”。",
    ],
)
def test_ordinary_text_is_not_a_leftover(text):
    assert find_leftovers(text) == []


def _leftovers(spec, narrative):
    return [f for f in narrative_findings(spec, narrative) if f.rule == "N-LEFTOVER"]


def test_seed_000_machine_written_example_is_flagged_with_exact_excerpts(spec2021):
    findings = _leftovers(spec2021, read_narrative(_seed("000"), spec2021))
    excerpts = [f.actual for f in findings]
    assert all(f.rule == "N-LEFTOVER" and f.severity == "error" for f in findings)
    assert any("以下是一篇关于《鞍山市2025年度" in e for e in excerpts)
    assert any("共公开政府信息X万余条" in e for e in excerpts)
    assert any("网站公开Y条" in e for e in excerpts)
    assert any("平台发布Z条" in e for e in excerpts)
    assert any("仅供参考" in e for e in excerpts)
    assert len(findings) == 16


def test_seed_001_template_collection_is_flagged(spec2021):
    findings = _leftovers(spec2021, read_narrative(_seed("001"), spec2021))
    excerpts = [f.actual for f in findings]
    assert any("对20××年政府信息公开情况" in e for e in excerpts)
    assert any("至20__年的所有档案" in e for e in excerpts)
    assert any("XX区水资源管理办公室" in e for e in excerpts)
    assert any("xxxxx政府信息公开工作领导小组" in e for e in excerpts)
    assert any("以下是小编收集整理" in e for e in excerpts)
    assert len(findings) == 22


@pytest.mark.parametrize("number", ["002", "003"])
def test_published_reports_without_leftovers_raise_no_alarm(spec2021, number):
    assert _leftovers(spec2021, read_narrative(_seed(number), spec2021)) == []


def test_published_report_004_still_holds_placeholders_and_the_formats_notes(spec2021):
    findings = _leftovers(spec2021, read_narrative(_seed("004"), spec2021))
    assert [f.actual for f in findings] == [
        "…联率达100%。例如,在“具体重大政策名称”发布时,不仅详细解读政策…",
        "…的科学性和民主性。如在 [具体重大决策项目] 中,通过线上线下相结合…",
        "这一项主要报告《条例》第二十条规定的法…",  # the format's note on table 二
        "该表格需要注意的是,行政复议机关作为共同被…",  # and on table 四
    ]
    assert "“一、总体情况”部分第 4 段" in findings[1].text


def test_sample_narrative_has_no_leftovers(sample_path):
    wb = read_workbook(sample_path)
    assert narrative_findings(wb.spec, narrative_from_workbook(wb)) == []
    assert not [f for f in validate(wb).findings if f.rule == "N-LEFTOVER"]


def test_leftover_in_the_workbook_text_sheet_is_pinned_to_its_cell(build, sample):
    texts = dict(sample.texts, s1_1="全年主动公开政府信息X条，其中政策解读Y篇。")
    wb = read_workbook(build(replace(sample, texts=texts)))
    findings = [f for f in validate(wb).findings if f.rule == "N-LEFTOVER"]
    assert len(findings) == 2
    assert {f.sheet for f in findings} == {wb.spec.sheets.text}
    assert {f.row for f in findings} == {"（一）主动公开"}
    assert findings[0].cell == findings[1].cell != ""


def test_check_with_narrative_file_reports_leftovers_in_json(sample_path):
    result = nianbao("check", sample_path, "--narrative", _seed("000"), "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    rules = {f["rule"] for f in data["findings"]}
    # Its parts have no headings, and the sample's township says nothing of 评议/追究 in it.
    assert rules == {"N-LEFTOVER", "N-SECTION", "N-SECTION-TABLE", "N-GOVERNMENT"}
    assert any("X万余条" in f["message"] for f in data["findings"])


def test_a_sentence_in_the_sheet_and_in_the_narrative_file_is_one_finding(tmp_path, sample_path):
    """Issue 16: the same leftover in the 正文 sheet and in the narrative file is one problem."""
    from nianbao.services.checking import add_narrative_findings

    from .workbook_edit import edit_workbook

    sentence = "全年主动公开政府信息XX条。"
    path = edit_workbook(sample_path, tmp_path / "wb.xlsx", {"正文!B4": sentence})
    narrative = tmp_path / "正文.txt"
    narrative.write_text(f"一、总体情况\n（一）主动公开\n{sentence}\n", encoding="utf-8")
    wb = read_workbook(path)
    report = validate(wb)
    add_narrative_findings(report, wb, narrative)
    (leftover,) = [f for f in report.findings if f.rule == "N-LEFTOVER"]
    assert leftover.where == "正文!B4"
    assert "正文.txt" in leftover.text  # the other place is named


@pytest.mark.parametrize(
    "text",
    [
        # The official format's own instructions, pasted as text (issue 16).
        "这一项报告本机关政府信息公开工作总体情况，对本机关贯彻落实《条例》情况进行综述。",
        "这一项以表格形式报告。",
        # The narrative template's writing hint, however long its note.
        "【写作提示：组织领导、培训、考核；各级人民政府还应写工作考核、社会评议和责任追究结果情况，"
        "包括本年度开展的政务公开培训的次数、参训人数、考核的方式和结果、社会评议的组织方式。写好后删除本段。】",
    ],
)
def test_the_formats_guidance_left_in_is_a_leftover(spec2021, text):
    hits = find_leftovers(text, spec2021.report.guidance_phrases)
    assert hits and hits[0].kind in ("template", "guidance")


def test_guidance_phrases_need_the_spec(spec2021):
    """Without the format's phrases the official instructions are not known to be leftovers."""
    assert find_leftovers("这一项以表格形式报告。") == []
