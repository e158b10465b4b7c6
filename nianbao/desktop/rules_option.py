"""The ``--rules 本地规则.toml`` option of ``check``, ``export`` and ``rollup``: one definition,
one loading (a bad pack stops the command with exit 2 before any workbook is read)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parser is built before anything of the core is imported
    from nianbao.workbook_templates.spec import RulePack


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--rules`` to a command's parser."""
    parser.add_argument(
        "--rules",
        metavar="本地规则.toml",
        help="本地规则文件：在年报格式的规则之外再按本地要求校验（字数上限、必须写明的内容、"
        "表格数字的上限等），或改变某条规则的严重程度；写法见 README 的“本地规则”一节",
    )


def load_rules(args: argparse.Namespace) -> RulePack | None:
    """Return the rule pack ``--rules`` names, or None; raise RulePackError (exit 2) naming the
    file and the line of each problem."""
    if not getattr(args, "rules", None):
        return None
    from nianbao.workbook_templates.rule_packs import load_rule_pack

    return load_rule_pack(args.rules)
