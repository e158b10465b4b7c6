"""The acceptance receipt (验收回执): one row per unit accepted, written whenever a rollup accepts
or withdraws, beside the summary and never over an earlier one (each is a record of its day)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nianbao.files import atomic_output, numbered_path
from nianbao.workbook_templates.stamp import output_properties
from nianbao.workbook_templates.text_fit import row_height
from nianbao.workbook_templates.values import normalize_label

from .acceptance import current
from .ledger import Ledger
from .model import RollupResult

_WIDTHS = (6, 28, 34, 20, 40, 20, 10)


def receipt_path(summary: Path, now: float) -> Path:
    """Return a new receipt's name beside the summary: its time in the name, numbered if taken."""
    stamp = dt.datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
    path = summary.with_name(f"{summary.stem}-验收回执-{stamp}.xlsx")
    return numbered_path(path) if path.exists() else path


def write_receipt(result: RollupResult, ledger: Ledger, target: Path) -> Path:
    """Write the receipt of every standing acceptance (this run's marked) and of this run's
    withdrawals; return its path."""
    import xlsxwriter

    text = result.spec.summary
    standing = current(ledger)
    order = {normalize_label(u.name): i for i, u in enumerate(result.units)}
    accepted = sorted(standing.values(), key=lambda e: order.get(normalize_label(e["unit"]), 0))
    now = {id(e) for e in result.acceptance_events}
    withdrawn = [e for e in result.acceptance_events if e["action"] == "withdraw"]
    with atomic_output(target) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_urls": False})
        for key, value in output_properties("receipt"):
            wb.set_custom_property(key, value)
        title = wb.add_format({"bold": True, "font_size": 14, "font_name": "黑体"})
        head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
        cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        number = wb.add_format({"border": 1, "valign": "top"})
        digest = wb.add_format({"border": 1, "valign": "top", "font_name": "Courier New"})
        ws = wb.add_worksheet(text.receipt_sheet)
        for c, w in enumerate(_WIDTHS):
            ws.set_column(c, c, w)
        ws.write_string(
            0, 0, text.receipt_title.format(unit=result.request.unit, year=result.year), title
        )
        made = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
        note = text.receipt_note.format(
            time=made, count=len(accepted), summary=result.request.output.name
        )
        ws.write_string(1, 0, note)
        for c, h in enumerate(text.receipt_heading):
            ws.write_string(3, c, h, head)
        r = 3
        for i, event in enumerate(accepted, 1):
            r += 1
            row = [event["unit"], event["file"], event["sha256"], event["verdict"], event["time"]]
            ws.write_number(r, 0, i, number)
            for c, value in enumerate(row, 1):
                ws.write_string(r, c, value, digest if c == 3 else cell)
            ws.write_string(r, 6, text.receipt_now if id(event) in now else "", cell)
            ws.set_row(r, row_height(event["unit"], _WIDTHS[1], event["verdict"], _WIDTHS[4]))
        if withdrawn:
            r += 2
            ws.write_string(r, 0, text.receipt_withdrawn, title)
            for event in withdrawn:
                r += 1
                ws.write_string(r, 1, event["unit"], cell)
                ws.write_string(r, 2, event["file"], cell)
                ws.write_string(r, 3, event["sha256"], digest)
                ws.write_string(r, 5, event["time"], cell)
        ws.freeze_panes(4, 2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(3)
        wb.close()
    return target
