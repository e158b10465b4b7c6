"""Three years of a 40-unit county whose numbers are quiet except for planted outliers, for the
tests of ``nianbao trends`` (and ``nianbao data``).

Every unit's figures move by at most ±10 % a year and stay within a narrow band of its kind, no
count the key figures look at reaches 10 except 本年新收 and 办结 (which stay within 7–16), and
nothing is carried over; so without the plants nothing stands out. The plants (``Plant``) are
each one thing a trends report must flag. Workbooks are built with ``build_template`` (valid,
table 三 balanced per column, 上年结转 = last year's 结转下年度) and each year is rolled up into a
summary with the real rollup. ``values`` keeps every unit's inputs, for the tests to compute what
to expect without the code under test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from nianbao.county.model import RollupRequest
from nianbao.county.rollup import rollup
from nianbao.workbook_templates import CellKey, build_template
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.sample import sample_request

from .county import _unit_names

YEARS = (2023, 2024, 2025)
COUNTY = "青山县人民政府办公室"
_BASE = sample_request(2025)


def K(table: str, row: str, col: str) -> CellKey:
    return CellKey(table, row, col)


RECEIVED = K("t3", "r1", "c1")
CARRIED_IN = K("t3", "r2", "c1")
DISCLOSED = K("t3", "r3_1", "c1")
PARTLY = K("t3", "r3_2", "c1")
REFUSED = K("t3", "r3_3_4", "c1")
UNAVAILABLE = K("t3", "r3_4_1", "c1")
NOT_HANDLED = K("t3", "r3_5_1", "c1")  # 不予处理: no key figure looks at it
CARRIED_OUT = K("t3", "r4", "c1")
REVIEW_UPHELD = K("t4", "cases", "review_upheld")
DIRECT_UPHELD = K("t4", "cases", "direct_upheld")
NORMATIVE_IN_FORCE = K("t2", "normative", "in_force")


@dataclass(frozen=True)
class Plant:
    """One planted thing: whose, which year, which figure (code) and which kind of flag."""

    unit: str
    year: int
    figure: str
    what: str


@dataclass
class TrendsCounty:
    folder: Path
    units: list[str]
    kinds: dict[str, str]
    values: dict[tuple[str, int], dict[CellKey, Decimal]]
    workbooks: dict[tuple[str, int], Path]
    summaries: dict[int, Path]
    roles: dict[str, str]  # role -> unit
    plants: list[Plant] = field(default_factory=list)


def _quiet(rng: random.Random, kind: str, base: dict[str, int]) -> dict[CellKey, Decimal]:
    """Return one unit's inputs of one year: every input 0 except the quiet key figures."""
    spec = spec_for_year(2025)
    values = dict.fromkeys(input_keys(spec), Decimal(0))
    wobble = 1 + rng.uniform(-0.1, 0.1)
    received = round(base["received"] * wobble)
    values[RECEIVED] = Decimal(received)
    values[NORMATIVE_IN_FORCE] = Decimal(round(base["normative"] * (1 + rng.uniform(-0.1, 0.1))))
    values[K("t2", "normative", "issued")] = Decimal(rng.randint(1, 3))
    values[K("t2", "licensing", "decisions")] = Decimal(rng.randint(20, 40))
    values[K("t2", "admin_fee", "amount")] = Decimal("0.38")
    values[REVIEW_UPHELD] = Decimal(rng.randint(0, 2))
    values[DIRECT_UPHELD] = Decimal(rng.randint(0, 1))
    return values


def _settle(values: dict[CellKey, Decimal]) -> None:
    """Share out what was closed (新收 + 上年结转 − 结转) among the results: about 70 % 予以公开,
    10 % 部分公开, 10 % 不予公开, the rest 无法提供."""
    closed = values[RECEIVED] + values[CARRIED_IN] - values[CARRIED_OUT]
    values[DISCLOSED] = Decimal(round(closed * Decimal("0.7")))
    values[PARTLY] = Decimal(round(closed * Decimal("0.1")))
    values[REFUSED] = Decimal(round(closed * Decimal("0.1")))
    values[UNAVAILABLE] = closed - values[DISCLOSED] - values[PARTLY] - values[REFUSED]


def make_trends_county(folder: Path, *, seed: int = 11, summaries: bool = True) -> TrendsCounty:
    """Write three years of the county's workbooks (and summaries) under ``folder``."""
    units, kinds = _unit_names(40)
    towns = [u for u in units if kinds[u] == "乡镇"]
    streets = [u for u in units if kinds[u] == "街道"]
    departments = [u for u in units if kinds[u] == "县直部门"]
    roles = {
        "review_jump": departments[0],
        "low_share": departments[1],
        "normative_drop": towns[1],
        "busy": towns[2],
        "from_zero": towns[3],
        "carry": streets[0],
    }
    band = {"乡镇": 10, "街道": 12, "县直部门": 14}
    rng = random.Random(f"trends:{seed}")
    bases = {u: {"received": band[kinds[u]], "normative": rng.randint(22, 28)} for u in units}
    bases[roles["busy"]]["received"] = 60
    carry = {2023: (0, 2), 2024: (2, 3), 2025: (3, 1)}  # 上年结转, 结转下年度 of the carry unit
    values: dict[tuple[str, int], dict[CellKey, Decimal]] = {}
    for year in YEARS:
        for unit in units:
            v = _quiet(random.Random(f"trends:{seed}:{unit}:{year}"), kinds[unit], bases[unit])
            if unit == roles["carry"]:
                v[CARRIED_IN], v[CARRIED_OUT] = (Decimal(n) for n in carry[year])
            if unit == roles["review_jump"]:
                v[REVIEW_UPHELD] = Decimal({2023: 2, 2024: 2, 2025: 12}[year])
            if unit == roles["normative_drop"]:
                v[NORMATIVE_IN_FORCE] = Decimal({2023: 25, 2024: 60, 2025: 10}[year])
            if unit == roles["from_zero"]:
                v[DIRECT_UPHELD] = Decimal({2023: 1, 2024: 0, 2025: 10}[year])
            _settle(v)
            if unit == roles["low_share"] and year == 2024:
                moved = v[DISCLOSED] + v[PARTLY]
                v[DISCLOSED] = v[PARTLY] = Decimal(0)
                v[NOT_HANDLED] += moved
            values[(unit, year)] = v
    plants = [
        Plant(roles["review_jump"], 2025, "review", "jump_up"),
        Plant(roles["normative_drop"], 2025, "normative_in_force", "jump_down"),
        Plant(roles["from_zero"], 2025, "litigation", "jump_from_zero"),
        *(Plant(roles["busy"], y, "received", "peer_above") for y in YEARS),
        Plant(roles["low_share"], 2024, "open_share", "peer_below"),
        Plant(roles["carry"], 2025, "carried", "carry"),
    ]
    workbooks: dict[tuple[str, int], Path] = {}
    made: dict[int, Path] = {}
    for year in YEARS:
        inbox = folder / f"{year}年收表"
        inbox.mkdir(parents=True, exist_ok=True)
        for unit in units:
            request = replace(
                _BASE, year=year, unit=unit, kind=kinds[unit], values=values[(unit, year)]
            )
            path = inbox / f"{unit}-{year}年度填报表.xlsx"
            build_template(path, request)
            workbooks[(unit, year)] = path
        if summaries:
            output = folder / f"汇总{year}.xlsx"
            rollup(RollupRequest(inputs=(inbox,), output=output, year=year, unit=COUNTY))
            made[year] = output
    return TrendsCounty(folder, units, kinds, values, workbooks, made, roles, plants)
