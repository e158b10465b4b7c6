"""End-to-end: the command line in a subprocess, its exit codes, messages and JSON."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .workbook_edit import edit_workbook


def nianbao(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
    )


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr


FINDING_KEYS = {
    "id",
    "cause",
    "rule",
    "severity",
    "message",
    "sheet",
    "cell",
    "table",
    "row",
    "column",
    "expected",
    "actual",
    "cells",
    "pack",  # the local rule pack that produced it (--rules), else null
}


def test_template_then_check_blank_workbook_reports_blanks(tmp_path):
    out = tmp_path / "填报表.xlsx"
    made = nianbao(
        "template", "-o", out, "--unit", "白云镇人民政府", "--year", "2025", "--kind", "乡镇"
    )
    assert made.returncode == 0, made.stderr
    assert "已生成填报表" in made.stdout and "2021 版" in made.stdout
    checked = nianbao("check", out)
    assert checked.returncode == 1
    assert "错误（" in checked.stdout and "未填写" in checked.stdout
    assert_no_traceback(checked)


def test_template_for_2020_uses_the_2019_format(tmp_path):
    made = nianbao("template", "-o", tmp_path / "t.xlsx", "--year", "2020")
    assert made.returncode == 0 and "2019 版" in made.stdout


def test_template_refuses_to_overwrite(tmp_path):
    out = tmp_path / "t.xlsx"
    out.write_bytes(b"precious")
    result = nianbao("template", "-o", out, "--year", "2025")
    assert result.returncode == 2
    assert "已经存在" in result.stderr and "--force" in result.stderr
    assert out.read_bytes() == b"precious"
    assert nianbao("template", "-o", out, "--year", "2025", "--force").returncode == 0


def test_check_valid_sample_exits_0_with_json_shape(sample_path, previous_path):
    result = nianbao("check", sample_path, "--previous", previous_path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "file": str(sample_path),
        "valid": True,
        "counts": {"error": 0, "warning": 0, "info": 0},
        "explained": 0,
        "findings": [],
    }


def test_check_json_finding_has_every_field(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", {"表三!D29": 99})
    result = nianbao("check", edited, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    # The typed-over total is the one problem; the sum and the two balances it breaks are
    # explained by it (and keep every field).
    assert data["valid"] is False and data["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert data["explained"] == 3
    cause = data["findings"][0]
    assert (cause["id"], cause["rule"], cause["cause"]) == (
        "F-CONSTANT@表三!D29",
        "F-CONSTANT",
        None,
    )
    assert "恢复公式" in cause["message"]
    error = next(f for f in data["findings"] if f["rule"] == "H3-2")
    assert set(error) == FINDING_KEYS
    assert error["rule"] == "H3-2" and error["severity"] == "error"
    assert error["cause"] == "F-CONSTANT@表三!D29"
    assert (error["sheet"], error["cell"], error["table"]) == ("表三", "D29", "表三")
    assert (error["column"], error["expected"], error["actual"]) == ("自然人", 13, 99)
    assert error["row"] == "（七）总计"
    assert "差额来自 表三!D29" in error["message"]


def test_check_folder_gives_a_json_list_and_lists_everything(sample_path, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(sample_path.read_bytes())
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "b.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "说明.docx").write_bytes(b"PK")
    result = nianbao("check", folder, "--json")
    assert result.returncode == 2  # one file could not be read
    data = json.loads(result.stdout)
    assert [Path(d["file"]).name for d in data] == ["a.xlsx", "b.xls"]
    assert data[0]["valid"] is True and data[1]["valid"] is False
    assert "另存为" in data[1]["findings"][0]["message"]
    human = nianbao("check", folder)
    assert "~$a.xlsx" in human.stdout and "说明.docx" in human.stdout
    assert "共 2 个文件" in human.stdout


def test_annotate_writes_a_marked_copy_and_leaves_input_untouched(sample_path, tmp_path):
    edited = edit_workbook(sample_path, tmp_path / "e.xlsx", {"表三!D6": "十四"})
    before = hashlib.sha256(edited.read_bytes()).hexdigest()
    out = tmp_path / "批注.xlsx"
    result = nianbao("check", edited, "--annotate", out)
    assert result.returncode == 1
    assert hashlib.sha256(edited.read_bytes()).hexdigest() == before
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    cell = wb["表三"]["D6"]
    assert cell.comment is not None and "V-NUMBER" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    links = [c.hyperlink.location for c in wb["校验结果"]["D"] if c.hyperlink]
    assert "'表三'!D6" in links
    again = nianbao("check", edited, "--annotate", out)
    assert again.returncode == 2 and "已经存在" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check",), "缺少必需的参数"),
        (("check", "nope.xlsx"), "找不到文件"),
        (("frobnicate",), "没有命令"),
        (("template", "-o", "x.xlsx", "--year", "二〇二五"), "应为整数"),
        (("template", "-o", "x.xlsx", "--kind", "村"), "单位类型"),
        (("template", "-o", "x.xls"), ".xlsx"),
        (("template", "-o", "x.xlsx", "--format", "2030"), "不支持格式版本"),
        (("export", "nope.xlsx"), "找不到填报表"),
        (("export", "x.xlsx", "--font", "正文"), "用途=字体"),
    ],
    ids=[
        "missing-file",
        "no-such-file",
        "no-such-command",
        "bad-year",
        "bad-kind",
        "bad-suffix",
        "bad-format",
        "export-no-such-file",
        "export-bad-font",
    ],
)
def test_usage_errors_exit_2_in_chinese(tmp_path, args, message):
    result = nianbao(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "怎么办" in result.stderr or "用法" in result.stderr
    assert_no_traceback(result)


def test_help_is_chinese():
    result = nianbao("--help")
    assert result.returncode == 0 and "用法" in result.stdout and "选项" in result.stdout


@pytest.mark.slow
def test_demo_writes_everything_into_a_new_folder_each_time(tmp_path):
    first = nianbao("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "nianbao-demo"
    assert str(folder) in first.stdout
    names = {p.name for p in folder.iterdir()}
    assert "青禾镇人民政府-2025年度-填报表.xlsx" in names
    assert "示例-有错误的填报表-批注.xlsx" in names
    assert "青禾镇人民政府2025年政府信息公开工作年度报告.docx" in names
    assert "青禾镇人民政府2025年政府信息公开工作年度报告.html" in names
    assert "青禾镇人民政府-2025年度-空白填报表-正文.docx" in names
    assert "✓ 通过" in (folder / "校验结果.txt").read_text(encoding="utf-8")
    second = nianbao("demo", cwd=tmp_path)
    assert second.returncode == 0 and (tmp_path / "nianbao-demo-2").is_dir()
    checked = nianbao("check", folder / "示例-有错误的填报表.xlsx", "--json")
    assert checked.returncode == 1
    # Its 结转下年度 was changed to 3 while its 正文 still says 2件: N-NUMBER shows which number.
    rules = {f["rule"] for f in json.loads(checked.stdout)["findings"]}
    assert rules == {"H3-1", "V-BLANK", "N-NUMBER"}


def test_check_path_does_not_import_heavy_modules(sample_path):
    code = (
        f"import sys; sys.argv=['nianbao','check',{str(sample_path)!r},'--json'];"
        "from nianbao.desktop.cli import main; import contextlib, io;"
        "f=io.StringIO();\nwith contextlib.redirect_stdout(f): main()\n"
        "print(sorted(m for m in ('pandas','numpy','PySide6','openpyxl','pdfplumber','pdfminer')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_output_cut_short_by_the_reader_is_not_an_internal_error(tmp_path):
    """`nianbao demo | head -1`: the pipe closes early; no error message, no log entry."""
    with subprocess.Popen(
        [sys.executable, "-m", "nianbao", "demo"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        proc.stdout.read(10)
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8")
        code = proc.wait(timeout=120)
    assert "内部出错" not in stderr and "Traceback" not in stderr
    assert code in (0, 141)


@pytest.mark.slow
def test_template_hands_out_the_narrative_template_and_refuses_before_writing(tmp_path):
    out = tmp_path / "t.xlsx"
    narrative = tmp_path / "t-正文.docx"
    narrative.write_bytes(b"precious")
    result = nianbao("template", "-o", out, "--year", "2025")
    assert result.returncode == 2 and "已经存在" in result.stderr
    assert not out.exists() and narrative.read_bytes() == b"precious"
    narrative.unlink()
    result = nianbao("template", "-o", out, "--year", "2025", "--unit", "白云镇人民政府")
    assert result.returncode == 0, result.stderr
    assert out.exists() and narrative.exists() and "已生成正文模板" in result.stdout
    assert nianbao("template", "-o", tmp_path / "u.xlsx", "--no-narrative").returncode == 0
    assert not (tmp_path / "u-正文.docx").exists()


def test_export_writes_word_and_html_and_prints_where(sample_path, previous_path, tmp_path):
    out = tmp_path / "报告.docx"
    result = nianbao("export", sample_path, "-o", out, "--html", "--previous", previous_path)
    assert result.returncode == 0, result.stderr
    assert out.exists() and (tmp_path / "报告.html").exists()
    assert str(out) in result.stdout
    again = nianbao("export", sample_path, "-o", out)
    assert again.returncode == 2 and "已经存在" in again.stderr


@pytest.mark.slow
def test_export_refuses_a_failing_workbook_and_drafts_on_request(tmp_path):
    demo = nianbao("demo", cwd=tmp_path)
    broken = tmp_path / "nianbao-demo" / "示例-有错误的填报表.xlsx"
    out = tmp_path / "r.docx"
    refused = nianbao("export", broken, "-o", out)
    assert demo.returncode == 0 and refused.returncode == 1
    assert "没有生成报告" in refused.stderr and "--draft" in refused.stderr
    assert "H3-1" in refused.stdout
    assert not out.exists()
    drafted = nianbao("export", broken, "-o", out, "--draft")
    assert drafted.returncode == 0, drafted.stderr
    assert "草稿" in drafted.stdout and out.exists()
    assert_no_traceback(refused)


def test_export_refusal_leads_with_the_mistyped_number(sample_path, tmp_path):
    typed = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    refused = nianbao("export", typed, "-o", tmp_path / "r.docx")
    assert refused.returncode == 1
    assert "填报表有 1 个错误（第一处在 表三!D6），没有生成报告。" in refused.stderr
    out = refused.stdout
    assert "错误（1）" in out and out.index("[V-NUMBER]") < out.index("[H3-1]")
    assert "[H3-1] 1 处" not in out and "[H3-1] 2 处" not in out  # not errors of their own
    assert_no_traceback(refused)


def test_annotate_of_a_mistyped_number_numbers_only_the_cause(sample_path, tmp_path):
    import openpyxl

    typed = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    out = tmp_path / "批注.xlsx"
    assert nianbao("check", typed, "--annotate", out).returncode == 1
    ws = openpyxl.load_workbook(out)["校验结果"]
    rows = [r[:4] for r in ws.iter_rows(min_row=4, values_only=True)]
    rows = rows[: rows.index((None, None, None, None))]  # the notes on the copy follow
    assert rows == [
        (1, "错误", "V-NUMBER", "表三!D6"),
        (None, "└ 由此引起", "H3-1", "表三!D30"),
        (None, "└ 由此引起", "H3-1", "表三!J30"),
    ]
    assert "错误 1 项" in ws["A2"].value and "另有 2 项" in ws["A2"].value


def test_export_unknown_field_exits_1_naming_it(sample_path, tmp_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n共{表三.新收}件\n", encoding="utf-8")
    result = nianbao("export", sample_path, "-o", tmp_path / "r.docx", "--narrative", narrative)
    assert result.returncode == 1
    assert "{表三.新收}" in result.stderr and "nianbao fields" in result.stderr
    assert not (tmp_path / "r.docx").exists()


def test_export_pdf_without_libreoffice_says_how_to_get_one(
    sample_path, tmp_path, monkeypatch, capsys
):
    """In-process, with the machine's LibreOffice hidden: Word is written, PDF is explained."""
    from nianbao.converters import pdf
    from nianbao.desktop.cli import main

    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    code = main(["export", str(sample_path), "-o", str(tmp_path / "r.docx"), "--pdf"])
    err = capsys.readouterr().err
    assert code == 2
    assert "没有找到 LibreOffice" in err and "另存为" in err
    assert (tmp_path / "r.docx").exists() and not (tmp_path / "r.pdf").exists()


def test_fields_lists_names_and_values(sample_path):
    plain = nianbao("fields")
    assert plain.returncode == 0 and "{表三.本年新收.总计}" in plain.stdout
    with_values = nianbao("fields", sample_path, "--json")
    data = {row["field"]: row for row in json.loads(with_values.stdout)}
    assert data["{表三.本年新收.总计}"]["value"] == "17"
    assert data["{表三.不予公开.总计}"]["sum"] is True


def test_an_output_is_never_one_of_the_inputs_also_with_force(sample_path, tmp_path):
    inbox = tmp_path / "收表"
    inbox.mkdir()
    unit = inbox / "甲镇.xlsx"
    unit.write_bytes(sample_path.read_bytes())
    before = unit.read_bytes()
    for args in (
        ("rollup", inbox, "-o", unit, "--force"),
        ("check", unit, "--annotate", unit, "--force"),
        ("check", inbox, "--annotate", tmp_path / "收表" / "." / "甲镇.xlsx", "--force"),
    ):
        result = nianbao(*args)
        assert result.returncode == 2, result.stderr
        assert "不能覆盖" in result.stderr and "怎么办：" in result.stderr
        assert_no_traceback(result)
        assert unit.read_bytes() == before
    assert sorted(p.name for p in inbox.iterdir()) == ["甲镇.xlsx"]


def test_hints_name_the_program_as_started_when_the_shell_would_not_find_it(tmp_path, monkeypatch):
    """After the README's quick start ``nianbao`` is .venv/bin/nianbao, not on PATH: a hint
    that says "nianbao check …" would be "command not found"."""
    from nianbao.desktop.commands import program

    started = tmp_path / ".venv" / "bin" / "nianbao"
    monkeypatch.setattr(sys, "argv", [str(started), "demo"])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert program() == str(started)
    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "nianbao").write_text("#!/bin/sh\n", encoding="utf-8")
    (on_path / "nianbao").chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    assert program() == "nianbao"
