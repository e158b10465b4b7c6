"""Checking files as ``nianbao check`` and the 校验 page do: which files a list of paths means,
one file's report (a file we cannot read, or a fault of ours, is a report too, so a batch always
goes on), and the narrative's findings added to a workbook's."""

from __future__ import annotations

from pathlib import Path

from nianbao.applog import Fault, guarded
from nianbao.errors import UsageError, WorkbookError
from nianbao.files import (
    LOCK_PREFIXES,
    SPREADSHEET_SUFFIXES,
    WORKBOOK_SUFFIXES,
    is_our_temp,
    real_path,
    scan_inputs,
)
from nianbao.validation import Finding, Report, validate
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.spec import RulePack, Severity

FILE_RULE = "FILE"  # the file cannot be read at all (the reader's message)
INTERNAL_RULE = "INTERNAL"  # a fault of ours while reading or checking the file


def collect_inputs(inputs: list[str] | list[Path]) -> tuple[list[Path], list[str]]:
    """Return the files to check and the names skipped (lock files, non-spreadsheets).

    A file named on the command line is always checked; a folder is searched recursively for
    spreadsheets. Nothing is dropped silently: skipped names are returned for the summary.
    """
    named = {real_path(p) for p in inputs if not Path(p).is_dir()}
    files: list[Path] = []
    skipped: list[str] = []
    seen: dict[Path, Path] = {}
    for entry in scan_inputs(inputs):
        path = entry.path
        if entry.problem is not None:
            skipped.append(f"{path}（{entry.problem.rstrip('。')}）")
            continue
        key = real_path(path)
        if key in seen:
            skipped.append(f"{path}（与 {seen[key]} 是同一个文件，只校验一次）")
            continue
        seen[key] = path
        suffix = path.suffix.lower()
        if key in named:
            files.append(path)
        elif path.name.startswith(LOCK_PREFIXES):
            skipped.append(f"{path}（WPS/Excel 临时锁定文件）")
        elif is_our_temp(path):
            skipped.append(f"{path}（年报助手写入中或被中断时留下的临时文件）")
        elif suffix in WORKBOOK_SUFFIXES + SPREADSHEET_SUFFIXES:
            files.append(path)
        else:
            skipped.append(f"{path}（不是表格文件）")
    if not files:
        found = "；".join(skipped[:3])
        raise UsageError(
            "没有找到需要校验的表格文件。" + (f"找到的是：{found}。" if found else ""),
            "请给出 .xlsx 填报表或包含它们的文件夹。",
        )
    return files, skipped


def unreadable_report(path: Path, exc: WorkbookError) -> Report:
    """Return a report standing for a file that could not be read at all."""
    finding = Finding(rule=FILE_RULE, severity=Severity.ERROR, text=exc.message, action=exc.action)
    return Report(file=str(path), findings=[finding], readable=False)


def _fault_report(path: Path, fault: Fault) -> tuple[Report, None]:
    finding = Finding(
        rule=INTERNAL_RULE, severity=Severity.ERROR, text=fault.message, action=fault.action
    )
    return Report(file=str(path), findings=[finding], readable=False), None


def check_file(
    path: Path, previous: FilledWorkbook | None = None, rules: RulePack | None = None
) -> tuple[Report, FilledWorkbook | None]:
    """Return the report of one file and the read workbook (None when unreadable), checked
    under the local rule pack ``rules`` when given (the workbook returned carries its format
    with the pack applied, so a narrative checked against it gets the pack's rules too).

    A fault of ours on one file becomes that file's report (and a log entry), so a batch still
    checks every other file.
    """

    def work() -> tuple[Report, FilledWorkbook | None]:
        try:
            wb = read_workbook(path)
        except WorkbookError as exc:
            return unreadable_report(path, exc), None
        if rules is not None:
            from nianbao.workbook_templates.rule_packs import with_rules

            wb = with_rules(wb, rules)
        return validate(wb, previous), wb

    return guarded(work, lambda fault: _fault_report(path, fault), file=path)


def add_narrative_findings(
    report: Report, wb: FilledWorkbook, narrative: Path, previous: FilledWorkbook | None = None
) -> None:
    """Check a narrative file against its workbook and add the findings to ``report``; raise
    NarrativeError when the file cannot be read."""
    from nianbao.converters.narrative import read_narrative
    from nianbao.validation.causes import add_findings
    from nianbao.validation.narrative_checks import narrative_findings

    findings = narrative_findings(wb.spec, read_narrative(narrative, wb.spec), wb, previous)
    add_findings(report, wb.spec, findings)


def is_internal(report: Report) -> bool:
    """Return whether the report stands for a fault of ours (exit code 3 on the command line)."""
    return any(f.rule == INTERNAL_RULE for f in report.findings)
