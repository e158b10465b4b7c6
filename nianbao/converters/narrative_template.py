"""The narrative template (正文模板) handed out with the workbook: the six section headings, the
five sub-heads of 一, and grey guidance in 【】 that the clerk replaces with their own text.

It uses the report's own styles, so what the clerk writes already looks like the final report;
``nianbao export --narrative`` reads it back (the untouched guidance is dropped there).
"""

from __future__ import annotations

from pathlib import Path

import docx

from nianbao.files import atomic_output
from nianbao.workbook_templates.spec import FormatSpec

from . import word_styles as S
from .document import title_lines
from .docx_writer import add_title


def build_narrative_template(
    spec: FormatSpec, unit: str, year: int, fonts: S.FontSet | None = None
):
    """Return the python-docx Document of the narrative template."""
    fonts = fonts or S.FontSet()
    report = spec.report
    document = docx.Document()
    S.apply_styles(document, fonts)
    S.setup_section(document.sections[0])
    name = unit or "（单位名称）"
    add_title(document, title_lines(report.narrative_title.format(unit=name, year=year), name))
    for line in report.narrative_intro:
        document.add_paragraph(
            line.format(example=report.field_example, unit=unit, year=year), style=S.GUIDANCE
        )
    for section in spec.sections:
        document.add_paragraph(f"{section.heading}", style=S.HEADING1)
        if section.table:
            document.add_paragraph(report.table_guidance, style=S.GUIDANCE)
            continue
        for cell in spec.text_cells:
            if cell.section != section.code:
                continue
            if cell.heading:
                document.add_paragraph(cell.label, style=S.HEADING2)
            document.add_paragraph(report.guidance.format(note=cell.note), style=S.GUIDANCE)
    props = document.core_properties
    props.title = report.narrative_title.format(unit=unit, year=year)
    props.author = unit or "年报助手"
    props.last_modified_by = "年报助手 nianbao"
    S.finish_package(document, fonts)
    return document


def write_narrative_template(
    spec: FormatSpec,
    target: str | Path,
    *,
    unit: str = "",
    year: int,
    force: bool = False,
    fonts: S.FontSet | None = None,
) -> Path:
    """Write the narrative template atomically; return its path."""
    document = build_narrative_template(spec, unit, year, fonts)
    with atomic_output(target, force=force) as tmp:
        document.save(str(tmp))
    return Path(target)
