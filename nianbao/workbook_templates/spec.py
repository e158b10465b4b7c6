"""The official report formats as typed, frozen data: the types every part of the program reads.

Nothing else in the program knows a label, a sheet name or a rule: it asks the spec. This module
is the bottom of the import graph (it imports nothing of the project); ``loader`` turns the
format files ``formats/format_*.toml`` into these types and checks their integrity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from typing import NamedTuple

VALUE_TYPES = ("count", "amount_wan", "signed", "text")
MAX_UNIT_CHARS = 100  # a unit's full name: no template is made for, and the check reports, more
INFO_TYPES = ("text", "kind", "year", "fixed", "date")


class Severity(StrEnum):
    """How much a finding matters: an error blocks (export, a clean rollup), a warning asks for a
    look, info only tells. Members compare equal to their codes ("error" ...)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Return 0 for an error, 1 for a warning, 2 for info: the order findings are listed in."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class RuleKind(StrEnum):
    """What a rule compares or what fact it words (``[[rules]] kind`` in a format file)."""

    # Evaluated by the engine from cell values.
    SUM = "sum"
    EQUATION = "equation"
    LIMIT = "limit"
    REQUIRES = "requires"
    # Evaluated from the narrative's text, one section at a time (the 正文 sheet's cells of the
    # section, or its paragraphs in a narrative file): words it must mention, a length limit.
    MENTION = "mention"
    LENGTH = "length"
    # Observed by the reader (or the narrative checks); their wording and severity are data.
    BLANK = "blank"
    TABLE_BLANK = "table_blank"
    TEXT_NUMBER = "text_number"
    NOT_NUMBER = "not_number"
    NEGATIVE = "negative"
    NOT_INTEGER = "not_integer"
    TOO_MANY_DECIMALS = "too_many_decimals"
    INPUT_FORMULA = "input_formula"
    FORMULA_OVERWRITTEN = "formula_overwritten"
    FORMULA_CHANGED = "formula_changed"
    FORMULA_MISSING = "formula_missing"
    LABEL_CHANGED = "label_changed"
    SHEET_MISSING = "sheet_missing"
    EXTRA_CONTENT = "extra_content"
    OVERSIZED_SHEET = "oversized_sheet"
    UNKNOWN_SHEET = "unknown_sheet"
    FINGERPRINT = "fingerprint"
    EXTERNAL_LINK = "external_link"
    MACROS = "macros"
    STAMP_YEAR = "stamp_year"
    STAMP_UNIT = "stamp_unit"
    STAMP_KIND = "stamp_kind"
    FORMAT_YEAR = "format_year"
    INFO_BLANK = "info_blank"
    INFO_INVALID = "info_invalid"
    IMPORTED_UNKNOWN = "imported_unknown"
    TEXT_BLANK = "text_blank"
    PREVIOUS_UNIT = "previous_unit"
    PREVIOUS_YEAR = "previous_year"
    PREVIOUS_MISSING_CELL = "previous_missing_cell"
    NARRATIVE_LEFTOVER = "narrative_leftover"
    NARRATIVE_NUMBER = "narrative_number"
    NARRATIVE_SECTION = "narrative_section"
    NARRATIVE_SECTION_TABLE = "narrative_section_table"
    NARRATIVE_ORDER = "narrative_order"
    NARRATIVE_NUMBERING = "narrative_numbering"
    NARRATIVE_HEADING = "narrative_heading"
    NARRATIVE_RESTART = "narrative_restart"
    NARRATIVE_EMPTY = "narrative_empty"
    NARRATIVE_SUBTOPIC = "narrative_subtopic"
    NARRATIVE_GOVERNMENT = "narrative_government"
    NARRATIVE_TABLE_EMPTY = "narrative_table_empty"
    NARRATIVE_NUMBER_STYLE = "narrative_number_style"
    NARRATIVE_TABLE_FORMAT = "narrative_table_format"
    NARRATIVE_YEAR = "narrative_year"
    NARRATIVE_YEAR_MENTION = "narrative_year_mention"
    NARRATIVE_PERIOD = "narrative_period"
    NARRATIVE_COPY = "narrative_copy"
    SUMMARY_MISMATCH = "summary_mismatch"
    SUMMARY_LINK = "summary_link"
    SUMMARY_PARTS = "summary_parts"
    SUMMARY_PART_VALUE = "summary_part_value"
    # Notes of the carry-forward (``validation.carry``): last year's workbook of the wrong year,
    # a cell its format lacks, an unreadable table, a blank cell carried as 0, cells a workbook
    # imported from a published report does not know.
    CARRY_YEAR = "carry_year"
    CARRY_MISSING = "carry_missing"
    CARRY_UNREADABLE = "carry_unreadable"
    CARRY_BLANK = "carry_blank"
    CARRY_UNKNOWN = "carry_unknown"
    # Notes of reading the narrative (``converters``): what the section splitter kept as text,
    # dropped or skipped, and what composing the report used or left out. D-EMPTY (a part with
    # nothing in it) is an error: it refuses a final export.
    READING_HEADING = "reading_heading"
    READING_ORDER = "reading_order"
    READING_MORE_HEADINGS = "reading_more_headings"
    READING_EMPTY_SUBHEAD = "reading_empty_subhead"
    READING_GUIDANCE = "reading_guidance"
    READING_TABLE_REPLACED = "reading_table_replaced"
    READING_TABLE_OPENING = "reading_table_opening"
    READING_IMAGE_OPENING = "reading_image_opening"
    READING_TABLE = "reading_table"
    READING_IMAGE = "reading_image"
    READING_NO_SECTION = "reading_no_section"
    READING_MISSING = "reading_missing"
    READING_PREAMBLE = "reading_preamble"
    READING_OPENING = "reading_opening"
    READING_SIGNATURE = "reading_signature"
    READING_FURNITURE = "reading_furniture"
    READING_CONTROL = "reading_control"
    READING_EMPTY = "reading_empty"
    READING_FILE = "reading_file"
    # A side input of a check (the 校验 page) that could not be read: last year's workbook, the
    # narrative. The check goes on without it; {detail}/{advice} are the reader's own words.
    INPUT_PREVIOUS = "input_previous"
    INPUT_NARRATIVE = "input_narrative"
    # Notes and problems of importing a published report (``nianbao import``): the unit or the
    # year found where they were not looked for first, no section heading; table cells that could
    # not be read, and printed totals that do not add up.
    IMPORT_NO_UNIT = "import_no_unit"
    IMPORT_KIND = "import_kind"
    IMPORT_UPPER_KIND = "import_upper_kind"
    IMPORT_YEAR_OPTION = "import_year_option"
    IMPORT_YEAR_PERIOD = "import_year_period"
    IMPORT_NO_SECTION = "import_no_section"
    IMPORT_SCANNED = "import_scanned"
    IMPORT_STRAY = "import_stray"
    IMPORT_AMBIGUOUS = "import_ambiguous"
    IMPORT_SHORT_ROW = "import_short_row"
    IMPORT_LONG_ROW = "import_long_row"
    IMPORT_RUN_TOGETHER = "import_run_together"
    IMPORT_NOT_NUMBER = "import_not_number"
    IMPORT_TOTAL = "import_total"


COMPUTED_KINDS = frozenset({RuleKind.SUM, RuleKind.EQUATION, RuleKind.LIMIT, RuleKind.REQUIRES})
TEXT_KINDS = frozenset({RuleKind.MENTION, RuleKind.LENGTH})
# Kinds the program words a fact by: each needs a rule in every format file, or the fact would
# go unsaid (the loader checks it).
WORDED_KINDS = frozenset(RuleKind) - COMPUTED_KINDS - TEXT_KINDS
# Kinds a local rule pack may add: everything a rule itself decides. Not ``sum`` (it defines the
# computed cells, i.e. the workbook's structure) and no worded kind (the fact would be worded
# twice; a pack changes their severity with ``[[overrides]]``).
PACK_KINDS = frozenset({RuleKind.EQUATION, RuleKind.LIMIT, RuleKind.REQUIRES}) | TEXT_KINDS

# Named arguments a message, action or check template may use.
MESSAGE_ARGS = frozenset(
    {
        "table",
        "table_title",
        "sheet",
        "cell",
        "row",
        "column",
        "expected",
        "actual",
        "diff",
        "fix",
        "count",
        "left",
        "right",
        "left_detail",
        "right_detail",
        "formula",
        "detail",
        "unit_kind",
        "year",
        "check",
        "excerpt",
        "place",
        "part",
        "claim",
        "scope",
        "missing",
        "topics",
        "kind",
        "ratio",
        "paragraph",  # a paragraph's number in the narrative ("第{paragraph}段")
        "amount",  # " 3 个" before a noun, or "" for one
        "names",
        "heading",  # a section's heading as written in the report ("一、总体情况")
        "source",  # where the narrative was read from: a file name or the 正文 sheet's name
        "file",
        "advice",  # what to do, in the words of the error a reader raised ({detail}: what)
        "label",  # a text cell's label on the 正文 sheet
    }
)


class CellKey(NamedTuple):
    """Where a number lives in the format: table, row and column codes."""

    table: str
    row: str
    col: str

    def __str__(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


@dataclass(frozen=True)
class ColumnSpec:
    code: str
    path: tuple[str, ...]
    name: str
    span: int = 1
    type: str = "count"
    note: str = ""

    @property
    def label(self) -> str:
        return self.path[-1]


@dataclass(frozen=True)
class RowSpec:
    code: str
    path: tuple[str, ...]
    name: str
    short: str
    note: str = ""
    field: str = ""  # the row's part of a field name ({表三.本年新收.总计}); "" = from the label

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else self.name


@dataclass(frozen=True)
class BlockSpec:
    caption: str
    corner: str
    header_rows: int
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...]


# Specs and layouts are loaded once and shared: they hash by identity (eq=False), which keeps the
# caches keyed on them cheap.
@dataclass(frozen=True, eq=False)
class TableSpec:
    code: str
    sheet: str
    name: str
    title: str
    label_widths: tuple[float, ...]
    value_width: float
    landscape: bool
    notes: tuple[str, ...]
    blocks: tuple[BlockSpec, ...]

    @property
    def label_count(self) -> int:
        return len(self.label_widths)

    @property
    def value_count(self) -> int:
        """Return the number of sheet columns the widest block's values take."""
        return max(sum(c.span for c in b.columns) for b in self.blocks)

    @property
    def rows(self) -> tuple[RowSpec, ...]:
        return tuple(r for b in self.blocks for r in b.rows)

    @cached_property
    def _index(self) -> dict[str, tuple[RowSpec, BlockSpec, dict[str, ColumnSpec]]]:
        return {r.code: (r, b, {c.code: c for c in b.columns}) for b in self.blocks for r in b.rows}

    def block_of(self, row_code: str) -> BlockSpec:
        return self._index[row_code][1]

    def row(self, row_code: str) -> RowSpec:
        return self._index[row_code][0]

    def column(self, row_code: str, col_code: str) -> ColumnSpec:
        return self._index[row_code][2][col_code]

    @cached_property
    def _value_keys(self) -> tuple[CellKey, ...]:
        return tuple(
            CellKey(self.code, r.code, c.code)
            for b in self.blocks
            for r in b.rows
            for c in b.columns
        )

    def value_keys(self) -> tuple[CellKey, ...]:
        """Return every value cell of the table in sheet order (row by row)."""
        return self._value_keys


@dataclass(frozen=True)
class InfoField:
    code: str
    label: str
    type: str
    required: bool
    note: str


@dataclass(frozen=True)
class TextCell:
    code: str
    section: str
    label: str
    required: bool
    note: str
    heading: bool = False  # the label is printed as a sub-heading (（一）主动公开) in the report


@dataclass(frozen=True)
class SectionSpec:
    code: str
    number: str
    title: str
    table: str
    synonyms: tuple[str, ...]

    @property
    def heading(self) -> str:
        """Return the section's heading as the report prints it: "一、总体情况"."""
        return f"{self.number}、{self.title}"


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: RuleKind
    severity: Severity
    message: str
    action: str
    check: str = ""
    table: str = ""
    each: str = ""
    rows: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    anchor: str = ""
    target: str = ""
    parts: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    max: float | None = None
    if_any: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    hedged: str = ""  # the message in a lowered-confidence case (N-NUMBER: wording narrows scope)
    section: str = ""  # mention, length: the narrative section, by code (s1) or title (总体情况)
    words: tuple[str, ...] = ()  # mention: the section mentions at least one of these
    # The local rule pack that added the rule or changed its severity (its name); never written
    # in a format file. Every finding of the rule carries it (``Finding.pack``).
    pack: str = ""

    @property
    def uses_previous(self) -> bool:
        return any(t.lstrip("-").startswith("prev:") for t in self.left + self.right)


@dataclass(frozen=True)
class SeverityOverride:
    """A local rule pack's ``[[overrides]]`` entry: a format rule given another severity."""

    rule: str
    severity: Severity
    reason: str = ""


@dataclass(frozen=True)
class RulePack:
    """A local rule pack (``--rules 本地规则.toml``): rules in the format files' ``[[rules]]``
    form added to a format, and severities changed; ``rule_packs`` loads and applies it."""

    name: str
    source: str  # the file it was read from, as given
    rules: tuple[RuleSpec, ...] = ()
    overrides: tuple[SeverityOverride, ...] = ()
    format_version: str = ""  # the one format it applies to; "" = every format
    description: str = ""


CLAIM_UNITS = ("count", "money", "percent")


@dataclass(frozen=True)
class ClaimReading:
    """One way to read a narrative number from the tables: a sum of fields (÷ ``per`` × 100)."""

    sum: tuple[str, ...]
    per: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimSpec:
    """A kind of statement in the narrative ("收到申请17件") and the table value it states.

    The first claim (in spec order) whose keyword stands before a number in the same clause, with
    its ``topic``, one of its ``near`` words and none of its ``not_near`` words there, owns the
    number; ``context``, ``exclude`` and the general lists of [narrative_numbers] then decide
    whether it is compared.
    """

    code: str
    what: str
    unit: str
    keywords: tuple[str, ...]
    readings: tuple[ClaimReading, ...]
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    topic: str = ""


@dataclass(frozen=True)
class NarrativeNumberText:
    """The general word lists of the narrative-number check (see the format file's comments)."""

    count_units: tuple[str, ...] = ()
    money_units: tuple[tuple[str, int], ...] = ()  # unit and its value in 元
    enumerating: tuple[str, ...] = ()
    narrowing: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    at_least: str = "{value}"  # {value}: what the known cells hold when others are unknown
    joining: tuple[str, ...] = ()  # "予以公开及部分公开": words joining two keywords into a sum
    joined_what: str = ""  # {first} {second}: the ``what`` of such a sum phrase


@dataclass(frozen=True)
class NarrativeStructureText:
    """What the structure checks of the narrative look for (see the format file's comments)."""

    subtopic_section: str = ""
    subtopics: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name, words that show it
    government_topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A unit of no kind ([kinds]) whose name ends so is a government all the same (a 市 or 省
    # 人民政府, whose kind the import leaves blank): the government's topics are checked.
    government_names: tuple[str, ...] = ()
    government_word: str = ""  # its {kind} in N-GOVERNMENT
    period_markers: tuple[str, ...] = ()
    copy_threshold: float = 0.9
    copy_min_chars: int = 80


@dataclass(frozen=True)
class CheckSheetText:
    title: str
    status_label: str
    status_pass: str
    status_fail: str
    heading: tuple[str, ...]


@dataclass(frozen=True)
class AnnotationText:
    """Wording of the annotated copy (``nianbao check --annotate``): its results sheet and the
    comments on the offending cells."""

    sheet: str
    title: str
    heading: tuple[str, ...]
    none: str
    summary: str  # {file} {errors} {warnings} {infos}: the counts of the problems (causes)
    summary_explained: str  # {count}: how many findings those problems explain, not counted
    explained: str  # marks a finding listed under its cause (in place of its severity)
    explained_note: str  # {rule} {cause} {action}: the short comment on a consequence's cell
    rebuilt: str  # the copy is written again from what was read: what it holds, what it has not
    unread: str  # {tables}: tables whose numbers were not read, blank in the copy
    summary_copy: str  # the copy of a summary holds its totals, not its unit sheets


@dataclass(frozen=True)
class ReportText:
    """Wording of the Word/HTML report and of the narrative template (正文模板)."""

    opening: str
    website: str
    date: str
    page_number: str
    draft_mark: str
    narrative_title: str
    narrative_intro: tuple[str, ...]
    guidance: str
    table_guidance: str
    field_example: str
    opening_markers: tuple[str, ...] = ()
    furniture: tuple[str, ...] = ()  # the words of a web page's buttons and links
    guidance_phrases: tuple[str, ...] = ()  # the format's own instructions: leftovers if published


# Arguments each report text may use.
REPORT_ARGS = {
    "opening": {"unit", "year", "name", "notice", "parts", "count"},
    "website": {"website", "unit"},
    "date": {"year", "month", "day"},
    "page_number": {"page"},
    "narrative_title": {"unit", "year"},
    "narrative_intro": {"example", "unit", "year"},
    "guidance": {"note"},
}


@dataclass(frozen=True)
class PartsText:
    """How a summary's balance says that the units it adds up account for its difference
    (``[summary.parts]``; validation/parts.py). Arguments in ``PARTS_ARGS``."""

    clause: str = ""  # after the balance's own text: where the difference comes from
    share: str = ""  # one unit's part of it, with the unit's own problem
    share_plain: str = ""  # one unit's part of it, when its own problem is not known
    more: str = ""  # after the units listed, when there are more
    typed: str = ""  # the unit's problem: words or a number as text in a cell
    blank: str = ""  # the unit's problem: a blank cell
    no_number: str = ""  # a blank cell of a unit sheet read back from a summary
    rule: str = ""  # the unit's problem: the same balance fails in its own workbook
    action: str = ""  # what to do instead of the balance's own action
    exclude_passes: str = ""  # {exclude}: leaving out the units with errors makes it pass
    exclude_fails: str = ""  # {exclude}: it does not


# Arguments each text of ``[summary.parts]`` may use.
TIMELINESS_ARGS = {
    "on_time": {"deadline"},
    "late": {"days", "deadline"},
    "overdue": {"days", "deadline"},
    "open": {"deadline"},
    "one_deadline": {"deadline"},
    "many_deadlines": set(),
    "summary": {"deadlines", "on_time", "late", "overdue", "clauses", "rate", "dated"},
    "open_clause": {"count"},
    "undated_clause": {"count"},
    "late_action": {"days", "deadline"},
}
PARTS_ARGS = {
    "clause": {"difference", "shares", "count"},
    "share": {"unit", "amount", "cause"},
    "share_plain": {"unit", "amount"},
    "more": {"count"},
    "typed": {"cell", "actual"},
    "blank": {"cell"},
    "no_number": {"cell"},
    "rule": {"cell"},
    "action": {"exclude", "count"},
    "exclude_passes": set(),
    "exclude_fails": set(),
}

# Arguments the title of one of several bar charts of the summary may use.
CHART_PART_ARGS = {"title", "first", "last", "count"}


@dataclass(frozen=True)
class TimelinessText:
    """How a rollup says whether each unit sent its workbook by its deadline
    (``[summary.timeliness]``; county/deadlines.py). Arguments: {days} {deadline}; the summary
    sentence {deadlines} {on_time} {late} {overdue} {dated} {rate}, its clauses {count}."""

    on_time: str = ""  # sent by the deadline
    late: str = ""  # sent {days} days after it
    overdue: str = ""  # not sent, {days} days after it
    open: str = ""  # not sent, the deadline not passed
    one_deadline: str = ""  # {deadline}: every unit has the same one
    many_deadlines: str = ""  # the roster gives units different ones
    summary: str = ""  # the sentence after who sent what
    open_clause: str = ""  # {count} units not sent whose deadline is still to come
    undated_clause: str = ""  # {count} units without a deadline, not counted
    late_action: str = ""  # 退回清单: a unit listed only for sending late


@dataclass(frozen=True)
class SummaryText:
    """Sheet names and wording of a summary workbook (汇总表) and of the returns (退回清单).

    ``statuses`` maps the rollup's status codes to their Chinese labels; ``charts`` are field
    names (as in the narrative, e.g. 表三.本年新收.总计) charted by unit or overall.
    """

    kind: str  # the 单位类型 of a summary
    status_sheet: str
    files_sheet: str  # every received file, on its own sheet: its own heading on each page
    detail_sheet: str
    chart_sheet: str
    first_part: str
    last_part: str
    unit_suffix: str
    status_title: str
    status_summary: str
    status_policy_include: str
    status_policy_exclude: str
    status_heading: tuple[str, ...]
    files_title: str
    files_heading: tuple[str, ...]
    included: str
    not_included: str
    part_note: str
    last_note: str
    part_source: str
    detail_title: str
    detail_heading: tuple[str, ...]
    chart_title: str
    chart_by_unit: tuple[str, ...]
    chart_by_unit_title: str
    chart_outcomes: tuple[str, ...]
    chart_outcomes_title: str
    chart_appeals: tuple[str, ...]
    chart_appeals_title: str
    # {title} {first} {last} {count}: a bar chart's title when its units are shared out over
    # several charts (county.summary.CHART_UNITS a chart)
    chart_part_title: str
    returns_title: str
    revisions_sheet: str  # every version of each unit that sent more than one
    revisions_title: str
    revisions_heading: tuple[str, ...]
    revisions_note: str
    version_text: str  # {version} {count} {changes}: the 版本 cell of a unit with several
    receipt_sheet: str
    receipt_title: str
    receipt_note: str  # {time} {count} {summary}
    receipt_heading: tuple[str, ...]
    receipt_now: str
    receipt_withdrawn: str
    accepted_text: str  # {time}: the 验收 cell of an accepted unit
    accepted_changed_text: str  # {time} {file} {changes}
    returns_heading: tuple[str, ...]
    statuses: dict[str, str]
    parts: PartsText = PartsText()
    timeliness: TimelinessText = TimelinessText()


class Status(StrEnum):
    """What became of a unit or a received file in a county rollup; the Chinese labels are the
    format's ``[summary.statuses]`` (the same on the terminal, in the window and in the summary)."""

    MISSING = "missing"  # the roster unit sent nothing
    PASSED = "passed"  # its workbook passes every rule
    WARNINGS = "warnings"  # its workbook has warnings only
    ERRORS = "errors"  # its workbook has errors (or no unit name)
    EMPTY = "empty"  # every number is blank or 0
    DUPLICATE = "duplicate"  # a second, different file of a unit: not used
    COPY = "copy"  # byte-identical to a file already seen: counted once
    WRONG_YEAR = "wrong_year"  # a workbook of another report year
    WRONG_FORMAT = "wrong_format"  # a workbook of another format version
    UNREADABLE = "unreadable"  # a spreadsheet that cannot be read
    NOT_ON_ROSTER = "not_on_roster"  # a unit the roster does not list
    FOREIGN = "foreign"  # a readable workbook that is not ours
    OWN_OUTPUT = (
        "own_output"  # written by us: a summary, an unchanged 批注副本, a list, a temp file
    )
    IGNORED = "ignored"  # a lock file of WPS/Excel
    NOT_WORKBOOK = "not_workbook"  # not a spreadsheet at all


@dataclass(frozen=True)
class SheetNames:
    info: str
    text: str
    notes: str
    checks: str
    stamp: str
    # Last year's figures beside this year's (template --previous): read-only, never read back,
    # and not part of the structure (``all_sheet_names``, the fingerprint), so it may be absent.
    reference: str = ""


@dataclass(frozen=True)
class ReferenceText:
    """Wording of the reference sheet of last year's figures (``sheets.reference``)."""

    title: str = ""  # {year}: last year
    note: str = ""  # {file}: the workbook the figures come from
    unknown: str = ""  # shown in a cell last year's workbook does not know
    not_read: str = ""  # {table}: under a table last year's workbook does not have


@dataclass(frozen=True)
class ExplainText:
    """How a finding that another explains says so (``[explain]``; validation/causes.py).

    Arguments: {cell} the cause's cell, {actual} what it holds, {should} the value that makes
    the rule hold, {now} what a cell holds, {amount} how much a total leaves out, {cells} several
    cells, {anchor} the cell a rule points at, {column} a column's name.
    """

    text_number: str = ""  # a number typed as text, left out by the totals
    not_number: str = ""  # words in a number cell, counted as 0
    blank: str = ""  # a blank cell, counted as 0
    several: str = ""  # several blank or non-number cells in one rule
    formula: str = ""  # a total whose formula was typed over, edited or deleted
    same_problem: str = ""  # a total column or row failing because its parts fail
    action: str = ""  # the action of an explained finding
    fix: str = ""  # {anchor} {should} {now}: the one cell change that makes a rule hold
    fix_other: str = ""  # {anchor} {should}: when that change is impossible (a negative count)
    text_side: str = ""  # N-NUMBER when the table balances: the text is likely wrong
    table_side: str = ""  # N-NUMBER when the table fails: fix the table first
    guess: str = ""  # {should}: the number a text in a number cell most likely means
    solved: str = ""  # {should}: the value of a blank or non-number cell that makes its rules hold
    also: str = ""  # {place}: the other source (narrative file) that holds the same sentence


@dataclass(frozen=True)
class ImportText:
    """What ``nianbao import`` needs beyond the official labels: spellings of labels seen in
    published tables (official label -> aliases), the {column} of the carry's C-UNKNOWN note
    (rule kind ``carry_unknown``) when no column of a row is known, the shapes of a report's
    title, and the endings of unit names that tell the unit's kind."""

    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    all_columns: str = ""  # {column} when every column of the row is unknown
    # A title is one of ``title_shapes`` ({unit}, {year}, {name}), {year} being the year's digits
    # followed by one of ``year_words`` ("" too) and {name} one of ``report_names``; a web page's
    # metadata line may put one of ``title_labels`` before it.
    title_shapes: tuple[str, ...] = ()
    year_words: tuple[str, ...] = ()
    report_names: tuple[str, ...] = ()
    title_sentences: tuple[str, ...] = ()  # shapes of a title inside the opening sentences
    title_labels: tuple[str, ...] = ()
    kind_suffixes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # kind -> endings of unit names


ANALYSIS_CHECKS = ("jump", "peer")  # what a key figure is tested for ([[analysis.figures]] checks)
# Arguments each sentence of ``[analysis.sentences]`` may use.
ANALYSIS_ARGS = {
    "jump_up": {"unit", "figure", "year", "last_year", "before", "now", "ratio"},
    "jump_down": {"unit", "figure", "year", "last_year", "before", "now", "ratio"},
    "jump_from_zero": {"unit", "figure", "year", "last_year", "now"},
    "peer_above": {"unit", "figure", "year", "now", "kind", "count", "low", "high"},
    "peer_below": {"unit", "figure", "year", "now", "kind", "count", "low", "high"},
    "carry": {"unit", "figure", "count", "years", "values"},
}


@dataclass(frozen=True)
class FigureSpec:
    """A key figure of ``nianbao trends`` (``[[analysis.figures]]``): the sum of some fields, or
    that sum's share of another sum (``per``). Figures with the same code line up across
    formats, so that a 2020 (2019 版) and a 2021 workbook are compared figure by figure."""

    code: str
    name: str
    sum: tuple[str, ...]
    per: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()  # of ANALYSIS_CHECKS

    @property
    def is_share(self) -> bool:
        return bool(self.per)


@dataclass(frozen=True)
class AnalysisSentences:
    """The one Chinese sentence explaining each kind of flag (arguments in ``ANALYSIS_ARGS``)."""

    jump_up: str = ""
    jump_down: str = ""
    jump_from_zero: str = ""
    peer_above: str = ""
    peer_below: str = ""
    carry: str = ""


@dataclass(frozen=True)
class AnalysisText:
    """What ``nianbao trends`` computes and flags, and the wording of its workbook
    (``[analysis]``). A jump: this year's figure at least ``jump_ratio`` times last year's, or at
    most its 1/``jump_ratio``, the larger of the two being at least ``jump_min`` (1 → 5 is no
    news). A peer outlier: a unit's figure beyond the band of the ``peer_low``–``peer_high``
    quantiles of the units of its kind (at least ``peer_min_units`` of them) by more than
    ``peer_fence`` times the band's width. A carry that never clears: ``carry_figure`` above 0
    in every year, at least ``carry_min_years`` of them."""

    figures: tuple[FigureSpec, ...] = ()
    jump_ratio: float = 5.0
    jump_min: float = 10.0
    peer_low: float = 0.1
    peer_high: float = 0.9
    peer_fence: float = 1.0
    peer_min_units: int = 5
    carry_figure: str = ""
    carry_min_years: int = 3
    sentences: AnalysisSentences = AnalysisSentences()
    whole: str = ""  # {unit}: how the summary's own total is named beside its units
    figures_sheet: str = ""
    figures_title: str = ""
    figures_heading: tuple[str, ...] = ()  # 单位, 单位类型, 范围, 年度, then the figures
    chart_sheet: str = ""
    chart_title: str = ""  # {figure}
    list_sheet: str = ""
    list_title: str = ""
    list_heading: tuple[str, ...] = ()  # 序号, 单位, 单位类型, 年度, 指标, 情况, 数据
    list_none: str = ""
    sources_sheet: str = ""
    sources_heading: tuple[str, ...] = ()  # 文件, 单位, 年度, 说明
    share_format: str = "0.0%"
    level_unit: str = ""  # the 范围 column of a unit's row
    level_whole: str = ""  # the 范围 column of a summary's own total


@dataclass(frozen=True, eq=False)
class FormatSpec:
    format_version: str
    name: str
    notice: str
    first_year: int
    last_year: int | None
    template_version: str
    title_pattern: str
    kinds: tuple[str, ...]
    government_kinds: tuple[str, ...]
    severity_labels: dict[str, str]
    sections: tuple[SectionSpec, ...]
    workbook_title: str
    unit_line: str
    unit_placeholder: str
    sheets: SheetNames
    info_heading: tuple[str, ...]
    info_fields: tuple[InfoField, ...]
    text_heading: tuple[str, ...]
    text_cells: tuple[TextCell, ...]
    notes_heading: tuple[str, ...]
    notes_general_label: str
    notes_general: tuple[str, ...]
    checks: CheckSheetText
    annotation: AnnotationText
    tables: tuple[TableSpec, ...]
    rules: tuple[RuleSpec, ...]
    report: ReportText
    summary: SummaryText
    source: str = ""
    narrative_numbers: NarrativeNumberText = NarrativeNumberText()
    claims: tuple[ClaimSpec, ...] = ()
    narrative_structure: NarrativeStructureText = NarrativeStructureText()
    reference: ReferenceText = ReferenceText()
    import_text: ImportText = ImportText()
    explain: ExplainText = ExplainText()
    analysis: AnalysisText = AnalysisText()

    @cached_property
    def _tables(self) -> dict[str, TableSpec]:
        return {t.code: t for t in self.tables}

    def table(self, code: str) -> TableSpec:
        return self._tables[code]

    def table_by_sheet(self, sheet: str) -> TableSpec | None:
        return next((t for t in self.tables if t.sheet == sheet), None)

    def rule(self, rule_id: str) -> RuleSpec:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def rules_of_kind(self, kind: RuleKind) -> tuple[RuleSpec, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def report_title(self, unit: str, year: int) -> str:
        """Return the report's title, e.g. "青禾镇人民政府2025年政府信息公开工作年度报告" (the Word
        report's heading and its default file name)."""
        return self.title_pattern.format(unit=unit, year=year)

    def section_named(self, name: str) -> SectionSpec | None:
        """Return the section a rule names by its code (s1), title (总体情况) or heading
        (一、总体情况), or None."""
        return next((s for s in self.sections if name in (s.code, s.title, s.heading)), None)

    def covers_year(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    @cached_property
    def _value_keys(self) -> tuple[CellKey, ...]:
        return tuple(k for t in self.tables for k in t.value_keys())

    def value_keys(self) -> tuple[CellKey, ...]:
        return self._value_keys

    def value_type(self, key: CellKey) -> str:
        return self.table(key.table).column(key.row, key.col).type

    def info_field(self, code: str) -> InfoField:
        return next(f for f in self.info_fields if f.code == code)

    @property
    def all_sheet_names(self) -> tuple[str, ...]:
        s = self.sheets
        return (s.info, *(t.sheet for t in self.tables), s.text, s.checks, s.notes, s.stamp)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self)

    @property
    def label(self) -> str:
        """Return e.g. "2021 版（国办公开办函〔2021〕30号）"."""
        return f"{self.format_version} 版（{self.notice}）"


@cache
def _fingerprint(spec: FormatSpec) -> str:
    structure = {
        "format_version": spec.format_version,
        "sheets": spec.all_sheet_names,
        "info": [(f.code, f.label) for f in spec.info_fields],
        "text": [(c.code, c.label) for c in spec.text_cells],
        "tables": [
            (
                t.code,
                t.sheet,
                t.title,
                len(t.label_widths),
                [
                    (
                        b.caption,
                        b.corner,
                        b.header_rows,
                        [(c.code, c.path, c.span, c.type) for c in b.columns],
                        [(r.code, r.path) for r in b.rows],
                    )
                    for b in t.blocks
                ],
            )
            for t in spec.tables
        ],
    }
    blob = json.dumps(structure, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]
