"""What the 生成报告 page shows, without Qt: output names, input checks, and plain lines that
explain a refused or finished export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nianbao.converters.export import ExportRefused
from nianbao.converters.narrative import NARRATIVE_SUFFIXES
from nianbao.errors import NianbaoError, UsageError
from nianbao.files import WORKBOOK_SUFFIXES
from nianbao.services.naming import default_report_path
from nianbao.validation import Finding, Report
from nianbao.validation.text_report import note_line, summary_line
from nianbao.workbook_templates.spec import Severity

# A draft gets its own name, so it is not mistaken for (or does not replace) the real report.
DRAFT_SUFFIX = "-草稿"
OUTPUT_SUFFIXES = {"docx": ".docx", "html": ".html", "pdf": ".pdf"}
# Characters Windows does not allow in a file name.
BAD_NAME_CHARACTERS = '\\/:*?"<>|'
ERRORS_SHOWN = 5  # errors listed on the page when an export is refused
EXPLAINED_SHOWN = 3  # places of what an error explains named after it


def default_name(workbook: Path) -> str:
    """Return the report's file name without extension for a workbook (the CLI's default: the
    report's title when the workbook gives unit and year)."""
    return default_report_path(workbook).stem


def clean_name(text: str, workbook: Path) -> str:
    """Return the file name (no extension) the user typed, or the default one when empty; raise
    UsageError for a name Windows cannot store."""
    name = text.strip().strip('"').strip()
    for suffix in OUTPUT_SUFFIXES.values():
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)].rstrip()
    if not name:
        return default_name(workbook)
    bad = [c for c in dict.fromkeys(name) if c in BAD_NAME_CHARACTERS]
    if bad or name.endswith("."):
        shown = " ".join(bad) if bad else "末尾的“.”"
        raise UsageError(
            f"文件名“{name}”中有不能用于文件名的字符：{shown}。",
            f"请去掉这些字符，例如改为“{default_name(workbook)}”。",
        )
    return name


@dataclass(frozen=True)
class OutputPlan:
    """The files one export will write (None where a format is not asked for)."""

    docx: Path | None = None
    html: Path | None = None
    pdf: Path | None = None

    def paths(self) -> list[Path]:
        return [p for p in (self.docx, self.html, self.pdf) if p is not None]

    def as_draft(self) -> OutputPlan:
        """Return the same plan with ``-草稿`` added to every file name."""

        def draft(path: Path | None) -> Path | None:
            if path is None or path.stem.endswith(DRAFT_SUFFIX):
                return path
            return path.with_name(f"{path.stem}{DRAFT_SUFFIX}{path.suffix}")

        return OutputPlan(draft(self.docx), draft(self.html), draft(self.pdf))


def plan_outputs(
    workbook: Path, folder: Path | None, name: str, formats: set[str] | frozenset[str]
) -> OutputPlan:
    """Return the files to write: ``name`` + each format's extension in ``folder`` (beside the
    workbook when None)."""
    base = (folder or workbook.parent) / clean_name(name, workbook)
    paths = {
        kind: base.with_name(base.name + suffix) if kind in formats else None
        for kind, suffix in OUTPUT_SUFFIXES.items()
    }
    return OutputPlan(**paths)


def check_inputs(
    workbook: Path | None,
    narrative: Path | None,
    previous: Path | None,
    folder: Path | None,
    formats: set[str] | frozenset[str],
) -> Path:
    """Return the workbook; raise UsageError, in words for a clerk, when the export cannot start
    as filled in."""
    if workbook is None:
        raise UsageError(
            "还没有选择填报表。", "请点“填报表”一行的“浏览…”选择填好的 .xlsx，或把它拖到窗口里。"
        )
    for label, path, suffixes in (
        ("填报表", workbook, WORKBOOK_SUFFIXES),
        ("正文", narrative, NARRATIVE_SUFFIXES),
        ("上年填报表", previous, WORKBOOK_SUFFIXES),
    ):
        if path is None:
            continue
        if not path.is_file():
            raise UsageError(
                f"找不到{label} {path}。", "文件可能已被移动或删除，请点“浏览…”重新选择。"
            )
        if path.suffix.lower() not in suffixes:
            kinds = "、".join(s for s in suffixes if s != ".htm")
            raise UsageError(
                f"{label} {path.name} 不是 {kinds} 文件。",
                f"请选择 {kinds} 文件；其他格式请先在 WPS/Office 中另存为 {suffixes[0]}。",
            )
    if previous is not None and previous.resolve() == workbook.resolve():
        raise UsageError(
            "上年填报表和本年填报表是同一个文件。", "请选择上一年度的填报表，或清空这一栏。"
        )
    if folder is not None and not folder.is_dir():
        raise UsageError(
            f"保存位置 {folder} 不是一个已有的文件夹。", "请点“保存到”一行的“浏览…”重新选择。"
        )
    if not formats:
        raise UsageError("没有勾选要生成的格式。", "请至少勾选 Word、网页版或 PDF 中的一种。")
    return workbook


def _place(finding: Finding) -> str:
    return " ".join(part for part in (finding.sheet, finding.cell) if part)


def refusal_lines(refused: ExportRefused, limit: int = ERRORS_SHOWN) -> list[str]:
    """Return why an export was refused: the verdict, the first ``limit`` workbook errors (where,
    what, how to fix; each one no other explains, with where the findings it explains are) and
    every narrative error."""
    report = refused.report
    lines = [f"校验结论：{summary_line(report)}"]
    errors = report.roots(Severity.ERROR)
    for finding in errors[:limit]:
        where = _place(finding)
        where = f"{where}：" if where else ""
        line = f"• {where}{finding.message}"
        explained = report.explained_by(finding)
        if explained:
            places = "、".join(_place(f) for f in explained[:EXPLAINED_SHOWN])
            more = " 等" if len(explained) > EXPLAINED_SHOWN else ""
            line += f"（由此引起 {len(explained)} 项，不另计：{places}{more}）"
        lines.append(line)
    if len(errors) > limit:
        lines.append(f"……另有 {len(errors) - limit} 个错误，点“查看问题”可以看到全部。")
    narrative_errors = [n for n in refused.notes if n.severity == "error"]
    if narrative_errors:
        lines.append("正文的问题：")
        lines.extend(f"• {note_line(n)}" for n in narrative_errors)
    return lines


def draft_mark(report: Report) -> str:
    """Return the mark a draft of this workbook's report carries on every page."""
    from nianbao.workbook_templates.loader import load_spec

    try:
        return load_spec(report.format_version).report.draft_mark
    except NianbaoError:  # an unknown format was refused earlier; the words still help
        return "草稿"


def refusal_advice(refused: ExportRefused) -> str:
    """Return what the clerk can do about a refused export (the page's own words: the core's
    action names the CLI's --draft option)."""
    from nianbao.workbook_templates.loader import load_spec

    errors = refused.report.roots(Severity.ERROR)
    try:
        sheets = set(load_spec(refused.report.format_version).all_sheet_names)
    except NianbaoError:
        sheets = {f.sheet for f in errors}
    in_workbook = any(f.sheet in sheets or not f.sheet for f in errors)
    in_narrative = any(f.sheet and f.sheet not in sheets for f in errors) or any(
        n.severity == "error" for n in refused.notes
    )
    if in_workbook and in_narrative:
        where = "在填报表和正文中改正上面的错误"
    elif in_workbook:
        where = "在填报表中改正上面的错误"
    else:
        where = "按上面的说明修改正文"
    return (
        f"请{where}，保存后再点“生成报告”。只想先看看效果，可以点“生成草稿”："
        f"草稿每页都标有“{draft_mark(refused.report)}”，不能作为正式报告发布。"
    )


def warnings_line(report: Report) -> str:
    """Return the line about warnings after a successful export, or "" when there are none."""
    count = report.counts[Severity.WARNING]
    if not count:
        return ""
    return f"校验有 {count} 个警告，不影响生成，建议核对。"


def draft_reason(report: Report) -> str:
    """Return why a result is only a draft."""
    if not report.valid:
        return f"填报表有 {report.counts[Severity.ERROR]} 个错误，未通过校验"
    return "正文不完整（见下面的说明）"


def split_problem(text: str) -> tuple[str, str]:
    """Return (what happened, what to do) of a core message that joins the two, such as
    ``ExportResult.pdf_problem``; the action starts at the first "。请"."""
    cut = text.find("。请")
    if cut < 0:
        return text, ""
    return text[: cut + 1], text[cut + 1 :]


def plan_text(plan: OutputPlan) -> str:
    """Return one line saying which files an export will write and where, and which exist."""
    paths = plan.paths()
    if not paths:
        return "请至少勾选一种格式。"
    stem, folder = paths[0].stem, paths[0].parent
    names = stem + "／".join(p.suffix for p in paths)
    existing = [p.suffix for p in paths if p.exists()]
    line = f"将生成 {names}，保存在 {folder}"
    if existing:
        line += f"（其中 {'、'.join(existing)} 已有同名文件，生成时会询问）"
    return line
