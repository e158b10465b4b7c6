"""What a filled workbook holds, as our reader read it: enough to write the workbook again with the
builder (an annotated copy, a returned file) without opening the clerk's file a second time.

A copy written from this has the clerk's numbers, words typed into number cells, 基本信息 and 正文
as they were read, the tables in the template's own structure with every total a formula with its
correct cached value, and the stamp of the handout. What the reader does not read is not in it:
the numbers of a table whose structure was changed, content outside the tables, other sheets.

``digest`` is the same for a workbook and for its copy read back, and changes with any number or
word a clerk types: an annotated copy stamps it, so that a copy nobody has changed is known as ours.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from nianbao.errors import UsageError

from .loader import load_spec
from .spec import MAX_UNIT_CHARS, CellKey, FormatSpec
from .stamp import Stamp

if TYPE_CHECKING:  # the builder imports xlsxwriter: only writing a copy needs it
    from .builder import TemplateRequest
    from .reader import FilledWorkbook

MIN_YEAR, MAX_YEAR = 1990, 2100  # the years a template can be built for (builder.check_request)
MAX_TEXT = 32000  # the builder's limit of a 正文 cell (Excel holds 32,767 characters)
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class WorkbookContent:
    """A filled workbook's content as read: stamp, inputs, 基本信息 and 正文 (frozen; crosses a
    process boundary as it is)."""

    stamp: Stamp
    values: Mapping[CellKey, Decimal | str] = field(default_factory=dict)
    typed: Mapping[CellKey, str] = field(default_factory=dict)  # words in number cells
    info: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    unknown: frozenset[CellKey] = frozenset()
    unread_tables: tuple[str, ...] = ()  # codes of tables whose numbers were not read

    @property
    def spec(self) -> FormatSpec:
        return load_spec(self.stamp.format_version)

    def request(self) -> TemplateRequest:
        """Return the request that writes this content again as a standard workbook.

        A stamped unit or kind the template cannot carry (too long, control characters, a kind
        the format does not know; only a forged file has one) is left unstamped, and the year is
        kept within the years a template is made for, so that a copy can always be written."""
        from .builder import TemplateRequest

        spec, stamp = self.spec, self.stamp
        if not MIN_YEAR <= stamp.year <= MAX_YEAR:
            raise UsageError(
                f"填报表标记的报告年度 {stamp.year} 超出年报助手能生成的范围"
                f"（{MIN_YEAR}–{MAX_YEAR} 年），无法写出副本。",
                "请用本年度下发的填报表重新填写。",
            )
        unit = stamp.unit if len(stamp.unit) <= MAX_UNIT_CHARS else ""
        unit = "" if _CONTROL.search(unit) else unit
        kind = stamp.kind if stamp.kind in spec.kinds else ""
        info = {k: v for k, v in self.info.items() if not _stamped(k, unit, kind)}
        return TemplateRequest(
            year=stamp.year,
            unit=unit,
            kind=kind,
            format_version=spec.format_version,
            values=dict(self.values),
            typed=dict(self.typed),
            texts={k: v[:MAX_TEXT] for k, v in self.texts.items()},
            info=info,
            source=stamp.source,
            unknown=self.unknown,
        )

    def copy_stamp(self, request: TemplateRequest, role: str) -> Stamp:
        """Return the stamp of a copy written from ``request``: the handout's, in the current
        template's structure, with ``role`` and the digest of the content."""
        spec = request.spec()
        return replace(
            self.stamp,
            unit=request.unit,
            kind=request.kind,
            year=request.year,
            template_version=spec.template_version,
            fingerprint=spec.fingerprint,
            role=role,
            parts=0,
            content=digest(request),
        )


def workbook_content(
    wb: FilledWorkbook, formulas: Mapping[CellKey, Decimal | None] | None = None
) -> WorkbookContent:
    """Return what ``wb`` holds as read. ``formulas``: the value of each formula typed into an
    input cell as the spreadsheet shows it (its cached result where not given); the copy holds
    that number, not the formula."""
    spec = wb.spec
    formulas = formulas or {}
    values: dict[CellKey, Decimal | str] = {}
    typed: dict[CellKey, str] = {}
    for key, read in wb.cells.items():
        if spec.value_type(key) == "text":
            if read.text:
                values[key] = read.text
            continue
        if read.status == "formula":
            number = formulas.get(key, read.value)
        elif read.status == "ok":
            number = read.value
        elif read.status in ("text_number", "not_number"):
            typed[key] = read.text
            continue
        else:
            continue
        if number is None:
            continue
        if math.isfinite(float(number)):
            values[key] = number
        else:  # beyond a spreadsheet's double: kept as the clerk's text
            typed[key] = format(number, "f")
    return WorkbookContent(
        stamp=wb.stamp,
        values=values,
        typed=typed,
        info=dict(wb.info),
        texts=dict(wb.texts),
        unknown=wb.unknown,
        unread_tables=tuple(t.code for t in spec.tables if t.code in wb.unreadable_tables),
    )


def _stamped(code: str, unit: str, kind: str) -> bool:
    """Return whether the template writes a 基本信息 field from the stamp (locked), not from what
    was typed: the year always, the unit and kind when the handout named them."""
    return code == "year" or (code == "unit" and bool(unit)) or (code == "kind" and bool(kind))


def _number_text(value: Decimal | int | float | str) -> str:
    # A copy stores a number as a binary double: compare as Excel shows it, 15 digits (and -0
    # is written as 0).
    return value if isinstance(value, str) else format(float(value) + 0.0, ".15g")


def digest(request: TemplateRequest) -> str:
    """Return a digest of what a workbook built from ``request`` holds: what reading it back and
    ``WorkbookContent.request`` give again, until a clerk changes a number, word or text."""
    spec = request.spec()
    fixed = {f.code for f in spec.info_fields if f.type == "fixed"}
    info = {
        k: v
        for k, v in request.info.items()
        if v and k not in fixed and not _stamped(k, request.unit, request.kind)
    }
    data = {
        "format": spec.format_version,
        "year": request.year,
        "unit": request.unit,
        "kind": request.kind,
        "values": sorted(
            (str(k), _number_text(v)) for k, v in request.values.items() if v is not None
        ),
        "typed": sorted((str(k), v) for k, v in request.typed.items()),
        "info": sorted(info.items()),
        "texts": sorted((k, v) for k, v in request.texts.items() if v),
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
