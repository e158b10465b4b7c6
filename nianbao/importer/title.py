"""The year and the unit a published report names in its title, and the kind its unit is of.

Titles come in a few shapes (the spec's [import] ``title_shapes``): the unit before or after the
year, the year with 年度, 年 or nothing after it, and one of the report names ("……政府信息公开工作
年度报告", "……年度报告" without 工作 ...); a title without a year still names the unit. Copies
break them: the unit on a line of its own, the title cut after the year or before "年度报告",
spaces between the characters, 《》 around it, a web page's "标题：" before it. So the first lines
of the report are tried one at a time and then joined by twos and threes; a title that names no
unit takes the short line above it as the unit when that line is a name. The kind is told by how
the unit's name ends (``kind_suffixes``), unless the name shows a unit above a county (a province
or a prefecture-level city, ``formats/places.toml``), which is of no kind the program has.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from nianbao.converters.document import BODY, LIST_ITEM, Paragraph
from nianbao.workbook_templates.loader import FORMATS_DIR
from nianbao.workbook_templates.spec import FormatSpec
from nianbao.workbook_templates.values import chinese_number

_LOOK_AT = 60  # the title is among the first lines (after a web page's navigation)
_LINE_MAX = 60  # a title line is short
_JOIN_MAX = 3  # a title is broken over at most three lines
_UNIT_MAX = 40
_FIRST_YEAR, _LAST_YEAR = 2000, 2099
_YEAR = r"(?:(?:19|20)\d\d|[〇零一二三四五六七八九]{4})"
_UNIT = rf"[^\s。：:，,；;！!？?>›»|/\\\d]{{2,{_UNIT_MAX}}}?"
_WRAPPERS = "《》「」“”\"'<>〈〉【】"
_SENTENCE = re.compile(r"[。：:；;！!？?]")
_NAME_LINE = re.compile(r"^[\u4e00-\u9fff()（）]{2,30}$")  # a unit's name on a line of its own


@dataclass(frozen=True)
class Title:
    """The report's title: its year (None when it names none) and unit ("" when it names none)."""

    year: int | None
    unit: str
    text: str


def _squeezed(text: str) -> str:
    """Return a line in the form titles are matched in: NFKC, no spaces, no wrappers."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"^#+", "", text.strip())  # a Markdown heading
    return re.sub(r"\s+", "", text).strip(_WRAPPERS)


@cache
def _patterns(
    spec: FormatSpec, with_unit: bool, with_year: bool, in_sentence: bool = False
) -> tuple[re.Pattern, ...]:
    """Return the spec's title shapes (or, ``in_sentence``, the shapes of a title inside a
    sentence) as regexes with groups ``unit`` and ``year``; without the unit, or without the year,
    when told so."""
    words = spec.import_text
    names = "|".join(re.escape(_squeezed(n)) for n in sorted(words.report_names, key=len)[::-1])
    years = "|".join(re.escape(w) for w in sorted(words.year_words, key=len)[::-1])
    labels = "|".join(re.escape(_squeezed(label)) for label in words.title_labels)
    parts = {
        "{unit}": f"(?P<unit>{_UNIT})" if with_unit else "",
        "{year}": f"(?P<year>{_YEAR})(?:{years})" if with_year else "",
        "{name}": f"(?P<name>{names})",
    }
    out = []
    for shape in words.title_sentences if in_sentence else words.title_shapes:
        pieces = re.split(r"(\{unit\}|\{year\}|\{name\})", shape)
        pattern = "".join(parts.get(piece, re.escape(piece)) for piece in pieces if piece)
        if labels and not in_sentence:
            pattern = f"(?:(?:{labels})[:：]?)?{pattern}"
        out.append(re.compile(pattern))
    return tuple(out)


def _year(text: str) -> int | None:
    value = int(text) if text.isdigit() else chinese_number(text)
    if value is None or not _FIRST_YEAR <= value <= _LAST_YEAR:
        return None
    return value


def _match(specs: tuple[FormatSpec, ...], text: str) -> tuple[int | None, str] | None:
    """Return (year, unit) when a text is a title: the unit "" when it names none, the year None
    when it names none ("驼峰路街道办事处政府信息公开工作年度报告" still names its unit)."""
    squeezed = _squeezed(text)
    for with_unit, with_year in ((True, True), (False, True), (True, False)):
        for spec in specs:
            for pattern in _patterns(spec, with_unit, with_year):
                m = pattern.fullmatch(squeezed)
                if m is None:
                    continue
                year = _year(m.group("year")) if with_year else None
                if (with_year and year is None) or (with_unit and _is_name_part(spec, m)):
                    continue
                return year, m.group("unit").strip(_WRAPPERS) if with_unit else ""
    return None


def _is_name_part(spec: FormatSpec, m: re.Match) -> bool:
    """Return True when the "unit" a shape found is the start of a report name ("2023政府信息公开
    工作年度报告": 政府 + 信息公开工作年度报告), not a unit."""
    name = m.groupdict().get("name") or ""
    names = {_squeezed(n) for n in spec.import_text.report_names}
    return bool(name) and _squeezed(m.group("unit") + name) in names


def _line(paragraph: Paragraph) -> str:
    if paragraph.kind not in (BODY, LIST_ITEM):
        return ""
    text = paragraph.text.strip()
    if len(text) > _LINE_MAX:
        return ""
    return text


def _is_name(text: str) -> bool:
    return bool(_NAME_LINE.match(_squeezed(text)))


def find_title(paragraphs: Iterable[Paragraph], specs: Iterable[FormatSpec]) -> Title | None:
    """Return the report's title from its first lines, or None when no line reads as one."""
    specs = tuple(specs)
    lines = [_line(p) for p in list(paragraphs)[:_LOOK_AT]]
    found: list[tuple[bool, bool, int, Title]] = []  # (no year, no unit, lines joined, title)
    for i, line in enumerate(lines):
        if not line:
            continue
        for k in range(1, _JOIN_MAX + 1):
            part = lines[i : i + k]
            if len(part) < k or not all(part) or any(_SENTENCE.search(t) for t in part[1:]):
                break
            joined = "".join(part)
            match = _match(specs, joined)
            if match is None:
                continue
            year, unit = match
            if not unit and i > 0 and lines[i - 1] and _is_name(lines[i - 1]):
                unit = _squeezed(lines[i - 1])  # the unit on the line above the title
            found.append((year is None, not unit, k, Title(year, unit, joined)))
            break
    best = min(found, key=lambda f: f[:3]) if found else None  # stable: the first of the best
    if best is None or best[0] or best[1]:
        said = _title_in_a_sentence(specs, paragraphs)
        if said is not None and (best is None or (said.year, said.unit) >= (best[3].year, "")):
            return said if best is None else _merged(best[3], said)
    return best[3] if best is not None else None


def _merged(title: Title, said: Title) -> Title:
    """Return a title line's year and unit, each filled in from a sentence when it lacks one."""
    return Title(title.year or said.year, title.unit or said.unit, title.text)


def _title_in_a_sentence(specs: tuple[FormatSpec, ...], paragraphs) -> Title | None:
    """Return the year and unit of a report that names itself in its opening sentences ("现公布
    建平县人民政府2025年政府信息公开工作年度报告"), for a copy without a title line."""
    for paragraph in list(paragraphs)[:_LOOK_AT]:
        if paragraph.kind not in (BODY, LIST_ITEM):
            continue
        text = _squeezed(paragraph.text)
        for spec in specs:
            for pattern in _patterns(spec, True, True, in_sentence=True):
                m = pattern.search(text)
                if m is None or (year := _year(m.group("year"))) is None or _is_name_part(spec, m):
                    continue
                return Title(year, m.group("unit").strip(_WRAPPERS), m.group(0))
    return None


def infer_kind(spec: FormatSpec, unit: str) -> tuple[str, str] | None:
    """Return (kind, the ending it was told by) for a unit's name, or None when none fits."""
    name = _squeezed(unit)
    best: tuple[str, str] | None = None
    for kind, endings in spec.import_text.kind_suffixes:
        for ending in endings:
            fits = name.endswith(ending) and len(name) > len(ending)
            if fits and (best is None or len(ending) > len(best[1])):
                best = (kind, ending)
    return best


@dataclass(frozen=True)
class _Places:
    levels: tuple[tuple[str, str], ...]  # (place, level), longest place first
    county: re.Pattern[str]


@cache
def _places() -> _Places:
    data = tomllib.loads((FORMATS_DIR / "places.toml").read_text(encoding="utf-8"))
    pairs = [(place, level) for level, places in data["levels"].items() for place in places]
    pairs.sort(key=lambda pair: -len(pair[0]))
    return _Places(tuple(pairs), re.compile(data["county_place"]))


def upper_level(unit: str) -> tuple[str, str] | None:
    """Return (省级 or 市级, the place it was told by) when a unit's name starts with a
    province's or a prefecture-level city's name and names no county-level place after it
    (上海市科学技术委员会, 淮安市人民政府); None for any other name (淮安市洪泽区人民政府,
    五常市背荫河镇, 沭阳县发展和改革局)."""
    places = _places()
    rest, found = _squeezed(unit), None
    for _ in range(2):  # a province, then a city in it
        place = next(((p, lv) for p, lv in places.levels if rest.startswith(p)), None)
        if place is None or len(rest) == len(place[0]):
            break
        rest, found = rest[len(place[0]) :], place
    if found is None or places.county.match(rest):
        return None
    return found[1], found[0]
