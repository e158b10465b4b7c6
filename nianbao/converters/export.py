"""One-click report: checked workbook + narrative → .docx (and .html, .pdf).

``export_report`` is what the CLI's ``nianbao export`` and the desktop app both call. A workbook
with errors is refused unless a draft is asked for; every file is written atomically and read
back to confirm it shows the workbook's numbers; nothing existing is overwritten unless forced.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from nianbao.errors import Cancelled, ExportError, UsageError
from nianbao.files import check_target, real_path
from nianbao.jobs import IsCancelled, Progress
from nianbao.validation import Finding, Report, validate
from nianbao.validation.findings import rule_findings
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.spec import RuleKind, RulePack, Severity

from .narrative import Narrative, narrative_from_workbook, read_narrative
from .word_styles import FontSet


class ExportRefused(ExportError):
    """The workbook (or the narrative) has errors and no draft was asked for."""

    def __init__(self, message: str, action: str, report: Report, notes: list[Finding]):
        super().__init__(message, action)
        self.report = report
        self.notes = notes


@dataclass(frozen=True)
class ExportRequest:
    workbook: Path
    docx: Path | None = None
    html: Path | None = None
    pdf: Path | None = None
    narrative: Path | None = None
    previous: Path | None = None
    draft: bool = False
    force: bool = False
    fonts: FontSet = field(default_factory=FontSet)
    today: _dt.date | None = None
    rules: RulePack | None = None  # a local rule pack the workbook and narrative are checked by


@dataclass
class ExportResult:
    report: Report
    narrative: Narrative
    notes: list[Finding]  # about the narrative (D- rules)
    written: list[tuple[str, Path]] = field(default_factory=list)
    draft_marked: bool = False
    pdf_problem: str = ""  # why no PDF was written (LibreOffice missing ...), with what to do
    font_note: str = ""  # which of the report's fonts this computer lacks, and what to do


def _targets(request: ExportRequest) -> list[Path]:
    """Return the output paths after checking them all, before any work is done."""
    targets = [p for p in (request.docx, request.html, request.pdf) if p is not None]
    if not targets:
        raise UsageError("没有指定要生成的文件。", "请用 -o 报告.docx（以及 --html、--pdf）指定。")
    resolved = [real_path(t) for t in targets]
    if len(set(resolved)) != len(resolved):
        raise UsageError("输出文件名重复。", "Word、HTML、PDF 请使用不同的文件名。")
    for suffixes, path in (
        ((".docx",), request.docx),
        ((".html", ".htm"), request.html),
        ((".pdf",), request.pdf),
    ):
        if path is not None and path.suffix.lower() not in suffixes:
            raise UsageError(
                f"输出文件 {path.name} 的扩展名应为 {suffixes[0]}。",
                f"例如：年度报告{suffixes[0]}。",
            )
    if real_path(request.workbook) in resolved:
        raise UsageError("输出文件不能是输入的填报表本身。", "请换一个输出文件名。")
    for label, given in (("正文文件", request.narrative), ("上年填报表", request.previous)):
        if given is not None and real_path(given) in resolved:  # also with --force
            raise UsageError(f"输出文件不能是输入的{label} {given.name}。", "请换一个输出文件名。")
    for path in targets:
        check_target(path, force=request.force)
    return targets


def export_report(
    request: ExportRequest,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> ExportResult:
    """Check the workbook, compose the report and write the requested files; return what was
    written. Raises ExportRefused for a workbook with errors (unless ``draft``), ExportError for
    unknown fields or a file that does not read back right, the reader's errors for unreadable
    input, and Cancelled when ``cancelled()`` turns true before the first file is written
    (after that the requested files are all finished).

    ``progress(fraction, message)`` is called at each step (the desktop app shows it)."""
    from .compose import compose_report

    writing = False  # once files are being written, finish them: a half set is worse

    def step(fraction: float, message: str) -> None:
        if not writing and cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress(fraction, message)

    _targets(request)
    step(0.05, "读取填报表")
    wb = read_workbook(request.workbook)
    if request.rules is not None:
        from nianbao.workbook_templates.rule_packs import with_rules

        wb = with_rules(wb, request.rules)
    previous = read_workbook(request.previous) if request.previous else None
    report = validate(wb, previous)
    step(0.2, "读取正文")
    if request.narrative is not None:
        from nianbao.validation.causes import add_findings
        from nianbao.validation.narrative_checks import narrative_findings

        narrative = read_narrative(request.narrative, wb.spec)
        add_findings(report, wb.spec, narrative_findings(wb.spec, narrative, wb, previous))
        if any(t.strip() for t in wb.texts.values()):
            args = {"file": request.narrative.name, "sheet": wb.spec.sheets.text}
            narrative.notes += rule_findings(wb.spec, RuleKind.READING_FILE, args)
    else:
        narrative = narrative_from_workbook(wb)
    step(0.35, "组织报告内容")
    doc, notes = compose_report(wb, narrative, today=request.today)
    if request.narrative is not None:
        from nianbao.validation.narrative_structure import unwritten_sections

        # A part missing or empty in the file is already a finding (N-SECTION / N-EMPTY).
        unwritten = unwritten_sections(wb.spec, narrative)
        notes = [n for n in notes if not (n.severity == "error" and n.section in unwritten)]
    narrative_errors = [n for n in notes if n.severity == "error"]
    if not report.valid or narrative_errors:
        if not request.draft:
            problems = []
            if not report.valid:
                # Counted and led by the errors no other explains: one mistake is one error.
                errors = report.roots(Severity.ERROR)
                first = f"（第一处在 {errors[0].where}）" if errors[0].where else ""
                problems.append(f"填报表有 {len(errors)} 个错误{first}")
            if narrative_errors:
                problems.append(f"正文有 {len(narrative_errors)} 个问题")
            raise ExportRefused(
                f"{'，'.join(problems)}，没有生成报告。",
                "请按下面列出的问题改正后重试；只想先看看效果时，加上 --draft 生成标有"
                f"“{wb.spec.report.draft_mark}”的草稿。",
                report,
                notes,
            )
        doc = replace(doc, draft_mark=wb.spec.report.draft_mark)
    result = ExportResult(report, narrative, notes, draft_marked=bool(doc.draft_mark))
    step(0.4, "准备写出文件")
    writing = True

    if request.docx is not None:
        step(0.45, "生成 Word 文件")
        from .docx_writer import write_docx

        write_docx(doc, request.docx, fonts=request.fonts, force=request.force)
        result.written.append(("Word 报告", request.docx))
    if request.html is not None:
        step(0.65, "生成网页文件")
        from .html_writer import write_html

        write_html(doc, request.html, force=request.force)
        result.written.append(("网页版（HTML）", request.html))
    if request.pdf is not None:
        step(0.75, "生成 PDF（LibreOffice）")
        result.pdf_problem = _write_pdf(request, request.pdf, doc, result)
    if request.docx is not None or request.pdf is not None:
        from .fonts_installed import font_note

        result.font_note = font_note(request.fonts, pdf=request.pdf is not None)
    step(1.0, "完成")
    return result


def _write_pdf(request: ExportRequest, pdf: Path, doc, result: ExportResult) -> str:
    """Write the PDF through LibreOffice; return "" or why it could not be made."""
    import tempfile

    from .docx_writer import write_docx
    from .pdf import PdfUnavailableError, convert_to_pdf

    try:
        if request.docx is not None:
            convert_to_pdf(request.docx, pdf, force=request.force)
        else:
            with tempfile.TemporaryDirectory(prefix="nianbao-") as tmp:
                source = Path(tmp) / (pdf.stem + ".docx")
                write_docx(doc, source, fonts=request.fonts)
                convert_to_pdf(source, pdf, force=request.force)
    except PdfUnavailableError as exc:
        return f"{exc.message}{exc.action}"
    result.written.append(("PDF", pdf))
    return ""
