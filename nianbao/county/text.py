"""The rollup as text: the count of who sent what (the same sentence on the terminal, in the
window and on the summary's 汇总情况 sheet), and the terminal's account of a whole run."""

from __future__ import annotations

from collections import Counter

from .deadlines import late_units, timeliness_sentence
from .explain import check_lines, verdict
from .model import UNIT_FROM_INFO, USED, RollupResult

SHOWN = 10  # names or files listed per group before "等 N 个"


def _names(names: list[str]) -> str:
    more = f" 等 {len(names)} 个" if len(names) > SHOWN else ""
    return "、".join(names[:SHOWN]) + more


def counts_text(result: RollupResult) -> str:
    """Return who sent what, worded by the format's ``[summary] status_summary`` with
    ``result.counts``, then (when units have deadlines) who sent in time and the on-time rate."""
    text = result.spec.summary.status_summary.format(**result.counts.as_dict())
    return text + timeliness_sentence(result)


def render_rollup(result: RollupResult) -> str:
    """Return the console summary of a rollup."""
    label = result.status_label
    lines = [f"汇总：{result.year} 年度，{result.spec.label}"]
    lines.append(counts_text(result))
    policy = result.spec.summary
    lines.append(
        policy.status_policy_exclude
        if result.request.exclude_invalid
        else policy.status_policy_include
    )
    if result.missing:
        lines.append(f"未报送：{_names([u.name for u in result.missing])}")
    late = [u for u in late_units(result.units) if u.sent]
    if late:
        days = [f"{u.name}（{u.timeliness.days} 天）" for u in late if u.timeliness]
        lines.append(f"逾期报送：{_names(days)}")
    failing = result.failing
    if failing:
        lines.append("需要退回修改的单位：")
        for unit in failing[: SHOWN * 3]:
            first = unit.first_errors(1)
            if first:
                where = f"{first[0].where} " if first[0].where else ""
                detail = f"{where}{first[0].text}"
                if first[0].pack:
                    detail += f"（{first[0].pack_label}）"
                more = unit.file.errors - 1 if unit.file else 0
                if more > 0:
                    detail += f"（另有 {more} 项错误）"
            else:
                detail = (
                    unit.others[0].reason
                    if unit.others
                    else (unit.file.reason if unit.file else "")
                )
            lines.append(f"  {unit.name}【{label(unit.status)}】{detail}")
        if len(failing) > SHOWN * 3:
            lines.append(f"  ……共 {len(failing)} 个单位，详见汇总表的「{policy.status_sheet}」")
    files = Counter(f.status for f in result.files)
    lines.append(
        f"文件（共 {len(result.files)} 个）："
        + "　".join(f"{label(code)} {n}" for code, n in files.most_common())
    )
    for f in result.files:
        if f.status in USED and f.used and f.unit_from != UNIT_FROM_INFO:
            continue  # used as it is: nothing to say (unless its unit is only the typed name)
        lines.append(f"  {f.path}：{label(f.status)}。{f.reason}")
    if result.previous_note:
        lines.append(result.previous_note)
    report = result.summary_report
    if report is not None:
        lines.append(verdict(report, "详见 nianbao check 汇总表"))
        lines += [f"  {line}" for line in check_lines(report)]
    lines += _acceptance_lines(result)
    if result.output:
        lines.append(f"汇总表：{result.output}")
    if result.returns:
        copies, listing = len(result.returns) - 1, result.returns[-1]
        lines.append(f"退回材料：{listing.parent}（{copies} 个批注副本和 {listing.name}）")
        for name, reason in result.returns_failed.items():
            lines.append(f"  {name}：未能生成批注副本（{reason}），已在{listing.stem}中注明。")
    elif failing or result.missing:
        lines.append("提示：加 --returns 文件夹 可为有问题的单位生成批注副本和退回清单。")
    if result.receipt:
        lines.append(f"验收回执：{result.receipt}")
    return "\n".join(lines)


def _acceptance_lines(result: RollupResult) -> list[str]:
    """Return what the run accepted or withdrew, and the accepted units a newer version left
    unused (验收后有改动)."""
    lines = []
    taken = [e["unit"] for e in result.acceptance_events if e["action"] == "accept"]
    dropped = [e["unit"] for e in result.acceptance_events if e["action"] == "withdraw"]
    if taken:
        lines.append(f"本次验收 {len(taken)} 个单位：{_names(taken)}")
    if dropped:
        lines.append(f"本次撤销验收 {len(dropped)} 个单位：{_names(dropped)}")
    accepted = [u for u in result.units if u.accepted]
    if accepted:
        lines.append(f"已验收 {len(accepted)} 个单位。")
    for unit in accepted:
        newest = unit.versions[-1] if unit.versions else None
        if newest is not None and unit.accepted and newest.sha256 != unit.accepted["sha256"]:
            from .revisions import changes_text

            if unit.acceptance_note:
                lines.append(f"  {unit.name}【验收后有改动】{unit.acceptance_note}")
                continue
            changes = changes_text(unit.after_acceptance)
            lines.append(
                f"  {unit.name}【验收后有改动】收到新版本 {newest.path.name}，仍采用已验收的版本"
                f"（{changes}）；如要采用新版本，请加 --accept {unit.name}"
            )
    return lines
