"""County collection: a roster of units, the handout of one workbook per unit, and the rollup of
what came back — who sent what and when, who is missing, who fails which rule, the summary that
is itself a standard workbook, and the returns (annotated copies and 退回清单) for the units.

``model`` (records, statuses, counts) · ``roster`` · ``handout`` · ``intake`` (finding and
reading files) · ``decide`` (the rules) · ``rollup`` (the run) · ``summary`` (the summary
workbook) · ``returns`` · ``explain`` (the check of the totals, explained by the units) ·
``text`` (the terminal's account).
"""

from .model import Counts, FileEntry, RollupRequest, RollupResult, Status, UnitEntry, counts
from .rollup import rollup

__all__ = [
    "Counts",
    "FileEntry",
    "RollupRequest",
    "RollupResult",
    "Status",
    "UnitEntry",
    "counts",
    "rollup",
]
