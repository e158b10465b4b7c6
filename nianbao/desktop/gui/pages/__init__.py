"""The four tasks of the main window, in order. Each page module is imported when first shown,
so the window appears before the heavy parts of the program are loaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    key: str
    title: str
    hint: str
    module: str  # desktop.gui.pages.<module>
    cls: str


PAGES: tuple[PageEntry, ...] = (
    PageEntry(
        "template",
        "生成填报表",
        "为本单位生成标准填报表和正文模板",
        "template_page",
        "TemplatePage",
    ),
    PageEntry("check", "校验", "检查填好的填报表，定位每个问题", "check_page", "CheckPage"),
    PageEntry(
        "rollup",
        "汇总",
        "县级收表：谁交了、谁没交、谁有错，生成汇总表",
        "rollup_page",
        "RollupPage",
    ),
    PageEntry(
        "report", "生成报告", "填报表＋正文一键生成 Word／网页／PDF", "report_page", "ReportPage"
    ),
)
