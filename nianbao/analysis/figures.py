"""``nianbao trends``: the key figures of each unit and year (pandas), and what stands out.

The figures, the thresholds and the sentence that explains each flag are the format's data
(``[analysis]`` of ``formats/format_*.toml``); figures are read through the narrative's field
names, so nothing here knows a cell. Three kinds of flag:

* a jump: a figure at least ``jump_ratio`` times last year's, or at most its 1/``jump_ratio``
  (the larger of the two at least ``jump_min``; from 0 to at least ``jump_min`` too);
* a peer outlier: a unit beyond the ``peer_low``–``peer_high`` quantile band of the units of its
  kind in that year by more than ``peer_fence`` band widths (a band of width 0 says nothing);
* a carry that never clears: ``carry_figure`` above 0 in every year of the unit, at least
  ``carry_min_years`` consecutive years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd

from nianbao.workbook_templates.compute import inputs_under, recompute
from nianbao.workbook_templates.fields import resolve
from nianbao.workbook_templates.spec import AnalysisText, CellKey, FigureSpec, FormatSpec
from nianbao.workbook_templates.values import normalize_label

from .sources import LEVEL_WHOLE, Record

UNIT_COLUMNS = ("unit_id", "unit", "kind", "level", "year")


@dataclass(frozen=True)
class Flag:
    """One thing that stands out: whose, which year and figure, the sentence, the numbers."""

    unit_id: str
    unit: str
    kind: str
    level: str
    year: int
    figure: str  # the figure's code
    figure_name: str
    what: str  # jump_up, jump_down, jump_from_zero, peer_above, peer_below, carry
    sentence: str
    numbers: str  # the numbers behind it, e.g. "2024年 3；2025年 18"


@dataclass
class Analysis:
    text: AnalysisText  # of the latest year's format: names, sentences, sheet names
    figures: tuple[FigureSpec, ...]
    years: list[int]
    units: list[tuple[str, str, str, str]]  # (unit_id, unit, kind, level), wholes first
    frame: pd.DataFrame  # one row per unit and year: UNIT_COLUMNS, then one column per figure
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _FigurePlan:
    code: str
    sum: tuple[CellKey, ...]
    per: tuple[CellKey, ...]
    inputs: frozenset[CellKey]  # the input cells it stands on (an unknown one makes it unknown)


@cache
def _plans(spec: FormatSpec) -> tuple[_FigurePlan, ...]:
    def keys(names: tuple[str, ...]) -> tuple[CellKey, ...]:
        found: list[CellKey] = []
        for name in names:
            f = resolve(spec, name)
            if f is not None:  # the loader checked every name
                found.extend(f.keys)
        return tuple(found)

    plans = []
    for fig in spec.analysis.figures:
        s, p = keys(fig.sum), keys(fig.per)
        inputs = frozenset(i for k in (*s, *p) for i in inputs_under(spec, k))
        plans.append(_FigurePlan(fig.code, s, p, inputs))
    return tuple(plans)


def record_figures(record: Record) -> dict[str, float]:
    """Return a record's key figures by code (NaN: unknown, or a share of nothing)."""
    spec = record.spec
    values = {k: v for k, v in record.values.items() if k not in record.unknown}
    full: dict[CellKey, Decimal | None] = {**values, **recompute(spec, values)}
    out: dict[str, float] = {}
    for plan in _plans(spec):
        if plan.inputs & record.unknown:
            out[plan.code] = np.nan
            continue
        total = sum((full.get(k) or Decimal(0) for k in plan.sum), Decimal(0))
        if plan.per:
            base = sum((full.get(k) or Decimal(0) for k in plan.per), Decimal(0))
            out[plan.code] = float(total / base) if base else np.nan
        else:
            out[plan.code] = float(total)
    return out


def _unit_id(record: Record) -> str:
    return f"{record.level}:{normalize_label(record.unit)}"


def _frame(records: list[Record], notes: list[str]) -> pd.DataFrame:
    """Return one row per unit and year (the first record of a unit and year wins)."""
    seen: dict[tuple[str, int], Record] = {}
    rows = []
    for r in records:
        uid = _unit_id(r)
        first = seen.get((uid, r.year))
        if first is not None:
            if first.sha256 != r.sha256 or first.values != r.values:
                notes.append(
                    f"{r.unit} {r.year} 年度的数据出现了不止一次（{first.file.name}、"
                    f"{r.file.name}），用的是先给出的 {first.file.name}。"
                )
            continue
        seen[(uid, r.year)] = r
        rows.append({"unit_id": uid, "unit": r.unit, "kind": r.kind, "level": r.level,
                     "year": r.year, **record_figures(r)})  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    # A unit keeps one name and kind across years: the latest year's.
    frame = frame.sort_values(["unit_id", "year"], kind="stable").reset_index(drop=True)
    latest = frame.groupby("unit_id").tail(1).set_index("unit_id")
    frame["unit"] = frame["unit_id"].map(latest["unit"])
    kinds = frame[frame["kind"] != ""].groupby("unit_id")["kind"].last()
    frame["kind"] = frame["unit_id"].map(kinds).fillna("")
    return frame


def _count(value: float) -> str:
    """Return a count or a quantile as a short number: 12, 6.5."""
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _share(value: float) -> str:
    return f"{value * 100:.1f}%"


def _shown(fig: FigureSpec, value: float) -> str:
    return _share(value) if fig.is_share else _count(value)


def analyse(records: Iterable[Record]) -> Analysis:
    """Return the key figures of the records by unit and year, and what stands out."""
    records = list(records)
    notes: list[str] = []
    if not records:
        from nianbao.errors import UsageError

        raise UsageError("没有可以分析的数据：给出的文件都无法读取。", "请检查上面列出的原因。")
    latest = max(records, key=lambda r: r.year).spec
    text = latest.analysis
    figures = text.figures
    frame = _frame(records, notes)
    for fig in figures:
        if fig.code not in frame:
            frame[fig.code] = np.nan
    frame = frame[[*UNIT_COLUMNS, *(f.code for f in figures)]]
    years = sorted(frame["year"].unique().tolist())
    if len(years) < 2:
        notes.append(
            f"只有 {years[0]} 一个年度的数据，无法比较历年变化；请同时给出其他年度的文件。"
        )
    units_frame = frame.drop_duplicates("unit_id", keep="last")
    units_frame = units_frame.sort_values(
        ["level", "unit_id"], key=lambda s: s != LEVEL_WHOLE if s.name == "level" else s
    )
    units = [
        (row.unit_id, row.unit, row.kind, row.level) for row in units_frame.itertuples(index=False)
    ]
    analysis = Analysis(text, figures, years, units, frame.reset_index(drop=True), notes=notes)
    analysis.flags = [*_jumps(analysis), *_peers(analysis), *_carries(analysis)]
    order = {uid: i for i, (uid, *_rest) in enumerate(units)}
    analysis.flags.sort(key=lambda f: (-f.year, order[f.unit_id], f.figure))
    return analysis


def shown_name(text: AnalysisText, unit: str, level: str) -> str:
    """Return how a unit is named in a sentence and a sheet: a summary's total as 「县（合计）」."""
    return text.whole.format(unit=unit) if level == LEVEL_WHOLE else unit


def _flag(row, fig: FigureSpec, what: str, sentence: str, numbers: str) -> Flag:
    return Flag(row.unit_id, row.unit, row.kind, row.level, int(row.year), fig.code, fig.name,
                what, sentence, numbers)  # fmt: skip


def _jumps(a: Analysis) -> list[Flag]:
    t, frame = a.text, a.frame
    by_unit = frame.groupby("unit_id", sort=False)
    prev_year = by_unit["year"].shift(1)
    follows = (frame["year"] - prev_year) == 1
    flags = []
    for fig in a.figures:
        if "jump" not in fig.checks:
            continue
        now, before = frame[fig.code], by_unit[fig.code].shift(1)
        big = np.maximum(now, before) >= t.jump_min
        up = follows & big & (before > 0) & (now >= before * t.jump_ratio)
        down = follows & big & (before > 0) & (now * t.jump_ratio <= before)
        from_zero = follows & (before == 0) & (now >= t.jump_min)
        for what, mask in (("jump_up", up), ("jump_down", down), ("jump_from_zero", from_zero)):
            template = getattr(t.sentences, what)
            for i in np.flatnonzero(mask.to_numpy()):
                row = frame.iloc[i]
                b, n = float(before.iloc[i]), float(now.iloc[i])
                ratio = f"{n / b:.1f}" if what == "jump_up" else f"{n / b:.0%}" if b else ""
                args = {
                    "unit": shown_name(t, row.unit, row.level),
                    "figure": fig.name,
                    "year": int(row.year),
                    "last_year": int(row.year) - 1,
                    "before": _shown(fig, b),
                    "now": _shown(fig, n),
                    "ratio": ratio,
                }
                numbers = (
                    f"{int(row.year) - 1}年 {_shown(fig, b)}；{int(row.year)}年 {_shown(fig, n)}"
                )
                flags.append(_flag(row, fig, what, template.format(**args), numbers))
    return flags


def _peers(a: Analysis) -> list[Flag]:
    t = a.text
    units = a.frame[(a.frame["level"] != LEVEL_WHOLE) & (a.frame["kind"] != "")]
    flags = []
    for fig in a.figures:
        if "peer" not in fig.checks:
            continue
        known = units[units[fig.code].notna()]
        groups = known.groupby(["year", "kind"])[fig.code]
        low = groups.transform(lambda s: s.quantile(t.peer_low))
        high = groups.transform(lambda s: s.quantile(t.peer_high))
        count = groups.transform("count")
        width = high - low
        value = known[fig.code]
        usable = (count >= t.peer_min_units) & (width > 0)
        above = usable & (value > high + t.peer_fence * width)
        below = usable & (value < low - t.peer_fence * width)
        for what, mask in (("peer_above", above), ("peer_below", below)):
            template = getattr(t.sentences, what)
            for idx in mask[mask].index:
                row = known.loc[idx]
                args = {
                    "unit": row.unit,
                    "figure": fig.name,
                    "year": int(row.year),
                    "now": _shown(fig, float(value[idx])),
                    "kind": row.kind,
                    "count": int(count[idx]),
                    "low": _shown(fig, float(low[idx])),
                    "high": _shown(fig, float(high[idx])),
                }
                numbers = (
                    f"{int(row.year)}年 {args['now']}；同类 {args['count']} 个单位的"
                    f"第10至第90百分位数 {args['low']}～{args['high']}"
                )
                flags.append(_flag(row, fig, what, template.format(**args), numbers))
    return flags


def _carries(a: Analysis) -> list[Flag]:
    t = a.text
    fig = next(f for f in a.figures if f.code == t.carry_figure)
    flags = []
    for _uid, rows in a.frame.groupby("unit_id", sort=False):
        rows = rows[rows[fig.code].notna()]
        years = rows["year"].tolist()
        if len(years) < t.carry_min_years or years != list(range(years[0], years[0] + len(years))):
            continue
        if not (rows[fig.code] > 0).all():
            continue
        last = rows.iloc[-1]
        values = "、".join(
            f"{int(y)}年 {_count(float(v))}"
            for y, v in zip(rows["year"], rows[fig.code], strict=True)
        )
        args = {
            "unit": shown_name(t, last.unit, last.level),
            "figure": fig.name,
            "count": len(years),
            "years": f"{years[0]}至{years[-1]}年",
            "values": values,
        }
        flags.append(_flag(last, fig, "carry", t.sentences.carry.format(**args), values))
    return flags
