"""How often the narrative checks are right on real published reports, against the corpus' ground
truth: precision, recall and error-level false alarms.

Every report of the corpus manifest (``tests/data/reports/manifest.toml``; the PDFs and the .js
file of the shared corpus folder when the machine has it) is read as
``nianbao check 填报表.xlsx --narrative REPORT`` reads it: the report is imported
(``import_report``, as ``nianbao import`` does, again with the manifest's year when it prints
none) into a workbook, the workbook is read back, and the narrative checks
(``narrative_findings``) run on the report's narrative (``read_narrative``) against that workbook.
One preparation: the .js file's report, the HTML string ``let content = "…"``, is saved as the
.html page a clerk would have (``_corpus.prepared``). The workbook's 正文 sheet (the import's copy
of the same text) is left empty, so that every finding comes from the report file and none is
left out as one that ``validate`` already reports on that sheet.

Every finding is matched with the report's ``verdict`` (the problems a careful reader finds):

* it is **true** when it matches an expected problem: the finding's rule is one of those that
  report the problem's kind (``RULES`` below), and it points at the same thing —
  - the problem has an ``excerpt``: a text the finding quotes (between “ ” in its message, or its
    actual value) and the excerpt, or the problem's ``note`` (which lists the other headings of a
    heading problem), share a run of at least ``OVERLAP`` characters (all of the excerpt when it
    is shorter), compared without blanks, markup, HTML entities or width differences;
  - the problem names a ``section``: the finding names that section's heading; for a sub-topic
    of 总体情况 (N-SUBTOPIC, N-GOVERNMENT) being about 一 is enough;
  - the problem is a wrong or misnumbered heading numbered N (its excerpt "四、…"), the finding
    says that part N's heading is not found (N-SECTION, N-SECTION-TABLE): a heading misspelt
    ("四、政府信息公开行政法复议…") or cut off leaves its part unfound;
  - the problem names a ``cell``: the finding is on that cell;
  - the problem is about the format of all of the report's tables (format-mixed,
    wrong-format-for-year): the finding is of the rule that reports it (one per report);
* otherwise it is **false**; a false finding that quotes one of the report's ``not_problems``
  (same overlap rule) is marked as such.

An expected problem is **found** when a finding matches it. Recall counts the checkable problems
(``checkable = true``) of the kinds some narrative rule reports; problems of other kinds (typos,
blank table cells, a table that does not add up, a missing title: no narrative rule reports
them) are counted apart. Error-level false alarms are the false findings of severity error.

    PYTHONPATH=. python bench/narrative_precision.py
    PYTHONPATH=. python bench/narrative_precision.py --verbose   # the true findings too
    PYTHONPATH=/tmp/old-checkout python bench/narrative_precision.py   # another version
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("nianbao") is None:  # PYTHONPATH may name another checkout: it wins
    sys.path.insert(0, str(REPO))

from _corpus import corpus_arguments, corpus_reports, prepared  # noqa: E402

from nianbao.converters.narrative import read_narrative  # noqa: E402
from nianbao.errors import NianbaoError  # noqa: E402
from nianbao.importer.report import ImportRequest, import_report  # noqa: E402
from nianbao.validation.findings import Finding  # noqa: E402
from nianbao.validation.narrative_checks import narrative_findings  # noqa: E402
from nianbao.workbook_templates.loader import load_spec  # noqa: E402
from nianbao.workbook_templates.reader import read_workbook  # noqa: E402
from nianbao.workbook_templates.spec import Severity  # noqa: E402

OVERLAP = 6  # characters a finding's quote and an excerpt must share

_HEADINGS = ("N-HEADING", "N-NUMBERING", "N-ORDER", "N-RESTART")
_NOT_FOUND = ("N-SECTION", "N-SECTION-TABLE")  # a part whose heading is not found
# The rules that report each kind of problem of the manifest; kinds not listed have none.
RULES: dict[str, tuple[str, ...]] = {
    "leftover": ("N-LEFTOVER",),
    "number-contradicts-table": ("N-NUMBER",),
    "missing-section": (*_NOT_FOUND, "N-EMPTY"),
    "wrong-section-heading": _HEADINGS + _NOT_FOUND,
    "section-numbering": (*_HEADINGS, "N-NUMBER-STYLE", *_NOT_FOUND),
    "restarted-numbering": _HEADINGS,
    "missing-subtopic": ("N-SUBTOPIC", "N-GOVERNMENT"),
    "format-mixed": ("N-TABLE-FORMAT",),
    "wrong-format-for-year": ("N-TABLE-FORMAT",),
    "tables-without-numbers": ("N-TABLE-EMPTY",),
}
_HEADING_PROBLEMS = ("wrong-section-heading", "section-numbering")
_WHOLE_REPORT = ("format-mixed", "wrong-format-for-year")  # about all of a report's tables
_ABOUT_ONE = ("N-SUBTOPIC", "N-GOVERNMENT")  # about 一、总体情况 (or the whole text)
_CN = "一二三四五六"


@dataclass
class Outcome:
    name: str
    findings: list[Finding] = field(default_factory=list)
    true: list[Finding] = field(default_factory=list)
    false: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, not_problem kind)
    found: list[dict] = field(default_factory=list)  # expected problems found
    missed: list[dict] = field(default_factory=list)  # checkable, of a kind a rule reports
    other: list[dict] = field(default_factory=list)  # checkable, of a kind no rule reports
    error: str = ""

    @property
    def false_errors(self) -> list[Finding]:
        return [f for f, _ in self.false if f.severity == Severity.ERROR]


# -- matching -----------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Return text as compared: no markup, entities, blanks, ellipses or width differences."""
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return re.sub(r"[\s…]+", "", unicodedata.normalize("NFKC", text))


def _overlaps(quote: str, excerpt: str) -> bool:
    """Return whether a finding's quote and a manifest excerpt share a long enough run."""
    a, b = _plain(quote), _plain(excerpt)
    if not a or not b:
        return False
    need = min(OVERLAP, len(b))  # a short quote ("三、") does not match a long excerpt
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= need


def _quotes(finding: Finding) -> list[str]:
    quotes = re.findall(r"“([^”]*)”", finding.text)
    if isinstance(finding.actual, str) and finding.actual:
        quotes.append(finding.actual)
    return quotes


def _matches(finding: Finding, problem: dict, headings: dict[str, str]) -> bool:
    """Return whether a finding reports an expected problem (see the module's docstring)."""
    if finding.rule not in RULES.get(problem["problem"], ()):
        return False
    if problem["problem"] in _WHOLE_REPORT:
        return True  # one finding per report: its tables' format
    if finding.rule in _NOT_FOUND and problem["problem"] in _HEADING_PROBLEMS:
        # A misspelt or misnumbered heading of part N leaves part N's heading unfound.
        number = problem.get("excerpt", "")[:1]
        return number in headings and headings[number] in finding.text
    quotes = _quotes(finding)
    texts = [problem.get("excerpt", "")]
    if finding.rule in _HEADINGS:
        texts.append(problem.get("note", ""))
    if any(_overlaps(q, t) for q in quotes for t in texts if t):
        return True
    section = problem.get("section")
    if section:
        if finding.rule in _ABOUT_ONE:
            return section == "一"
        heading = headings.get(section, "")
        if heading and heading in finding.text + finding.row:
            return True
    cell = problem.get("cell")
    return bool(cell) and finding.key is not None and str(finding.key) == cell


# -- reading a report as ``nianbao check --narrative`` does ---------------------------------


def _import(path: Path, out: Path, entry: dict):
    """Import the report into ``out``, again with the manifest's year when it prints none."""
    try:
        return import_report(ImportRequest(source=path, output=out))
    except NianbaoError as exc:
        if "--year" not in (exc.action or ""):
            raise
    year = entry.get("year") or load_spec(entry["format"]).first_year
    return import_report(ImportRequest(source=path, output=out, year=year))


def measure(entry: dict, path: Path) -> Outcome:
    """Check one report's narrative against its imported workbook; match with the manifest."""
    out = Outcome(entry["file"])
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        try:
            source = prepared(path, tmp)
            _import(source, tmp / "imported.xlsx", entry)
            wb = read_workbook(tmp / "imported.xlsx")
            narrative = read_narrative(source, wb.spec)
        except (NianbaoError, ValueError) as exc:
            out.error = getattr(exc, "message", str(exc))
            return out
        findings = narrative_findings(wb.spec, narrative, dataclasses.replace(wb, texts={}))
    headings = {_CN[i]: s.heading for i, s in enumerate(wb.spec.sections)}
    problems = entry.get("verdict", [])
    out.findings = findings
    hit: set[int] = set()
    for f in findings:
        matched = [i for i, p in enumerate(problems) if _matches(f, p, headings)]
        if matched:
            out.true.append(f)
            hit.update(matched)
            continue
        quoted = next(
            (
                np["kind"]
                for np in entry.get("not_problems", [])
                if any(_overlaps(q, np["excerpt"]) for q in _quotes(f))
            ),
            "",
        )
        out.false.append((f, quoted))
    for i, p in enumerate(problems):
        if i in hit:
            out.found.append(p)
        elif p.get("checkable"):
            (out.missed if p["problem"] in RULES else out.other).append(p)
    return out


# -- printing -------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _short(text: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[:limit] + "…"


def _problem(p: dict) -> str:
    where = p.get("excerpt") or p.get("section") or p.get("cell") or ""
    return f"{p['problem']} {_short(where, 40)!r}"


def main() -> int:
    args = corpus_arguments(
        __doc__.split("\n\n")[0],
        shared_help="the folder of the corpus' PDF and .js files",
        verbose_help="list the true findings too",
    )
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    for entry, path in corpus_reports(args, skipped):
        outcomes.append(measure(entry, path))
    header = (
        f"{'report':34} {'findings':>8} {'true':>5} {'false':>5} {'of them errors':>14}  "
        "expected found / checkable"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        found = len([p for p in o.found if p.get("checkable")])
        expected = found + len(o.missed)
        print(
            f"{o.name[:34]:34} {len(o.findings):8d} {len(o.true):5d} {len(o.false):5d} "
            f"{len(o.false_errors):14d}  {found:5d} / {expected}"
        )
        if o.error:
            print(f"    error: {o.error}")
        for f, quoted in o.false:
            mark = f" [a not_problem: {quoted}]" if quoted else ""
            print(f"    false  {f.rule} {f.severity} {_short(f.text)}{mark}")
        if args.verbose:
            for f in o.true:
                print(f"    true   {f.rule} {f.severity} {_short(f.text)}")
        for p in o.missed:
            print(f"    missed {_problem(p)}")
        for p in o.other:
            print(f"    (no narrative rule) {_problem(p)}")
    total = sum(len(o.findings) for o in outcomes)
    true = sum(len(o.true) for o in outcomes)
    false = sum(len(o.false) for o in outcomes)
    errors = sum(len(o.false_errors) for o in outcomes)
    found = [p for o in outcomes for p in o.found]
    found_checkable = [p for p in found if p.get("checkable")]
    checkable = found_checkable + [p for o in outcomes for p in o.missed]
    other = sum(len(o.other) for o in outcomes)
    print("-" * len(header))
    print(
        f"reports measured: {len(outcomes)}"
        + (f"; not on this machine: {', '.join(skipped)}" if skipped else "")
    )
    print(f"findings: {total}, true: {true}, false: {false}, precision {_percent(true, total)}")
    print(f"error-level false alarms: {errors}")
    print(
        f"recall: {len(found_checkable)} of {len(checkable)} checkable expected problems "
        f"of the kinds a narrative rule reports ({_percent(len(found_checkable), len(checkable))})"
        f"; also found {len(found) - len(found_checkable)} not marked checkable; "
        f"{other} checkable problems of kinds no narrative rule reports"
    )
    by_rule: dict[str, list[int]] = {}
    for o in outcomes:
        for f in o.true:
            by_rule.setdefault(f.rule, [0, 0])[0] += 1
        for f, _ in o.false:
            by_rule.setdefault(f.rule, [0, 0])[1] += 1
    print(
        "by rule (true / false): "
        + ", ".join(f"{r} {t}/{x}" for r, (t, x) in sorted(by_rule.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
