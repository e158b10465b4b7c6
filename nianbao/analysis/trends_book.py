"""The workbook of ``nianbao trends`` (xlsxwriter): 督办清单 first (unit, what stands out, the
numbers behind it), the key figures by unit and year, native line charts of each figure across
years (the summaries' totals, or the units when there is no summary), and where the data came
from, unreadable files included with why. Sheet names and headings are the format's
``[analysis]``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nianbao.errors import UsageError
from nianbao.files import atomic_output
from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.text_fit import row_height

from .figures import Analysis, shown_name
from .sources import LEVEL_WHOLE, Collected

MAX_CHART_SERIES = 10  # lines in one chart: beyond this it is not readable
LIST_WIDTHS = (6, 30, 10, 8, 24, 80, 44)
CHART_ROWS = 18  # rows one chart takes, with a gap
CHART_COLUMN = 14  # width of a column of the charts' data


def check_trends_target(target: str | os.PathLike) -> Path:
    """Return the output path if it is an .xlsx; else UsageError."""
    path = Path(target)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件 {path.name} 的扩展名应为 .xlsx。", "例如：-o 趋势.xlsx。")
    return path


def write_trends(
    analysis: Analysis, collected: Collected, target: str | os.PathLike, *, force: bool = False
) -> Path:
    """Write the trends workbook atomically (never over a file unless ``force``); return it."""
    path = check_trends_target(target)
    with atomic_output(path, force=force) as tmp:
        _Book(analysis, collected, tmp).write()
    return path


class _Book:
    def __init__(self, analysis: Analysis, collected: Collected, path: Path) -> None:
        import xlsxwriter

        self.a, self.collected, self.t = analysis, collected, analysis.text
        self.wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        wb = self.wb
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.header = wb.add_format(
            {**base, "bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True}
        )
        self.text = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.number = wb.add_format({**base, "border": 1, "num_format": "0"})
        self.share = wb.add_format({**base, "border": 1, "num_format": self.t.share_format})

    def write(self) -> None:
        self._list()
        self._figures()
        self._charts()
        self._sources()
        self.wb.close()

    def _list(self) -> None:
        t, ws = self.t, self.wb.add_worksheet(self.t.list_sheet)
        for c, w in enumerate(LIST_WIDTHS):
            ws.set_column(c, c, w)
        ws.write_string(0, 0, t.list_title, self.title)
        ws.set_row(0, 28)
        ws.write_row(1, 0, t.list_heading, self.header)
        ws.set_row(
            1, row_height(*(x for c, h in enumerate(t.list_heading) for x in (h, LIST_WIDTHS[c])))
        )
        if not self.a.flags:
            ws.write_string(2, 0, t.list_none, self.text)
        for i, f in enumerate(self.a.flags, start=1):
            cells = [
                i,
                self._name(f.unit, f.level),
                f.kind,
                f.year,
                f.figure_name,
                f.sentence,
                f.numbers,
            ]
            for c, v in enumerate(cells):
                if isinstance(v, int):
                    ws.write_number(i + 1, c, v, self.number)
                else:
                    ws.write_string(i + 1, c, v, self.text)
            pairs = [x for c, v in enumerate(cells) for x in (str(v), LIST_WIDTHS[c])]
            ws.set_row(i + 1, row_height(*pairs))
        ws.freeze_panes(2, 2)
        last = max(2, len(self.a.flags) + 1)
        ws.autofilter(1, 0, last, len(t.list_heading) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)

    def _level(self, level: str) -> str:
        return self.t.level_whole if level == LEVEL_WHOLE else self.t.level_unit

    def _name(self, unit: str, level: str) -> str:
        return shown_name(self.t, unit, level)

    def _figures(self) -> None:
        t, a = self.t, self.a
        ws = self.wb.add_worksheet(t.figures_sheet)
        heading = [*t.figures_heading, *(f.name for f in a.figures)]
        ws.write_string(0, 0, t.figures_title, self.title)
        ws.set_row(0, 28)
        ws.write_row(1, 0, heading, self.header)
        ws.set_row(1, 48)
        ws.set_column(0, 0, 30)
        ws.set_column(1, 3, 9)
        ws.set_column(4, len(heading) - 1, 11)
        order = {uid: i for i, (uid, *_r) in enumerate(a.units)}
        frame = a.frame.assign(_order=a.frame["unit_id"].map(order))
        frame = frame.sort_values(["_order", "year"], kind="stable")
        r = 2
        for row in frame.itertuples(index=False):
            ws.write_string(r, 0, self._name(row.unit, row.level), self.text)
            ws.write_string(r, 1, row.kind, self.text)
            ws.write_string(r, 2, self._level(row.level), self.text)
            ws.write_number(r, 3, int(row.year), self.number)
            for c, fig in enumerate(a.figures, start=4):
                value = getattr(row, fig.code)
                if pd.notna(value):
                    ws.write_number(r, c, float(value), self.share if fig.is_share else self.number)
                else:
                    ws.write_blank(r, c, None, self.text)
            r += 1
        ws.freeze_panes(2, 1)
        ws.autofilter(1, 0, max(2, r - 1), len(heading) - 1)

    def _charts(self) -> None:
        t, a = self.t, self.a
        ws = self.wb.add_worksheet(t.chart_sheet)
        series = [u for u in a.units if u[3] == LEVEL_WHOLE] or a.units
        series = series[:MAX_CHART_SERIES]
        frame = a.frame.set_index(["unit_id", "year"])
        ws.set_column(0, 0, 10)
        ws.set_column(1, len(series), CHART_COLUMN)
        top = 0
        for fig in a.figures:
            ws.write_string(top, 0, t.chart_title.format(figure=fig.name), self.title)
            ws.write_string(top + 1, 0, t.figures_heading[3], self.header)
            names = [self._name(unit, level) for _uid, unit, _kind, level in series]
            for c, name in enumerate(names, start=1):
                ws.write_string(top + 1, c, name, self.header)
            ws.set_row(top + 1, row_height(*(x for n in names for x in (n, CHART_COLUMN))))
            for i, year in enumerate(a.years):
                r = top + 2 + i
                ws.write_string(r, 0, str(year), self.text)  # text: categories, not a number axis
                for c, (uid, *_r) in enumerate(series, start=1):
                    value = frame[fig.code].get((uid, year))
                    if value is not None and pd.notna(value):
                        fmt = self.share if fig.is_share else self.number
                        ws.write_number(r, c, float(value), fmt)
            chart = self.wb.add_chart({"type": "line"})
            first, last = top + 2, top + 1 + len(a.years)
            sheet = L.quote_sheet(t.chart_sheet)
            for c in range(1, len(series) + 1):
                col = L.col_letters(c)
                chart.add_series(
                    {
                        "name": f"={sheet}!${col}${top + 2}",
                        "categories": f"={sheet}!$A${first + 1}:$A${last + 1}",
                        "values": f"={sheet}!${col}${first + 1}:${col}${last + 1}",
                        "marker": {"type": "circle", "size": 6},
                        "data_labels": {"value": True},
                    }
                )
            chart.set_title(
                {"name": t.chart_title.format(figure=fig.name), "name_font": {"size": 12}}
            )
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 640, "height": 300})
            # From 0: a wobble of 1 % must not look like a cliff.
            axis: dict[str, object] = {"min": 0, "major_gridlines": {"visible": True}}
            if fig.is_share:
                axis |= {"num_format": t.share_format, "max": 1}
            chart.set_y_axis(axis)
            ws.insert_chart(top, len(series) + 2, chart)
            top += max(CHART_ROWS, len(a.years) + 4)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)

    def _sources(self) -> None:
        t, a = self.t, self.a
        ws = self.wb.add_worksheet(t.sources_sheet)
        ws.set_column(0, 0, 50)
        ws.set_column(1, 1, 30)
        ws.set_column(2, 2, 8)
        ws.set_column(3, 3, 70)
        ws.write_row(0, 0, t.sources_heading, self.header)
        r = 1
        files: dict[Path, tuple[str, int, int]] = {}
        for rec in self.collected.records:
            if rec.level == LEVEL_WHOLE or rec.file not in files:
                count = files.get(rec.file, ("", 0, 0))[2] + 1
                files[rec.file] = (rec.unit, rec.year, count)
            else:
                unit, year, count = files[rec.file]
                files[rec.file] = (unit, year, count + 1)
        for path, (unit, year, count) in files.items():
            ws.write_string(r, 0, str(path), self.text)
            ws.write_string(r, 1, unit, self.text)
            ws.write_number(r, 2, year, self.number)
            ws.write_string(r, 3, f"{count} 份数据" if count > 1 else "", self.text)
            r += 1
        for item in self.collected.unreadable:
            ws.write_string(r, 0, str(item.path), self.text)
            ws.write_string(r, 1, "", self.text)
            ws.write_blank(r, 2, None, self.text)
            ws.write_string(r, 3, item.reason, self.text)
            r += 1
        for note in a.notes:
            ws.write_string(r, 3, note, self.text)
            r += 1
