"""Run LibreOffice Calc jobs (fill cells, recalculate, save as .xlsx) from the tests.

The work is done by ``lo_driver.py`` under the system Python, which has python3-uno; this module
only writes the job file, runs the driver and turns a failure into an exception carrying the
driver's stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
DRIVER = Path(__file__).with_name("lo_driver.py")

CellValue = Decimal | int | float | str | None


class LibreOfficeError(RuntimeError):
    """The driver failed; the message holds its stderr."""


@dataclass(frozen=True)
class Job:
    """Open ``source`` in Calc, unprotect sheets, set cells ("表三!D6" → value), save ``target``.

    Numbers are typed as numbers, text as text (even "36"), text starting with "=" as a formula,
    and None clears the cell.
    """

    source: Path
    target: Path
    cells: Mapping[str, CellValue] = field(default_factory=dict)
    unprotect: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "input": str(self.source),
            "output": str(self.target),
            "unprotect": list(self.unprotect),
            "cells": {ref: _json_value(value) for ref, value in self.cells.items()},
        }


def _json_value(value: CellValue) -> int | float | str | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def run_jobs(jobs: Sequence[Job], timeout: float = 120) -> None:
    """Run every job in one LibreOffice session; raise LibreOfficeError if any fails."""
    with tempfile.TemporaryDirectory(prefix="nianbao-jobs-") as tmp:
        job_file = Path(tmp) / "jobs.json"
        payload = {"timeout": timeout, "jobs": [job.to_json() for job in jobs]}
        job_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        # The system Python must not see the project interpreter's module paths.
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        try:
            result = subprocess.run(
                [SYSTEM_PYTHON, str(DRIVER), str(job_file)],
                capture_output=True,
                text=True,
                timeout=timeout + 30,  # the driver's own watchdog fires first
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(
                f"lo_driver.py did not finish within {timeout + 30:.0f} s"
            ) from exc
        if result.returncode != 0:
            raise LibreOfficeError(
                f"lo_driver.py exited with status {result.returncode}:\n{result.stderr.strip()}"
            )
    missing = [str(job.target) for job in jobs if not job.target.is_file()]
    if missing:
        raise LibreOfficeError(f"LibreOffice did not write {', '.join(missing)}")
