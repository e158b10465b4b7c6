"""Plain Chinese text of a report: grouped by severity (错误/警告/提示), then by rule."""

from __future__ import annotations

from itertools import groupby

from nianbao.workbook_templates.loader import available_formats
from nianbao.workbook_templates.spec import Severity

from .findings import Finding, Report

FULL_LISTING = 8  # findings of one rule shown in full before the rest are listed by cell
CELLS_LISTED = 60
EXPLAINED_LISTING = 3  # findings a cause explains shown in full under it


def _severity_labels() -> dict[str, str]:
    for spec in available_formats().values():
        return spec.severity_labels
    return {s: s.value for s in Severity}


def summary_line(report: Report) -> str:
    """Return the one-line verdict of a report."""
    labels = _severity_labels()
    c = report.counts
    counts = "，".join(f"{labels[k]} {c[k]} 项" for k in Severity)
    if not report.readable:
        return "✗ 无法读取"
    explained = f"；另有 {report.explained} 项由上述问题引起，不另计" if report.explained else ""
    return f"{'✓ 通过' if report.valid else '✗ 未通过'}（{counts}{explained}）"


def _describe(report: Report) -> str:
    parts = []
    if report.unit:
        parts.append(report.unit if len(report.unit) <= 60 else report.unit[:60] + "…")
    if report.year:
        parts.append(f"{report.year} 年度")
    if report.format_version:
        parts.append(f"{report.format_version} 版格式")
    return f"（{'，'.join(parts)}）" if parts else ""


def _rule_label(f: Finding) -> str:
    """Return the rule as the text shows it: "X-1", or "L-1 · 本地规则“某市要求”"."""
    return f"{f.rule} · {f.pack_label}" if f.pack else f.rule


def _finding_line(f: Finding) -> str:
    where = f"{f.where}  " if f.where else ""
    return f"    {where}{f.text}"


def _explained_lines(report: Report, cause: Finding) -> list[str]:
    """Return the lines of what a cause explains, indented under it."""
    explained = report.explained_by(cause)
    if not explained:
        return []
    if len(explained) <= EXPLAINED_LISTING:
        lines = [f"      由此引起 {len(explained)} 项（不另计）："]
        return lines + [f"        [{_rule_label(f)}] {f.where}  {f.text}" for f in explained]
    cells = [f.where for f in explained if f.where]
    listed = "、".join(cells[:10])
    more = " 等" if len(cells) > 10 else ""
    return [f"      由此引起 {len(explained)} 项（不另计）：{listed}{more}"]


def render_report(report: Report) -> str:
    """Return the human-readable text of one report: the problems by severity and rule, each
    with what it explains under it."""
    labels = _severity_labels()
    lines = [f"文件：{report.file}{_describe(report)}", f"结论：{summary_line(report)}"]
    findings = report.roots()
    for severity, group in groupby(findings, key=lambda f: f.severity):
        items = list(group)
        lines.append("")
        lines.append(f"{labels[severity]}（{len(items)}）")
        for _, grouped in groupby(items, key=lambda f: f.rule):
            rule_items = list(grouped)
            lines.append(f"  [{_rule_label(rule_items[0])}] {len(rule_items)} 处")
            shown = rule_items if len(rule_items) <= FULL_LISTING + 2 else rule_items[:FULL_LISTING]
            for f in shown:
                lines.append(_finding_line(f))
                lines.extend(_explained_lines(report, f))
            rest = rule_items[len(shown) :]
            if rest:
                cells = [f.where for f in rest if f.where]
                listed = "、".join(cells[:CELLS_LISTED])
                more = f" 等（共 {len(cells)} 处）" if len(cells) > CELLS_LISTED else ""
                lines.append(f"    另有 {len(rest)} 处同类问题：{listed}{more}")
            actions = list(dict.fromkeys(f.action for f in rule_items if f.action))
            if len(actions) == 1:
                lines.append(f"    怎么改：{actions[0]}")
            elif actions:
                lines.extend(f"    怎么改：{a}" for a in actions[:3])
    return "\n".join(lines)


def render_batch_summary(reports: list[Report], ignored: list[str]) -> str:
    """Return the closing summary of a batch: one line per file, then totals."""
    lines = ["", "汇总："]
    for r in reports:
        lines.append(f"  {summary_line(r)}  {r.file}")
    for name in ignored:
        lines.append(f"  （已忽略）{name}")
    ok = sum(1 for r in reports if r.valid)
    bad = sum(1 for r in reports if r.readable and not r.valid)
    unreadable = sum(1 for r in reports if not r.readable)
    lines.append(
        f"共 {len(reports)} 个文件：通过 {ok} 个，有错误 {bad} 个，无法读取 {unreadable} 个。"
    )
    return "\n".join(lines)


# How a note of reading or composing the narrative is marked on a line of its own.
NOTE_LABELS = {Severity.ERROR: "问题", Severity.WARNING: "注意", Severity.INFO: "说明"}


def note_line(note: Finding) -> str:
    """Return one note about the narrative as a line: ``[注意] text action``."""
    text = f"[{NOTE_LABELS[note.severity]}] {note.text}"
    if note.pack:
        text += f"（{note.pack_label}）"
    return f"{text} {note.action}" if note.action else text
