"""The corpus of real published reports, as the corpus benches read it: the command line they
share (--manifest, --shared, --verbose), each report of the manifest with its file, which is
in the repository or, for PDFs and other files not committed, in the shared corpus folder, and
the one preparation a file needs before a clerk's tools would take it (``prepared``)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_PLACES = (
    os.environ.get("NIANBAO_SHARED_CORPUS", ""),
    str(REPO.parent / "shared" / "corpus"),
    "/work/shared/corpus",
)


def corpus_arguments(description: str, shared_help: str, verbose_help: str) -> argparse.Namespace:
    """Return the parsed command line of a corpus bench."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--manifest",
        type=Path,
        default=REPO / "tests" / "data" / "reports" / "manifest.toml",
        help="the corpus manifest (default: tests/data/reports/manifest.toml)",
    )
    parser.add_argument("--shared", type=Path, help=shared_help)
    parser.add_argument("--verbose", action="store_true", help=verbose_help)
    return parser.parse_args()


def corpus_reports(args: argparse.Namespace, skipped: list[str]) -> Iterator[tuple[dict, Path]]:
    """Yield each report of the manifest with its file; the files not on this machine are added
    to ``skipped``. Exits with 2 when there is no manifest."""
    if not args.manifest.is_file():
        print(f"no manifest at {args.manifest}", file=sys.stderr)
        raise SystemExit(2)
    shared = args.shared or next((Path(p) for p in SHARED_PLACES if p and Path(p).is_dir()), None)
    for entry in tomllib.loads(args.manifest.read_text(encoding="utf-8"))["report"]:
        folder = args.manifest.parent if entry.get("location", "repo") == "repo" else shared
        path = folder / entry["file"] if folder is not None else None
        if path is None or not path.is_file():
            skipped.append(entry["file"])
            continue
        yield entry, path


def prepared(path: Path, tmp: Path) -> Path:
    """Return the report as the file a clerk would have: a .js data module's report, the HTML
    string ``let content = "…"``, as the .html page; any other file as it is."""
    if path.suffix.lower() != ".js":
        return path
    m = re.search(r'^let content = ("(?:[^"\\]|\\.)*")', path.read_text("utf-8"), re.M)
    if m is None:
        raise ValueError('no `let content = "…"` string in the .js file')
    out = tmp / f"{path.stem}.html"
    out.write_text(json.loads(m.group(1).replace("\t", "\\t")), "utf-8")
    return out
