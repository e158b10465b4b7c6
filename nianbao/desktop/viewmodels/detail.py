"""What the 校验 page's detail pane says about one finding, prepared without Qt: the rule as the
spec words it, the problem and what to do, the values compared in a sentence, and the finding's
cause or what it explains, each a link that selects that finding."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, unquote

from nianbao.validation import Finding, Report
from nianbao.workbook_templates.checks import format_number, instance_args, render
from nianbao.workbook_templates.compute import rule_instances
from nianbao.workbook_templates.spec import COMPUTED_KINDS, FormatSpec, RuleKind

from .check import SEVERITY_COLOURS


@dataclass(frozen=True)
class Explanation:
    """A finding in words for the detail pane."""

    rule: str
    severity: str
    severity_label: str
    where: str
    check_label: str  # "规则", or the 校验 sheet's "…表中的检查项"
    check: str
    text: str
    action: str
    numbers: str  # the values compared, in a sentence: "若其余数字无误，应为 2，现为 3（多 1）"
    cause: Finding | None = None  # the finding that explains this one: change that, not this
    explains: tuple[Finding, ...] = ()  # what this one explains (not counted again)
    in_spec: bool = True  # False for "the file cannot be read" and other non-rules
    pack_label: str = ""  # 本地规则“…” when a local rule pack added the rule or changed it


def rule_check(spec: FormatSpec | None, finding: Finding) -> tuple[str, str]:
    """Return (label, text) of the rule behind a finding as the spec words it (the rule's
    ``check`` text); ("", "") when the spec has none."""
    if spec is None:
        return "", ""
    try:
        rule = spec.rule(finding.rule)
    except KeyError:
        return "", ""
    if not rule.check:
        return "", ""
    args: dict[str, object] = {
        "table": finding.table,
        "row": finding.row,
        "column": finding.column,
        "unit_kind": "、".join(rule.kinds),
    }
    if finding.key is not None:
        key = finding.key
        inst = next(
            (i for i in rule_instances(spec) if i.rule.id == rule.id and i.anchor == key), None
        )
        if inst is not None:
            args = dict(instance_args(spec, inst))
    if rule.kind in COMPUTED_KINDS:
        return "规则", render(rule.check, args)
    return f"「{spec.sheets.checks}」表中的检查项", render(rule.check, args)


def _shown(value: Decimal | str) -> str:
    """Return a number as " 14" (spaced from the words) and a text as "「14件」"."""
    return f" {format_number(value)}" if isinstance(value, Decimal) else f"「{value}」"


def numbers_text(spec: FormatSpec | None, finding: Finding, kind: str) -> str:
    """Return what a finding compares as a sentence ("应为 14，现为「14件」"), "" when it does
    not compare two values.

    A balance's ``expected``/``actual`` are what its anchor cell would have to hold and holds
    (the engine's one-cell fix); a finding another explains has no numbers worth showing: they
    are off only because of its cause.
    """
    expected, actual = finding.expected, finding.actual
    if finding.cause is not None or kind == RuleKind.TABLE_BLANK:
        return ""
    should = _shown(expected) if expected is not None and expected != "" else ""
    now = _shown(actual) if actual is not None and actual != "" else ""
    change = ""
    if isinstance(expected, Decimal) and isinstance(actual, Decimal) and expected != actual:
        more = format_number(abs(actual - expected))
        change = f"（多 {more}）" if actual > expected else f"（少 {more}）"
    if not (should and now):
        return ""  # nothing compared: the finding's text says what is there
    if kind == RuleKind.EQUATION and isinstance(expected, Decimal):
        vtype = spec.value_type(finding.key) if spec and finding.key else ""
        if expected < 0 and vtype in ("count", "amount_wan"):
            return f"只改这一格无法相符（它须为{should}），请核对其余数字"
        return f"若其余数字无误，应为{should}，现为{now}{change}"
    if kind == RuleKind.SUM:
        return f"若各项无误，合计应为{should}，现为{now}{change}"
    if kind == RuleKind.LIMIT:
        return f"上限为{should}，现为{now}{change.replace('多', '超出')}"
    if kind == RuleKind.NARRATIVE_NUMBER:
        return f"表格为{should}，正文为{now}"
    return f"应为{should}，现为{now}{change}"


def explain(
    spec: FormatSpec | None,
    finding: Finding,
    labels: dict[str, str],
    report: Report | None = None,
) -> Explanation:
    """Return what the detail pane says about a finding: the rule, the problem, what to do, the
    numbers compared, and (from ``report``) the finding that explains it or those it explains."""
    check_label, check = rule_check(spec, finding)
    kind = ""
    if spec is not None:
        kind = next((r.kind for r in spec.rules if r.id == finding.rule), "")
    cause = None
    explains: tuple[Finding, ...] = ()
    if report is not None:
        cause = next((f for f in report.findings if f.id and f.id == finding.cause), None)
        explains = tuple(report.explained_by(finding))
    return Explanation(
        rule=finding.rule,
        severity=finding.severity,
        severity_label=labels.get(finding.severity, finding.severity),
        where=finding.where,
        check_label=check_label,
        check=check,
        text=finding.text,
        action=finding.action,
        numbers=numbers_text(spec, finding, kind),
        cause=cause,
        explains=explains,
        in_spec=bool(kind),
        pack_label=finding.pack_label,
    )


# A link in the detail pane to another finding (its cause, or one it explains).
FINDING_LINK = "finding:"
LINKS_LISTED = 12  # findings a cause explains listed by place in the detail pane


def finding_link(finding: Finding) -> str:
    """Return the detail pane's link to a finding (by its id)."""
    return FINDING_LINK + quote(finding.id, safe="")


def linked_finding(href: str) -> str | None:
    """Return the id of the finding a detail pane link points to, None for any other link."""
    if not href.startswith(FINDING_LINK):
        return None
    return unquote(href[len(FINDING_LINK) :]) or None


def explanation_html(exp: Explanation) -> str:
    """Return the detail pane's rich text for one finding (all of it escaped): what explains it
    first, when something does; what it explains last, each a link to that finding."""
    e = html.escape
    colour = SEVERITY_COLOURS.get(exp.severity, SEVERITY_COLOURS["error"])[0]
    head = f'<span style="color:{colour}; font-weight:bold;">{e(exp.severity_label)}</span>'
    if exp.where:
        head += f"&nbsp;&nbsp;<b>{e(exp.where)}</b>"
    if exp.in_spec:
        head += f'&nbsp;&nbsp;<span style="color:#666;">规则编号 {e(exp.rule)}</span>'
    if exp.pack_label:
        head += f'&nbsp;&nbsp;<span style="color:#8a5a00;">{e(exp.pack_label)}</span>'
    parts = [head]

    def link(f: Finding) -> str:
        return f'<a href="{e(finding_link(f))}">{e(f.where or f.rule)}</a>'

    if exp.cause is not None:
        parts.append(f"<b>原因：</b>由 {link(exp.cause)} 的问题引起，不另计。{e(exp.cause.text)}")
    if exp.check:
        parts.append(f"<b>{e(exp.check_label)}：</b>{e(exp.check)}")
    parts.append(f"<b>问题：</b>{e(exp.text)}")
    if exp.action:
        parts.append(f"<b>怎么改：</b>{e(exp.action)}")
    if exp.numbers:
        parts.append(f"<b>核对：</b>{e(exp.numbers)}")
    if exp.explains:
        listed = "、".join(link(f) for f in exp.explains[:LINKS_LISTED])
        more = f" 等 {len(exp.explains)} 项" if len(exp.explains) > LINKS_LISTED else ""
        parts.append(f"<b>由此引起（不另计）：</b>{listed}{more}")
    return "".join(f'<p style="margin: 0 0 6px 0;">{part}</p>' for part in parts)
