"""``nianbao data`` (every input cell as one tidy table) and ``nianbao trends`` (key figures across
years, with what stands out): the arguments, the call into ``nianbao.analysis`` and the Chinese
summary. pandas is imported only when one of them runs."""

from __future__ import annotations

import argparse
import sys

from nianbao.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, UsageError
from nianbao.files import check_target, refuse_overwriting_inputs

from .console import ProgressBar, end_progress

_LOOK = "请按上面列出的原因处理这些文件后重试。"
MAX_LISTED = 20  # unreadable files and skipped names printed one a line; the rest are counted


def add_parsers(sub) -> None:
    """Add the data and trends commands to the subparsers object of the main parser."""
    p = sub.add_parser(
        "data",
        help="把填报表、汇总表、导入的年报整理成一张数据表（.csv/.xlsx/.json）",
        description="把每个可读的填报表（含汇总表的各单位表和汇总数、导入的已发布年报）的每个"
        "填报单元格整理成一张长表：单位、类型、年度、格式、表、官方行列名称、行列代码、数值、"
        "是否未知、来源文件、来源单元格、SHA-256。\n"
        "未知的单元格（已发布的年报中没有的）数值留空并标注 unknown，从不当作 0。"
        "CSV 为带 BOM 的 UTF-8，WPS/Excel 直接打开不乱码。\n"
        "退出码：0 全部读取，2 有文件无法读取（其余照常写出）或用法有误。",
    )
    p.add_argument(
        "inputs", nargs="+", metavar="文件或文件夹", help="填报表、汇总表、年报文件或文件夹"
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="数据.csv", help="输出文件：.csv、.xlsx 或 .json"
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    p = sub.add_parser(
        "trends",
        help="历年关键指标对比、异常变化和督办清单（.xlsx）",
        description="按单位和合计列出历年关键指标（本年新收、办结、予以公开和部分公开的比例、"
        "不予公开、无法提供、行政复议和行政诉讼及其纠正比例、现行有效的文件件数，见格式文件），"
        "并标出需要关注的变化：比上年增至 5 倍以上或降至五分之一以下、明显偏离同类单位的一般水平"
        "（第10至第90百分位数）、结转一直没有清零。输出的工作簿有图表和「督办清单」。\n"
        "输入可以是各年度的汇总表、同一单位各年度的填报表，或导入的已发布年报。\n"
        "退出码：0 完成，2 有文件无法读取（其余照常分析）或用法有误。",
    )
    p.add_argument(
        "inputs", nargs="+", metavar="文件或文件夹", help="各年度的汇总表、填报表或年报文件"
    )
    p.add_argument("-o", "--output", required=True, metavar="趋势.xlsx", help="输出的工作簿")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")


def _progress():
    return ProgressBar() if sys.stderr.isatty() else None


def _print_problems(collected) -> None:
    """Print every file that gave no numbers (with why) and the count of skipped names."""
    if collected.unreadable:
        print(f"无法读取 {len(collected.unreadable)} 个文件（没有纳入）：", file=sys.stderr)
        for item in collected.unreadable[:MAX_LISTED]:
            print(f"  {item.path}：{item.reason}", file=sys.stderr)
        if len(collected.unreadable) > MAX_LISTED:
            print(f"  ……另有 {len(collected.unreadable) - MAX_LISTED} 个", file=sys.stderr)
    if collected.skipped:
        print(f"跳过 {len(collected.skipped)} 个不是表格的文件：")
        for name in collected.skipped[:MAX_LISTED]:
            print(f"  {name}")
        if len(collected.skipped) > MAX_LISTED:
            print(f"  ……另有 {len(collected.skipped) - MAX_LISTED} 个")


def _exit_code(collected) -> int:
    if collected.faults:
        return EXIT_INTERNAL
    return EXIT_INPUT if collected.unreadable else EXIT_OK


def _read(args: argparse.Namespace):
    from nianbao.analysis.sources import input_files, read_inputs

    files, _ = input_files(args.inputs, args.output)  # a named input is never overwritten
    refuse_overwriting_inputs(args.output, files, "输出文件")
    bar = _progress()
    collected = read_inputs(args.inputs, output=args.output, progress=bar)
    if bar is not None:
        end_progress()
    return collected


def cmd_data(args: argparse.Namespace) -> int:
    from nianbao.analysis.tidy import check_data_target, tidy_frame, write_frame

    check_data_target(args.output)
    check_target(args.output, force=args.force)  # before anything is read
    collected = _read(args)
    _print_problems(collected)
    if not collected.records:
        raise UsageError("没有可以整理的数据：给出的文件都无法读取，没有写出数据表。", _LOOK)
    frame = tidy_frame(collected.records)
    path = write_frame(frame, args.output, force=args.force)
    files = len({r.file for r in collected.records})
    units = len(collected.records)
    unknown = int(frame["unknown"].sum()) if len(frame) else 0
    print(f"已写出数据表：{path}")
    print(
        f"  {files} 个文件，{units} 份数据（单位或汇总数），{len(frame)} 行（每个填报单元格一行）"
    )
    if unknown:
        print(f"  其中 {unknown} 个单元格未知（原报告中没有），数值留空，unknown 列为 True")
    return _exit_code(collected)


def cmd_trends(args: argparse.Namespace) -> int:
    from nianbao.analysis.figures import analyse
    from nianbao.analysis.sources import LEVEL_WHOLE
    from nianbao.analysis.trends_book import check_trends_target, write_trends

    check_trends_target(args.output)
    check_target(args.output, force=args.force)
    collected = _read(args)
    _print_problems(collected)
    if not collected.records:
        raise UsageError("没有可以分析的数据：给出的文件都无法读取，没有写出趋势分析。", _LOOK)
    analysis = analyse(collected.records)
    path = write_trends(analysis, collected, args.output, force=args.force)
    for note in analysis.notes:
        print(f"注意：{note}")
    years = "、".join(str(y) for y in analysis.years)
    print(f"已写出趋势分析：{path}")
    wholes = sum(1 for u in analysis.units if u[3] == LEVEL_WHOLE)
    also = f"及 {wholes} 个合计（汇总表）" if wholes else ""
    print(f"  {len(analysis.units) - wholes} 个单位{also}，年度：{years}")
    if analysis.flags:
        print(f"  需要关注 {len(analysis.flags)} 处（见「{analysis.text.list_sheet}」）：")
        for flag in analysis.flags[:MAX_LISTED]:
            print(f"    {flag.sentence}")
        if len(analysis.flags) > MAX_LISTED:
            print(f"    ……共 {len(analysis.flags)} 处")
    else:
        print(f"  {analysis.text.list_none}")
    return _exit_code(collected)


COMMANDS = {"data": cmd_data, "trends": cmd_trends}
