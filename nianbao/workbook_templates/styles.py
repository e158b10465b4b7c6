"""Every cell format of the standard workbook, in one place.

Colours carry meaning for the clerk: pale yellow = fill in here, grey = computed (do not type),
red = a check fails (conditional formatting), green/orange on the 校验 sheet = passed/attention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .spec import Severity, Status

if TYPE_CHECKING:  # the colours are wanted without xlsxwriter (an annotated copy's reader side)
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook

BODY_FONT = "宋体"
TITLE_FONT = "黑体"

INPUT_FILL = "#FFF2CC"
COMPUTED_FILL = "#E7E6E6"
HEADER_FILL = "#DDEBF7"
CAPTION_FILL = "#F2F2F2"
FAIL_FILL = "#FFC7CE"
FAIL_FONT = "#9C0006"
PASS_FILL = "#C6EFCE"
PASS_FONT = "#006100"
WARN_FILL = "#FFEB9C"
WARN_FONT = "#9C5700"
MISSING_FILL = "#D9D9D9"

# The colour of each rollup status on the 汇总情况 sheet (spec.Status).
STATUS_COLOURS = {
    Status.PASSED: (PASS_FILL, PASS_FONT),
    Status.WARNINGS: (WARN_FILL, WARN_FONT),
    Status.ERRORS: (FAIL_FILL, FAIL_FONT),
    Status.EMPTY: (WARN_FILL, WARN_FONT),
    Status.DUPLICATE: (WARN_FILL, WARN_FONT),
    Status.WRONG_YEAR: (FAIL_FILL, FAIL_FONT),
    Status.WRONG_FORMAT: (FAIL_FILL, FAIL_FONT),
    Status.UNREADABLE: (FAIL_FILL, FAIL_FONT),
    Status.FOREIGN: (FAIL_FILL, FAIL_FONT),
    Status.MISSING: (MISSING_FILL, "#000000"),
}

# How an annotated copy marks a cell, and its results sheet a problem, by severity.
SEVERITY_FILLS = {
    Severity.ERROR: FAIL_FILL,
    Severity.WARNING: WARN_FILL,
    Severity.INFO: HEADER_FILL,
}
EXPLAINED_FONT = "#595959"  # a finding listed under its cause: it is not a problem of its own
LINK_FONT = "#0563C1"

# Number formats of the value types (see VALUE_TYPES in spec.py).
NUMBER_FORMATS = {
    "count": "0",
    "amount_wan": "0.00##",
    "signed": "+0;-0;0",
    "text": "@",
}


@dataclass(frozen=True)
class Formats:
    title: Format
    unit_line: Format
    header: Format
    corner: Format
    caption: Format
    row_label: Format
    group_label: Format
    inputs: dict[str, Format]
    computed: dict[str, Format]
    record_label: Format
    record_input: Format
    record_locked: Format
    record_date: Format
    note: Format
    text_input: Format
    check_text: Format
    check_result: Format
    check_number: Format
    status: Format
    fail: Format
    passed: Format
    warn: Format
    statuses: dict[str, Format]
    plain_text: Format
    plain_line: Format
    plain_number: Format
    subtitle: Format
    wrapped: Format  # a sentence over a merged row, e.g. the summary's own check
    # The same format (None: a cell without one) with another fill colour ("#FFC7CE"): how an
    # annotated copy marks a cell without changing its font, border or number format.
    filled: Callable[[Format | None, str], Format]

    def label(self, role: str, spans_rows: bool = False) -> Format:
        """Return the format of a table label of a layout role (a row label over several rows
        is centred as a group)."""
        if role == "row" and spans_rows:
            return self.group_label
        return {
            "title": self.title,
            "caption": self.caption,
            "corner": self.corner,
            "header": self.header,
        }.get(role, self.row_label)


def make_formats(workbook: Workbook) -> Formats:
    """Return the formats of the standard workbook, registered with ``workbook``."""

    made: dict[int, dict] = {}  # the properties of each format made here, by id
    variants: dict[tuple[int, str], Format] = {}
    plain = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}

    def fmt(**props) -> Format:
        base = {**plain, **props}
        made_format = workbook.add_format(base)
        made[id(made_format)] = base
        return made_format

    def filled(original: Format | None, colour: str) -> Format:
        key = (id(original), colour)
        if key not in variants:
            props = made.get(id(original), plain) if original is not None else plain
            variants[key] = workbook.add_format({**props, "bg_color": colour, "pattern": 1})
        return variants[key]

    bordered = {"border": 1, "text_wrap": True}
    inputs = {
        t: fmt(**bordered, align="center", bg_color=INPUT_FILL, locked=False, num_format=nf)
        for t, nf in NUMBER_FORMATS.items()
    }
    computed = {
        t: fmt(**bordered, align="center", bg_color=COMPUTED_FILL, bold=True, num_format=nf)
        for t, nf in NUMBER_FORMATS.items()
    }
    return Formats(
        title=fmt(font_name=TITLE_FONT, font_size=16, align="center"),
        unit_line=fmt(align="left"),
        header=fmt(**bordered, bold=True, align="center", bg_color=HEADER_FILL),
        corner=fmt(**bordered, font_size=9, align="center", bg_color=HEADER_FILL),
        caption=fmt(**bordered, bold=True, align="left", bg_color=CAPTION_FILL),
        row_label=fmt(**bordered, align="left"),
        group_label=fmt(**bordered, align="center"),
        inputs=inputs,
        computed=computed,
        record_label=fmt(**bordered, bold=True, align="left", bg_color=HEADER_FILL),
        record_input=fmt(**bordered, align="left", bg_color=INPUT_FILL, locked=False),
        record_locked=fmt(**bordered, align="left", bg_color=COMPUTED_FILL),
        record_date=fmt(
            **bordered, align="left", bg_color=INPUT_FILL, locked=False, num_format="yyyy-mm-dd"
        ),
        note=fmt(text_wrap=True, font_size=9, font_color="#595959", align="left"),
        text_input=fmt(
            border=1, text_wrap=True, valign="top", align="left", bg_color=INPUT_FILL, locked=False
        ),
        check_text=fmt(**bordered, align="left"),
        check_result=fmt(**bordered, align="center", bold=True),
        check_number=fmt(**bordered, align="center", num_format="General"),
        status=fmt(bold=True, font_size=12, align="left"),
        fail=workbook.add_format({"bg_color": FAIL_FILL, "font_color": FAIL_FONT}),
        passed=workbook.add_format({"bg_color": PASS_FILL, "font_color": PASS_FONT}),
        warn=workbook.add_format({"bg_color": WARN_FILL, "font_color": WARN_FONT}),
        statuses={
            code: fmt(**bordered, align="center", bg_color=fill, font_color=font)
            for code, (fill, font) in STATUS_COLOURS.items()
        },
        plain_text=fmt(**bordered, align="left"),
        plain_line=fmt(border=1, align="left", font_name="Consolas", font_size=9),
        plain_number=fmt(**bordered, align="right", num_format="General"),
        subtitle=fmt(bold=True, font_size=12, align="left"),
        wrapped=fmt(text_wrap=True, align="left"),
        filled=filled,
    )


@dataclass(frozen=True)
class ResultsFormats:
    """The formats of an annotated copy's results sheet (校验结果)."""

    title: Format
    heading: Format
    cell: Format  # a problem's number and rule, at the top of its (wrapped, tall) row
    severity: dict[Severity, Format]  # a problem's severity cell, filled as its cells are
    explained: Format  # a finding listed under its cause
    text: Format  # a problem's words and what to do, wrapped
    explained_text: Format
    link: Format
    note: Format


def make_results_formats(workbook: Workbook) -> ResultsFormats:
    """Return the formats of an annotated copy's results sheet, registered with ``workbook``."""

    def fmt(**props) -> Format:
        return workbook.add_format({"font_name": BODY_FONT, "font_size": 11, **props})

    wrapped = {"text_wrap": True, "valign": "top"}
    return ResultsFormats(
        title=fmt(bold=True, font_size=14),
        heading=fmt(bold=True),
        cell=fmt(valign="top"),
        severity={s: fmt(bg_color=c, valign="top") for s, c in SEVERITY_FILLS.items()},
        explained=fmt(font_color=EXPLAINED_FONT, valign="top"),
        text=fmt(**wrapped),
        explained_text=fmt(**wrapped, indent=1, font_color=EXPLAINED_FONT),
        link=fmt(font_color=LINK_FONT, underline=1, valign="top"),
        note=fmt(**wrapped, font_color=EXPLAINED_FONT),
    )


@dataclass(frozen=True)
class ListFormats:
    """The formats of the county's 退回清单: a list of units, each row as tall as its text."""

    title: Format
    heading: Format
    text: Format  # wrapped, at the top of its row
    number: Format  # 序号


def make_list_formats(workbook: Workbook) -> ListFormats:
    """Return the formats of the 退回清单, registered with ``workbook``."""

    def fmt(**props) -> Format:
        return workbook.add_format({"font_name": BODY_FONT, "font_size": 11, **props})

    cell = {"border": 1, "text_wrap": True, "valign": "top"}
    return ListFormats(
        title=fmt(bold=True, font_size=14, font_name=TITLE_FONT),
        heading=fmt(**cell, bold=True, bg_color=HEADER_FILL),
        text=fmt(**cell, align="left"),
        number=fmt(**cell, align="center", num_format="0"),
    )
