"""The county office's commands: ``roster-template`` (a roster to fill in), ``handout`` (one
stamped workbook per unit on the roster) and ``rollup`` (take in the returned files, track who
sent what, write the summary and the returns)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from nianbao.errors import EXIT_FINDINGS, EXIT_OK, UsageError

from .console import ProgressBar, end_progress, print_json, progress_line
from .rules_option import add_rules_option, load_rules


def add_parsers(sub) -> None:
    """Add the county commands to the subparsers object of the main parser."""
    p = sub.add_parser(
        "roster-template",
        help="生成填报单位名单模板（.xlsx）",
        description="生成填报单位名单模板：每行一个单位，填好后用于 nianbao handout 下发填报表。",
    )
    p.add_argument("-o", "--output", required=True, metavar="名单.xlsx", help="输出文件")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    p = sub.add_parser(
        "handout",
        help="按名单为每个单位生成填报表",
        description="按名单为每个填报单位生成一份填报表（单位名称、类型和年度已填好并锁定）"
        "和正文模板，并生成下发清单。\n名单可以是 .xlsx 或 .csv，须有“单位名称”列，"
        "可有“单位类型”“编码”“联系人”“联系电话”“截止日期”列。",
    )
    p.add_argument("--roster", required=True, metavar="名单.xlsx", help="单位名单（.xlsx 或 .csv）")
    p.add_argument("--year", type=int, metavar="年度", help="报告年度，默认为最近一个年度")
    p.add_argument(
        "-o", "--output", required=True, metavar="文件夹", help="输出文件夹（不存在时自动建立）"
    )
    p.add_argument(
        "--format",
        dest="format_version",
        metavar="版本",
        help="格式版本 2021 或 2019；默认按年度确定（2020 年度及以前为 2019 版）",
    )
    p.add_argument("--no-narrative", action="store_true", help="不生成正文模板")
    p.add_argument("--force", action="store_true", help="输出文件夹中已有同名文件时覆盖")

    p = sub.add_parser(
        "rollup",
        help="汇总收回的填报表（缺报跟踪、逐单位校验、汇总表、退回材料）",
        description="汇总收回的填报表：逐个文件说明情况（通过、有错误、重复报送、年度不符、"
        "无法读取……），对照名单列出未报送的单位，把纳入汇总的单位相加，写出汇总表。\n"
        "汇总表本身也是标准填报表（单位类型“汇总”），可以校验、导出年报，也可以再次汇总。",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="文件或文件夹",
        help="收到的填报表，或存放它们的文件夹（含子文件夹）",
    )
    p.add_argument("-o", "--output", required=True, metavar="汇总.xlsx", help="汇总表文件名")
    p.add_argument(
        "--roster", metavar="名单.xlsx", help="填报单位名单（.xlsx 或 .csv），用于缺报跟踪"
    )
    p.add_argument(
        "--year", type=int, metavar="年度", help="汇总的报告年度，默认取收到的填报表中最多的年度"
    )
    p.add_argument(
        "--unit", default="", metavar="单位名称", help="汇总单位名称，如“××县人民政府办公室”"
    )
    p.add_argument(
        "--previous", metavar="上年汇总表.xlsx", help="上年的汇总表，用于逐单位和汇总数的跨年度校验"
    )
    p.add_argument(
        "--exclude-invalid", action="store_true", help="有错误的单位不纳入汇总（默认纳入并标注）"
    )
    p.add_argument(
        "--returns", metavar="文件夹", help="为有问题的单位生成批注副本和退回清单，写到该文件夹"
    )
    p.add_argument(
        "--accept",
        nargs="+",
        action="extend",
        default=[],
        metavar="单位名称",
        help="验收这些单位最后收到的版本：此后再报送的不同内容不会替换它（写验收回执）",
    )
    p.add_argument(
        "--accept-all-valid", action="store_true", help="验收所有最后收到的版本没有错误的单位"
    )
    p.add_argument(
        "--unaccept",
        nargs="+",
        action="extend",
        default=[],
        metavar="单位名称",
        help="撤销这些单位的验收（记录保留）",
    )
    p.add_argument(
        "--deadline",
        metavar="日期",
        help="报送截止日期，如 2026-01-31（县直部门按条例为 1 月 31 日）；名单的“截止日期”列"
        "优先。给出后每个单位标注按时、逾期 N 天或未报送（已逾期 N 天），并计算按时报送率",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    add_rules_option(p)


def _deadline(text: str | None):
    """Return the --deadline day (None when not given); UsageError when it is not a date."""
    from nianbao.county.dates import DATE_FORMS, parse_date

    if text is None:
        return None
    day = parse_date(text)
    if day is None:
        raise UsageError(f"--deadline {text} 不是日期。", f"请写成 {DATE_FORMS}。")
    return day


def cmd_roster_template(args: argparse.Namespace) -> int:
    """Write the roster template and say how to go on; return the exit code."""
    from nianbao.county.roster import write_roster_template
    from nianbao.workbook_templates.builder import default_year

    output = Path(args.output)
    if output.suffix.lower() != ".xlsx":
        raise UsageError(
            f"输出文件 {output.name} 的扩展名应为 .xlsx。", "例如：-o 填报单位名单.xlsx。"
        )
    write_roster_template(output, force=args.force)
    print(f"已生成填报单位名单模板：{output}")
    print("下一步：在 WPS 或 Excel 中打开，每行填写一个填报单位（单位名称必填，")
    print("须与填报表上的单位全称一致；单位类型从下拉列表选择），保存后运行：")
    print(f"  nianbao handout --roster {output} --year {default_year()} -o 下发")
    return EXIT_OK


def cmd_handout(args: argparse.Namespace) -> int:
    """Write one workbook per roster unit into a folder and print a summary; return the exit
    code."""
    from nianbao.county.handout import LIST_NAME, handout
    from nianbao.county.roster import read_roster
    from nianbao.workbook_templates.builder import default_year
    from nianbao.workbook_templates.loader import load_spec, spec_for_year

    roster = read_roster(args.roster)
    year = args.year if args.year is not None else default_year()
    folder = Path(args.output)
    show = sys.stderr.isatty()
    files = handout(
        roster,
        year,
        folder,
        format_version=args.format_version,
        narrative=not args.no_narrative,
        force=args.force,
        progress=progress_line if show else None,
    )
    if show:
        end_progress()
    spec = load_spec(args.format_version) if args.format_version else spec_for_year(year)
    what = "填报表" if args.no_narrative else "填报表和正文模板"
    print(f"已为 {len(files)} 个单位生成{what}，保存在：{folder}")
    print(f"  报告年度：{year}    格式：{spec.label}")
    if args.year is None:
        print(f"  （未指定 --year，按今天的日期取 {year} 年度）")
    open_kind = [f.unit for f in files if not f.kind]
    if open_kind:
        more = f" 等 {len(open_kind)} 个" if len(open_kind) > 5 else ""
        names = "、".join(open_kind[:5]) + more
        print(f"  名单中未填单位类型的，由单位在填报表中选择：{names}")
    print(f"下发清单：{folder / LIST_NAME}")
    print("下一步：把每个单位的文件发给该单位；收回后放在同一个文件夹中，运行：")
    print(f"  nianbao rollup 收表文件夹 --roster {args.roster} -o 汇总.xlsx")
    return EXIT_OK


def cmd_rollup(args: argparse.Namespace) -> int:
    """Roll the inputs up, print who sent what and where the summary is; return the exit code:
    0 every unit sent a clean workbook, 1 some are missing or failing or a received workbook
    cannot be used (also without a roster, when no unit can be named for it), 2 unusable
    arguments."""
    from nianbao.county.model import AcceptanceRequest, RollupRequest
    from nianbao.county.rollup import rollup
    from nianbao.county.roster import read_roster
    from nianbao.files import refuse_overwriting_inputs

    output = Path(args.output)
    if output.suffix.lower() != ".xlsx":
        raise UsageError(
            f"汇总表 {output.name} 的扩展名应为 .xlsx。", "例如：-o 青禾县2025年度汇总.xlsx。"
        )
    # Before the roster or last year's summary is read: neither may be the summary's name.
    sides = [p for p in (args.roster, args.previous) if p]
    refuse_overwriting_inputs(output, sides, "汇总表")
    rules = load_rules(args)  # a bad pack stops here, before any file is read
    deadline = _deadline(args.deadline)
    request = RollupRequest(
        inputs=tuple(Path(i) for i in args.inputs),
        output=output,
        roster=read_roster(args.roster) if args.roster else None,
        year=args.year,
        unit=args.unit,
        previous=Path(args.previous) if args.previous else None,
        exclude_invalid=args.exclude_invalid,
        returns=Path(args.returns) if args.returns else None,
        force=args.force,
        acceptance=AcceptanceRequest(
            accept=tuple(args.accept),
            accept_all_valid=args.accept_all_valid,
            unaccept=tuple(args.unaccept),
        ),
        rules=rules,
        deadline=deadline,
    )
    show = sys.stderr.isatty()
    result = rollup(request, progress=ProgressBar() if show else None)
    if show:
        end_progress()
    if args.json:
        print_json(result.to_json())
    else:
        from nianbao.county.text import render_rollup

        print(render_rollup(result))
    clean = not result.missing and not result.failing and not result.unusable_files
    report = result.summary_report
    return EXIT_OK if clean and (report is None or report.valid) else EXIT_FINDINGS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "roster-template": cmd_roster_template,
    "handout": cmd_handout,
    "rollup": cmd_rollup,
}
