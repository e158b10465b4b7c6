"""nianbao diff: two versions of one unit's workbook compared by content, not bytes — each changed
cell by its official table, row and column (old → new), 基本信息, 正文 with an excerpt, the
problems one version has and the other not, each side's verdict; exit 0 same, 1 differs, 2
unreadable. The resubmission LibreOffice saved again is the real case of "bytes differ, content
the same"."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from nianbao.errors import WorkbookError
from nianbao.services.diff import compare_files
from nianbao.validation.compare import comparison_lines, excerpts
from nianbao.workbook_templates.spec import CellKey

from .libreoffice import Job, run_jobs
from .test_cli import assert_no_traceback, nianbao
from .workbook_edit import edit_workbook

K = CellKey


def test_the_same_file_is_identical(sample_path):
    c = compare_files(sample_path, sample_path)
    assert c.identical and c.old.sha256 == c.new.sha256
    assert c.old.valid and c.new.valid


@pytest.mark.libreoffice
def test_a_resubmission_saved_again_by_libreoffice_is_identical_in_content(
    sample_path, tmp_path, libreoffice_ok
):
    saved = tmp_path / "另存.xlsx"
    run_jobs([Job(sample_path, saved)])
    assert saved.read_bytes() != sample_path.read_bytes()
    c = compare_files(sample_path, saved)
    assert c.identical, comparison_lines(c)
    assert c.old.sha256 != c.new.sha256
    assert "文件不同（另存过），但内容相同" in "\n".join(comparison_lines(c))


@pytest.mark.libreoffice
def test_a_number_changed_in_libreoffice_is_the_one_change(sample_path, tmp_path, libreoffice_ok):
    saved = tmp_path / "改了一个数.xlsx"
    run_jobs([Job(sample_path, saved, {"表三!D6": 15}, ("表三",))])  # 一、本年新收·自然人 14 → 15
    c = compare_files(sample_path, saved)
    [change] = c.cells
    assert (change.key, change.old, change.new) == (K("t3", "r1", "c1"), "14", "15")
    assert change.cell == "表三!D6"
    assert change.row == "一、本年新收政府信息公开申请数量" and change.column == "自然人"
    assert not c.info and not c.texts
    assert c.old.valid and not c.new.valid  # 一＋二 no longer equals 三＋四
    assert any(text.startswith("[H3-1]") for text in c.added)


def test_a_fixed_error_is_listed_as_fixed(build, sample, tmp_path):
    broken = build(sample, "broken.xlsx", values={K("t3", "r4", "c1"): 3})
    fixed = build(sample, "fixed.xlsx")
    c = compare_files(broken, fixed)
    [change] = c.cells
    assert (change.old, change.new) == ("3", "2")
    assert any(text.startswith("[H3-1]") for text in c.fixed) and not c.added
    assert not c.old.valid and c.new.valid


def test_blank_text_and_typed_over_totals_are_named(sample_path, tmp_path):
    edited = edit_workbook(
        sample_path,
        tmp_path / "edited.xlsx",
        {"表三!E22": None, "表三!F22": "三", "表三!J6": 99, "基本信息!B7": "王芳"},
    )
    c = compare_files(sample_path, edited)
    by_cell = {ch.cell: ch for ch in c.cells}
    assert by_cell["表三!E22"].new == "空白"
    assert by_cell["表三!F22"].new == "“三”"
    total = by_cell["表三!J6"]
    assert total.computed and total.old.startswith("公式 =") and total.new == "填入的数字 99"
    [info] = c.info
    assert info.label == "联系人" and info.new == "王芳"


def test_a_text_change_is_shown_as_an_excerpt_around_it(build, sample, tmp_path):
    old_text = "本年度共收到政府信息公开申请15件，全部按期答复。" * 3
    new_text = old_text.replace("15件", "16件", 1)
    code = "s1_2"
    a = build(sample, "a.xlsx", texts={**sample.texts, code: old_text})
    b = build(sample, "b.xlsx", texts={**sample.texts, code: new_text})
    [text] = compare_files(a, b).texts
    assert "15件" in text.old and "16件" in text.new
    assert len(text.new) < len(new_text)  # an excerpt, not the whole text
    assert text.cell.startswith("正文!")


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ("abcdef", "abXdef", ("abcdef", "abXdef")),
        ("0123456789" * 10, "0123456789" * 5 + "X" + "0123456789" * 5, None),
        ("前文。", "前文。后来加的一句。", ("前文。", "前文。后来加的一句。")),
    ],
)
def test_excerpts(old, new, shown):
    a, b = excerpts(old, new, width=8)
    if shown is not None:
        assert (a, b) == shown
    else:
        assert "X" in b and b.startswith("…") and b.endswith("…") and len(b) < 30


def test_an_unreadable_side_raises_a_workbook_error(sample_path, tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError):
        compare_files(sample_path, bad)


@pytest.mark.slow
def test_cli_diff_exit_codes_text_and_json(build, sample, tmp_path):
    same = nianbao("diff", str(build(sample, "a.xlsx")), str(build(sample, "b.xlsx")))
    assert same.returncode == 0, same.stderr
    assert "内容相同" in same.stdout
    changed = build(sample, "c.xlsx", values={K("t2", "licensing", "decisions"): 7})
    differs = nianbao("diff", str(tmp_path / "a.xlsx"), str(changed))
    assert differs.returncode == 1
    assert "表二「行政许可」「本年处理决定数量」" in differs.stdout and "→ 7" in differs.stdout
    data = json.loads(nianbao("diff", str(tmp_path / "a.xlsx"), str(changed), "--json").stdout)
    assert data["identical"] is False
    [cell] = data["cells"]
    assert (cell["table_code"], cell["row_code"], cell["col_code"]) == (
        "t2",
        "licensing",
        "decisions",
    )
    assert cell["new"] == "7" and len(data["old"]["sha256"]) == 64
    bad = tmp_path / "坏.xlsx"
    bad.write_text("x")
    unreadable = nianbao("diff", str(tmp_path / "a.xlsx"), str(bad))
    assert unreadable.returncode == 2
    assert_no_traceback(unreadable)
    assert "坏.xlsx" in unreadable.stderr
    missing = nianbao("diff", str(tmp_path / "a.xlsx"))
    assert missing.returncode == 2 and "缺少必需的参数" in missing.stderr


def test_decimal_values_are_shown_as_written(build, sample):
    a = build(sample, "a.xlsx")
    b = build(sample, "b.xlsx", values={K("t2", "admin_fee", "amount"): Decimal("0.15")})
    [change] = compare_files(a, b).cells
    assert change.new == "0.15"
