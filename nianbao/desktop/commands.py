"""What the workbook commands of the command line do (``template``, ``check``, ``export``,
``fields``, ``gui``, ``demo``): each gathers its arguments, calls the core (``services`` for what
the window does too) and prints the outcome in Chinese; ``COMMANDS`` maps names to them."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from nianbao.errors import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    NianbaoError,
    UsageError,
)
from nianbao.files import (
    check_target,
    make_output_folder,
    narrative_template_path,
    numbered_path,
    refuse_overwriting_inputs,
    special_file_problem,
)
from nianbao.services.checking import (
    add_narrative_findings,
    check_file,
    collect_inputs,
    is_internal,
)
from nianbao.services.naming import default_report_path
from nianbao.validation import Finding, Report
from nianbao.validation.text_report import (
    note_line,
    render_batch_summary,
    render_report,
    summary_line,
)
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.spec import CellKey, Severity

from .console import print_error, print_json
from .rules_option import load_rules

# -- template ---------------------------------------------------------------------------------


def cmd_template(args: argparse.Namespace) -> int:
    from nianbao.services.template import make_template
    from nianbao.workbook_templates.builder import TemplateRequest, default_year

    output = Path(args.output)
    year = args.year if args.year is not None else default_year()
    request = TemplateRequest(
        year=year, unit=args.unit, kind=args.kind, format_version=args.format_version
    )
    narrative = None
    if not args.no_narrative:
        narrative = Path(args.narrative) if args.narrative else narrative_template_path(output)
    made = make_template(
        output,
        request,
        previous=Path(args.previous) if args.previous else None,
        narrative=narrative,
        force=args.force,
    )
    spec, carry = made.spec, made.carry
    print(f"已生成填报表：{output}")
    if narrative is not None:
        print(f"已生成正文模板：{narrative}")
    unit = args.unit or f"（未指定，由填报单位在“{spec.sheets.info}”表填写）"
    print(f"  单位：{unit}")
    print(f"  类型：{args.kind or '（未指定）'}    报告年度：{year}    格式：{spec.label}")
    if args.year is None:
        print(f"  （未指定 --year，按今天的日期取 {year} 年度）")
    if carry is not None:
        _print_carry(spec, carry, Path(args.previous))
        if carry.reference is not None and spec.sheets.reference:
            sheet, last = spec.sheets.reference, carry.reference.year
            print(f"上年（{last}年）的数字列在「{sheet}」表中，与本年对照，仅供参考。")
    print("下一步：在 WPS 或 Excel 中填写浅黄色单元格，保存后运行：")
    also = f" --previous {args.previous}" if carry is not None and carry.cells else ""
    print(f"  {program()} check {output}{also}")
    if narrative is not None:
        print(f"正文在正文模板中撰写（或直接写在填报表的「{spec.sheets.text}」表），然后生成报告：")
        print(f"  {program()} export {output} --narrative {narrative} --html")
    return EXIT_OK


def _print_carry(spec, carry, previous: Path) -> None:
    from nianbao.validation.carry import describe

    if carry.cells:
        print(f"已按上年填报表预填（{previous.name}），预填的数字仍可修改：")
        for line in describe(spec, carry):
            print(f"  {line}")
        if carry.notes:
            print("请注意：")
    else:
        print(f"没有按上年填报表 {previous.name} 预填数字：")
    for note in carry.notes:
        print(f"  [{spec.severity_labels[note.severity]}] {note.message}")


# -- check ------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    files, skipped = collect_inputs(args.inputs)
    if args.annotate and len(files) != 1:
        raise UsageError("--annotate 只能用于单个文件。", "请一次校验一个文件并生成批注副本。")
    if args.narrative and len(files) != 1:
        raise UsageError("--narrative 只能用于单个文件。", "请一次校验一个填报表和它的正文。")
    if args.annotate:  # before anything is read
        sides = [p for p in (args.previous, args.narrative) if p]
        refuse_overwriting_inputs(args.annotate, [*files, *sides], "批注副本")
        check_target(args.annotate, force=args.force)
    rules = load_rules(args)  # a bad pack stops here, before any workbook is read
    previous = read_workbook(args.previous) if args.previous else None
    reports: list[Report] = []
    unwritten: NianbaoError | None = None  # the annotated copy could not be written
    for path in files:
        report, wb = check_file(path, previous, rules)
        if rules and rules.format_version and wb and wb.spec.format_version != rules.format_version:
            print(
                f"注意：本地规则“{rules.name}”只用于 {rules.format_version} 版格式，{path.name} 是 "
                f"{wb.spec.format_version} 版，没有按它校验。",
                file=sys.stderr,
            )
        if args.narrative and wb is not None:
            add_narrative_findings(report, wb, Path(args.narrative), previous)
        reports.append(report)
        annotated = False
        if args.annotate and wb is not None:
            from nianbao.validation.annotate import annotate_workbook

            try:
                annotate_workbook(wb, report, args.annotate, force=args.force)
                annotated = True
            except NianbaoError as exc:  # the report is still worth printing
                unwritten = exc
        if not args.json:
            print(render_report(report))
            if annotated:
                print(f"\n批注副本：{args.annotate}")
            print()
        if not report.readable:
            print(f"错误：{report.findings[0].message}", file=sys.stderr)
    if args.json:
        data = [r.to_dict() for r in reports]
        print_json(
            data
            if len(reports) > 1 or len(args.inputs) > 1 or Path(args.inputs[0]).is_dir()
            else data[0]
        )
    elif len(reports) > 1 or skipped:
        print(render_batch_summary(reports, skipped))
    if unwritten is not None:
        print_error(unwritten)
        return unwritten.exit_code
    if any(is_internal(r) for r in reports):
        return EXIT_INTERNAL
    if any(not r.readable for r in reports):
        return EXIT_INPUT
    return EXIT_OK if all(r.valid for r in reports) else EXIT_FINDINGS


# -- diff -------------------------------------------------------------------------------------


def cmd_diff(args: argparse.Namespace) -> int:
    from nianbao.services.diff import compare_files
    from nianbao.validation.compare import comparison_lines

    comparison = compare_files(args.old, args.new)
    if args.json:
        print_json(comparison.to_dict())
    else:
        print("\n".join(comparison_lines(comparison)))
    return EXIT_OK if comparison.identical else EXIT_FINDINGS


# -- export -----------------------------------------------------------------------------------


def _fonts(args: argparse.Namespace):
    from nianbao.converters.word_styles import FONT_ROLES, FontSet

    fonts = FontSet.common() if args.fonts == "common" else FontSet()
    by_name = {**{k: k for k in FONT_ROLES}, **{v: k for k, v in FONT_ROLES.items()}}
    overrides = {}
    for item in args.font:
        role, sep, font = item.partition("=")
        if not sep or role.strip() not in by_name or not font.strip():
            roles = "、".join(f"{k}（{v}）" for k, v in FONT_ROLES.items())
            raise UsageError(f"--font {item} 写法有误。", f"应写成 用途=字体，用途可选：{roles}。")
        overrides[by_name[role.strip()]] = font.strip()
    return fonts.with_overrides(overrides)


def program() -> str:
    """Return how to type this program in a hint: ``nianbao`` when the shell finds it, else the
    path it was started by (``.venv/bin/nianbao`` after the README's quick start, whose virtual
    environment is not on PATH)."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is None or started.stem != "nianbao" or shutil.which("nianbao") is not None:
        return "nianbao"
    return f'"{started}"' if " " in str(started) else str(started)


def _export_paths(args: argparse.Namespace, workbook: Path):
    """Return the .docx, .html and .pdf to write (None where not asked for).

    Names the user gave are used as given (an existing file is then refused unless --force);
    names we choose sit beside the workbook and get a number rather than overwrite a file.
    """
    named = bool(args.output)
    base = Path(args.output) if named else default_report_path(workbook)

    def pick(path: Path) -> Path:
        return path if named or args.force else numbered_path(path)

    def extra(value: str | None, suffix: str) -> Path | None:
        if value is None:
            return None
        return Path(value) if value else pick(base.with_suffix(suffix))

    docx = None if args.no_docx else pick(base)
    return docx, extra(args.html, ".html"), extra(args.pdf, ".pdf")


def _print_notes(notes: list[Finding]) -> None:
    """Print the narrative's notes, one a line: ``[注意] text action``."""
    for note in notes:
        print(f"  {note_line(note)}")


def cmd_export(args: argparse.Namespace) -> int:
    from nianbao.converters.export import ExportRefused, ExportRequest, export_report

    fonts = _fonts(args)
    workbook = Path(args.workbook)
    for given, what in ((workbook, "填报表"), (args.narrative, "正文文件")):
        if given and (problem := special_file_problem(given)) is not None:
            raise UsageError(f"{what} {given}：{problem}", "请给出普通文件。")
    if not workbook.is_file():
        raise UsageError(f"找不到填报表 {workbook}。", "请检查路径是否正确。")
    if args.narrative and not Path(args.narrative).is_file():
        raise UsageError(f"找不到正文文件 {args.narrative}。", "请检查路径是否正确。")
    rules = load_rules(args)
    docx, html, pdf = _export_paths(args, workbook)
    data = None
    beside = next((p for p in (docx, html, pdf) if p is not None), None)
    if args.data and beside is not None:  # checked before anything is written
        from nianbao.analysis.report_data import report_data_paths

        data = report_data_paths(beside, force=args.force)
    request = ExportRequest(
        workbook=workbook,
        docx=docx,
        html=html,
        pdf=pdf,
        narrative=Path(args.narrative) if args.narrative else None,
        previous=Path(args.previous) if args.previous else None,
        draft=args.draft,
        force=args.force,
        fonts=fonts,
        rules=rules,
    )
    try:
        result = export_report(request)
    except ExportRefused as exc:
        if not exc.report.valid:
            print(render_report(exc.report))
        errors = [n for n in exc.notes if n.severity == Severity.ERROR]
        if errors:
            print("\n正文的问题：")
            _print_notes(errors)
        print()
        raise
    if data is not None:
        from nianbao.analysis.report_data import write_report_data

        write_report_data(workbook, data, force=args.force)
        result.written += [("数据（CSV）", data[0]), ("数据（JSON）", data[1])]
    if result.notes:
        print("正文：")
        _print_notes(result.notes)
    if result.draft_marked:
        why = (
            f"填报表未通过校验（{summary_line(result.report)}）"
            if not result.report.valid
            else "正文不完整（见上面的说明）"
        )
        print(f"注意：{why}，已生成草稿，每页都标有草稿标记，不能作为正式报告发布。")
    elif result.report.counts[Severity.WARNING]:
        print(f"校验：{summary_line(result.report)}（警告不影响导出，建议核对）")
    print("已生成：")
    for label, path in result.written:
        print(f"  {label}：{path}")
    if result.font_note:
        print(f"注意：{result.font_note}")
    if result.pdf_problem:
        print(f"错误：{result.pdf_problem}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


# -- fields -----------------------------------------------------------------------------------


def cmd_fields(args: argparse.Namespace) -> int:
    from nianbao.workbook_templates.builder import default_year
    from nianbao.workbook_templates.fields import field_value, spec_fields
    from nianbao.workbook_templates.loader import load_spec, spec_for_year

    wb = read_workbook(args.workbook) if args.workbook else None
    if wb is not None:
        spec = wb.spec
    elif args.format_version:
        spec = load_spec(args.format_version)
    else:
        spec = spec_for_year(args.year or default_year())
    numbers: dict[CellKey, Decimal | None] = {}
    info: dict[str, str] = {}
    if wb is not None:
        from nianbao.converters.compose import cell_texts

        _, numbers = cell_texts(wb)
        info = {**wb.info, "unit": wb.unit, "kind": wb.kind, "year": str(wb.year)}
    rows = []
    for f in spec_fields(spec):
        value = field_value(f, numbers, info) if wb is not None else None
        rows.append((f, value))
    if args.json:
        print_json(
            [
                {
                    "field": "{" + f.name + "}",
                    "aliases": ["{" + a + "}" for a in f.aliases],
                    "cells": [str(k) for k in f.keys],
                    "sum": f.is_group,
                    **({"value": v} if wb is not None else {}),
                }
                for f, v in rows
            ]
        )
        return EXIT_OK
    print(f"正文中可以使用的字段（{spec.label}）：写成 {{字段名}}，导出时换成表格中的数字。")
    if wb is not None:
        print(f"取值来自：{wb.path}（{wb.unit} {wb.year} 年度）")
    group = None
    for f, value in rows:
        head = f.name.split(".")[0] if f.keys else spec.sheets.info
        if head != group:
            group = head
            print(f"\n{head}")
        note = "（合计）" if f.is_group else ""
        shown = f" = {value if value != '' else '（空）'}" if wb is not None else ""
        print(f"  {{{f.name}}}{note}{shown}")
    print("\n行名可写全称（如 本年新收政府信息公开申请数量）或去掉序号的简称；全角、半角均可。")
    return EXIT_OK


# -- gui -------------------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    from .gui import main

    return main(list(args.files))


# -- demo -------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from nianbao.workbook_templates.builder import TemplateRequest, build_template
    from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes

    folder = make_output_folder(
        numbered_path(Path(args.output or "nianbao-demo").resolve()), parents=True
    )
    this_year = sample_request(2025)
    last_year = sample_request(2024)
    unit = this_year.unit
    written: list[tuple[str, Path]] = []

    def out(name: str) -> Path:
        return folder / name

    blank = out(f"{unit}-{this_year.year}年度-空白填报表.xlsx")
    blank_request = TemplateRequest(year=this_year.year, unit=unit, kind=this_year.kind)
    build_template(blank, blank_request)
    written.append(("空白填报表（发给填报单位的样子）", blank))
    from nianbao.converters.narrative_template import write_narrative_template

    narrative = narrative_template_path(blank)
    write_narrative_template(blank_request.spec(), narrative, unit=unit, year=this_year.year)
    written.append(("正文模板（Word，与填报表一起发给填报单位）", narrative))

    previous_path = out(f"{unit}-{last_year.year}年度-填报表.xlsx")
    build_template(previous_path, last_year)
    written.append(("上年度填报表（用于跨年度校验）", previous_path))

    filled = out(f"{unit}-{this_year.year}年度-填报表.xlsx")
    build_template(filled, this_year)
    written.append(("填好示例数据的填报表", filled))

    previous = read_workbook(previous_path)
    report, _ = check_file(filled, previous)
    report_txt = out("校验结果.txt")
    report_txt.write_text(render_report(report) + "\n", encoding="utf-8")
    written.append(("校验结果", report_txt))

    broken = out("示例-有错误的填报表.xlsx")
    build_template(broken, sample_with_mistakes(this_year))
    written.append(("有错误的示例（演示校验能发现什么）", broken))
    broken_report, broken_wb = check_file(broken, previous)
    broken_txt = out("示例-有错误的填报表-校验结果.txt")
    broken_txt.write_text(render_report(broken_report) + "\n", encoding="utf-8")
    written.append(("有错误示例的校验结果", broken_txt))
    if broken_wb is not None:
        from nianbao.validation.annotate import annotate_workbook

        annotated = out("示例-有错误的填报表-批注.xlsx")
        annotate_workbook(broken_wb, broken_report, annotated)
        written.append(("有错误示例的批注副本（问题单元格标红并加批注）", annotated))

    print(f"年报助手演示：内置示例单位“{unit}”，{this_year.year} 年度。")
    print(f"示例填报表校验：{summary_line(report)}")
    print(f"有错误的示例校验：{summary_line(broken_report)}")
    from nianbao.converters.export import ExportRequest, export_report

    title = this_year.spec().report_title(unit, this_year.year)
    exported = export_report(
        ExportRequest(
            workbook=filled,
            docx=out(f"{title}.docx"),
            html=out(f"{title}.html"),
            previous=previous_path,
        )
    )
    for label, path in exported.written:
        sheet = this_year.spec().sheets.text
        written.append((f"{label}（由填好的填报表和「{sheet}」表一键生成）", path))

    print(f"\n已写入文件夹 {folder}：")
    for label, path in written:
        print(f"  {path.name}\n      {label}")
    print(f'\n试一试：{program()} check "{broken}" --previous "{previous_path}"')
    print(f'        {program()} export "{broken}" --draft -o 草稿.docx')
    return EXIT_OK if report.valid else EXIT_FINDINGS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "template": cmd_template,
    "check": cmd_check,
    "diff": cmd_diff,
    "export": cmd_export,
    "fields": cmd_fields,
    "demo": cmd_demo,
    "gui": cmd_gui,
}
