"""Hostile situations of every command (issue 21): special files given as inputs, an output that
is an input, a read-only folder (for root too), a full disk, a write interrupted by SIGTERM or
SIGHUP, two runs writing the same file at once, narratives and imports with no time bound, odd
cells and names.

Each situation is run and checked like those of tests/test_hostile_county.py (same machinery):
exit code, Chinese message with what to do, no traceback, every input byte-identical, no
temporary file left, under ``prlimit --as`` and ``timeout``.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from nianbao.files import TEMP_PREFIX
from nianbao.workbook_templates import build_template, load_spec, read_workbook
from nianbao.workbook_templates.sample import sample_request

from . import hostile as H
from .test_hostile_county import (
    UNIT_A,
    UNIT_B,
    Run,
    Seeds,
    Situation,
    assert_well_behaved,
    play,
    skip_unless_possible,
)
from .workbook_edit import edit_workbook

pytestmark = pytest.mark.slow  # every case runs the command line in a subprocess on hostile input

HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


# -- the files the situations are made of ---------------------------------------------------------


def _previous(folder: Path, seeds: Seeds) -> Path:
    """Return last year's workbook of unit 甲 in ``folder``."""
    target = folder / "上年.xlsx"
    build_template(target, replace(sample_request(2024), unit=UNIT_A))
    return target


def _workbook(folder: Path, seeds: Seeds, name: str = "甲.xlsx") -> Path:
    return seeds.copy(seeds.workbook(UNIT_A), folder / name)


def narrative_text(controls: bool = False) -> str:
    """Return the sample's narrative as plain text, one paragraph a line; with ``controls``, with
    three characters XML cannot hold (\\x01, ESC, U+FFFE) in three places."""
    texts = list(sample_request(2025).texts.values())
    lines = [line for pair in zip(HEADINGS, texts, strict=False) for line in pair]
    text = "\n".join(lines)
    if controls:
        text = text.replace("总体", "总\x01体", 1).replace("主动", "主\x1b动", 1)
        text = text.replace("问题", "问\ufffe题", 1)
    return text


def _roster_csv(folder: Path, name: str = "名单.csv") -> Path:
    target = folder / name
    target.write_text(f"单位名称\n{UNIT_A}\n{UNIT_B}\n", encoding="utf-8")
    return target


def _roster_xlsx(target: Path, units: tuple[str, ...] = (UNIT_A, UNIT_B)) -> Path:
    import openpyxl

    from nianbao.county.roster import write_roster_template

    target.parent.mkdir(parents=True, exist_ok=True)
    write_roster_template(target)
    wb = openpyxl.load_workbook(target)
    for row, unit in enumerate(units, start=6):
        wb.active.cell(row, 2).value = unit
    wb.save(target)
    return target


def _inbox(folder: Path, seeds: Seeds) -> Path:
    inbox = folder / "收表"
    seeds.copy(seeds.workbook(UNIT_A), inbox / "甲.xlsx")
    seeds.copy(seeds.workbook(UNIT_B, broken=True), inbox / "乙.xlsx")
    return inbox


def _fifo(folder: Path, name: str) -> str:
    os.mkfifo(folder / name)
    return name


def _socket(folder: Path, name: str) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / name))
    return name


def _device_link(folder: Path, name: str, device: str = "/dev/zero") -> str:
    (folder / name).symlink_to(device)
    return name


# -- 8. a FIFO, device or socket named as an input -------------------------------------------------


def _special(
    make: Callable[[Path, str], str], name: str, build: Callable[[Path, Seeds, str], list]
):
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        return build(folder, seeds, make(folder, name))

    return prepare


def _with_workbook(*args: object) -> Callable[[Path, Seeds, str], list]:
    """Arguments with "{}" for the special file and "甲.xlsx" for a good workbook."""

    def build(folder: Path, seeds: Seeds, special: str) -> list[object]:
        if "甲.xlsx" in args:
            _workbook(folder, seeds)
        if "收表" in args:
            _inbox(folder, seeds)
        return [special if a == "{}" else a for a in args]

    return build


SPECIAL_INPUTS = [
    ("fifo-as-check-input", _fifo, "管道.xlsx", ("check", "{}")),
    ("fifo-as-check-previous", _fifo, "管道.xlsx", ("check", "甲.xlsx", "--previous", "{}")),
    ("fifo-as-check-narrative", _fifo, "正文.txt", ("check", "甲.xlsx", "--narrative", "{}")),
    ("fifo-as-export-workbook", _fifo, "管道.xlsx", ("export", "{}", "-o", "报告.docx")),
    ("fifo-as-export-narrative", _fifo, "正文.txt",
     ("export", "甲.xlsx", "--narrative", "{}", "-o", "报告.docx")),
    ("fifo-as-export-previous", _fifo, "管道.xlsx",
     ("export", "甲.xlsx", "--previous", "{}", "-o", "报告.docx")),
    ("fifo-as-template-previous", _fifo, "管道.xlsx",
     ("template", "-o", "新.xlsx", "--year", "2025", "--previous", "{}")),
    ("fifo-as-fields-workbook", _fifo, "管道.xlsx", ("fields", "{}")),
    ("fifo-as-handout-roster", _fifo, "名单.csv", ("handout", "--roster", "{}", "-o", "下发")),
    ("fifo-as-rollup-input", _fifo, "管道.xlsx", ("rollup", "{}", "-o", "汇总.xlsx")),
    ("fifo-as-rollup-roster", _fifo, "名单.csv",
     ("rollup", "收表", "--roster", "{}", "-o", "汇总.xlsx")),
    ("fifo-as-rollup-previous", _fifo, "管道.xlsx",
     ("rollup", "收表", "--previous", "{}", "-o", "汇总.xlsx")),
    ("fifo-as-import-input", _fifo, "年报.txt", ("import", "{}", "-o", "导入.xlsx")),
    ("device-as-check-input", _device_link, "零.xlsx", ("check", "{}")),
    ("device-as-export-narrative", _device_link, "正文.txt",
     ("export", "甲.xlsx", "--narrative", "{}", "-o", "报告.docx")),
    ("device-as-import-input", _device_link, "年报.html", ("import", "{}", "-o", "导入.xlsx")),
    ("socket-as-template-previous", _socket, "上年.xlsx",
     ("template", "-o", "新.xlsx", "--year", "2025", "--previous", "{}")),
    ("socket-as-rollup-roster", _socket, "名单.csv",
     ("rollup", "收表", "--roster", "{}", "-o", "汇总.xlsx")),
]  # fmt: skip
_KIND_WORD = {_fifo: "FIFO", _device_link: "设备文件", _socket: "套接字"}


def _nothing_new(folder: Path, run: Run) -> None:
    made = [p.name for p in folder.iterdir() if p.suffix in (".docx", ".html") or p.is_dir()]
    assert [m for m in made if m not in ("收表",)] == [] or run.returncode != 2, made


# -- 3. an output that is an input, for each command -------------------------------------------


def _template_over_previous(folder: Path, seeds: Seeds) -> list[object]:
    _previous(folder, seeds)
    return ["template", "-o", "上年.xlsx", "--previous", "上年.xlsx", "--year", "2025", "--force"]


def _handout_over_roster(folder: Path, seeds: Seeds) -> list[object]:
    _roster_xlsx(folder / "下发" / "下发清单.xlsx")
    return ["handout", "--roster", "下发/下发清单.xlsx", "-o", "下发", "--year", "2025", "--force"]


def _handout_unit_file_over_roster(folder: Path, seeds: Seeds) -> list[object]:
    roster = f"下发/{UNIT_A}-2025年度填报表.xlsx"
    _roster_xlsx(folder / roster)
    return ["handout", "--roster", roster, "-o", "下发", "--year", "2025", "--force"]


def _export_over_narrative(folder: Path, seeds: Seeds) -> list[object]:
    from nianbao.converters.narrative_template import write_narrative_template

    _workbook(folder, seeds)
    write_narrative_template(load_spec("2021"), folder / "正文.docx", unit=UNIT_A, year=2025)
    return ["export", "甲.xlsx", "--narrative", "正文.docx", "-o", "正文.docx", "--force"]


def _export_html_over_narrative(folder: Path, seeds: Seeds) -> list[object]:
    _workbook(folder, seeds)
    body = "".join(f"<p>{line}</p>" for line in narrative_text().split("\n"))
    (folder / "正文.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    return ["export", "甲.xlsx", "--narrative", "正文.html", "--no-docx", "--html", "正文.html",
            "--force"]  # fmt: skip


def _export_over_workbook(folder: Path, seeds: Seeds) -> list[object]:
    _workbook(folder, seeds)
    return ["export", "甲.xlsx", "-o", "甲.xlsx", "--force"]


def _import_over_input(folder: Path, seeds: Seeds) -> list[object]:
    (folder / "年报.txt").write_text(narrative_text(), encoding="utf-8")
    return ["import", "年报.txt", "-o", "年报.txt", "--force"]


def _rollup_over_previous(folder: Path, seeds: Seeds) -> list[object]:
    _inbox(folder, seeds)
    _previous(folder, seeds)
    return ["rollup", "收表", "--previous", "上年.xlsx", "-o", "上年.xlsx", "--force"]


def _annotate_over_previous(folder: Path, seeds: Seeds) -> list[object]:
    seeds.copy(seeds.workbook(UNIT_A, broken=True), folder / "甲.xlsx")
    _previous(folder, seeds)
    return ["check", "甲.xlsx", "--previous", "上年.xlsx", "--annotate", "上年.xlsx", "--force"]


OVER_INPUTS = [
    Situation("template-over-its-previous", _template_over_previous, 2, ("不能覆盖",)),
    Situation("handout-over-its-roster", _handout_over_roster, 2, ("不能覆盖",)),
    Situation("handout-unit-file-over-its-roster", _handout_unit_file_over_roster, 2,
              ("不能覆盖",)),
    Situation("export-over-its-narrative", _export_over_narrative, 2, ("正文文件",)),
    Situation("export-html-over-its-narrative", _export_html_over_narrative, 2, ("正文文件",)),
    Situation("export-named-as-its-workbook", _export_over_workbook, 2, (".docx",)),
    Situation("import-over-its-input", _import_over_input, 2, (".xlsx",)),
    Situation("rollup-over-its-previous", _rollup_over_previous, 2, ("不能覆盖",)),
    Situation("annotate-over-its-previous", _annotate_over_previous, 2, ("不能覆盖",)),
]  # fmt: skip


# -- 7. a folder that cannot be written, for root too -----------------------------------------


def _read_only(*args: object) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        (folder / "只读").mkdir()
        if "甲.xlsx" in args:
            seeds.copy(seeds.workbook(UNIT_A, broken=True), folder / "甲.xlsx")
        if "收表" in args:
            _inbox(folder, seeds)
        if "名单.csv" in args:
            _roster_csv(folder)
        if "年报.txt" in args:
            (folder / "年报.txt").write_text(narrative_text(), encoding="utf-8")
        return list(args)

    return prepare


READ_ONLY = [
    ("template", ("template", "-o", "只读/新.xlsx", "--year", "2025")),
    ("export", ("export", "甲.xlsx", "--draft", "-o", "只读/报告.docx")),
    ("handout", ("handout", "--roster", "名单.csv", "-o", "只读/下发", "--year", "2025")),
    ("rollup", ("rollup", "收表", "-o", "只读/汇总.xlsx")),
    ("rollup-returns", ("rollup", "收表", "-o", "汇总.xlsx", "--returns", "只读/退回")),
    ("annotate", ("check", "甲.xlsx", "--annotate", "只读/批注.xlsx")),
    ("import", ("import", "年报.txt", "-o", "只读/导入.xlsx", "--year", "2025")),
    ("roster-template", ("roster-template", "-o", "只读/名单.xlsx")),
    ("demo", ("demo", "-o", "只读/演示")),
]
_CANNOT_WRITE = re.compile("不允许写入|无法写入|无法建立|只读")


def _says_cannot_write(folder: Path, run: Run) -> None:
    assert _CANNOT_WRITE.search(run.stderr), run.stderr
    assert not (folder / "汇总.xlsx").exists()


# -- 4. a full disk -----------------------------------------------------------------------------


FULL_DISK = [
    ("template", ("template", "-o", "新.xlsx", "--year", "2025"), 20_000),
    ("demo", ("demo", "-o", "演示"), 20_000),
    ("export-docx", ("export", "甲.xlsx", "--draft", "-o", "报告.docx"), 20_000),
    ("export-html", ("export", "甲.xlsx", "--draft", "--no-docx", "--html", "报告.html"), 20_000),
    ("annotate", ("check", "甲.xlsx", "--annotate", "批注.xlsx"), 20_000),
    ("rollup-summary", ("rollup", "收表", "-o", "汇总.xlsx"), 20_000),
    ("rollup-returns", ("rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回"), 30_000),
    ("handout", ("handout", "--roster", "名单.csv", "-o", "下发", "--year", "2025"), 20_000),
    ("import", ("import", "年报.txt", "-o", "导入.xlsx", "--year", "2025"), 20_000),
    ("roster-template", ("roster-template", "-o", "名单.xlsx"), 2_000),
]


def _full_disk_leaves_nothing(folder: Path, run: Run) -> None:
    assert "磁盘空间不足" in run.stderr or "无法写入" in run.stderr, run.stderr
    made = [p.name for p in folder.iterdir() if p.name in ("新.xlsx", "报告.docx", "报告.html",
            "批注.xlsx", "导入.xlsx") or p.name.startswith(".")]  # fmt: skip
    assert made == []


# -- 9. a write interrupted by SIGTERM or SIGHUP ---------------------------------------------


def _county_roster(folder: Path, seeds: Seeds) -> list[object]:
    return ["handout", "--roster", seeds.county().roster_csv, "-o", "下发", "--year", "2025"]


def _county_rollup(folder: Path, seeds: Seeds) -> list[object]:
    return ["rollup", seeds.county().inbox, "--roster", seeds.county().roster, "-o", "汇总.xlsx",
            "--returns", "退回"]  # fmt: skip


def _export_both(folder: Path, seeds: Seeds) -> list[object]:
    _workbook(folder, seeds)
    return ["export", "甲.xlsx", "-o", "报告.docx", "--html", "报告.html"]


def _stopped_cleanly(folder: Path, run: Run) -> None:
    assert "已停止" in run.stderr, run.stderr
    assert not any(p.name.startswith(TEMP_PREFIX) for p in folder.rglob("*"))
    for made in folder.rglob("*.xlsx"):  # what was finished before the stop is whole
        if made.name not in ("甲.xlsx",) and "退回清单" not in made.name:
            read_workbook(made)


STOPPED = [
    ("export", _export_both),
    ("handout", _county_roster),
    ("rollup", _county_rollup),
]


# -- two runs at once ---------------------------------------------------------------------------


def _one_whole_summary(folder: Path, run: Run) -> None:
    summary = read_workbook(folder / "汇总.xlsx")  # whole, not half-written
    assert summary.stamp.is_summary if hasattr(summary.stamp, "is_summary") else True
    assert "没有覆盖" in run.stderr, run.stderr


def _one_whole_report(folder: Path, run: Run) -> None:
    import zipfile

    with zipfile.ZipFile(folder / "报告.docx") as zf:
        assert zf.testzip() is None
    assert "没有覆盖" in run.stderr, run.stderr


def _rollup_twice(folder: Path, seeds: Seeds) -> list[object]:
    return ["rollup", seeds.county().inbox, "-o", "汇总.xlsx"]


def _export_twice(folder: Path, seeds: Seeds) -> list[object]:
    _workbook(folder, seeds)
    return ["export", "甲.xlsx", "-o", "报告.docx"]


# -- 6. narratives and imports in bounded time ----------------------------------------------


def _unclosed_html(command: str) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        (folder / "正文.html").write_text(H.unclosed_tags_html(500_000), encoding="utf-8")
        if command == "import":
            return ["import", "正文.html", "-o", "导入.xlsx", "--year", "2025"]
        _workbook(folder, seeds)
        return ["export", "甲.xlsx", "--narrative", "正文.html", "-o", "报告.docx"]

    return prepare


def _docx_of_many_runs(folder: Path, seeds: Seeds) -> list[object]:
    """A 100 KB .docx whose document.xml holds one paragraph of 120,000 runs (3 MB)."""
    from nianbao.converters.narrative_template import write_narrative_template

    _workbook(folder, seeds)
    source = write_narrative_template(load_spec("2021"), folder / "模板.docx", unit=UNIT_A,
                                      year=2025)  # fmt: skip
    document = H.member_text(source, "word/document.xml")
    runs = "<w:r><w:t>年</w:t></w:r>" * 120_000
    document = document.replace("</w:body>", f"<w:p>{runs}</w:p></w:body>", 1)
    H.rezip(source, folder / "正文.docx", replace={"word/document.xml": document.encode()})
    source.unlink()
    return ["export", "甲.xlsx", "--narrative", "正文.docx", "-o", "报告.docx", "--draft"]


def _huge_txt(folder: Path, seeds: Seeds) -> list[object]:
    _workbook(folder, seeds)
    with (folder / "正文.txt").open("wb") as fh:
        for _ in range(18):
            fh.write("年报".encode() * (2**20 // 6))
    return ["export", "甲.xlsx", "--narrative", "正文.txt", "-o", "报告.docx"]


# -- 7. ordinary inputs that ended in exit 3 ----------------------------------------------------


def _stamp_year(value: str) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        source = seeds.workbook(UNIT_A)
        custom = H.member_text(source, H.CUSTOM_PROPS)
        forged = custom.replace(
            'name="nianbao_year"><vt:lpwstr>2025<', f'name="nianbao_year"><vt:lpwstr>{value}<'
        )
        H.rezip(source, folder / "甲.xlsx", replace={H.CUSTOM_PROPS: forged.encode()})
        return ["check", "甲.xlsx", "--annotate", "批注.xlsx"]

    return prepare


def _control_characters(suffix: str, command: str) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        _workbook(folder, seeds)
        text = narrative_text(controls=True)
        if suffix == ".html":
            text = (
                "<html><body>" + "".join(f"<p>{t}</p>" for t in text.split("\n")) + "</body></html>"
            )
        (folder / f"正文{suffix}").write_text(text, encoding="utf-8")
        if command == "check":
            return ["check", "甲.xlsx", "--narrative", f"正文{suffix}"]
        return ["export", "甲.xlsx", "--narrative", f"正文{suffix}", "-o", "报告.docx",
                "--html", "报告.html"]  # fmt: skip

    return prepare


def _no_control_left(folder: Path, run: Run) -> None:
    import zipfile

    if (folder / "报告.docx").exists():
        with zipfile.ZipFile(folder / "报告.docx") as zf:
            xml = zf.read("word/document.xml").decode()
        assert "总体" in xml and "\x01" not in xml and "\x1b" not in xml
        assert "\ufffe" not in (folder / "报告.html").read_text(encoding="utf-8")


def _long_unit_name(folder: Path, seeds: Seeds) -> list[object]:
    edit_workbook(
        seeds.workbook(UNIT_A), folder / "长.xlsx", {"基本信息!B3": "青禾" * 150 + "镇人民政府"}
    )
    return ["export", "长.xlsx", "--draft", "-o", "报告.docx"]


def _huge_unit_name(folder: Path, seeds: Seeds) -> list[object]:
    edit_workbook(seeds.workbook(UNIT_A), folder / "长.xlsx", {"基本信息!B3": "镇" * 4_000_000})
    return ["check", "长.xlsx"]


def _short_output(folder: Path, run: Run) -> None:
    assert len(run.output) < 200_000, len(run.output)


LONG = "报" * 90  # 270 bytes: more than a file name may have


def _long_name(*args: object) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        _workbook(folder, seeds)
        seeds.copy(seeds.workbook(UNIT_B, broken=True), folder / "乙.xlsx")
        _inbox(folder, seeds)
        (folder / "年报.txt").write_text(narrative_text(), encoding="utf-8")
        return [str(a).replace("{long}", LONG) for a in args]

    return prepare


def _nothing_long_written(folder: Path, run: Run) -> None:
    assert not [p for p in folder.iterdir() if p.name.startswith("报报")]


# -- 5. cells per row, 8. odd entries, 10. odd cells ---------------------------------------------


def _wide_row(sheets: tuple[str, ...], command: str) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        if command == "rollup":
            H.make_wide_row(seeds.workbook(UNIT_A), folder / "收表" / "甲.xlsx", sheets=sheets)
            seeds.copy(seeds.workbook(UNIT_B), folder / "收表" / "乙.xlsx")
            return ["rollup", "收表", "-o", "汇总.xlsx"]
        (folder / "收表").mkdir()
        H.make_wide_row(seeds.workbook(UNIT_A), folder / "宽.xlsx", sheets=sheets)
        return ["check", "宽.xlsx"]

    return prepare


def _odd_entries(folder: Path, seeds: Seeds) -> list[object]:
    inbox = _inbox(folder, seeds)
    os.mkfifo(inbox / "管道.xlsx")
    (inbox / "断链.xlsx").symlink_to(inbox / "没有.xlsx")
    (inbox / "环1.xlsx").symlink_to(inbox / "环2.xlsx")
    (inbox / "环2.xlsx").symlink_to(inbox / "环1.xlsx")
    (inbox / "甲的链接.xlsx").symlink_to(inbox / "甲.xlsx")
    (inbox / "链到文件夹").symlink_to(folder, target_is_directory=True)
    (inbox / "设备.xlsx").symlink_to("/dev/null")
    _socket(inbox, "套接字.xlsx")
    return ["rollup", "收表", "-o", "汇总.xlsx", "--json"]


def _every_entry_listed(folder: Path, run: Run) -> None:
    files = {Path(f["file"]).name: f["status_code"] for f in json.loads(run.stdout)["files"]}
    for name in ("管道.xlsx", "断链.xlsx", "环1.xlsx", "链到文件夹", "设备.xlsx", "套接字.xlsx"):
        assert files[name] == "ignored", (name, files)
    assert files["甲的链接.xlsx"] == "copy"


def _shared_string_minus_one(folder: Path, seeds: Seeds) -> list[object]:
    source = seeds.workbook(UNIT_A)
    part = H.sheet_part(source, "基本信息")
    xml = H.member_text(source, part)
    xml, found = re.subn(
        r'<c r="B3"([^>]*?) t="s"([^>]*)><v>\d+</v>', r'<c r="B3"\1 t="s"\2><v>-1</v>', xml, count=1
    )
    assert found == 1
    H.rezip(source, folder / "甲.xlsx", replace={part: xml.encode()})
    return ["check", "甲.xlsx"]


# -- a seeded fuzz of every command that reads a file -------------------------------------------

# How many mutated files per command: a few by default, more with NIANBAO_FUZZ_COMMANDS (the
# bench runs 20 each).
FUZZ_PER_COMMAND = int(os.environ.get("NIANBAO_FUZZ_COMMANDS", "1"))
ORDINARY = frozenset({0, 1, 2})
_MUTATED_PARTS = ("xl/workbook.xml", "xl/sharedStrings.xml", H.CUSTOM_PROPS, "[Content_Types].xml")


def mutate_workbook(source: Path, target: Path, seed: int) -> Path:
    """Write ``source`` with one of its parts (a sheet we read, the shared strings, the stamp
    …) mutated by a seeded RNG: bytes flipped, cut out, repeated or a cell's text replaced."""
    rng = random.Random(f"hostile-commands:{seed}")
    parts = [
        *_MUTATED_PARTS,
        *(H.sheet_part(source, s) for s in ("基本信息", "表二", "表三", "表四")),
    ]
    members = dict(H.read_members(source))
    part = rng.choice(parts)
    data = bytearray(members[part])
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data))
        op = rng.choice(("flip", "cut", "repeat", "text"))
        if op == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif op == "cut":
            del data[at : at + rng.randint(1, 64)]
        elif op == "repeat":
            data[at:at] = data[at : at + rng.randint(1, 64)] * rng.randint(2, 50)
        else:
            junk = rng.choice(("-1", "1E+9999", "inf", "\u202e", "=1+1", "<", "&amp;", "年" * 300))
            data[at:at] = junk.encode()
    members[part] = bytes(data)
    return H.write_zip(target, members.items())


def _fuzzed(command: str, seed: int) -> Callable[[Path, Seeds], list[object]]:
    def prepare(folder: Path, seeds: Seeds) -> list[object]:
        bad = mutate_workbook(seeds.workbook(UNIT_A, broken=True), folder / "变异.xlsx", seed)
        rng = random.Random(f"narrative:{seed}")
        text = list(narrative_text())
        for _ in range(20):
            text.insert(rng.randrange(len(text)), rng.choice("\x00\x01\x1b\ufffe<>&{}|\t\r"))
        (folder / "正文.txt").write_text("".join(text), encoding="utf-8", errors="surrogatepass")
        if command == "check":
            return ["check", "变异.xlsx", "--annotate", "批注.xlsx", "--narrative", "正文.txt"]
        if command == "export":
            return ["export", "变异.xlsx", "--draft", "--narrative", "正文.txt", "-o", "报告.docx",
                    "--html", "报告.html"]  # fmt: skip
        if command == "template":
            return ["template", "--previous", "变异.xlsx", "--year", "2026", "-o", "新.xlsx"]
        if command == "fields":
            return ["fields", "变异.xlsx"]
        if command == "handout":
            return ["handout", "--roster", "变异.xlsx", "-o", "下发", "--year", "2025"]
        if command == "import":
            return ["import", "正文.txt", "-o", "导入.xlsx", "--year", "2025"]
        seeds.copy(seeds.workbook(UNIT_B), folder / "收表" / "乙.xlsx")
        bad.rename(folder / "收表" / "变异.xlsx")
        return ["rollup", "收表", "-o", "汇总.xlsx", "--returns", "退回"]

    return prepare


FUZZED_COMMANDS = ("check", "export", "template", "fields", "handout", "rollup", "import")


def _situations() -> list[Situation]:
    found: list[Situation] = []
    for name, make, special, args in SPECIAL_INPUTS:
        found.append(Situation(name, _special(make, special, _with_workbook(*args)), 2,
                               (_KIND_WORD[make],), seconds=20))  # fmt: skip
    found += OVER_INPUTS
    for name, args in READ_ONLY:
        found.append(Situation(f"read-only-folder-{name}", _read_only(*args), 2, (),
                               then=_says_cannot_write, read_only="只读"))  # fmt: skip
    for name, args, size in FULL_DISK:
        found.append(Situation(f"full-disk-{name}", _read_only(*args), 2, (),
                               then=_full_disk_leaves_nothing, fsize=size))  # fmt: skip
    for name, prepare in STOPPED:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            found.append(Situation(f"{signal.Signals(signum).name}-while-{name}-writes", prepare,
                                   128 + signum, ("已停止",), then=_stopped_cleanly,
                                   stop=signum))  # fmt: skip
    found += [
        Situation("two-rollups-into-one-summary", _rollup_twice, (1, 2), ("没有覆盖",),
                  then=_one_whole_summary, twice=True),
        Situation("two-exports-into-one-report", _export_twice, (0, 2), ("没有覆盖",),
                  then=_one_whole_report, twice=True),
        Situation("export-narrative-of-unclosed-tags", _unclosed_html("export"), 1, ()),
        Situation("import-of-unclosed-tags", _unclosed_html("import"), 1, ()),
        Situation("export-narrative-docx-of-120000-runs", _docx_of_many_runs, 0, ()),
        Situation("export-narrative-txt-of-18-mb", _huge_txt, 2, ("过大",)),
        Situation("stamp-year-inf", _stamp_year("inf"), 0, ("批注副本：批注.xlsx",)),
        Situation("stamp-year-nan", _stamp_year("NaN"), 0, ("批注副本：批注.xlsx",)),
        Situation("control-characters-in-txt-narrative", _control_characters(".txt", "export"),
                  0, ("3 个", "控制字符"), then=_no_control_left),
        Situation("control-characters-in-html-narrative", _control_characters(".html", "export"),
                  0, ("3 个", "控制字符"), then=_no_control_left),
        Situation("control-characters-checked", _control_characters(".txt", "check"), 0,
                  ("N-SUBTOPIC",)),
        Situation("unit-name-of-300-characters-exported", _long_unit_name, 0, ("草稿",)),
        Situation("unit-name-of-4-million-characters", _huge_unit_name, 1, ("M-INFO-VALUE",),
                  then=_short_output),
        Situation("output-name-too-long-template", _long_name("template", "-o", "{long}.xlsx"),
                  2, ("太长",), then=_nothing_long_written),
        Situation("narrative-name-too-long-template",
                  _long_name("template", "-o", "短.xlsx", "--narrative", "{long}.docx"), 2,
                  ("太长",), then=_nothing_long_written),
        Situation("output-name-too-long-export",
                  _long_name("export", "甲.xlsx", "-o", "{long}.docx"), 2, ("太长",),
                  then=_nothing_long_written),
        Situation("output-name-too-long-rollup", _long_name("rollup", "收表", "-o", "{long}.xlsx"),
                  2, ("太长",), then=_nothing_long_written),
        Situation("output-name-too-long-annotate",
                  _long_name("check", "乙.xlsx", "--annotate", "{long}.xlsx"), 2, ("太长",),
                  then=_nothing_long_written),
        Situation("output-name-too-long-import",
                  _long_name("import", "年报.txt", "-o", "{long}.xlsx", "--year", "2025"), 2,
                  ("太长",), then=_nothing_long_written),
        Situation("row-of-4.9-million-cells", _wide_row(("表三",), "check"), 0, ("S-OVERSIZE",)),
        Situation("six-sheets-of-4.9-million-cells",
                  _wide_row(("表二", "表三", "表四", "基本信息", "正文", "校验"), "check"), 0,
                  ("S-OVERSIZE",)),
        Situation("rollup-of-a-row-of-4.9-million-cells", _wide_row(("表三",), "rollup"), 0,
                  ("有警告 1",)),
        Situation("odd-entries-in-the-intake-folder", _odd_entries, 1, (),
                  then=_every_entry_listed),
        Situation("shared-string-index-minus-one", _shared_string_minus_one, 2, ()),
    ]  # fmt: skip
    for number, command in enumerate(FUZZED_COMMANDS):
        for n in range(FUZZ_PER_COMMAND):
            seed = 1000 * number + n
            found.append(Situation(f"fuzz-{command}-{seed}", _fuzzed(command, seed), ORDINARY, ()))
    return found


SITUATIONS = _situations()


@pytest.mark.parametrize("situation", [pytest.param(s, id=s.id) for s in SITUATIONS])
def test_hostile_situation(situation: Situation, seeds: Seeds, tmp_path: Path) -> None:
    skip_unless_possible(situation)
    assert_well_behaved(situation, play(situation, seeds, tmp_path))


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds(tmp_path_factory.mktemp("seeds"))
