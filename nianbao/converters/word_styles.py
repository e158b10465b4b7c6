"""Every Word style of the report and the narrative template (GB/T 9704-2012 typography).

Page: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; a text area of
156 × 225 mm holding 22 lines of 28 characters in 三号 (16 pt).
Title: 二号 方正小标宋简体, centred.
Body: 三号 仿宋_GB2312, first line indented by two characters.
Headings: level 1 黑体, level 2 楷体_GB2312.
Page numbers: 四号 宋体 "— 1 —", odd pages right and even pages left, one character in.

PCs without the _GB2312 fonts (most new Windows and 信创 machines have 仿宋/楷体 instead)
get a font set of common fonts: ``FontSet.common()``, or any font per role.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

# Sizes of the Chinese type scale.
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_5 = Pt(10.5)  # 五号

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH = Mm(210 - 28 - 26)  # 156 mm
TEXT_HEIGHT = Mm(297 - 37 - 35)  # 225 mm
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# 225 mm / 22 = 28.99 pt; rounded to twips it must round down, or only 21 lines fit (measured).
LINE_PITCH = Twips(int(TEXT_HEIGHT.twips / LINES_PER_PAGE))  # 579 twips = 28.95 pt
# 28 characters must fit in 156 mm (442.2 pt): 15.79 pt each instead of 16 pt. Condense every
# run of the body text (Word's character spacing, in twentieths of a point, rounded down: -0.2 pt
# lets only 27 fit). A character grid (w:docGrid charSpace) would say the same to Word, but
# LibreOffice then gives each character two grid cells (14 a line, measured), so it is not used.
CHAR_PITCH_PT = TEXT_WIDTH.pt / CHARS_PER_LINE
CONDENSE_TWENTIETHS = math.floor((CHAR_PITCH_PT - SIZE_3.pt) * 20)  # -5 = -0.25 pt
FOOTER_DISTANCE = Mm(24)  # page number 7 mm below the text area
HEADER_DISTANCE = Mm(15)

# Style names (ids are derived by Word from these).
TITLE = "报告标题"
BODY = "报告正文"
HEADING1 = "一级标题"
HEADING2 = "二级标题"
SIGNATURE = "落款"
TABLE_TEXT = "表格文字"
PAGE_NUMBER = "页码"
DRAFT = "草稿标记"
GUIDANCE = "填写提示"


@dataclass(frozen=True)
class FontSet:
    """The font of each role; East Asian text uses these, Latin text and digits ``latin``."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"
    table: str = "仿宋_GB2312"
    latin: str = "Times New Roman"

    @classmethod
    def common(cls) -> FontSet:
        """Return fonts every Chinese Windows/WPS installation has (仿宋, 楷体, 宋体, 黑体)."""
        return cls(title="宋体", body="仿宋", heading2="楷体", table="仿宋")

    def with_overrides(self, overrides: dict[str, str]) -> FontSet:
        unknown = set(overrides) - set(self.__dataclass_fields__)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        return replace(self, **overrides)


FONT_ROLES = {
    "title": "标题",
    "body": "正文",
    "heading1": "一级标题",
    "heading2": "二级标题",
    "page_number": "页码",
    "table": "表格",
    "latin": "西文和数字",
}


def set_run_fonts(rpr, east_asia: str, latin: str) -> None:
    """Set the fonts of a run-properties element (w:rPr) for East Asian and Latin text."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


# Elements that follow w:spacing in a w:rPr (the schema fixes the order; Word is strict).
_AFTER_SPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)


def _condense(rpr, twentieths: int) -> None:
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.insert_element_before(spacing, *_AFTER_SPACING)
    spacing.set(qn("w:val"), str(twentieths))


def _paragraph_style(
    document,
    name: str,
    font: str,
    fonts: FontSet,
    size,
    *,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: int = 0,
    bold: bool = False,
    condensed: bool = True,
    exact_pitch: bool = True,
):
    styles = document.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    style.base_style = None
    style.quick_style = True
    style.font.size = size
    style.font.bold = bold
    style.font.name = fonts.latin
    rpr = style.element.get_or_add_rPr()
    set_run_fonts(rpr, font, fonts.latin)
    if condensed:
        _condense(rpr, CONDENSE_TWENTIETHS)
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False
    if exact_pitch:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_PITCH
    if indent_chars:
        pf.first_line_indent = Pt(CHAR_PITCH_PT * indent_chars)
        ind = style.element.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
    return style


def apply_styles(document, fonts: FontSet) -> None:
    """Create (or redefine) every style the report uses, and the document defaults."""
    normal = document.styles["Normal"]
    normal.font.size = SIZE_3
    normal.font.name = fonts.latin
    set_run_fonts(normal.element.get_or_add_rPr(), fonts.body, fonts.latin)
    _paragraph_style(
        document,
        TITLE,
        fonts.title,
        fonts,
        SIZE_2,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        condensed=False,
        exact_pitch=False,
    ).paragraph_format.line_spacing = Pt(LINE_PITCH.pt * 1.2)
    _paragraph_style(document, BODY, fonts.body, fonts, SIZE_3, indent_chars=2)
    h1 = _paragraph_style(document, HEADING1, fonts.heading1, fonts, SIZE_3, indent_chars=2)
    h1.paragraph_format.keep_with_next = True
    h1.element.get_or_add_pPr().append(_outline_level(0))
    h2 = _paragraph_style(document, HEADING2, fonts.heading2, fonts, SIZE_3, indent_chars=2)
    h2.paragraph_format.keep_with_next = True
    h2.element.get_or_add_pPr().append(_outline_level(1))
    sig = _paragraph_style(
        document, SIGNATURE, fonts.body, fonts, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT
    )
    sig.paragraph_format.right_indent = Pt(CHAR_PITCH_PT * 4)
    _paragraph_style(
        document,
        TABLE_TEXT,
        fonts.table,
        fonts,
        SIZE_5,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        condensed=False,
        exact_pitch=False,
    ).paragraph_format.line_spacing = 1.0
    _paragraph_style(
        document,
        PAGE_NUMBER,
        fonts.page_number,
        fonts,
        SIZE_4,
        condensed=False,
        exact_pitch=False,
    )
    draft = _paragraph_style(
        document,
        DRAFT,
        fonts.heading1,
        fonts,
        SIZE_4,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        condensed=False,
        exact_pitch=False,
    )
    draft.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    guidance = _paragraph_style(document, GUIDANCE, fonts.heading2, fonts, SIZE_3, indent_chars=2)
    guidance.font.color.rgb = RGBColor(0x80, 0x80, 0x80)


# What the package says of itself (docProps/app.xml): our name, not python-docx's template's
# "Microsoft Macintosh Word".
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>年报助手 nianbao</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>"
)
# Parts of python-docx's default template that only mislead: its blank-page thumbnail and the
# Word 2010 copy of the styles (stylesWithEffects), which no longer matches styles.xml.
_DROPPED_PARTS = ("/thumbnail", "/stylesWithEffects")
_GB2312_CHARSET = "86"


def finish_package(document, fonts: FontSet) -> None:
    """Make the package Chinese and ours: zh-CN East Asian language and Chinese default fonts
    (text a user adds in the Normal style gets 仿宋, not a Japanese font), a Chinese theme font, the
    report's fonts in the font table, our own app properties, and no leftovers of the default
    template."""
    package = document.part.package
    for rels in (package.rels, document.part.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(_DROPPED_PARTS):
                del rels[r_id]
    styles = document.styles.element
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:eastAsia"), "zh-CN")
    for lang in document.settings.element.iter(qn("w:themeFontLang")):
        lang.set(qn("w:eastAsia"), "zh-CN")  # the template says ja-JP
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    old = rpr.find(qn("w:rFonts"))
    if old is not None:
        rpr.remove(old)
    set_run_fonts(rpr, fonts.body, fonts.latin)
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/theme"):
            _set_blob(rel.target_part, _chinese_theme(rel.target_part.blob.decode("utf-8")))
        elif rel.reltype.endswith("/fontTable"):
            _set_blob(rel.target_part, _font_table(rel.target_part.blob.decode("utf-8"), fonts))
    for rel in package.rels.values():
        if rel.reltype.endswith("/extended-properties"):
            _set_blob(rel.target_part, _APP_XML)


def _set_blob(part, text: str) -> None:
    part._blob = text.encode("utf-8")  # a plain (not XML-parsed) part of python-docx


def _chinese_theme(xml: str) -> str:
    """Return the theme with 宋体 as its East Asian font and no Japanese script fonts."""
    xml = xml.replace('<a:ea typeface=""/>', '<a:ea typeface="宋体"/>')
    return re.sub(r'<a:font script="Jpan" typeface="[^"]*"/>', "", xml)


def _font_table(xml: str, fonts: FontSet) -> str:
    """Return the font table without the template's Japanese fonts and with the report's
    Chinese fonts (GB2312 character set), so that a word processor substitutes sensibly."""
    xml = re.sub(r'<w:font w:name="ＭＳ [^"]*">.*?</w:font>\s*', "", xml, flags=re.S)
    names = dict.fromkeys(
        f
        for f in (
            fonts.title,
            fonts.body,
            fonts.heading1,
            fonts.heading2,
            fonts.table,
            fonts.page_number,
        )
        if f
    )
    entries = "".join(
        f'<w:font w:name="{escape(name)}"><w:charset w:val="{_GB2312_CHARSET}"/>'
        '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        for name in names
        if f'w:name="{escape(name)}"' not in xml
    )
    return xml.replace("</w:fonts>", entries + "</w:fonts>")


def _outline_level(level: int):
    el = OxmlElement("w:outlineLvl")
    el.set(qn("w:val"), str(level))
    return el


def setup_section(section, *, landscape: bool = False) -> None:
    """Give a document section the GB/T 9704 page: A4, margins, header and footer distances."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = MARGIN_TOP
    section.bottom_margin = MARGIN_BOTTOM
    section.left_margin = MARGIN_LEFT
    section.right_margin = MARGIN_RIGHT
    section.footer_distance = FOOTER_DISTANCE
    section.header_distance = HEADER_DISTANCE
    section.gutter = Mm(0)
