"""``nianbao import``: a published report (.pdf, .docx, .html, .txt) read into a workbook of our
format, and a Chinese summary of what was read, what is missing and what the narrative states."""

from __future__ import annotations

import argparse
from pathlib import Path

from nianbao.errors import EXIT_FINDINGS, EXIT_OK

YEAR_FROM = {"option": "--year 指定", "title": "取自标题", "period": "取自统计期限的句子"}
UNIT_FROM = {"option": "--unit 指定", "title": "取自标题"}
KIND_FROM = {"option": "--kind 指定", "unit": "按单位名称推断，可改选"}
MAX_PROBLEMS_SHOWN = 10


def add_parsers(sub) -> None:
    """Add the import command to the subparsers object of the main parser."""
    p = sub.add_parser(
        "import",
        help="把已发布的年报（.pdf/.docx/.html/.txt）导入为填报表",
        description="把已发布的政府信息公开工作年度报告导入为标准填报表，可作为下一年度的"
        "“上年填报表”（--previous）。\n"
        "可导入年报的 PDF（有文字的，不是扫描件）、Word 文件（.docx）、从网站另存的网页（.html）、"
        "复制网页或 PDF 文字得到的 .txt；"
        "表格按官方行列名称逐格读取（2019 版或 2021 版），读不到的单元格留空并列出，"
        "从不猜测；正文导入填报表。",
    )
    p.add_argument(
        "report", metavar="年报文件", help="已发布的年报：.pdf、.docx、.html、.txt 或 .md"
    )
    p.add_argument("-o", "--output", required=True, metavar="填报表.xlsx", help="输出的填报表")
    p.add_argument(
        "--year", type=int, metavar="年度", help="报告年度（优先于标题和统计期限中的年度）"
    )
    p.add_argument("--unit", default="", metavar="单位名称", help="单位名称，默认取自标题")
    p.add_argument(
        "--kind",
        default="",
        metavar="类型",
        help="单位类型：乡镇、街道、县直部门、县级政府、汇总（默认按单位名称推断）",
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")


def cmd_import(args: argparse.Namespace) -> int:
    """Import the report and print what was read; return 0 when every cell was read, 1 when
    some tables or cells are missing (the workbook is written all the same)."""
    from nianbao.importer import ImportRequest, import_report

    result = import_report(
        ImportRequest(
            source=Path(args.report),
            output=Path(args.output),
            year=args.year,
            unit=args.unit,
            kind=args.kind,
            force=args.force,
        )
    )
    for line in summary_lines(result):
        print(line)
    return EXIT_OK if result.complete else EXIT_FINDINGS


def summary_lines(result) -> list[str]:
    """Return the Chinese summary of an import: format, year, unit, tables, narrative."""
    spec = result.spec
    lines = [f"已导入：{result.source.name} → {result.output}"]
    year = f"{result.year}（{YEAR_FROM[result.year_from]}）"
    lines.append(f"  报告年度：{year}    格式：{spec.label}")
    if result.source_format != spec.format_version:
        lines.append(
            f"  原报告的表格是 {result.source_format} 版格式，已按行列名称对应到 "
            f"{spec.format_version} 版；对应不上的单元格留空，列为“没有读到”。"
        )
    unit = f"{result.unit}（{UNIT_FROM[result.unit_from]}）" if result.unit else "（没有找到）"
    lines.append(f"  单位：{unit}")
    if result.kind:
        lines.append(f"  单位类型：{result.kind}（{KIND_FROM[result.kind_from]}）")
    lines.append("表格：")
    for table in result.tables:
        if not table.found and not table.read:
            lines.append(
                f"  {table.name}：原报告中没有这张表（可能是图片），{table.missing} 格留空"
            )
        elif table.missing:
            lines.append(
                f"  {table.name}：读到 {table.read} 格，没有读到 {table.missing} 格（留空）"
            )
        else:
            lines.append(f"  {table.name}：读到 {table.read} 格，全部读到")
    found = {t.code for t in result.tables if t.missing and (t.found or t.read)}
    if found:
        lines.append("  没有读到的单元格：")
        lines.extend(f"    {text}" for text in _unknown_cells(spec, result.unknown, found))
    if result.problems:
        lines.append("没有读懂的内容：")
        lines.extend(f"  {p.message}" for p in result.problems[:MAX_PROBLEMS_SHOWN])
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ……共 {len(result.problems)} 处")
    sections = [c.label for c in spec.text_cells if c.code in result.texts]
    lines.append(
        f"正文：已导入「{spec.sheets.text}」表 {len(sections)} 格（{'、'.join(sections)}）"
        if sections
        else "正文：没有找到各部分的文字"
    )
    if result.claims:
        lines.append("正文中写明的数字（没有填入表格，请对照核实）：")
        lines.extend(f"  正文写明：{c.what} {c.written}（“{c.excerpt}”）" for c in result.claims)
    for note in result.notes:
        lines.append(f"注意：{note.message}")
    if result.complete:
        lines.append("全部表格都已读到。下一步：生成下一年度的填报表时把它作为上年填报表：")
    else:
        lines.append(
            "有表格或单元格没有读到：它们留空，并作为“未知”记在填报表"
            f"（隐藏的「{spec.sheets.stamp}」表）中，"
            "作为上年填报表时不会被当作 0；对照原报告（如表格图片）补填的数字照常使用。下一步："
        )
    next_year = result.year + 1
    lines.append(f"  nianbao template -o 填报表.xlsx --year {next_year} --previous {result.output}")
    return lines


def _unknown_cells(spec, unknown, tables: set[str]) -> list[str]:
    """Return the unknown cells of the given tables, one line per row: table「row」：columns."""
    rows: dict[tuple[str, str], list[str]] = {}
    for key in spec.value_keys():
        if key in unknown and key.table in tables:
            table = spec.table(key.table)
            rows.setdefault((key.table, key.row), []).append(table.column(key.row, key.col).name)
    return [
        f"{spec.table(t).name}「{spec.table(t).row(r).name}」：{'、'.join(columns)}"
        for (t, r), columns in rows.items()
    ]


COMMANDS = {"import": cmd_import}
