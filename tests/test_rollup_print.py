"""The summary's 汇总情况 and 收到的文件 sheets as LibreOffice prints them: landscape A4, each
page under its own sheet's heading row, unit names and short hashes whole, the full SHA-256
of every file on the sheet of received files; on 图表 every included unit's bar labelled with its
name, in both bar charts (52 units: each shared out over two charts)."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.workbook_templates.loader import spec_for_year

from .county import make_county
from .rendering import page_texts, squeeze, to_pdf, to_png, words

# It prints a 55-unit summary with LibreOffice (the fixture needs libreoffice_ok).
pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

SUMMARY = spec_for_year(2025).summary


@pytest.fixture(scope="module")
def printed(tmp_path_factory, libreoffice_ok):
    folder = tmp_path_factory.mktemp("print")
    county = make_county(folder / "county", n_units=55)
    request = RollupRequest(
        inputs=(county.inbox,),
        output=folder / "汇总.xlsx",
        roster=read_roster(county.roster),
        unit="青禾县人民政府办公室",
    )
    result = rollup(request)
    pdf = to_pdf(result.output, folder / "pdf")
    to_png(pdf, folder / "pdf" / "page", first=1, last=4)
    return result, pdf, [squeeze(t) for t in page_texts(pdf)]


def _pages_of(pages: list[str], marker: str, stop: str) -> list[int]:
    """Return the pages from the first holding ``marker`` up to the one before ``stop``."""
    first = next(i for i, p in enumerate(pages) if marker in p)
    last = next(i for i, p in enumerate(pages) if i > first and stop in p)
    return list(range(first, last))


def test_every_page_of_a_list_sheet_has_its_own_heading_and_is_landscape(printed):
    result, pdf, pages = printed
    status_heading = squeeze("".join(SUMMARY.status_heading))
    files_heading = squeeze("".join(SUMMARY.files_heading))
    status = _pages_of(pages, status_heading, files_heading)
    files = _pages_of(pages, files_heading, squeeze(result.spec.workbook_title))
    assert len(status) >= 2 and len(files) >= 2  # several pages each: the heading repeats
    for i in status:
        assert status_heading in pages[i] and files_heading not in pages[i], i
    for i in files:
        assert files_heading in pages[i] and status_heading not in pages[i], i
    info = subprocess.run(["pdfinfo", "-l", "3", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.28" in info or "841.89 x 595.3" in info  # A4 landscape


def test_unit_names_and_hashes_are_printed_whole(printed):
    result, _, pages = printed
    text = "".join(pages)
    for unit in result.units:
        assert squeeze(unit.name) in text, unit.name
        if unit.file:
            assert unit.file.sha256[:16] in text
    for f in result.files:
        if f.sha256:
            assert f.sha256 in text, f.path.name  # in full on the sheet of received files


def test_every_unit_is_named_beside_its_bars_on_the_chart_sheet(printed):
    result, pdf, pages = printed
    first = next(i for i, p in enumerate(pages) if squeeze(SUMMARY.chart_title) in p) + 1
    names = {u.name for u in result.included}
    assert len(names) > 50  # more than one chart of each kind holds
    printed_names = [w for w in words(pdf, first) if w.text in names]
    # The data table's names are left-aligned in column A; a chart's labels stand right of it.
    table_x = Counter(round(w.x_min) for w in printed_names).most_common(1)[0][0]
    labels = Counter(w.text for w in printed_names if w.x_min > table_x + 20)
    # Once in a chart of 本年新收 and once in one of 复议/诉讼 (the PDF may also hold clipped,
    # unseen copies of a chart's labels on the page before it); LibreOffice used to label only
    # every other bar.
    assert {n for n in names if labels[n] < 2} == set()
