"""Numbers in the narrative compared with the tables (rule N-NUMBER).

Published reports are criticised for narrative numbers that contradict their own tables: "全年共
收到政府信息公开申请18件" above a 表三 that says 17, or "无法提供3件" counting only the first of
the three 无法提供 rows. This module finds such statements (claims), reads their numbers (Arabic or
Chinese numerals, 万/千, "20余件", "近百件", "百分之百") and compares each with its table value.

Which wording means which cell is data: ``[[narrative_claims]]`` and ``[narrative_numbers]`` of the
format file (see the comments there). This module only knows how Chinese numbers, sentences and
clauses are written. Precision comes before recall: a statement it cannot place with confidence is
left alone, and a number that agrees with any plausible reading of the tables is not reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from nianbao.workbook_templates import layout as L
from nianbao.workbook_templates.checks import format_number, render
from nianbao.workbook_templates.compute import ZERO, inputs_under, recompute
from nianbao.workbook_templates.fields import Field, resolve
from nianbao.workbook_templates.reader import FilledWorkbook
from nianbao.workbook_templates.spec import CellKey, ClaimReading, ClaimSpec, FormatSpec, RuleKind
from nianbao.workbook_templates.values import CN_CHARS as _CN_CHARS
from nianbao.workbook_templates.values import CN_LARGE as _CN_LARGE
from nianbao.workbook_templates.values import CN_SMALL as _CN_SMALL
from nianbao.workbook_templates.values import chinese_number

from .findings import Finding

__all__ = [
    "Claim",
    "TextBlock",
    "chinese_number",
    "find_claims",
    "number_findings",
    "table_values",
    "text_sheet_findings",
]

KIND = RuleKind.NARRATIVE_NUMBER

# -- How numbers are written around them ----------------------------------------------------------

# Words before a number that make it approximate: more than, less than, about. "上" only before a
# bare 百/千/万 ("上千件"); "几十件", "数百件" are too vague to compare.
_BEFORE = (
    (("超过", "多于", "不少于", "逾"), "above"),
    (("将近", "接近", "不足", "不到", "近"), "below"),
    (("大约", "约"), "about"),
)
_AFTER = ((("以上", "多"), "above"), (("以内", "以下"), "below"), (("左右", "上下"), "about"))
_VAGUE_BEFORE = ("几", "数")
# A Chinese numeral after these is part of a word (第一, 同一, 统一, 每一), not a quantity.
_NOT_A_NUMBER_AFTER_CN = tuple("第每同唯统单逐")
# "一件事", "份额": the unit character starts another word.
_UNIT_WORDS = {"件": "事", "份": "额"}

# Sentences end at these (after folding full-width forms); clauses also at the second set.
_SENTENCE_ENDS = frozenset("。!?;\n")
_CLAUSE_ENDS = _SENTENCE_ENDS | frozenset(",、:()[]【】〔〕")
# Between an enumerating word and the keyword it introduces ("其中：依法予以公开").
_FILLER = re.compile(r"^(?:[\s,:、]|本年度|本年|全年|共计|共|计|有|为|已|是|了|依法|的|结果|被)*$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")
_DISTRIBUTIVE = ("各", "均为", "均")


@cache
def _fold_char(ch: str) -> str:
    n = unicodedata.normalize("NFKC", ch)
    return n if len(n) == 1 else ch


def _fold(text: str) -> str:
    """Return text with full-width forms folded (，→, ％→% ８→8), one character for one."""
    return "".join(map(_fold_char, text))


@dataclass(frozen=True)
class _Grammar:
    """A format's word lists, folded and compiled once."""

    number: re.Pattern
    money_units: dict[str, int]
    enumerating: tuple[str, ...]
    narrowing: tuple[str, ...]
    skip: tuple[str, ...]
    exclude: tuple[str, ...]
    topics: tuple[tuple[str, tuple[str, ...]], ...]
    keywords: re.Pattern  # every claim's keyword, longest first (masked before `skip`)
    claims: tuple[ClaimSpec, ...]  # the spec's claims, their words folded
    all_keywords: tuple[str, ...] = ()  # every claim's keyword, once
    joining: tuple[str, ...] = ()  # words that join two keywords into a sum phrase
    joined_what: str = ""  # {first} {second}: what a sum phrase states


def _words(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(_fold(v) for v in values if v)


@cache
def _grammar(spec: FormatSpec) -> _Grammar:
    words = spec.narrative_numbers
    counts = _words(words.count_units)
    money = {_fold(u): f for u, f in words.money_units}
    units = sorted((*counts, *money), key=len, reverse=True)
    unit_re = "|".join(re.escape(u) for u in units) or "(?!)"
    number = re.compile(
        rf"百分之(?P<pct>\d+(?:\.\d+)?|[{_CN_CHARS}]+)"
        rf"|(?:(?<![\d.A-Za-z])(?P<ar>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
        rf"(?P<mul>[万千百亿]?)|(?P<cn>[{_CN_CHARS}]+))"
        rf"(?P<approx>余|多)?(?P<unit>%|{unit_re})"
    )
    keywords = sorted({_fold(k) for c in spec.claims for k in c.keywords}, key=len, reverse=True)
    claims = tuple(
        replace(
            c,
            keywords=_words(c.keywords),
            near=_words(c.near),
            not_near=_words(c.not_near),
            context=_words(c.context),
            exclude=_words(c.exclude),
        )
        for c in spec.claims
    )
    return _Grammar(
        number=number,
        money_units=money,
        enumerating=_words(words.enumerating),
        narrowing=_words(words.narrowing),
        skip=_words(words.skip),
        exclude=_words(words.exclude),
        topics=tuple((t, _words(ws)) for t, ws in words.topics),
        keywords=re.compile("|".join(re.escape(k) for k in keywords) or "(?!)"),
        claims=claims,
        all_keywords=tuple(keywords),
        joining=_words(words.joining),
        joined_what=words.joined_what,
    )


# -- Finding the claims ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A number the narrative states, and the kind of statement (claim) it belongs to."""

    spec: ClaimSpec
    number: Decimal  # a count, an amount in 元, or a percentage
    written: str  # as written, with its unit: "18件", "20余件", "100%"
    approx: str  # "" (exact), "above", "below" or "about"
    scope: str  # a word that narrows what the number counts (其中, 涉及 …), or ""
    excerpt: str  # the sentence, trimmed around the number


@dataclass(frozen=True)
class _Number:
    value: Decimal
    unit: str  # "count", "money" or "percent"
    approx: str
    start: int  # where the number (with a word that makes it approximate) starts
    end: int  # where its unit (and a following 以上/左右) ends


def _parse(g: _Grammar, m: re.Match, text: str) -> _Number | None:
    """Return the number a match stands for, or None when it is no quantity."""
    start, end = m.start(), m.end()
    unit = m.group("unit")
    before = text[max(0, start - 3) : start]
    cn = m.group("cn") or m.group("pct")
    if cn is not None and not cn[0].isdigit():
        if before.endswith(_NOT_A_NUMBER_AFTER_CN) or before.endswith(_VAGUE_BEFORE):
            return None
        value: Decimal | int | None = chinese_number(cn)
    elif m.group("pct") is not None:
        value = Decimal(m.group("pct"))
    else:
        value = Decimal(m.group("ar").replace(",", ""))
        if m.group("mul"):
            value *= _CN_SMALL.get(m.group("mul")) or _CN_LARGE[m.group("mul")]
    if value is None or text[end : end + 1] == _UNIT_WORDS.get(unit, "\0"):
        return None
    if m.group("pct") is not None or unit == "%":
        kind = "percent"
    elif unit in g.money_units:
        kind, value = "money", Decimal(value) * g.money_units[unit]
    else:
        kind = "count"
    approx = "above" if m.group("approx") else ""
    if cn in ("百", "千", "万") and before.endswith("上"):
        approx, start = "above", start - 1
    else:
        for words, what in _BEFORE:
            word = next((w for w in words if before.endswith(w)), None)
            if word:
                approx, start = approx or what, start - len(word)
                break
    for words, what in _AFTER:
        word = next((w for w in words if text.startswith(w, end)), None)
        if word:
            approx, end = approx or what, end + len(word)
            break
    return _Number(Decimal(value), kind, approx, start, end)


def _spans(text: str, covered: set[int], ends: frozenset[str]) -> list[tuple[int, int]]:
    """Return the spans between delimiters (ignoring delimiters inside numbers: 1,234)."""
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch in ends and i not in covered:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def _span_at(spans: list[tuple[int, int]], pos: int) -> int:
    return next(i for i, (a, b) in enumerate(spans) if a <= pos <= b)


def _last(text: str, words: Iterable[str]) -> tuple[int, str] | None:
    """Return the word of ``words`` that ends last in ``text``, with its position."""
    best = None
    for w in words:
        i = text.rfind(w)
        if i >= 0 and (best is None or i + len(w) > best[0] + len(best[1])):
            best = (i, w)
    return best


def _topic(g: _Grammar, text: str) -> str:
    """Return the topic (行政复议/行政诉讼) named last in ``text``, or ""."""
    best, end = "", -1
    for topic, words in g.topics:
        hit = _last(text, words)
        if hit and hit[0] + len(hit[1]) > end:
            best, end = topic, hit[0] + len(hit[1])
    return best


def _mask(text: str, words: re.Pattern) -> str:
    return words.sub(lambda m: "□" * len(m.group()), text)


def _lead(g: _Grammar, before: str) -> str:
    """Return the enumerating word a clause follows ("其中，" before "县本级受理…"), or ""."""
    stripped = before.rstrip(" ,:、")
    return next((w for w in g.enumerating if stripped.endswith(w)), "")


def _scope(g: _Grammar, head: str, kw_start: int, kw_end: int, lead: str) -> str:
    """Return the word that narrows what the number counts, or "" (see the format file)."""
    for w in g.narrowing:
        i = head.find(w)
        if i >= 0 and not (kw_start <= i < kw_end):
            return w
    if lead and not _FILLER.match(head[:kw_start]):
        return lead
    for w in g.enumerating:
        for m in re.finditer(re.escape(w), head):
            i = m.start()
            if kw_start <= i < kw_end:
                continue
            if i >= kw_end or not _FILLER.match(head[i + len(w) : kw_start]):
                return w
    return ""


def _excerpt(text: str, sentence: tuple[int, int], clause: tuple[int, int], limit: int = 60) -> str:
    """Return the sentence, or the part of it around the clause when it is long."""
    a, b = sentence
    while a < b and text[a].isspace():
        a += 1
    if b - a <= limit:
        return text[a:b].strip()
    side = max(8, (limit - (clause[1] - clause[0])) // 2)
    left, right = max(a, clause[0] - side), min(b, clause[1] + side)
    return ("…" if left > a else "") + text[left:right].strip() + ("…" if right < b else "")


def find_claims(
    spec: FormatSpec, text: str, *, heading: str = "", year: int | None = None
) -> list[Claim]:
    """Return the claims a text (one paragraph or 正文 cell) makes, in order.

    ``heading`` is the text above it (section title, sub-head) that tells what it is about;
    ``year`` the report year (a sentence about another year is not compared).
    """
    g = _grammar(spec)
    if not spec.claims:
        return []
    folded = _fold(text)
    matches = list(g.number.finditer(folded))
    if not matches:
        return []
    covered = {i for m in matches for i in range(m.start(), m.end())}
    sentences = _spans(folded, covered, _SENTENCE_ENDS)
    clauses = _spans(folded, covered, _CLAUSE_ENDS)
    heading = _fold(heading)
    claims: list[Claim] = []
    for index, m in enumerate(matches):
        number = _parse(g, m, folded)
        if number is None:
            continue
        si = _span_at(sentences, m.start())
        s0, s1 = sentences[si]
        c0, c1 = clauses[_span_at(clauses, m.start())]
        previous = [p.end() for p in matches[:index] if c0 <= p.end() <= number.start]
        head_start = max([c0, *previous])
        following = [n.start() for n in matches[index + 1 :] if n.start() < c1]
        tail_end = min([c1, *following])
        head = folded[head_start : number.start]
        clause = folded[c0:c1]
        distributive = head.rstrip().endswith(_DISTRIBUTIVE)
        lead = _lead(g, folded[s0:head_start]) if head_start == c0 else ""
        before = folded[sentences[si - 1][0] : sentences[si - 1][1]] if si else ""
        owners = _owners(g, number.unit, head, clause, folded[s0:head_start], distributive)
        for claim, kw_start, kw_end in owners:
            if not _compared(
                g,
                claim,
                year,
                context=(heading, before, folded[s0:c1]),
                region=folded[head_start:tail_end],
                years=folded[s0 : number.start],
            ):
                continue
            claims.append(
                Claim(
                    spec=claim,
                    number=number.value,
                    written=text[number.start : number.end].strip(),
                    approx=number.approx,
                    scope=_scope(g, head, kw_start, kw_end, lead),
                    excerpt=_excerpt(text, (s0, s1), (c0, c1)),
                )
            )
    return claims


def _owners(
    g: _Grammar,
    unit: str,
    head: str,
    clause: str,
    earlier: str,
    distributive: bool,
) -> Iterator[tuple[ClaimSpec, int, int]]:
    """Yield the claim(s) owning a number and where their keyword is in the head.

    ``head`` is the clause before the number, ``earlier`` the sentence before the head.
    """
    # Most claims have none of their keywords in the head: find the present ones once.
    present = {k for k in g.all_keywords if k in head}
    if not present:
        return
    for claim in g.claims:
        if claim.unit != unit or present.isdisjoint(claim.keywords):
            continue
        hit = _last(head, claim.keywords)
        if hit is None:
            continue
        if claim.topic and _topic(g, earlier + head[: hit[0]]) != claim.topic:
            continue
        if claim.near and not any(w in clause for w in claim.near):
            continue
        if any(w in clause for w in claim.not_near):
            continue
        joined = _joined(g, claim, earlier + head[: hit[0]])
        if joined is not None:
            claim = joined
        yield claim, hit[0], hit[0] + len(hit[1])
        if not distributive:
            return


def _joined(g: _Grammar, claim: ClaimSpec, before: str) -> ClaimSpec | None:
    """Return the claim of a sum phrase ("予以公开及部分公开258件": both rows together) when
    ``before`` (the text up to the claim's keyword) ends with another claim's keyword and a
    joining word; None when it does not."""
    stripped = before.rstrip()
    joiner = next((j for j in g.joining if stripped.endswith(j)), None)
    if joiner is None or not claim.readings or claim.readings[0].per:
        return None
    rest = stripped[: -len(joiner)].rstrip()
    for other in g.claims:
        if other is claim or other.unit != claim.unit or not other.readings:
            continue
        if other.readings[0].per or other.topic != claim.topic:
            continue
        if any(rest.endswith(k) for k in other.keywords):
            return ClaimSpec(
                code=f"{other.code}+{claim.code}",
                what=render(g.joined_what, {"first": other.what, "second": claim.what}),
                unit=claim.unit,
                keywords=claim.keywords,
                readings=(ClaimReading(other.readings[0].sum + claim.readings[0].sum),),
                topic=claim.topic,
            )
    return None


def _compared(
    g: _Grammar,
    claim: ClaimSpec,
    year: int | None,
    *,
    context: tuple[str, str, str],
    region: str,
    years: str,
) -> bool:
    """Return whether a claim's number is compared: its context is there, no excluding word,
    no skip word, no other year.

    ``context`` is the heading, the sentence before and this sentence up to the clause's end;
    ``region`` the clause around the number; ``years`` the sentence before the number.
    """
    if claim.context and not any(w in t for w in claim.context for t in context):
        return False
    if any(w in context[2] for w in (*g.exclude, *claim.exclude)):
        return False
    masked = _mask(region, g.keywords)
    if any(w in masked for w in g.skip):
        return False
    named = _YEAR.findall(years)
    return year is None or not named or int(named[-1]) == year


# -- Comparing with the tables --------------------------------------------------------------------


def table_values(wb: FilledWorkbook) -> dict[CellKey, Decimal | None]:
    """Return every value cell recomputed from the inputs; None where an input under it is blank
    or not a number, and for tables that could not be read."""
    spec = wb.spec
    inputs = {k: v for k, v in wb.values().items() if k.table not in wb.unreadable_tables}
    totals = recompute(spec, {k: v for k, v in inputs.items() if v is not None})
    values: dict[CellKey, Decimal | None] = dict(inputs)
    for key, total in totals.items():
        known = key.table not in wb.unreadable_tables and all(
            inputs.get(k) is not None for k in inputs_under(spec, key)
        )
        values[key] = total if known else None
    return values


def _field(spec: FormatSpec, name: str) -> Field:
    """Return the field of a claim's reading (the loader checked that every one resolves)."""
    field = resolve(spec, name)
    assert field is not None, name
    return field


def _keys(spec: FormatSpec, names: tuple[str, ...]) -> tuple[CellKey, ...]:
    return tuple(k for name in names for k in _field(spec, name).keys)


def _sum(keys: tuple[CellKey, ...], values: Mapping[CellKey, Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for key in keys:
        value = values.get(key)
        if value is None:
            return None
        total += value
    return total


def reading_value(
    spec: FormatSpec, reading: ClaimReading, values: Mapping[CellKey, Decimal | None]
) -> Decimal | None:
    """Return a reading's value (a percentage for readings with ``per``), None when unknown."""
    total = _sum(_keys(spec, reading.sum), values)
    if total is None or not reading.per:
        return total
    base = _sum(_keys(spec, reading.per), values)
    if not base:
        return None
    return total * 100 / base


def _agrees(claim: Claim, value: Decimal) -> bool:
    n = claim.number
    if claim.approx == "above":
        return n <= value < 2 * n or n == 0
    if claim.approx == "below":
        return n / 2 <= value <= n
    if claim.approx == "about":
        return n / 2 <= value <= 2 * n
    if claim.spec.unit == "percent":
        exponent = n.as_tuple().exponent
        step = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
        return abs(value - n) <= step / 2 or n <= value < n + step
    return value == n


def _in_cell_unit(claim: Claim) -> Decimal:
    """Return the claim's number in the unit of its cells (money: 元 → 万元)."""
    return claim.number / 10_000 if claim.spec.unit == "money" else claim.number


@dataclass(frozen=True)
class Mismatch:
    """A claim whose number agrees with none of its readings of the tables."""

    claim: Claim
    expected: Decimal  # the first reading's value (a percentage for percent claims)
    keys: tuple[CellKey, ...]  # the first reading's cells (numerator, then denominator)
    at_least: bool = False  # ``expected`` is only what the known cells hold (others unknown)


def _known_part(
    spec: FormatSpec, reading: ClaimReading, values: Mapping[CellKey, Decimal | None]
) -> Decimal | None:
    """Return what the known cells of a count or money reading add up to (a lower bound of
    its value, since such cells are never negative); None for rates. A total left unknown
    counts with its known inputs: a published 表三 whose 总计 column is blank still has its
    applicant columns."""
    if reading.per:
        return None
    total = ZERO
    for key in _keys(spec, reading.sum):
        value = values.get(key)
        cells = (key,) if value is not None else inputs_under(spec, key)
        total += sum((v for k in cells if (v := values.get(k)) is not None), ZERO)
    return total


def _at_most(claim: Claim) -> Decimal | None:
    """Return the largest value the claim's number allows ("超过 N": no limit)."""
    n = claim.number
    if claim.approx == "above":
        return None
    if claim.approx == "about":
        return 2 * n
    return n


def compare(
    spec: FormatSpec, claim: Claim, values: Mapping[CellKey, Decimal | None]
) -> Mismatch | None:
    """Return the mismatch of a claim with the tables, or None (agrees, or cannot be told)."""
    readings = [reading_value(spec, r, values) for r in claim.spec.readings]
    found = [v for v in readings if v is not None]
    number = _in_cell_unit(claim)
    probe = Claim(claim.spec, number, claim.written, claim.approx, claim.scope, claim.excerpt)
    if len(found) < len(readings):
        # Some cells are unknown: the number is still wrong when it is below what the known
        # cells of every reading already add up to.
        limit = _at_most(probe)
        if claim.spec.unit == "percent" or limit is None:
            return None
        known = [_known_part(spec, r, values) for r in claim.spec.readings]
        if any(k is None or k <= limit for k in known):
            return None
        first = claim.spec.readings[0]
        return Mismatch(claim, known[0] or ZERO, _keys(spec, first.sum), at_least=True)
    if not found:
        return None
    if any(_agrees(probe, v) for v in found):
        return None
    first = claim.spec.readings[0]
    return Mismatch(claim, found[0], _keys(spec, first.sum) + _keys(spec, first.per))


# -- Findings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """A piece of narrative to check: where it is (for the message), its heading, its text."""

    place: str
    heading: str
    text: str


def _refs(spec: FormatSpec, keys: tuple[CellKey, ...]) -> str:
    """Return "表三!J12:J19" for a run of cells down one column, else the cells joined by ＋."""
    cells = [L.table_layout(spec.table(k.table)).cell(k) for k in keys]
    sheets = {spec.table(k.table).sheet for k in keys}
    rows = [c.row for c in cells]
    if (
        len(keys) > 1
        and len(sheets) == 1
        and len({c.col for c in cells}) == 1
        and rows == list(range(rows[0], rows[0] + len(rows)))
    ):
        first, last = cells[0], cells[-1]
        return f"{sheets.pop()}!{L.a1(first.row, first.col)}:{L.a1(last.row, last.col)}"
    return "＋".join(L.display_ref(spec, k) for k in keys)


def _shared(paths: list[tuple[str, ...]]) -> str:
    """Return the last label a group of rows or columns shares (a group heading), or ""."""
    common = ""
    for parts in zip(*paths, strict=False):
        if len(set(parts)) > 1:
            break
        common = parts[0]
    return common


def _term(spec: FormatSpec, name: str) -> tuple[str, str]:
    """Return the official row and column labels of a field (one cell, or a group of cells)."""
    keys = _field(spec, name).keys
    table = spec.table(keys[0].table)
    rows = [table.row(k.row) for k in keys]
    if len({r.code for r in rows}) == 1:
        row = rows[0].short if rows[0].path else ""
    else:
        row = _shared([r.path for r in rows])
    columns = [table.column(k.row, k.col) for k in keys]
    names = {c.name for c in columns}
    column = names.pop() if len(names) == 1 else _shared([c.path for c in columns])
    return row, column


def _join(*parts: str) -> str:
    return "·".join(p for p in parts if p)


def _describe(spec: FormatSpec, reading: ClaimReading) -> tuple[str, str, str]:
    """Return a reading's label for the message, and its row and column labels."""
    top = [_term(spec, n) for n in reading.sum]
    bottom = [_term(spec, n) for n in reading.per]
    if not bottom and len(top) == 1:
        row, column = top[0]
        return _join(row, column), row, column
    columns = {c for _, c in top + bottom}
    if len(columns) == 1 and all(r for r, _ in top + bottom):
        column = columns.pop()

        def side(terms):
            return "＋".join(r for r, _ in terms)
    else:
        column = ""

        def side(terms):
            return "＋".join(_join(r, c) for r, c in terms)

    row = side(top)
    if bottom:
        below = side(bottom)
        row = f"{row}÷{'（' + below + '）' if len(bottom) > 1 else below}×100%"
    label = f"{row}（{column}列）" if column and bottom else _join(row, column)
    return label, row, column


def _shown(claim: Claim, value: Decimal) -> str:
    if claim.spec.unit == "percent":
        return f"{format_number(value.quantize(Decimal('0.1')))}%"
    if claim.spec.unit == "money":
        return f"{format_number(value)}万元"
    return format_number(value)


def mismatch_findings(spec: FormatSpec, mismatch: Mismatch, place: str) -> list[Finding]:
    """Return the N-NUMBER finding(s) of a mismatch, pinned to the (first) table cell."""
    claim = mismatch.claim
    first = mismatch.keys[0]
    table = spec.table(first.table)
    reading = claim.spec.readings[0]
    label, row, column = _describe(spec, reading)
    cells = tuple(L.display_ref(spec, k) for k in mismatch.keys)
    refs = _refs(spec, _keys(spec, reading.sum))
    if reading.per:
        refs = f"{refs} ÷ {_refs(spec, _keys(spec, reading.per))}"
    expected = mismatch.expected
    if claim.spec.unit == "percent":
        expected = expected.quantize(Decimal("0.1"))
    args = {
        "place": place,
        "excerpt": claim.excerpt,
        "claim": claim.spec.what,
        "actual": claim.written,
        "expected": render(spec.narrative_numbers.at_least, {"value": _shown(claim, expected)})
        if mismatch.at_least
        else _shown(claim, expected),
        "table": table.name,
        "table_title": table.title,
        "sheet": table.sheet,
        "cell": refs,
        "row": label,
        "column": column,
        "scope": claim.scope,
    }
    actual: Decimal | str = _in_cell_unit(claim) if not claim.approx else claim.written
    findings = []
    for rule in spec.rules_of_kind(KIND):
        template = rule.hedged if claim.scope and rule.hedged else rule.message
        findings.append(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                text=render(template, args),
                action=render(rule.action, args),
                sheet=table.sheet,
                cell=L.a1(*_position(spec, first)),
                table=table.name,
                row=row,
                column=column,
                expected=expected,
                actual=actual,
                cells=cells,
                key=first if len(mismatch.keys) == 1 else None,
                pack=rule.pack,
            )
        )
    return findings


def _position(spec: FormatSpec, key: CellKey) -> tuple[int, int]:
    cell = L.table_layout(spec.table(key.table)).cell(key)
    return cell.row, cell.col


def number_findings(
    spec: FormatSpec,
    blocks: Iterable[TextBlock],
    values: Mapping[CellKey, Decimal | None],
    *,
    year: int | None = None,
) -> list[Finding]:
    """Return the N-NUMBER findings of narrative text blocks against table values."""
    if not spec.rules_of_kind(KIND):
        return []
    findings: list[Finding] = []
    for block in blocks:
        for claim in find_claims(spec, block.text, heading=block.heading, year=year):
            mismatch = compare(spec, claim, values)
            if mismatch is not None:
                findings += mismatch_findings(spec, mismatch, block.place)
    return findings


def text_sheet_blocks(wb: FilledWorkbook) -> list[TextBlock]:
    """Return the workbook's 正文 cells as text blocks (the cell label is the heading)."""
    spec = wb.spec
    titles = {s.code: s.title for s in spec.sections}
    return [
        TextBlock(f"「{cell.label}」", f"{titles.get(cell.section, '')} {cell.label}", text)
        for cell in spec.text_cells
        if (text := wb.texts.get(cell.code, "")).strip()
    ]


def text_sheet_findings(wb: FilledWorkbook) -> list[Finding]:
    """Return the N-NUMBER findings of the workbook's own 正文 sheet."""
    if not wb.texts:
        return []
    return number_findings(wb.spec, text_sheet_blocks(wb), table_values(wb), year=wb.year)


def same_finding_key(f: Finding) -> tuple:
    """Return what makes two N-NUMBER findings the same problem (cell, text number, value)."""
    return (f.rule, f.sheet, f.cell, str(f.actual), str(f.expected))
