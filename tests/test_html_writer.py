"""The HTML report: tables in the official layout, escaped texts, safe writing, tables read back."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from nianbao.converters.document import (
    BODY,
    HEADING2,
    LIST_ITEM,
    Paragraph,
    ReportDocument,
    Run,
    Section,
)
from nianbao.converters.html_writer import read_html_tables, render_html, write_html
from nianbao.converters.tables import table_grid
from nianbao.errors import OutputExistsError
from nianbao.workbook_templates.loader import load_spec

HOSTILE = "<script>alert(1)</script> & \"引号\" 'single' </td></table>"
DRAFT = "草稿：填报表未通过校验，不得公开"


def make_doc(format_version: str, *, draft_mark: str = "", text=None) -> ReportDocument:
    """Return a report with every section of the format and every value cell numbered distinctly.

    ``text(i)`` gives the i-th value cell's text (default ``str(i)``).
    """
    spec = load_spec(format_version)
    text = text or str
    texts, n = {}, 0
    for table in spec.tables:
        for key in table.value_keys():
            texts[key] = text(n)
            n += 1
    sections = tuple(
        Section(
            s.code,
            f"{s.number}、{s.title}",
            (Paragraph.plain(f"{s.title}的正文。"),),
            table_grid(spec.table(s.table), texts) if s.table else None,
        )
        for s in spec.sections
    )
    return ReportDocument(
        title="青禾镇人民政府2025年政府信息公开工作年度报告",
        opening=(Paragraph.plain("本报告根据《中华人民共和国政府信息公开条例》编制。"),),
        sections=sections,
        signature=("青禾镇人民政府", "2026年1月20日"),
        page_number="— {page} —",
        draft_mark=draft_mark,
        values=texts,
        unit="青禾镇人民政府",
        year=2025,
    )


def grids_of(doc: ReportDocument):
    return [s.table for s in doc.sections if s.table is not None]


class Outline(HTMLParser):
    """Collect every tag with its attributes, the block elements' texts, and each table's cells."""

    BLOCKS = frozenset({"h1", "h2", "h3", "p"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.blocks: list[tuple[str, str]] = []  # (tag, text) of h1/h2/h3/p
        self.tables: list[list[tuple[str, int, int, str]]] = []  # (tag, rowspan, colspan, text)
        self.texts: list[str] = []
        self._block: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in self.BLOCKS:
            self._block = [tag]
        elif tag == "table":
            self.tables.append([])
        elif tag in ("td", "th"):
            self._cell = [tag, int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self._block is not None:
            self.blocks.append((self._block[0], "".join(self._block[1:])))
            self._block = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1].append((*self._cell[:3], "".join(self._cell[3:])))
            self._cell = None

    def handle_data(self, data):
        self.texts.append(data)
        for part in (self._block, self._cell):
            if part is not None:
                part.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    parser.close()
    return parser


# --- tables -------------------------------------------------------------------------------------


@pytest.mark.parametrize("format_version", ["2021", "2019"])
def test_tables_read_back_show_every_cell_at_its_position(format_version):
    doc = make_doc(format_version)
    read = read_html_tables(render_html(doc))
    grids = grids_of(doc)
    assert [g.code for g in grids] == ["t2", "t3", "t4"]
    assert len(read) == len(grids)
    for grid, table in zip(grids, read, strict=True):
        assert len(table) == grid.n_rows, grid.code
        assert all(len(row) == grid.n_cols for row in table), grid.code
        for cell in grid.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    assert table[r][c] == cell.text, (grid.code, cell)
    # Every value of the workbook is shown, each exactly once per covered position.
    shown = {c.key: read[i][c.row][c.col] for i, g in enumerate(grids) for c in g.cells if c.key}
    assert shown == doc.values


@pytest.mark.parametrize("format_version", ["2021", "2019"])
def test_cells_carry_the_grid_spans_and_roles(format_version):
    doc = make_doc(format_version)
    out = outline(render_html(doc))
    for grid, cells in zip(grids_of(doc), out.tables, strict=True):
        header_tags = {"caption", "corner", "header", "row"}  # row labels are row headers
        expected = Counter(
            ("th" if c.role in header_tags else "td", c.rowspan, c.colspan, c.text)
            for c in grid.cells
        )
        assert Counter(cells) == expected, grid.code


def test_official_merges_of_table_three_and_four():
    out = outline(render_html(make_doc("2021")))
    t2, t3, t4 = ({text: (rs, cs) for _, rs, cs, text in cells} for cells in out.tables)
    assert t3["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] == (3, 3)
    assert t3["申请人情况"] == (1, 7)
    assert t3["法人或其他组织"] == (1, 5)
    assert t3["三、本年度办理结果"] == (22, 1)
    assert t4["行政复议"] == (1, 5)
    assert t4["行政诉讼"] == (1, 10)
    assert t2["第二十条第（一）项"] == (1, 4)


def test_spans_of_one_are_left_out():
    html = render_html(make_doc("2021"))
    assert 'rowspan="1"' not in html
    assert 'colspan="1"' not in html


def test_header_rows_go_into_thead_and_sub_tables_stay_in_the_body():
    html = render_html(make_doc("2021"))
    tables = html.split("<table")[1:]
    t2, t3, t4 = tables
    assert "<thead>" not in t2  # 表二 is four sub-tables, each with its own caption and header
    for table, last_header in ((t3, "其他"), (t4, "总计")):
        head = table.split("<thead>")[1].split("</thead>")[0]
        assert last_header in head
        assert "<td" not in head


def test_table_styles_are_inline_for_website_editors():
    html = render_html(make_doc("2021"))
    body = html.split("<body>")[1]
    assert "class=" not in body
    for tag, attrs in outline(body).tags:
        if tag in ("table", "th", "td", "p", "h1", "h2"):
            assert "style" in attrs, tag
    for tag, attrs in outline(body).tags:
        if tag in ("th", "td"):
            assert "border:1px solid #000" in attrs["style"]
        if tag == "table":
            assert "border-collapse:collapse" in attrs["style"]


def test_row_labels_are_left_aligned_and_values_centred():
    doc = make_doc("2021")
    t3 = outline(render_html(doc)).tags
    cells = [a for tag, a in t3 if tag in ("td", "th")]
    grid_cells = [c for g in grids_of(doc) for r in g.rows() for c in r]
    assert len(cells) == len(grid_cells)
    for attrs, cell in zip(cells, grid_cells, strict=True):
        align = "text-align:left" if cell.role == "row" else "text-align:center"
        assert align in attrs["style"], cell


def test_empty_value_cells_are_kept_empty():
    doc = make_doc("2021", text=lambda i: "" if i % 2 else "0")
    read = read_html_tables(render_html(doc))
    for grid, table in zip(grids_of(doc), read, strict=True):
        for cell in grid.cells:
            if cell.role == "value":
                assert table[cell.row][cell.col] == doc.values[cell.key]
    assert "" in read[2][3] and "0" in read[2][3]
    assert "&nbsp;" not in render_html(doc)


# --- content and escaping -----------------------------------------------------------------------


def test_content_comes_in_report_order():
    doc = make_doc("2021")
    html = render_html(doc)
    blocks = outline(html).blocks
    assert blocks[0] == ("h1", doc.title)
    assert blocks[1] == ("p", doc.opening[0].text)
    headings = [text for tag, text in blocks if tag == "h2"]
    assert headings == [s.heading for s in doc.sections]
    assert blocks[-2:] == [("p", "青禾镇人民政府"), ("p", "2026年1月20日")]
    # A section's paragraphs come before its table, and its table before the next heading.
    for section, nxt in zip(doc.sections, doc.sections[1:], strict=False):
        start = html.index(section.heading)
        assert start < html.index(section.paragraphs[0].text, start) < html.index(nxt.heading)
        if section.table is not None:
            table_at = html.index("<table", start)
            assert html.index(section.paragraphs[0].text, start) < table_at
            assert table_at < html.index(nxt.heading)


def test_line_breaks_become_br_except_in_the_page_title():
    doc = make_doc("2021")
    doc = ReportDocument(**{**doc.__dict__, "title": "第一行\n第二行"})
    html = render_html(doc)
    assert "<title>第一行 第二行</title>" in html
    assert ">第一行<br>第二行</h1>" in html


def test_page_is_html5_in_chinese_with_utf8():
    html = render_html(make_doc("2021"))
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert '<meta charset="utf-8">' in html
    assert "<title>青禾镇人民政府2025年政府信息公开工作年度报告</title>" in html
    assert html.endswith("</html>\n")


def test_signature_is_right_aligned():
    html = render_html(make_doc("2021"))
    sign = [a for tag, a in outline(html).tags if tag == "p"][-2:]
    assert all("text-align:right" in a["style"] for a in sign)


def test_runs_and_paragraph_kinds():
    doc = ReportDocument(
        title="标题",
        opening=(
            Paragraph(
                (
                    Run("（一）主动公开。", heading=True),
                    Run("加粗", bold=True),
                    Run("斜体", italic=True),
                    Run("下划线", underline=True),
                    Run("普通"),
                )
            ),
            Paragraph.plain("（二）依申请公开", HEADING2),
            Paragraph((Run("第一项"),), LIST_ITEM, label="1."),
            Paragraph((Run("子项"),), LIST_ITEM, label="（1）", level=1),
            Paragraph((Run("第一行\n第二行"),), BODY),
        ),
        sections=(),
        signature=(),
        page_number="",
    )
    html = render_html(doc)
    assert (
        "<strong>（一）主动公开。</strong><strong>加粗</strong><em>斜体</em><u>下划线</u>普通"
    ) in html
    out = outline(html)
    assert ("h3", "（二）依申请公开") in out.blocks
    assert ("p", "1. 第一项") in out.blocks
    assert ("p", "（1）子项") in out.blocks
    assert "第一行<br>第二行" in html
    styles = {
        text: a["style"]
        for (tag, a), (_, text) in zip(
            [t for t in out.tags if t[0] in Outline.BLOCKS], out.blocks, strict=True
        )
    }
    assert "text-indent:2em;" in styles["（一）主动公开。加粗斜体下划线普通"]
    assert "margin-left:32px" in styles["（1）子项"]
    assert "margin-left" not in styles["1. 第一项"]
    assert "楷体" in styles["（二）依申请公开"]
    assert "黑体" in styles["标题"]
    assert "仿宋" in styles["1. 第一项"]


def test_every_text_is_escaped():
    base = make_doc("2021", text=lambda i: HOSTILE if i == 0 else str(i))
    doc = ReportDocument(
        title=HOSTILE,
        opening=(Paragraph((Run(HOSTILE, bold=True),), LIST_ITEM, label=HOSTILE),),
        sections=(Section("s1", HOSTILE, (Paragraph.plain(HOSTILE, HEADING2),)), *base.sections),
        signature=(HOSTILE,),
        page_number="",
        draft_mark=HOSTILE,
    )
    html = render_html(doc)
    assert "<script" not in html.lower()
    assert "<title>&lt;script&gt;" in html
    assert "</td></table>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;引号&quot; &#x27;single&#x27;" in html
    # Escaping loses nothing: the page shows the texts as given.
    out = outline(html)
    texts = [text for _, text in out.blocks]
    assert texts.count(HOSTILE) == 6  # title, heading, sub-heading, signature, two draft marks
    assert f"{HOSTILE} {HOSTILE}" in texts  # the list item: label, then text
    assert read_html_tables(html)[0][2][1] == HOSTILE  # 表二's first value cell


def test_no_external_resources_or_scripts():
    doc = make_doc("2021")
    doc = ReportDocument(
        **{**doc.__dict__, "opening": (Paragraph.plain("网站：https://www.example.gov.cn"),)}
    )
    html = render_html(doc)
    tags = outline(html).tags
    allowed = {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "br",
        "strong", "em", "u", "table", "caption", "colgroup", "col", "thead", "tbody", "tr", "th",
        "td",
    }  # fmt: skip
    assert {tag for tag, _ in tags} <= allowed
    for _, attrs in tags:
        assert not {"src", "href", "srcset", "action"} & set(attrs)
        assert all("url(" not in (v or "") for v in attrs.values())
    head = html.split("<body>")[0]
    assert "http" not in head
    assert "url(" not in html and "@import" not in html


def test_draft_mark_is_shown_at_top_and_bottom_only_when_set():
    clean = outline(render_html(make_doc("2021"))).blocks
    marked = outline(render_html(make_doc("2021", draft_mark=DRAFT))).blocks
    assert marked == [("p", DRAFT), *clean, ("p", DRAFT)]
    assert all(DRAFT not in text for _, text in clean)


# --- writing ------------------------------------------------------------------------------------


def test_write_html_writes_utf8_with_final_newline(tmp_path):
    doc = make_doc("2021")
    path = write_html(doc, tmp_path / "年报.html")
    assert path == tmp_path / "年报.html"
    data = path.read_bytes()
    assert data.decode("utf-8") == render_html(doc)
    assert data.endswith(b"</html>\n")
    assert [p.name for p in tmp_path.iterdir()] == ["年报.html"]


def test_write_html_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "年报.html"
    write_html(make_doc("2021"), target)
    before = target.read_bytes()
    with pytest.raises(OutputExistsError) as err:
        write_html(make_doc("2021", draft_mark=DRAFT), target)
    assert "已经存在" in err.value.message
    assert target.read_bytes() == before
    write_html(make_doc("2021", draft_mark=DRAFT), target, force=True)
    assert DRAFT in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["年报.html"]


# --- reading tables back from other HTML --------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            "<table><tr><td rowspan=2>a<td>b<tr><td>c</table>",
            [[["a", "b"], ["a", "c"]]],
            id="implied-end-tags",
        ),
        pytest.param(
            "<table><tr><td colspan='2'> x \n y </td></tr><tr><td>1<br/>2</td><td>&amp;&lt;</td>"
            "</tr></table>",
            [[["x y", "x y"], ["1\n2", "&<"]]],
            id="whitespace-br-entities",
        ),
        pytest.param(
            "<table><thead><tr><th rowspan=3>h</th><th>k</th></tr></thead>"
            "<tbody><tr><td>v</td></tr></tbody></table>",
            [[["h", "k"], ["v", ""]]],
            id="rowspan-clipped-at-row-group-end",
        ),
        pytest.param(
            "<table><tr><td rowspan=bad colspan=0>a</td><td>&nbsp;</td></tr></table>"
            "<p>between</p><table><tr><td>b</td></tr></table>",
            [[["a", ""]], [["b"]]],
            id="bad-spans-nbsp-two-tables",
        ),
        pytest.param(
            "<table><tr><td>outer<table><tr><td>inner</td></tr></table></td></tr></table>",
            [[["outer"]], [["inner"]]],
            id="nested",
        ),
        pytest.param("<p>no table</p>", [], id="none"),
    ],
)
def test_read_html_tables_follows_the_html_table_model(html, expected):
    assert read_html_tables(html) == expected


@pytest.mark.parametrize("format_version", ["2021", "2019"])
def test_tables_are_accessible_and_the_page_is_valid_html5(format_version):
    """Issue 17 (GB/T 37668-2019, WCAG 1.3.1): every table has a caption, every header cell is a
    th with a scope, and every value cell names its row and column headers; the page parses as
    HTML5 without one error."""
    import html5lib

    page = render_html(make_doc(format_version))
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    tree = parser.parse(page)  # strict: raises on any parse error
    tables = tree.findall(".//table")
    assert len(tables) == 3
    for table in tables:
        caption = table.find("caption")
        assert caption is not None and (caption.text or "").strip()
        ths = table.findall(".//th")
        assert ths and all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in ths)
        ids = {th.get("id") for th in ths}
        assert None not in ids and len(ids) == len(ths)
        for td in table.findall(".//td"):
            if not (td.text or "").strip():
                continue
            named = (td.get("headers") or "").split()
            assert named and set(named) <= ids, td.text
            texts = {th.get("id"): "".join(th.itertext()) for th in ths}
            # A value cell names one column heading at least, and its row label if rows have one.
            if any(th.get("scope") == "row" for th in ths):
                assert any(table.find(f".//th[@id='{i}']").get("scope") == "row" for i in named)
            assert any(table.find(f".//th[@id='{i}']").get("scope") != "row" for i in named)
            assert all(texts[i] for i in named)
