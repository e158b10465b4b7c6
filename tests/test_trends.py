"""``nianbao trends``: three years of a 40-unit county with planted outliers and jumps (each
flagged with its sentence, nothing else flagged), single units' workbooks of several years,
unknown cells of an imported report, the workbook's sheets and its charts as LibreOffice prints
them."""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from nianbao.analysis.figures import analyse
from nianbao.analysis.sources import read_inputs
from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.loader import spec_for_year

from .rendering import to_pdf, to_png
from .trends_county import (
    COUNTY,
    DISCLOSED,
    NORMATIVE_IN_FORCE,
    PARTLY,
    RECEIVED,
    REVIEW_UPHELD,
    YEARS,
    make_trends_county,
)

REPO = Path(__file__).resolve().parent.parent
SPEC = spec_for_year(2025)
TEXT = SPEC.analysis
SENTENCES = TEXT.sentences


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return make_trends_county(tmp_path_factory.mktemp("trends"))


def nianbao(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def _deciles(values: list[float]) -> tuple[float, float]:
    """Return the 10th and 90th percentiles, linear between order statistics (as a
    spreadsheet's PERCENTILE), computed without the code under test."""
    q = statistics.quantiles(values, n=10, method="inclusive")
    return q[0], q[-1]


def _count(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:.1f}".rstrip("0").rstrip(".")


def expected_flags(county) -> dict[tuple[str, int, str, str], str]:
    """Return every flag the county must get, with its sentence, from the planted numbers."""
    roles, values, kinds = county.roles, county.values, county.kinds
    name = {f.code: f.name for f in TEXT.figures}
    out = {}
    a = roles["review_jump"]
    out[(a, 2025, "review", "jump_up")] = SENTENCES.jump_up.format(
        unit=a, figure=name["review"], year=2025, last_year=2024, before=2, now=12, ratio="6.0"
    )
    b = roles["normative_drop"]
    out[(b, 2025, "normative_in_force", "jump_down")] = SENTENCES.jump_down.format(
        unit=b,
        figure=name["normative_in_force"],
        year=2025,
        last_year=2024,
        before=60,
        now=10,
        ratio="17%",
    )
    f = roles["from_zero"]
    out[(f, 2025, "litigation", "jump_from_zero")] = SENTENCES.jump_from_zero.format(
        unit=f, figure=name["litigation"], year=2025, last_year=2024, now=10
    )
    busy = roles["busy"]
    towns = [u for u in county.units if kinds[u] == "乡镇"]
    for year in YEARS:
        received = [float(values[(u, year)][RECEIVED]) for u in towns]
        low, high = _deciles(received)
        out[(busy, year, "received", "peer_above")] = SENTENCES.peer_above.format(
            unit=busy,
            figure=name["received"],
            year=year,
            now=int(values[(busy, year)][RECEIVED]),
            kind="乡镇",
            count=len(towns),
            low=_count(low),
            high=_count(high),
        )
    d = roles["low_share"]
    departments = [u for u in county.units if kinds[u] == "县直部门"]
    shares = []
    for u in departments:
        v = values[(u, 2024)]
        closed = sum(x for k, x in v.items() if k.table == "t3" and k.row.startswith("r3_"))
        shares.append(float((v[DISCLOSED] + v[PARTLY]) / closed))
    low, high = _deciles(shares)
    out[(d, 2024, "open_share", "peer_below")] = SENTENCES.peer_below.format(
        unit=d,
        figure=name["open_share"],
        year=2024,
        now="0.0%",
        kind="县直部门",
        count=len(departments),
        low=f"{low * 100:.1f}%",
        high=f"{high * 100:.1f}%",
    )
    e = roles["carry"]
    carried = "2023年 2、2024年 3、2025年 1"
    for unit in (e, TEXT.whole.format(unit=COUNTY)):  # the county carries what its unit carries
        out[(unit, 2025, "carried", "carry")] = SENTENCES.carry.format(
            unit=unit, figure=name["carried"], count=3, years="2023至2025年", values=carried
        )
    return out


def test_trends_flag_each_planted_outlier_with_its_sentence_and_nothing_else(county):
    collected = read_inputs([county.summaries[y] for y in YEARS])
    assert not collected.unreadable
    analysis = analyse(collected.records)
    assert analysis.years == list(YEARS)
    assert len(analysis.units) == 41  # 40 units and the county's total
    whole = TEXT.whole.format(unit=COUNTY)
    got = {
        (whole if f.level == "whole" else f.unit, f.year, f.figure, f.what): f.sentence
        for f in analysis.flags
    }
    assert len(got) == len(analysis.flags)
    assert got == expected_flags(county)
    # Every plant is among them (the county's own carry is the one flag no unit planted).
    assert {(p.unit, p.year, p.figure, p.what) for p in county.plants} <= set(got)


def test_trends_figures_are_the_workbooks_numbers(county):
    analysis = analyse(read_inputs([county.summaries[y] for y in YEARS]).records)
    frame = analysis.frame.set_index(["unit", "year"])
    for (unit, year), v in list(county.values.items())[::7]:
        assert frame.loc[(unit, year), "received"] == float(v[RECEIVED])
        assert frame.loc[(unit, year), "review"] == float(v[REVIEW_UPHELD])
        assert frame.loc[(unit, year), "normative_in_force"] == float(v[NORMATIVE_IN_FORCE])
    county_total = sum(float(county.values[(u, 2025)][RECEIVED]) for u in county.units)
    whole = analysis.frame[(analysis.frame["level"] == "whole") & (analysis.frame["year"] == 2025)]
    assert whole["received"].tolist() == [county_total]


def test_trends_over_one_units_workbooks_of_three_years(county, tmp_path):
    unit = county.roles["review_jump"]
    files = [county.workbooks[(unit, y)] for y in YEARS]
    out = tmp_path / "趋势.xlsx"
    result = nianbao("trends", *files, "-o", out)
    assert result.returncode == 0, result.stderr
    expected = expected_flags(county)[(unit, 2025, "review", "jump_up")]
    assert expected in result.stdout
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(TEXT.list_sheet).to_python()
    assert rows[1] == list(TEXT.list_heading)
    assert [r[5] for r in rows[2:]] == [expected]  # the one flag, and nothing else


def test_trends_workbook_lists_every_flag_and_figure(county, tmp_path):
    out = tmp_path / "趋势.xlsx"
    result = nianbao("trends", *(county.summaries[y] for y in YEARS), "-o", out)
    assert result.returncode == 0, result.stderr
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == [
        TEXT.list_sheet,
        TEXT.figures_sheet,
        TEXT.chart_sheet,
        TEXT.sources_sheet,
    ]
    listed = book.get_sheet_by_name(TEXT.list_sheet).to_python()[2:]
    assert sorted(r[5] for r in listed) == sorted(expected_flags(county).values())
    figures = book.get_sheet_by_name(TEXT.figures_sheet).to_python()
    assert figures[1][4:] == [f.name for f in TEXT.figures]
    assert len(figures) - 2 == 41 * 3
    again = nianbao("trends", *(county.summaries[y] for y in YEARS), "-o", out)
    assert again.returncode == 2 and "已经存在" in again.stderr and "--force" in again.stderr


def test_trends_keep_unknown_cells_of_an_imported_report_unknown(county, tmp_path):
    """A report that did not show 表四: its 行政复议 is unknown in that year, not 0, and no jump
    is made of it."""
    unit = county.roles["review_jump"]
    spec = spec_for_year(2024)
    t4 = frozenset(k for k in spec.value_keys() if k.table == "t4")
    base = build_request(county, unit, 2024)
    values = {k: v for k, v in base.values.items() if k.table != "t4"}
    imported = tmp_path / "导入2024.xlsx"
    build_template(imported, replace(base, values=values, unknown=t4, source="2024年年报.html"))
    files = [county.workbooks[(unit, 2023)], imported, county.workbooks[(unit, 2025)]]
    analysis = analyse(read_inputs(files).records)
    frame = analysis.frame.set_index("year")
    assert frame.loc[2023, "review"] == 2
    assert frame.loc[2024, "review"] != frame.loc[2024, "review"]  # NaN: unknown
    assert frame.loc[2025, "review"] == 12
    assert frame.loc[2024, "received"] == float(county.values[(unit, 2024)][RECEIVED])
    assert [f.figure for f in analysis.flags] == []


def build_request(county, unit: str, year: int):
    from nianbao.workbook_templates.sample import sample_request

    return replace(
        sample_request(2025),
        year=year,
        unit=unit,
        kind=county.kinds[unit],
        values=dict(county.values[(unit, year)]),
    )


def test_trends_refuse_a_bad_output_name_in_chinese(county, tmp_path):
    result = nianbao("trends", county.summaries[2025], "-o", tmp_path / "趋势.csv")
    assert result.returncode == 2
    assert "扩展名应为 .xlsx" in result.stderr and "Traceback" not in result.stderr


def test_trends_list_an_unreadable_file_and_go_on(county, tmp_path):
    broken = tmp_path / "坏了的汇总2022.xlsx"
    broken.write_bytes(county.summaries[2025].read_bytes()[:5000])
    out = tmp_path / "趋势.xlsx"
    result = nianbao("trends", broken, county.summaries[2024], county.summaries[2025], "-o", out)
    assert result.returncode == 2
    assert str(broken) in result.stderr and "Traceback" not in result.stderr
    sources = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(TEXT.sources_sheet)
    assert any(str(broken) == row[0] and row[3] for row in sources.to_python())


@pytest.mark.libreoffice
@pytest.mark.usefixtures("libreoffice_ok")
def test_trends_charts_render(county, tmp_path):
    """The chart sheet prints with a line chart per figure (the PNG was looked at: lines with
    points and labels, years on the axis, the county's total in the legend)."""
    out = tmp_path / "趋势.xlsx"
    assert nianbao("trends", *(county.summaries[y] for y in YEARS), "-o", out).returncode == 0
    pdf = to_pdf(out, tmp_path / "pdf")
    texts = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = texts.split("\f")
    title = TEXT.chart_title.format(figure=TEXT.figures[0].name)
    first = next(i for i, p in enumerate(pages) if title in p)
    png = to_png(pdf, tmp_path / "charts", first=first + 1, last=first + 1)
    assert len(png) == 1 and png[0].stat().st_size > 20_000
    from PIL import Image

    image = Image.open(png[0]).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    # Beyond black, white and grey: the series' line and markers are drawn in colour.
    coloured = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
    assert coloured > 500


def test_trends_over_published_reports_leave_what_they_did_not_show_unknown():
    """Seven years of one government's published reports (text copied from its web pages),
    read as ``nianbao import`` reads them: a figure is a number only where every cell it stands
    on was read; the rest stay empty, never 0."""
    from nianbao.analysis.figures import _plans
    from nianbao.importer.report import ImportRequest, read_report
    from nianbao.workbook_templates.compute import recompute

    reports = sorted((REPO / "tests" / "data" / "reports").glob("0*_pingtan_*.txt"))
    assert len(reports) == 7
    analysis = analyse(read_inputs(reports).records)
    assert analysis.years == list(range(2019, 2026))
    assert len(analysis.units) == 1
    frame = analysis.frame.set_index("year")
    numbers = 0
    for path in reports:
        result = read_report(ImportRequest(source=path, output=path.with_suffix(".xlsx")))
        read = {k: v for k, v in result.values.items() if isinstance(v, Decimal)}
        cells = {**read, **recompute(result.spec, read)}
        for plan in _plans(result.spec):
            value = frame.loc[result.year, plan.code]
            where = (path.name, plan.code)
            if plan.inputs & result.unknown:
                assert value != value, where  # unknown: NaN, never 0
            elif plan.per and not sum(cells.get(k, 0) for k in plan.per):
                assert value != value, where  # a share of nothing
            else:
                assert value == value, where
                numbers += 1
    assert numbers > 10  # the test is about something: many figures were read
