"""What the 校验 page shows, prepared without Qt: the check itself (``services``, as the CLI),
the grid preview of an official table, the verdict, grouping (each cause with what it explains)
and filtering. What the detail pane says about one finding is ``detail``.

Everything here runs in the worker thread or is cheap enough for the GUI thread; nothing reads a
file except ``run_check`` and ``annotate_copy``, which the page runs as jobs.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from nianbao.converters.narrative import NARRATIVE_SUFFIXES
from nianbao.errors import NarrativeError, NianbaoError, WorkbookError
from nianbao.files import SPREADSHEET_SUFFIXES, WORKBOOK_SUFFIXES
from nianbao.services.checking import add_narrative_findings, check_file
from nianbao.validation import Finding, Report
from nianbao.validation.annotate import annotate_workbook, copy_content
from nianbao.validation.findings import rule_findings
from nianbao.validation.shown import CHANGED, CONSTANT, EMPTY, INTACT, ShownValues
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import format_number
from nianbao.workbook_templates.content import WorkbookContent
from nianbao.workbook_templates.loader import available_formats
from nianbao.workbook_templates.reader import FilledWorkbook, read_workbook
from nianbao.workbook_templates.spec import CellKey, FormatSpec, RuleKind, Severity

SEVERITIES = tuple(Severity)  # in the order findings are listed
# Other spreadsheets are taken too, so that the check can tell the clerk how to save them.
SHEET_SUFFIXES = WORKBOOK_SUFFIXES + SPREADSHEET_SUFFIXES

# What a preview cell is, for its colour and its tooltip.
INPUT, COMPUTED, TYPED_TOTAL, CHANGED_TOTAL, EMPTY_TOTAL, NOT_READ = (
    "input",
    "computed",
    "typed_total",
    "changed_total",
    "empty_total",
    "not_read",
)
CELL_NOTES = {
    COMPUTED: "合计，由公式自动计算",
    TYPED_TOTAL: "合计的公式被数字覆盖",
    CHANGED_TOTAL: "合计的公式被改动",
    EMPTY_TOTAL: "合计的公式被删除",
    NOT_READ: "本表结构与标准格式不符，数字没有读取",
}
STATUS_NOTES = {
    "blank": "未填写",
    "text_number": "填的是文本，不是数字",
    "not_number": "不是数字",
    "formula": "填的是公式，应直接填数字",
}


# -- inputs and the check ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInputs:
    """The files of one check: the workbook, and optionally last year's and the narrative."""

    workbook: Path
    previous: Path | None = None
    narrative: Path | None = None
    rules: Path | None = None  # the local rule pack of 设置 (not watched: read at each check)

    def files(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.workbook, self.previous, self.narrative) if p is not None)


def dropped_inputs(paths: list[Path], current: CheckInputs | None) -> CheckInputs | None:
    """Return the inputs after files were dropped or opened: the first spreadsheet is the
    workbook (last year's and the narrative are kept only if it is the one already open), a
    narrative file the narrative; None when no workbook results (a folder, a lone document)."""
    files = [p for p in paths if not p.is_dir()]
    sheet = next((p for p in files if p.suffix.lower() in SHEET_SUFFIXES), None)
    narrative = next((p for p in files if p.suffix.lower() in NARRATIVE_SUFFIXES), None)
    if sheet is None:
        return replace(current, narrative=narrative) if current and narrative else None
    if current is not None and current.workbook == sheet:
        return CheckInputs(sheet, current.previous, narrative or current.narrative)
    return CheckInputs(sheet, None, narrative)


# The title of the dialog that shows a side input that could not be read, by its rule's kind.
PROBLEM_TITLES = {
    RuleKind.INPUT_PREVIOUS: "上年填报表读不了",
    RuleKind.INPUT_NARRATIVE: "正文读不了",
}


def _wording_spec(spec: FormatSpec | None) -> FormatSpec:
    """Return the spec that words what the check says beside its report: the workbook's, or any
    format's for a workbook that could not be read (the rules say the same in each)."""
    return spec if spec is not None else next(iter(available_formats().values()))


def input_problem(spec: FormatSpec | None, kind: RuleKind, exc: NianbaoError) -> list[Finding]:
    """Return the findings saying that a side input could not be read (rules I-PREVIOUS,
    I-NARRATIVE), worded with the reader's own message and action."""
    return rule_findings(_wording_spec(spec), kind, {"detail": exc.message, "advice": exc.action})


def problem_title(problem: Finding, spec: FormatSpec | None = None) -> str:
    """Return the title of the dialog showing a side input's problem, chosen by the kind of its
    rule in ``spec`` (the workbook's, or any format's); its sentence when the kind has none."""
    kinds = {rule.id: rule.kind for rule in _wording_spec(spec).rules}
    kind = kinds.get(problem.rule)
    return PROBLEM_TITLES.get(kind, problem.text) if kind is not None else problem.text


Signature = tuple[int, int, int]


def file_signature(path: Path) -> Signature | None:
    """Return what tells a saved file from the one read before (inode, mtime, size), or None
    when the file is not there (WPS and Excel save by writing a new file and renaming it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass
class CheckResult:
    """Everything the page shows after one check, built in the worker thread."""

    inputs: CheckInputs
    report: Report
    spec: FormatSpec | None
    previews: dict[str, TablePreview] = field(default_factory=dict)  # by sheet name
    problems: tuple[Finding, ...] = ()  # side inputs that could not be read (I- rules)
    signatures: dict[Path, Signature | None] = field(default_factory=dict)
    content: WorkbookContent | None = None  # what the annotated copy is written from

    @property
    def readable(self) -> bool:
        return self.report.readable

    def preview_for(self, finding: Finding) -> TablePreview | None:
        """Return the preview of the official table the finding's cell is in (for a finding
        about a whole table, such as one left blank, the table of the cells it lists), or
        None."""
        preview = self.previews.get(finding.sheet)
        if preview is None:
            return None
        if finding.cell:
            return preview if preview.position(finding.cell) is not None else None
        listed = any(preview.position(ref) is not None for ref in finding.cells)
        return preview if listed else None


class SaveTracker:
    """Tells, after the files of a check were touched on disk, whether to check again.

    WPS and Excel save by writing a new file and renaming it over the old one, so the workbook
    may be missing for a moment; a folder also changes for other reasons (lock files).
    """

    def __init__(self, missing_tries: int = 10) -> None:
        self.missing_tries = missing_tries
        self._seen: dict[Path, Signature | None] = {}
        self._missing = 0

    def checking(self, inputs: CheckInputs) -> None:
        """Remember the files as they are when a check starts."""
        self._seen = {p: file_signature(p) for p in inputs.files()}

    def settled(self, inputs: CheckInputs) -> str:
        """Return "changed" (check again), "same", "missing" (look again shortly) or "gone"
        (missing for good)."""
        if file_signature(inputs.workbook) is None:
            self._missing += 1
            if self._missing <= self.missing_tries:
                return "missing"
            self._missing = 0
            return "gone"
        self._missing = 0
        changed = any(file_signature(p) != self._seen.get(p) for p in inputs.files())
        return "changed" if changed else "same"


def run_check(inputs: CheckInputs) -> CheckResult:
    """Check a workbook as ``nianbao check`` does (with --previous and --narrative) and prepare
    the table previews. A side input that cannot be read does not stop the check: it becomes a
    finding among ``problems`` (I-PREVIOUS, I-NARRATIVE) and the check runs without it."""
    signatures = {p: file_signature(p) for p in inputs.files()}
    previous = None
    previous_error: WorkbookError | None = None
    if inputs.previous is not None:
        try:
            previous = read_workbook(inputs.previous)
        except WorkbookError as exc:
            previous_error = exc  # worded once the workbook's format is known
    rules = None
    if inputs.rules is not None:  # a pack that cannot be used stops the check: it was asked for
        from nianbao.workbook_templates.rule_packs import load_rule_pack

        rules = load_rule_pack(inputs.rules)
    report, wb = check_file(inputs.workbook, previous, rules)
    spec = wb.spec if isinstance(wb, FilledWorkbook) else None
    problems: list[Finding] = []
    if previous_error is not None:
        problems += input_problem(spec, RuleKind.INPUT_PREVIOUS, previous_error)
    if inputs.narrative is not None and isinstance(wb, FilledWorkbook):
        try:
            add_narrative_findings(report, wb, inputs.narrative, previous)
        except NarrativeError as exc:
            problems += input_problem(spec, RuleKind.INPUT_NARRATIVE, exc)
    previews = {}
    content = None
    if isinstance(wb, FilledWorkbook):
        shown = ShownValues(wb)
        previews = {t.sheet: table_preview(wb, t.code, shown) for t in wb.spec.tables}
        content = copy_content(wb)
    return CheckResult(inputs, report, spec, previews, tuple(problems), signatures, content)


def annotate_copy(
    inputs: CheckInputs, target: Path, *, force: bool = False
) -> tuple[CheckResult, Path]:
    """Check the workbook again (it may have been saved since) and write its annotated copy as
    ``nianbao check --annotate`` does; return the fresh result and the file written."""
    result = run_check(inputs)
    if result.content is None:
        first = result.report.findings[0]
        raise WorkbookError(first.text, first.action)
    try:
        written = annotate_workbook(result.content, result.report, target, force=force)
    except PermissionError as exc:  # on Windows: the old copy is still open in WPS/Excel
        raise NianbaoError(
            f"无法写入 {target.name}：文件正在被其他程序使用，或没有写入权限。",
            "请先在 WPS/Excel 中关闭这个文件，或在“设置”中换一个输出文件夹，然后重试。",
        ) from exc
    return result, Path(written)


# -- the table preview -------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewCell:
    """One value cell as the clerk sees it in WPS/Excel."""

    key: CellKey
    ref: str  # A1 on the table's sheet
    text: str  # what was typed (or, for an intact total, what the formula shows)
    kind: str  # INPUT, COMPUTED, TYPED_TOTAL, ...
    note: str = ""  # why the cell looks odd, in words ("未填写", "填的是文本，不是数字")


@dataclass(frozen=True, eq=False)
class TablePreview:
    """One official table as a grid: row labels, column labels and the cells (None where a row
    has no such column). A table of one row is shown transposed, so its many columns read down.
    """

    table_code: str
    sheet: str
    name: str
    title: str
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    cells: tuple[tuple[PreviewCell | None, ...], ...]
    readable: bool = True
    transposed: bool = False
    _positions: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def position(self, ref: str) -> tuple[int, int] | None:
        """Return the (row, column) of the grid showing a sheet cell (an A1 address, with or
        without its sheet name)."""
        sheet, _, a1 = ref.rpartition("!")
        if sheet and sheet != self.sheet:
            return None
        return self._positions.get(a1.replace("$", "").upper())

    def cell(self, row: int, col: int) -> PreviewCell | None:
        return self.cells[row][col]


def _input_text(wb: FilledWorkbook, key: CellKey) -> tuple[str, str]:
    read = wb.cells.get(key)
    if read is None or read.status == "blank":
        return "", STATUS_NOTES["blank"]
    if read.status == "formula":
        return f"={read.formula}", STATUS_NOTES["formula"]
    if read.status in ("text_number", "not_number"):
        return read.text, STATUS_NOTES[read.status]
    if read.value is None:
        return read.text, ""
    return format_number(read.value), ""


def _total_text(wb: FilledWorkbook, shown: ShownValues, key: CellKey) -> tuple[str, str]:
    read = wb.totals[key]
    state = shown.state[key][0]
    if state == EMPTY:
        return "", EMPTY_TOTAL
    if state == CONSTANT:
        text = format_number(read.constant) if read.constant is not None else read.text
        return text, TYPED_TOTAL
    value = shown.total(key)
    if state == CHANGED:
        text = format_number(value) if value is not None else f"={read.formula}"
        return text, CHANGED_TOTAL
    assert state == INTACT
    return (format_number(value) if value is not None else ""), COMPUTED


def _preview_cell(wb: FilledWorkbook, shown: ShownValues, key: CellKey, ref: str) -> PreviewCell:
    if key.table in wb.unreadable_tables:
        return PreviewCell(key, ref, "", NOT_READ, CELL_NOTES[NOT_READ])
    if key in wb.totals:
        text, kind = _total_text(wb, shown, key)
        return PreviewCell(key, ref, text, kind, CELL_NOTES[kind])
    text, note = _input_text(wb, key)
    return PreviewCell(key, ref, text, INPUT, note)


def table_preview(
    wb: FilledWorkbook, table_code: str, shown: ShownValues | None = None
) -> TablePreview:
    """Return the grid of one official table with the values as typed in the workbook."""
    spec = wb.spec
    shown = shown or ShownValues(wb)
    table = spec.table(table_code)
    lay = L.table_layout(table)
    rows = table.rows
    columns: dict[str, str] = {}  # col_code -> name, in order of first appearance
    for block in table.blocks:
        for col in block.columns:
            columns.setdefault(col.code, col.name)
    col_codes = list(columns)
    grid: list[list[PreviewCell | None]] = []
    positions: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(rows):
        own = {c.code for c in table.block_of(row.code).columns}
        line: list[PreviewCell | None] = []
        for c, code in enumerate(col_codes):
            if code not in own:
                line.append(None)
                continue
            key = CellKey(table.code, row.code, code)
            place = lay.cell(key)
            ref = L.a1(place.row, place.col)
            line.append(_preview_cell(wb, shown, key, ref))
            positions[ref] = (r, c)
        grid.append(line)
    row_labels = tuple(row.name for row in rows)
    col_labels = tuple(columns.values())
    transposed = len(rows) == 1 and len(col_codes) > 1
    if transposed:
        grid = [list(line) for line in zip(*grid, strict=True)]
        row_labels, col_labels = col_labels, row_labels
        positions = {ref: (c, r) for ref, (r, c) in positions.items()}
    return TablePreview(
        table_code=table.code,
        sheet=table.sheet,
        name=table.name,
        title=table.title,
        row_labels=row_labels,
        col_labels=col_labels,
        cells=tuple(tuple(line) for line in grid),
        readable=table.code not in wb.unreadable_tables,
        transposed=transposed,
        _positions=positions,
    )


@dataclass(frozen=True)
class Highlight:
    """Where a finding is in a preview: its own cell and the cells it compares."""

    focus: tuple[int, int] | None
    involved: frozenset[tuple[int, int]]


def highlight(preview: TablePreview, finding: Finding) -> Highlight:
    """Return the grid positions of a finding's cell and of its contributing cells."""
    focus = preview.position(finding.cell) if finding.sheet == preview.sheet else None
    involved = {preview.position(ref) for ref in finding.cells}
    involved.discard(None)
    involved.discard(focus)
    return Highlight(focus, frozenset(involved))  # type: ignore[arg-type]


# -- words -------------------------------------------------------------------------------------


def severity_labels(spec: FormatSpec | None = None) -> dict[str, str]:
    """Return the Chinese names of the severities (错误/警告/提示) from the spec."""
    if spec is not None:
        return dict(spec.severity_labels)
    for any_spec in available_formats().values():
        return dict(any_spec.severity_labels)
    return {s: s for s in SEVERITIES}


def counts_text(counts: Mapping[Severity, int], labels: Mapping[str, str]) -> str:
    """Return "2 个错误、1 个警告" (only the severities that occur)."""
    return "、".join(f"{counts[s]} 个{labels[s]}" for s in SEVERITIES if counts.get(s))


def summary_text(report: Report, labels: dict[str, str]) -> tuple[str, str]:
    """Return the verdict line (counting the problems no other explains, and saying how many
    more they explain) and the line naming unit, year and format."""
    if not report.readable:
        finding = report.findings[0] if report.findings else None
        return "无法读取这个文件", finding.text if finding else ""
    counts = report.counts  # the problems no other explains: one mistake is counted once
    if counts[Severity.ERROR]:
        headline = f"未通过：有 {counts_text(counts, labels)}"
    elif counts[Severity.WARNING] or counts[Severity.INFO]:
        headline = f"通过：没有错误，有 {counts_text(counts, labels)}需要看一下"
    else:
        headline = "通过：没有发现问题"
    if report.explained:
        headline += f"（另有 {report.explained} 项由此引起，不另计）"
    parts = [report.unit or "（未填单位名称）"]
    if report.kind:
        parts.append(report.kind)
    if report.year:
        parts.append(f"{report.year} 年度")
    if report.format_version:
        parts.append(f"{report.format_version} 版格式")
    return headline, " · ".join(parts)


def severity_choices(
    counts: Mapping[Severity, int], labels: Mapping[str, str]
) -> list[tuple[str, Severity | None]]:
    """Return the severity filter's choices: ("全部（4）", None), ("只看错误（3）", "error") ..."""

    def count(n: int) -> str:
        return f"（{n}）" if counts else ""

    choices: list[tuple[str, Severity | None]] = [(f"全部{count(sum(counts.values()))}", None)]
    choices += [(f"只看{labels[s]}{count(counts.get(s, 0))}", s) for s in SEVERITIES]
    return choices


def nothing_selected_html(report: Report | None) -> str:
    """Return what the detail pane says when no finding is selected."""
    if report is None:
        return ""
    if not report.findings:
        return "<p>没有发现问题。</p><p>可以到“生成报告”页面，用这份填报表和正文生成年报。</p>"
    return "<p>在左边选一个问题，这里会显示它在表格中的位置和怎么改。</p>"


@dataclass(frozen=True)
class FindingGroup:
    """One severity's findings as listed: the findings no other explains, in their order, and
    what each of them explains (listed under it)."""

    severity: str
    label: str
    findings: tuple[Finding, ...]  # the roots: each is one problem, counted once
    explained: Mapping[str, tuple[Finding, ...]] = field(default_factory=dict)  # by root id

    def explained_by(self, finding: Finding) -> tuple[Finding, ...]:
        """Return the findings ``finding`` explains (its consequences), in their order."""
        return self.explained.get(finding.id, ()) if finding.id else ()


def group_findings(findings: list[Finding], labels: dict[str, str]) -> list[FindingGroup]:
    """Return the findings grouped by severity (错误, 警告, 提示), keeping their order within a
    group: each finding another explains goes under its cause (in the cause's group), the rest
    are the group's own; groups without findings are left out."""
    ids = {f.id for f in findings if f.id}

    def cause_of(f: Finding) -> str | None:
        return f.cause if f.cause is not None and f.cause in ids else None

    explained: dict[str, list[Finding]] = {}
    for f in findings:
        cause = cause_of(f)
        if cause is not None:
            explained.setdefault(cause, []).append(f)
    groups = []
    for severity in SEVERITIES:
        roots = tuple(f for f in findings if f.severity == severity and cause_of(f) is None)
        if roots:
            under = {f.id: tuple(explained[f.id]) for f in roots if f.id in explained}
            groups.append(FindingGroup(severity, labels.get(severity, severity), roots, under))
    return groups


# A cause explaining more findings than this (a table left blank) is listed closed: the clerk
# opens it to see the cells.
EXPANDED_CHILDREN = 5


def listed_open(finding: Finding, shown: int, query: str) -> bool:
    """Return whether a cause is listed open, with the ``shown`` findings it explains under it:
    when they are few, or when the text filter matched them and not the cause itself."""
    if not shown:
        return False
    return shown <= EXPANDED_CHILDREN or not finding_matches(finding, query)


def finding_matches(finding: Finding, query: str) -> bool:
    """Return whether every word of ``query`` occurs in the finding's place, row, column, rule
    or text (case-insensitive); an empty query matches everything."""
    words = query.lower().split()
    if not words:
        return True
    haystack = " ".join(
        (
            finding.where,
            finding.cell,
            finding.rule,
            finding.table,
            finding.row,
            finding.column,
            finding.text,
            finding.action,
        )
    ).lower()
    return all(word in haystack for word in words)


def shown_in_list(
    finding: Finding, cause: Finding | None, severity: str | None, query: str
) -> bool:
    """Return whether the findings list shows ``finding`` (listed under ``cause``, or None) with
    the severity filter (None: all) and the text filter: a finding another explains follows its
    cause's severity and is shown whenever its cause matches the words, so a cause that matches
    is listed whole. (The list shows a cause above any finding of it that is shown.)"""
    root = cause if cause is not None else finding
    if severity is not None and root.severity != severity:
        return False
    return finding_matches(finding, query) or (cause is not None and finding_matches(cause, query))


def same_place(a: Finding, b: Finding) -> bool:
    """Return whether two findings (e.g. before and after a re-check) are the same problem."""
    return (a.rule, a.sheet, a.cell, a.key, a.row, a.column) == (
        b.rule,
        b.sheet,
        b.cell,
        b.key,
        b.row,
        b.column,
    )


CLOSING = "）)」』】，。、：；！？"


def wrap_label(text: str, width: int) -> str:
    """Return a label broken into lines of at most ``width`` characters, at spaces where it
    can (for grid headers, which do not wrap by themselves)."""
    if width < 1 or len(text) <= width:
        return text
    cut = text.find("（", 1)
    if cut > 0 and len(text) - cut <= width + 3:
        # A short note in brackets ("（单位：万元）") gets a line of its own, unbroken.
        wider = max(width, len(text) - cut)
        return f"{wrap_label(text[:cut].rstrip(), wider)}\n{text[cut:]}"
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:
            room = width - len(line) - (1 if line else 0)
            if room <= 0:
                lines.append(line)
                line = ""
                continue
            line = f"{line} {word[:room]}" if line else word[:room]
            word = word[room:]
            lines.append(line)
            line = ""
        if not word:
            continue
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    # Closing punctuation never starts a line: it goes back to the line before.
    while len(lines) > 1 and lines[-1] and all(ch in CLOSING for ch in lines[-1]):
        last = lines.pop()
        lines[-1] += last
    return "\n".join(lines)


# -- colours and the grid's caption -----------------------------------------------------------

# Text colour, strong cell colour, its text colour, light cell colour: one set per severity.
SEVERITY_COLOURS = {
    "error": ("#b3261e", "#c62828", "#ffffff", "#ffd9d3"),
    "warning": ("#8a5a00", "#f0a800", "#000000", "#ffefc0"),
    "info": ("#1c5fb0", "#1e63b5", "#ffffff", "#d8e6fa"),
}
COMPUTED_BACKGROUND = "#e9edf2"
MISSING_BACKGROUND = "#d9dce1"  # a row without this column


def caption_html(preview: TablePreview, severity: str) -> str:
    """Return the line above the grid: which table, that it is read-only, and the colours."""
    e = html.escape
    _, strong, strong_text, light = SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["error"])

    def chip(colour: str, text: str, text_colour: str = "#000000") -> str:
        return (
            f'<span style="background:{colour}; color:{text_colour};">&nbsp;{e(text)}&nbsp;</span>'
        )

    legend = "&nbsp;".join(
        (
            chip(strong, "问题所在", strong_text),
            chip(light, "参与比较"),
            chip(COMPUTED_BACKGROUND, "自动计算"),
        )
    )
    state = "" if preview.readable else f"（{e(CELL_NOTES[NOT_READ])}）"
    return (
        f"<b>{e(preview.sheet)}</b>&nbsp; {e(preview.title)}{state}"
        f'<br><span style="color:#555;">只读预览，修改请用表格软件。</span>&nbsp;&nbsp;{legend}'
    )


def cell_colours(
    preview: TablePreview, mark: Highlight, severity: str, row: int, col: int
) -> tuple[str | None, str | None]:
    """Return the background and text colour of a grid cell (None: the view's own): strong for
    the finding's cell, light for the cells it compares, grey for totals and missing cells."""
    _, strong, strong_text, light = SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["error"])
    cell = preview.cell(row, col)
    if (row, col) == mark.focus:
        return strong, strong_text
    if (row, col) in mark.involved:
        return light, None
    if cell is None or cell.kind == NOT_READ:
        return MISSING_BACKGROUND, None
    return (COMPUTED_BACKGROUND if cell.kind != INPUT else None), None


def cell_tooltip(preview: TablePreview, row: int, col: int) -> str | None:
    """Return where a grid cell is in the workbook, its row and column, and any note."""
    cell = preview.cell(row, col)
    if cell is None:
        return None
    lines = [
        f"{preview.sheet}!{cell.ref}",
        f"{preview.row_labels[row]} · {preview.col_labels[col]}",
    ]
    return "\n".join([*lines, cell.note] if cell.note else lines)
