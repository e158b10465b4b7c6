"""The command line (``nianbao template | check | diff | export | fields | import |
roster-template | handout | rollup | data | trends | gui | demo``): a thin shell over the core
functions.

Exit codes (``nianbao.errors``): 0 no errors (warnings allowed), 1 errors found, 2 unreadable
input or usage error, 3 an internal fault (logged; the user sees a Chinese message, never a
traceback), 130 cancelled.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

from nianbao import __version__
from nianbao.applog import record_fault
from nianbao.errors import (
    EXIT_CANCELLED,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_PIPE_CLOSED,
    EXIT_SIGNAL_BASE,
    NianbaoError,
    Terminated,
    UsageError,
)

from .console import print_error, utf8_stdio
from .rules_option import add_rules_option

_ARGPARSE_MESSAGES = [
    (r"argument 命令: invalid choice: (.*) \(choose from (.*)\)", "没有命令 {0}，可用的命令：{1}"),
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        "参数 {0} 的取值 {1} 无效，可选：{2}",
    ),
    (r"argument (\S+): invalid int value: (.*)", "参数 {0} 应为整数，收到 {1}"),
    (r"argument (\S+): expected one argument", "参数 {0} 后面缺少取值"),
]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse passes prefix="" when it builds a sub-command's name from this usage line.
        return super().add_usage(
            usage, actions, groups, prefix="用法：" if prefix is None else prefix
        )


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Chinese and reports errors as UsageError (exit 2)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in _ARGPARSE_MESSAGES:
            m = re.search(pattern, message)
            if m:
                message = chinese.format(*m.groups())
                break
        raise UsageError(f"命令用法有误：{message}。", f"运行“{self.prog} --help”查看用法。")


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="nianbao",
        description="年报助手：政府信息公开工作年度报告的标准填报表、校验、汇总与导出（离线）。",
        epilog="示例：\n  nianbao demo\n  nianbao template -o 填报表.xlsx --unit 青禾镇人民政府 "
        "--kind 乡镇 --year 2025\n  nianbao check 填报表.xlsx\n"
        "  nianbao export 填报表.xlsx --narrative 填报表-正文.docx --html --pdf\n"
        "  nianbao import 2024年年报.html -o 2024年度填报表.xlsx",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"年报助手 nianbao {__version__}",
        help="显示版本号并退出",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    p = sub.add_parser("template", help="生成标准填报表（.xlsx）", description="生成标准填报表。")
    p.add_argument("-o", "--output", required=True, metavar="文件.xlsx", help="输出文件")
    p.add_argument("--unit", default="", metavar="单位名称", help="填报单位全称（填写后锁定）")
    p.add_argument("--year", type=int, metavar="年度", help="报告年度，默认为最近一个年度")
    p.add_argument(
        "--kind", default="", metavar="类型", help="单位类型：乡镇、街道、县直部门、县级政府、汇总"
    )
    p.add_argument(
        "--format",
        dest="format_version",
        metavar="版本",
        help="格式版本 2021 或 2019；默认按年度确定（2020 年度及以前为 2019 版）",
    )
    p.add_argument(
        "--narrative",
        metavar="正文模板.docx",
        help="同时生成的正文模板（Word）文件名，默认与填报表同名加“-正文”",
    )
    p.add_argument("--no-narrative", action="store_true", help="不生成正文模板")
    p.add_argument(
        "--previous",
        metavar="上年填报表.xlsx",
        help="上一年度的填报表：按它预填本年的上年结转等数字（预填后仍可修改）",
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    p = sub.add_parser("check", help="校验填好的填报表", description="校验填好的填报表。")
    p.add_argument(
        "inputs", nargs="+", metavar="文件或文件夹", help="填报表文件，或包含填报表的文件夹"
    )
    p.add_argument("--previous", metavar="上年填报表.xlsx", help="上一年度的填报表，用于跨年度校验")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--annotate", metavar="批注副本.xlsx", help="另存一份标出问题单元格的副本")
    p.add_argument(
        "--narrative",
        metavar="正文文件",
        help=(
            "同时检查正文（.docx、.txt、.md、.html 或 .pdf）中的模板遗留"
            "（占位符、提示文字、范文残留）"
        ),
    )
    p.add_argument("--force", action="store_true", help="批注副本已存在时覆盖")
    add_rules_option(p)

    p = sub.add_parser(
        "diff",
        help="比较同一单位的两个版本",
        description="比较同一单位填报表的两个版本：表格中改动的每个单元格"
        "（按官方行列名称，旧 → 新）、基本信息、正文的改动（节选），以及两个版本各自的校验结论。\n"
        "退出码：0 内容相同（即使文件字节不同，如另存过），1 有改动，2 文件无法读取。",
    )
    p.add_argument("old", metavar="旧版本.xlsx", help="先收到（或先填）的版本")
    p.add_argument("new", metavar="新版本.xlsx", help="后收到（或修改后）的版本")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    p = sub.add_parser(
        "export",
        help="生成 Word/HTML/PDF 年度报告",
        description="把校验通过的填报表和正文合成为正式的年度报告（Word，另可生成网页版和 PDF）。\n"
        "正文取自 --narrative 给出的文件，未给出时取填报表中填写的正文。\n"
        "正文里可以写字段（如 {表三.本年新收.总计}），导出时换成表格中的数字；"
        "nianbao fields 列出全部字段。",
    )
    p.add_argument("workbook", metavar="填报表.xlsx", help="填好并通过校验的填报表")
    p.add_argument(
        "-o",
        "--output",
        metavar="报告.docx",
        help="Word 报告文件名，默认为报告的标题，写在填报表旁边（如 "
        "青禾镇人民政府2025年政府信息公开工作年度报告.docx；基本信息缺单位或年度时为 "
        "填报表名-年度报告.docx）",
    )
    p.add_argument(
        "--narrative", metavar="正文文件", help="正文：Word（.docx）、纯文本（.txt）或网页（.html）"
    )
    p.add_argument(
        "--html",
        nargs="?",
        const="",
        metavar="报告.html",
        help="同时生成网页版（不写文件名时与 Word 同名）",
    )
    p.add_argument(
        "--pdf", nargs="?", const="", metavar="报告.pdf", help="同时生成 PDF（需要 LibreOffice）"
    )
    p.add_argument("--no-docx", action="store_true", help="不生成 Word 文件（只要网页版或 PDF 时）")
    p.add_argument(
        "--data",
        action="store_true",
        help="同时把表二至表四写成数据文件（与报告同名加“-数据”的 .csv 和 .json），"
        "供网站开放数据栏目",
    )
    p.add_argument("--previous", metavar="上年填报表.xlsx", help="上一年度的填报表，用于跨年度校验")
    p.add_argument(
        "--draft", action="store_true", help="填报表有错误时仍生成，每页标注“草稿（未通过校验）”"
    )
    p.add_argument(
        "--fonts",
        choices=["standard", "common"],
        default="standard",
        help="standard：公文标准字体（方正小标宋简体、仿宋_GB2312、楷体_GB2312）；"
        "common：电脑上没有这些字体时改用宋体、仿宋、楷体",
    )
    p.add_argument(
        "--font",
        action="append",
        default=[],
        metavar="用途=字体",
        help="单独指定某一用途的字体，可重复；用途：title 标题、body 正文、heading1 一级标题、"
        "heading2 二级标题、page_number 页码、table 表格、latin 西文和数字",
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    add_rules_option(p)

    p = sub.add_parser(
        "fields",
        help="列出正文中可以使用的字段",
        description="列出正文中可以使用的字段名（写成 {字段名}），给出填报表时同时列出取值。",
    )
    p.add_argument("workbook", nargs="?", metavar="填报表.xlsx", help="可选：列出该填报表中的取值")
    p.add_argument("--year", type=int, metavar="年度", help="按该年度适用的格式列出")
    p.add_argument("--format", dest="format_version", metavar="版本", help="格式版本 2021 或 2019")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")

    from .county_commands import add_parsers

    add_parsers(sub)

    from .import_command import add_parsers as add_import_parser

    add_import_parser(sub)

    from .analysis_commands import add_parsers as add_analysis_parsers

    add_analysis_parsers(sub)

    p = sub.add_parser(
        "gui", help="打开桌面程序（窗口）", description="打开年报助手的桌面程序窗口。"
    )
    p.add_argument("files", nargs="*", metavar="文件", help="可选：打开时就校验的填报表")

    p = sub.add_parser("demo", help="用内置示例演示全过程", description="用内置示例演示全过程。")
    p.add_argument("-o", "--output", metavar="文件夹", help="输出文件夹，默认 ./nianbao-demo")
    return parser


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    """Return the function that runs ``command`` (imported only now: start-up stays quick)."""
    from . import analysis_commands, commands, county_commands, import_command

    table = {
        **commands.COMMANDS,
        **county_commands.COMMANDS,
        **import_command.COMMANDS,
        **analysis_commands.COMMANDS,
    }
    return table[command]


_stopped: list[int] = []  # the stop signal received, if any


def _stop_on(signum: int, _frame) -> None:
    _stopped.append(signum)
    raise Terminated(signum)


def _quiet_when_stopped(unraisable) -> None:
    """Say nothing of a stop that arrived inside a callback (where it cannot unwind; the run
    then finishes and ``main`` still reports the stop)."""
    if not isinstance(unraisable.exc_value, Terminated):
        _default_unraisable(unraisable)


_default_unraisable = sys.unraisablehook


def _handle_stop_signals() -> None:
    """Make SIGTERM and SIGHUP unwind like Ctrl+C (temporary files are removed on the way)."""
    sys.unraisablehook = _quiet_when_stopped
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_on)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    utf8_stdio()
    _handle_stop_signals()
    try:
        args = _build_parser().parse_args(argv)
        if args.command is None:
            _build_parser().print_help()
            return EXIT_INPUT
        code = _handler(args.command)(args)
        if _stopped:  # the stop came where it could not unwind: the work was finished
            name = signal.Signals(_stopped[0]).name
            print(f"已停止（收到信号 {name}），此前的工作已完成。", file=sys.stderr)
            return EXIT_SIGNAL_BASE + _stopped[0]
        return code
    except NianbaoError as exc:
        print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_CANCELLED
    except Terminated as stop:
        print(
            f"已停止（收到信号 {signal.Signals(stop.signum).name}），没有写完的文件已删除。",
            file=sys.stderr,
        )
        return EXIT_SIGNAL_BASE + stop.signum
    except BrokenPipeError:
        # The reader of our output (e.g. `| head`) stopped early: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except Exception as exc:
        fault = record_fault(exc)
        print(f"错误：{fault.message}{fault.action}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
