"""Real published reports in the forms real copies take, made by real programs, for the tests.

The reports are the corpus' (tests/data/reports, with their ground truth in manifest.toml). The
other forms are made from them the way a clerk or a website makes them: LibreOffice prints a
page to PDF and saves it as text (one cell per line) or, opened as a spreadsheet, as
tab-separated text; pdftotext copies the text out of a PDF; a scanner's PDF is page images
(pdftoppm renders the pages, Pillow wraps them in a PDF).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path

from nianbao.workbook_templates.spec import CellKey

REPO = Path(__file__).resolve().parent.parent
REPORTS = REPO / "tests" / "data" / "reports"
# A real web page of a 县直部门 with HTML tables that have blank cells (see the manifest).
FAGAIJU = REPORTS / "014_shuyang_fagaiju_2023.html"
TIMEOUT = 180


def shared_corpus() -> Path | None:
    """The shared folder's corpus/ (binary files that are not committed), if this machine has it."""
    candidates: list[str | Path] = [
        os.environ.get("NIANBAO_SHARED_CORPUS", ""),
        REPO.parent / "shared" / "corpus",
        REPO.parent.parent / "shared" / "corpus",
        Path("/work/shared/corpus"),
    ]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return None


def shared_file(name: str) -> Path:
    """Return a file of the shared corpus; skip the test when this machine does not have it."""
    import pytest

    corpus = shared_corpus()
    if corpus is None or not (corpus / name).is_file():
        pytest.skip(f"{name} is in the shared corpus, which this machine does not have")
    return corpus / name


def manifest_entry(file: str) -> dict:
    """Return the manifest's entry of a corpus file."""
    reports = tomllib.loads((REPORTS / "manifest.toml").read_text(encoding="utf-8"))["report"]
    return next(r for r in reports if r["file"] == file)


def truth(file: str) -> dict[CellKey, Decimal]:
    """Return the ground truth of a corpus file: every number its tables print, by cell."""
    values = manifest_entry(file)["values"]
    return {CellKey(*code.split(".")): Decimal(str(v)) for code, v in values.items()}


def compare(read: dict, expected: dict[CellKey, Decimal]) -> tuple[set, dict, dict]:
    """Return (cells read right, cells read wrong as {cell: (read, expected)}, numbers read where
    the report prints none)."""
    right, wrong, invented = set(), {}, {}
    for key, value in read.items():
        if not isinstance(value, Decimal):
            continue
        if key not in expected:
            invented[key] = value
        elif value == expected[key]:
            right.add(key)
        else:
            wrong[key] = (value, expected[key])
    return right, wrong, invented


def soffice(*args: str, cwd: Path) -> None:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    assert program, "soffice"
    with tempfile.TemporaryDirectory() as profile:
        options = ["--headless", "--norestore", *args, "--outdir", str(cwd)]
        subprocess.run(
            [program, f"-env:UserInstallation={Path(profile).as_uri()}", *options],
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )


def landscape_html(source: Path, target: Path) -> Path:
    """Copy a web page with a print style for A4 landscape: 表四's fifteen columns fit on the
    page (printed upright, LibreOffice cuts the table at the page's edge, as a browser would)."""
    page = source.read_text(encoding="utf-8")
    style = "<style>@page { size: 297mm 210mm; margin: 15mm; }</style>"
    target.write_text(re.sub(r"(?i)</head>", style + "</head>", page, count=1), encoding="utf-8")
    return target


def to_pdf(source: Path, folder: Path) -> Path:
    """Return the PDF LibreOffice prints of a web page or a Word file."""
    soffice("--convert-to", "pdf", str(source), cwd=folder)
    return folder / (source.stem + ".pdf")


def to_text(source: Path, folder: Path) -> Path:
    """Return the text LibreOffice Writer saves of a web page (table cells one per line)."""
    soffice("--convert-to", "txt:Text (encoded):UTF8", str(source), cwd=folder)
    return folder / (source.stem + ".txt")


def to_tabs(source: Path, folder: Path) -> Path:
    """Return the tab-separated text LibreOffice Calc saves of a web page opened as a sheet."""
    soffice(
        "--infilter=HTML (StarCalc)",
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):9,,76,1",
        str(source),
        cwd=folder,
    )
    target = folder / (source.stem + "-tabs.txt")
    (folder / (source.stem + ".csv")).rename(target)
    return target


def pdftotext(pdf: Path, target: Path, *, layout: bool) -> Path:
    """Return the text poppler's pdftotext copies out of a PDF (-layout: rows with spaces)."""
    subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(pdf), str(target)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return target


def scanned_pdf(pdf: Path, target: Path, pages: int = 2) -> Path:
    """Return a PDF of page images of ``pdf``'s first pages, as a scanner makes one."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-l", str(pages), str(pdf), f"{work}/page"],
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )
        images = [Image.open(p).convert("RGB") for p in sorted(Path(work).glob("page*.png"))]
        images[0].save(target, save_all=True, append_images=images[1:], resolution=60)
    return target
