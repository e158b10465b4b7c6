"""The county rollup from start to end: check the outputs, read the intake ledger and last year's
summary, take in the files (each with when its content first arrived), decide, compare each
unit's versions, sum, check the totals, write the summary, the ledger (and the returns); return
the result.

``rollup(request)`` is what ``nianbao rollup`` and the window's 汇总 page both call.
"""

from __future__ import annotations

import time

from nianbao.errors import Cancelled, NianbaoError, UsageError
from nianbao.files import check_target, refuse_overwriting_inputs
from nianbao.jobs import IsCancelled, Progress, part
from nianbao.validation.engine import values_workbook
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.values import normalize_label

from .acceptance import apply_acceptance, record_acceptance
from .deadlines import set_timeliness
from .decide import choose_year, decide, set_included, sum_values
from .explain import check_totals
from .intake import collect_files, examine_all
from .ledger import ledger_path, note_arrivals, read_ledger, write_ledger
from .model import RollupRequest, RollupResult, UnitEntry
from .revisions import compare_versions


def _previous_by_unit(previous: FilledWorkbook) -> dict[str, FilledWorkbook]:
    """Return last year's numbers of each unit of a summary, as workbooks for cross-year rules."""
    return {
        normalize_label(part.unit): values_workbook(
            previous.spec,
            {k: v for k, v in part.values().items() if v is not None},
            year=previous.year,
            unit=part.unit,
            path=previous.path,
        )
        for part in previous.parts
    }


def rollup(
    request: RollupRequest,
    *,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> RollupResult:
    """Read, check and sum the inputs, then write the summary (and returns); return the result.

    Every output path is checked before any file is read (never one of the inputs, also with
    --force), the returns folder before the summary is written; nothing is written on cancel.
    """
    check_target(request.output, force=request.force)
    ledger = read_ledger(ledger_path(request.output))  # a broken one stops the run: never reset
    check_target(ledger.path, force=True)  # a name too long, a folder not writable: before reading
    paths = collect_files(request.inputs)
    sides = [request.previous, request.roster.path if request.roster else None]
    refuse_overwriting_inputs(request.output, [*paths, *(p for p in sides if p)], "汇总表")
    if request.returns is not None:
        from .returns import check_returns_folder

        check_returns_folder(request.returns)
    previous_wb = read_workbook(request.previous) if request.previous else None
    previous_units = _previous_by_unit(previous_wb) if previous_wb else {}

    files = examine_all(
        paths,
        previous_units,
        rules=request.rules,
        workers=request.workers,
        progress=part(progress, 0.0, 0.8),
        cancelled=cancelled,
    )
    now = time.time() if request.now is None else request.now
    note_arrivals(ledger, files, now)
    year = choose_year(files, request.year)
    try:
        spec = spec_for_year(year)
    except NianbaoError:
        raise UsageError(f"不支持 {year} 年度。", "请用 --year 指定 2019 年以后的年度。") from None
    units = decide(files, request.roster, year, spec, exclude_invalid=request.exclude_invalid)
    comparisons = compare_versions(units)
    events = record_acceptance(ledger, units, request.acceptance, now)
    apply_acceptance(ledger, units, spec)
    set_included(units, request.exclude_invalid)  # an accepted version may stand in for a newer
    set_timeliness(units, request.deadline, now)
    totals = sum_values(units, spec)
    result = RollupResult(request, spec, year, units, files, totals, comparisons=comparisons)
    result.acceptance_events = events
    result.ledger, result.ledger_added = ledger.path, ledger.added
    if previous_wb is not None:
        result.previous_note = _previous_note(previous_wb, units)
    result.summary_report, result.summary_explanation = check_totals(result, previous_wb)
    if cancelled and cancelled():
        raise Cancelled()
    if request.returns is not None:  # a returns folder that cannot take them: before writing
        from .returns import plan_returns

        plan_returns(result, request.returns, force=request.force)
    if progress:
        progress(0.8, "正在写汇总表……")
    from .summary import write_summary

    result.output = write_summary(result, request.output, force=request.force)
    write_ledger(ledger)
    if events:
        from .receipt import receipt_path, write_receipt

        result.receipt = write_receipt(result, ledger, receipt_path(request.output, now))
    if request.returns is not None:
        if progress:
            progress(0.95, "正在写退回材料……")
        from .returns import write_returns

        result.returns = write_returns(result, request.returns, force=request.force)
    if progress:
        progress(1.0, "完成")
    return result


def _previous_note(previous: FilledWorkbook, units: list[UnitEntry]) -> str:
    if not previous.parts:
        return (
            f"上年文件 {previous.path.name} 不是汇总表，只对汇总数做了跨年度校验，没有逐单位校验。"
        )
    names = {normalize_label(p.unit) for p in previous.parts}
    unmatched = [u.name for u in units if u.file and normalize_label(u.name) not in names]
    note = f"已按上年汇总表 {previous.path.name} 逐单位做跨年度校验。"
    if unmatched:
        shown = "、".join(unmatched[:5]) + ("等" if len(unmatched) > 5 else "")
        note += f"上年汇总表中没有 {len(unmatched)} 个单位（{shown}），这些单位未做跨年度校验。"
    return note
