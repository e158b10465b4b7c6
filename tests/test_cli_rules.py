"""End-to-end: one local rule pack through ``check``, ``export`` and ``rollup`` in a subprocess —
exit codes, JSON, the text output and the annotated copy; a bad pack stops each with exit 2."""

from __future__ import annotations

import json

import openpyxl
import pytest

from nianbao.workbook_templates.spec import CellKey

from .test_cli import assert_no_traceback, nianbao

PACK_NAME = "测试市年报要求"
PACK = f"""name = "{PACK_NAME}"

[[rules]]
id = "L-LEN"
kind = "length"
severity = "warning"
section = "总体情况"
max = 500
message = "{{part}}共 {{actual}} 字，超过 {{expected}} 字。"
action = "请精简。"

[[overrides]]
rule = "X-1"
severity = "warning"
reason = "机构改革"

[[overrides]]
rule = "V-BLANK"
severity = "warning"
"""
BAD_PACK = f"""name = "{PACK_NAME}"

[[rules]]
id = "L-CARRY"
kind = "limit"
severity = "warning"
table = "t3"
cells = ["r4.total"]
max = 2
message = "m"
"""


@pytest.fixture
def files(build, sample, previous_path, tmp_path):
    """Return the pack, a bad pack, last year's workbook and a workbook with two errors the
    pack turns into warnings: a carry-over unlike last year's (X-1) and a blank cell."""
    changes = {
        CellKey("t3", "r2", "c1"): 2,
        CellKey("t3", "r4", "c1"): 3,
        CellKey("t3", "r3_5_2", "c2"): None,
    }
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    workbook = build(sample, "inbox/填报表.xlsx", values=changes)
    pack = tmp_path / "本地规则.toml"
    pack.write_text(PACK, encoding="utf-8")
    bad = tmp_path / "坏规则.toml"
    bad.write_text(BAD_PACK, encoding="utf-8")
    return {"pack": pack, "bad": bad, "previous": previous_path, "workbook": workbook}


def _pack_rules(findings: list[dict]) -> set[tuple[str, str, str | None]]:
    return {(f["rule"], f["severity"], f["cell"]) for f in findings if f["pack"]}


def test_check_with_pack_turns_errors_into_warnings(files):
    args = ("check", files["workbook"], "--previous", files["previous"], "--json")
    without = nianbao(*args)
    assert without.returncode == 1, without.stderr
    assert all(f["pack"] is None for f in json.loads(without.stdout)["findings"])

    result = nianbao(*args, "--rules", files["pack"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["valid"] is True
    assert _pack_rules(data["findings"]) == {
        ("X-1", "warning", "D7"),
        ("X-1", "warning", "J7"),
        ("V-BLANK", "warning", "E22"),
        ("L-LEN", "warning", "B3"),
    }
    assert {f["pack"] for f in data["findings"] if f["pack"]} == {PACK_NAME}

    text = nianbao(
        "check", files["workbook"], "--previous", files["previous"], "--rules", files["pack"]
    )
    assert text.returncode == 0
    assert f"[L-LEN · 本地规则“{PACK_NAME}”] 1 处" in text.stdout
    assert f"[X-1 · 本地规则“{PACK_NAME}”] 1 处" in text.stdout  # J7 explained by D7


def test_annotated_copy_names_the_pack(files, tmp_path):
    copy = tmp_path / "批注副本.xlsx"
    result = nianbao("check", files["workbook"], "--rules", files["pack"], "--annotate", copy)
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(copy)["校验结果"]
    rules = [ws.cell(row, 3).value for row in range(4, ws.max_row + 1)]
    assert f"L-LEN（本地规则“{PACK_NAME}”）" in rules
    assert f"V-BLANK（本地规则“{PACK_NAME}”）" in rules
    again = nianbao("check", copy, "--rules", files["pack"], "--json")  # the copy reads back
    assert again.returncode == 0, again.stderr


def test_export_with_pack_writes_the_report(files, tmp_path):
    out = tmp_path / "报告.docx"
    args = ("export", files["workbook"], "--previous", files["previous"], "-o", out)
    refused = nianbao(*args)
    assert refused.returncode == 1 and not out.exists()  # errors: no report without a draft
    assert "没有生成报告" in refused.stderr
    result = nianbao(*args, "--rules", files["pack"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.is_file()
    assert "警告不影响导出" in result.stdout


def test_rollup_with_pack_counts_the_pack(files, tmp_path):
    out = tmp_path / "汇总.xlsx"
    args = ("rollup", files["workbook"].parent, "-o", out, "--json", "--force")
    without = nianbao(*args)
    assert without.returncode == 1, without.stderr
    data = json.loads(without.stdout)
    assert data["rules"] is None and data["units"][0]["errors"] == 1

    result = nianbao(*args, "--rules", files["pack"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rules"] == {"name": PACK_NAME, "file": str(files["pack"])}
    (unit,) = data["units"]
    assert (unit["errors"], unit["status_code"]) == (0, "warnings")
    assert _pack_rules(unit["pack_findings"]) == {
        ("V-BLANK", "warning", "E22"),
        ("L-LEN", "warning", "B3"),
    }


@pytest.mark.parametrize(
    "command",
    [
        ("check", "{workbook}"),
        ("export", "{workbook}", "-o", "{tmp}/报告.docx"),
        ("rollup", "{inbox}", "-o", "{tmp}/汇总.xlsx"),
    ],
    ids=["check", "export", "rollup"],
)
@pytest.mark.parametrize("which", ["bad", "missing"])
def test_bad_pack_stops_the_command_with_exit_2(files, tmp_path, command, which):
    pack = files["bad"] if which == "bad" else tmp_path / "没有.toml"
    values = {"workbook": files["workbook"], "inbox": files["workbook"].parent, "tmp": tmp_path}
    args = [a.format(**values) for a in command]
    result = nianbao(*args, "--rules", pack)
    assert result.returncode == 2
    assert_no_traceback(result)
    assert str(pack) in result.stderr and "怎么办" in result.stderr
    if which == "bad":
        assert "第 8 行" in result.stderr and "'total'" in result.stderr
    else:
        assert "找不到本地规则文件" in result.stderr
    assert result.stdout == ""  # refused before anything was checked
    assert not (tmp_path / "报告.docx").exists() and not (tmp_path / "汇总.xlsx").exists()


def test_pack_for_another_format_is_said_not_applied(build, tmp_path):
    from nianbao.workbook_templates.builder import TemplateRequest

    blank = TemplateRequest(year=2020, unit="青禾镇人民政府", kind="乡镇")
    old = build(blank, "2020年度.xlsx")  # the 2019 format
    pack = tmp_path / "2021版规则.toml"
    pack.write_text(PACK.replace("[[rules]]", 'format_version = "2021"\n\n[[rules]]', 1), "utf-8")
    result = nianbao("check", old, "--rules", pack, "--json")
    assert all(f["pack"] is None for f in json.loads(result.stdout)["findings"])
    assert f"本地规则“{PACK_NAME}”只用于 2021 版格式，2020年度.xlsx 是 2019 版" in result.stderr
