"""How much of a real published report ``nianbao import`` reads, against the corpus' ground truth.

For every report of the corpus manifest (``tests/data/reports/manifest.toml``: text files in the
repository, PDFs and Word files in the shared corpus folder when it is on the machine) the report
is imported without options, as a clerk would (a .js data module's report as the .html page it
holds, ``_corpus.prepared``), and compared with the manifest:

* numbers: present (the cells the manifest records, totals included), read (read and equal),
  wrong (read but different), extra (read where the manifest records no number: invented, or
  a cell the manifest leaves out on purpose; listed with --verbose);
* year, unit and kind: found and equal to the manifest's.

When the year is not found the report is imported again with the manifest's year, so that its
tables are still measured. Kinds the program does not have (市级, 省级) are listed apart: for them
no kind is right, and an inferred one is counted as wrong.

    PYTHONPATH=. python bench/import_accuracy.py
    PYTHONPATH=. python bench/import_accuracy.py --manifest OTHER/tests/data/reports/manifest.toml
    PYTHONPATH=/tmp/old-checkout python bench/import_accuracy.py --verbose   # another version
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("nianbao") is None:  # PYTHONPATH may name another checkout: it wins
    sys.path.insert(0, str(REPO))

from _corpus import corpus_arguments, corpus_reports, prepared  # noqa: E402

from nianbao.errors import NianbaoError  # noqa: E402
from nianbao.importer.report import ImportRequest, read_report  # noqa: E402
from nianbao.workbook_templates.loader import load_spec  # noqa: E402
from nianbao.workbook_templates.spec import CellKey  # noqa: E402


@dataclass
class Outcome:
    name: str
    form: str
    present: int = 0
    read: int = 0
    wrong: int = 0  # read, but not the number the manifest records
    extra: int = 0  # read where the manifest records no number
    wrong_cells: list[str] = field(default_factory=list)
    missed_cells: list[str] = field(default_factory=list)
    year: str = ""  # what was found, "" when nothing
    year_ok: bool = False
    unit: str = ""
    unit_ok: bool = False
    kind: str = ""
    kind_expected: str = ""
    kind_ok: bool = False
    error: str = ""


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _number(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def _read_values(result) -> dict[CellKey, object]:
    values = getattr(result, "source_values", None)
    if values is not None:
        return dict(values)
    return {**result.values, **result.read_totals}  # before the importer kept its own reading


def measure(entry: dict, path: Path, kinds: tuple[str, ...]) -> Outcome:
    """Import one report and compare what was read with the manifest's entry."""
    out = Outcome(entry["file"], entry.get("form", ""), kind_expected=entry.get("kind", ""))
    truth = {CellKey(*code.split(".")): _number(v) for code, v in entry.get("values", {}).items()}
    out.present = len(truth)
    with tempfile.TemporaryDirectory() as tmp:
        path = prepared(path, Path(tmp))
        request = ImportRequest(source=path, output=Path(tmp) / "out.xlsx")
        try:
            result = read_report(request)
        except NianbaoError as exc:
            if "--year" not in (exc.action or ""):
                out.error = exc.message
                return out
            # No year found: right when the report prints none (the manifest's year_note).
            out.year_ok = "year" not in entry
            year = entry.get("year") or load_spec(entry["format"]).first_year
            try:
                result = read_report(ImportRequest(path, Path(tmp) / "out.xlsx", year))
            except NianbaoError as again:
                out.error = again.message
                return out
        else:
            out.year = f"{result.year}（{result.year_from}）"
            out.year_ok = result.year == entry.get("year")
    out.unit = result.unit
    out.unit_ok = bool(result.unit) and _squeeze(result.unit) == _squeeze(entry.get("unit", ""))
    out.kind = getattr(result, "kind", "")
    if out.kind_expected in kinds:
        out.kind_ok = out.kind == out.kind_expected
    else:
        out.kind_ok = not out.kind
    same_format = result.source_format == entry.get("format")
    read = _read_values(result) if same_format else {}
    for key, expected in truth.items():
        got = _number(read.get(key))
        if expected is None:  # a text cell (2019's 采购总金额): compared as printed
            expected, got = str(entry["values"][str(key)]), read.get(key)
        if got is None:
            out.missed_cells.append(str(key))
        elif got == expected:
            out.read += 1
        else:
            out.wrong += 1
            out.wrong_cells.append(f"{key}: {got} ≠ {expected}")
    for key, value in read.items():
        if key not in truth and _number(value) is not None:
            out.extra += 1
            out.wrong_cells.append(f"{key}: {value} (the manifest has no number there)")
    return out


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def main() -> int:
    args = corpus_arguments(
        __doc__.split("\n\n")[0],
        shared_help="the folder of the corpus' PDF and Word files",
        verbose_help="list the cells missed and wrong",
    )
    kinds = load_spec("2021").kinds
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    for entry, path in corpus_reports(args, skipped):
        outcomes.append(measure(entry, path, kinds))
    header = (
        f"{'report':34} {'form':18} {'read':>5} {'/':1} {'present':<7} {'wrong':>5} {'extra':>5}  "
        "year  unit  kind"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        mark = {True: "✓", False: "✗"}
        kind = f"{mark[o.kind_ok]} {o.kind or '–'}" + (
            f" (expected {o.kind_expected})" if not o.kind_ok else ""
        )
        print(
            f"{o.name[:34]:34} {o.form[:18]:18} {o.read:5d} / {o.present:<7d} {o.wrong:5d} "
            f"{o.extra:5d}  "
            f"{mark[o.year_ok]:4}  {mark[o.unit_ok]:4}  {kind}"
        )
        if o.error:
            print(f"    error: {o.error}")
        if args.verbose:
            if not o.unit_ok:
                print(f"    unit found: {o.unit or '–'}")
            for cell in o.wrong_cells:
                print(f"    wrong  {cell}")
            if o.missed_cells:
                print(f"    missed {len(o.missed_cells)}: {', '.join(o.missed_cells[:12])}…")
    present = sum(o.present for o in outcomes)
    read = sum(o.read for o in outcomes)
    wrong = sum(o.wrong for o in outcomes)
    extra = sum(o.extra for o in outcomes)
    n = len(outcomes)
    ours = [o for o in outcomes if o.kind_expected in kinds]
    others = [o for o in outcomes if o.kind_expected not in kinds]
    print("-" * len(header))
    print(f"reports measured: {n}" + (f"; not on this machine: {len(skipped)}" if skipped else ""))
    print(
        f"numbers read: {read} of {present} ({_percent(read, present)}), wrong: {wrong}, "
        f"read where the manifest has none: {extra}"
    )
    by_form: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_form.setdefault(o.form, []).append(o)
    for form, group in sorted(by_form.items()):
        p = sum(o.present for o in group)
        r = sum(o.read for o in group)
        w = sum(o.wrong for o in group)
        x = sum(o.extra for o in group)
        print(
            f"  {form:18} {r:5d} of {p:5d} ({_percent(r, p)}), wrong {w}, extra {x}, "
            f"reports {len(group)}"
        )
    print(f"year found and right: {sum(o.year_ok for o in outcomes)} of {n}")
    print(f"unit found and right: {sum(o.unit_ok for o in outcomes)} of {n}")
    print(
        f"kind right: {sum(o.kind_ok for o in ours)} of {len(ours)} (kinds of ours); "
        f"left blank for 市级/省级: {sum(o.kind_ok for o in others)} of {len(others)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
