"""Generate N distinct, filled 年报 workbooks for the benchmarks (default 200).

Each workbook is the built-in 2025 sample (青禾镇人民政府) with a different unit name
(第N镇人民政府) and different, but consistent, numbers: every input cell gets a new value, and
table 三 is balanced per column (一＋二＝三（七）总计＋四), so a correct checker reports every
workbook as valid. With ``--invalid K`` the last K workbooks carry one deliberate mistake each
(an unbalanced column, a blank cell or a negative count), named ``NNNN-invalid-...``.

Importable (``make_workbooks(folder, n)``) and runnable::

    python bench/make_workbooks.py bench/out/workbooks -n 200 --invalid 5
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable from a checkout without the editable install
    sys.path.insert(0, str(REPO))

from nianbao.workbook_templates import CellKey, TemplateRequest, build_template  # noqa: E402
from nianbao.workbook_templates.compute import recompute  # noqa: E402
from nianbao.workbook_templates.fields import field_value, resolve  # noqa: E402
from nianbao.workbook_templates.sample import sample_request  # noqa: E402

YEAR = 2025
SAMPLE_UNIT = "青禾镇人民政府"
SAMPLE_PLACE = "青禾镇"
COLUMNS = ("c1", "c2", "c3", "c4", "c5", "c6")  # 自然人 and the five kinds of organisation
INVALID_KINDS = ("unbalanced", "blank", "negative")
# The counts the sample's 正文 states ("申请17件"), in order, as the fields they stand for: a
# generated workbook's 正文 states its own numbers, as a clerk's does (check compares them).
STATED = {
    "s1_1": (
        "表二.行政规范性文件.本年制发件数",
        "表二.行政规范性文件.现行有效件数",
        "表二.行政许可.本年处理决定数量",
        "表二.行政处罚.本年处理决定数量",
    ),
    "s1_2": (
        "表三.本年新收.总计",
        "表三.上年结转.总计",
        "表三.总计.总计",
        "表三.予以公开.总计",
        "表三.部分公开.总计",
        "表三.不予公开.总计",
        "表三.无法提供.总计",
        "表三.不予处理.总计",
        "表三.结转下年度.总计",
        "表四.行政复议.总计",
        "表四.行政诉讼",
    ),
}
_STATED_COUNT = re.compile(r"\d+(?=件)")


def unit_name(n: int) -> str:
    return f"第{n}镇人民政府"


def file_name(n: int, invalid: str | None = None) -> str:
    tag = f"invalid-{invalid}-" if invalid else ""
    return f"{n:04d}-{tag}{unit_name(n)}-{YEAR}年度填报表.xlsx"


def _count(rng: random.Random, p_zero: float, high: int) -> int:
    return 0 if rng.random() < p_zero else rng.randint(1, high)


def _t3_values(rng: random.Random, keys: list[CellKey]) -> dict[CellKey, Decimal]:
    """Return table 三 values balanced per column: r4 = r1 + r2 - sum(results) >= 0."""
    result_rows = sorted({k.row for k in keys if k.row.startswith("r3_")})
    values: dict[CellKey, Decimal] = {}
    for col in COLUMNS:
        natural = col == "c1"  # most applicants are natural persons
        results = {
            row: _count(rng, 0.55 if natural else 0.9, 8 if natural else 2) for row in result_rows
        }
        handled = sum(results.values())
        carried_out = rng.randint(0, 3 if natural else 1)  # r4, 结转下年度
        incoming = handled + carried_out
        carried_in = rng.randint(0, min(incoming, 3 if natural else 1))  # r2, 上年结转
        new = incoming - carried_in  # r1, 本年新收
        for row, value in results.items():
            values[CellKey("t3", row, col)] = Decimal(value)
        values[CellKey("t3", "r1", col)] = Decimal(new)
        values[CellKey("t3", "r2", col)] = Decimal(carried_in)
        values[CellKey("t3", "r4", col)] = Decimal(carried_out)
        assert new + carried_in == handled + carried_out and carried_out >= 0
    return values


def _t2_values(rng: random.Random) -> dict[CellKey, Decimal]:
    issued, repealed = rng.randint(0, 6), rng.randint(0, 2)
    return {
        # 乡镇 do not make 规章 (rule P-1 would warn), so that row stays 0.
        CellKey("t2", "regulation", "issued"): Decimal(0),
        CellKey("t2", "regulation", "repealed"): Decimal(0),
        CellKey("t2", "regulation", "in_force"): Decimal(0),
        CellKey("t2", "normative", "issued"): Decimal(issued),
        CellKey("t2", "normative", "repealed"): Decimal(repealed),
        CellKey("t2", "normative", "in_force"): Decimal(issued + rng.randint(0, 20)),
        CellKey("t2", "licensing", "decisions"): Decimal(rng.randint(0, 300)),
        CellKey("t2", "penalty", "decisions"): Decimal(rng.randint(0, 80)),
        CellKey("t2", "coercion", "decisions"): Decimal(rng.randint(0, 5)),
        CellKey("t2", "admin_fee", "amount"): _amount(rng),
    }


def _amount(rng: random.Random) -> Decimal:
    """Return 行政事业性收费 in 万元: at most 4 decimals, well below the P-2 limit of 1000."""
    return Decimal(rng.randint(0, 500_000)) / 10_000


def stated_texts(
    request: TemplateRequest, texts: dict[str, str], values: dict[CellKey, Decimal | None]
) -> dict[str, str]:
    """Return the sample's 正文 texts with the counts they state taken from ``values``."""
    spec = request.spec()
    numbers = {k: v for k, v in values.items() if v is not None}
    numbers |= recompute(spec, numbers)
    out = dict(texts)
    for code, names in STATED.items():
        pieces = _STATED_COUNT.split(texts[code])
        assert len(pieces) == len(names) + 1, f"the sample's {code} no longer states {names}"
        stated = [field_value(resolve(spec, name), numbers, {}) for name in names]
        out[code] = pieces[0] + "".join(n + p for n, p in zip(stated, pieces[1:], strict=True))
    return out


def workbook_request(
    n: int,
    seed: int = 2025,
    invalid: str | None = None,
    base: TemplateRequest | None = None,
) -> TemplateRequest:
    """Return the request for workbook ``n``: the sample with new numbers and unit name."""
    base = base or sample_request(YEAR)
    rng = random.Random(f"{seed}:{n}")
    unit = unit_name(n)
    place = unit.removesuffix("人民政府")
    values: dict[CellKey, Decimal | None] = dict(base.values)
    t3_keys = [k for k in base.values if k.table == "t3"]
    values.update(_t3_values(rng, t3_keys))
    values.update(_t2_values(rng))
    for key in [k for k in base.values if k.table == "t4"]:
        values[key] = Decimal(_count(rng, 0.7, 2))
    if invalid == "unbalanced":
        values[CellKey("t3", "r4", "c1")] += 1  # H3-1: 一＋二 ≠ 三（七）＋四
    elif invalid == "blank":
        values[CellKey("t3", "r3_5_2", "c2")] = None  # V-BLANK
    elif invalid == "negative":
        values[CellKey("t3", "r3_1", "c1")] = Decimal(-1)  # V-NEGATIVE (and H3-1)
    elif invalid is not None:
        raise ValueError(f"unknown invalid kind {invalid!r}; choose from {INVALID_KINDS}")
    texts = {
        code: text.replace(SAMPLE_UNIT, unit).replace(SAMPLE_PLACE, place)
        for code, text in base.texts.items()
    }
    texts = stated_texts(base, texts, values)
    info = {**base.info, "phone": f"0000-{10_000_000 + n}"}
    return replace(base, unit=unit, values=values, texts=texts, info=info)


def make_workbooks(
    folder: str | Path,
    n: int = 200,
    *,
    invalid: int = 0,
    seed: int = 2025,
) -> list[Path]:
    """Write ``n`` workbooks into ``folder`` (created; same-named files overwritten).

    The last ``invalid`` of them carry one deliberate mistake each, cycling through
    ``INVALID_KINDS``. Return the paths in order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base = sample_request(YEAR)
    paths = []
    for i in range(1, n + 1):
        bad_index = i - (n - invalid) - 1
        kind = INVALID_KINDS[bad_index % len(INVALID_KINDS)] if bad_index >= 0 else None
        request = workbook_request(i, seed, kind, base)
        paths.append(build_template(folder / file_name(i, kind), request, force=True))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder",
        nargs="?",
        default=str(REPO / "bench" / "out" / "workbooks"),
        help="output folder (default bench/out/workbooks)",
    )
    parser.add_argument("-n", type=int, default=200, help="number of workbooks (default 200)")
    parser.add_argument(
        "--invalid", type=int, default=0, metavar="K", help="make the last K deliberately invalid"
    )
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument(
        "--clean", action="store_true", help="delete existing *.xlsx in the folder first"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.invalid <= args.n:
        parser.error("--invalid must be between 0 and N")
    folder = Path(args.folder)
    if args.clean and folder.is_dir():
        for old in folder.glob("*.xlsx"):
            old.unlink()
    start = time.perf_counter()
    paths = make_workbooks(folder, args.n, invalid=args.invalid, seed=args.seed)
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} workbooks ({args.invalid} invalid) to {folder} "
        f"in {elapsed:.2f} s ({elapsed / len(paths) * 1000:.1f} ms each), "
        f"{size / len(paths) / 1024:.1f} KiB each on average"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
