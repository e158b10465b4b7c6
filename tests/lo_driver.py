"""Fill workbooks in LibreOffice Calc the way a clerk would, recalculate and save them as .xlsx.

Run with the SYSTEM Python, the one python3-uno belongs to (the project's Python cannot import
``uno``)::

    /usr/bin/python3 tests/lo_driver.py JOBS.json

JOBS.json::

    {"timeout": 120,
     "jobs": [{"input": "/tmp/blank.xlsx", "output": "/tmp/filled.xlsx",
               "unprotect": ["表三"],
               "cells": {"表三!D6": 5, "表二!B9": "36", "表三!D29": "=1+1", "表四!A6": null}}]}

Numbers are typed with setValue, text with setString (so "36" stays text, as when a clerk types
'36), text starting with "=" with setFormula, and null clears the cell. One headless soffice with
a private, throw-away user profile serves every job; it is always shut down (killed if it will not
quit) before the script exits. Errors go to stderr and the exit status is non-zero.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

import uno
from com.sun.star.connection import NoConnectException

CONNECT_SECONDS = 60.0
QUIT_SECONDS = 15.0
DEFAULT_TIMEOUT = 300.0
XLSX_FILTER = "Calc MS Excel 2007 XML"
# com.sun.star.sheet.CellFlags: VALUE | DATETIME | STRING | FORMULA
CLEAR_CONTENT = 1 | 2 | 4 | 16


def _props(**values: object) -> tuple:
    """Return UNO PropertyValue structs for keyword arguments."""
    props = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name = name
        prop.Value = value
        props.append(prop)
    return tuple(props)


class Office:
    """One headless soffice process with its own temporary user profile."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pipe = f"nianbao_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.log_path = workdir / "soffice.log"
        self.proc: subprocess.Popen | None = None
        self.desktop = None

    def start(self) -> None:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise RuntimeError("soffice was not found on PATH")
        profile = uno.systemPathToFileUrl(str(self.workdir / "profile"))
        command = [
            soffice,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={profile}",
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        with self.log_path.open("wb") as log:
            # A session of its own: soffice is a script that starts oosplash and soffice.bin, and
            # the whole group must go if it hangs.
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )

    def connect(self, seconds: float = CONNECT_SECONDS):
        assert self.proc is not None
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + seconds
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except NoConnectException:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"soffice exited with status {self.proc.returncode} before accepting "
                        f"connections:\n{self.log()}"
                    ) from None
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"soffice did not accept a connection within {seconds:.0f} s:\n{self.log()}"
                    ) from None
                time.sleep(0.2)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx
        )
        return self.desktop

    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace").strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """Ask soffice to quit; kill its process group if it does not go in time."""
        if self.desktop is not None:
            # The bridge goes away while soffice terminates; whatever it raises does not matter.
            with contextlib.suppress(Exception):
                self.desktop.terminate()
            self.desktop = None
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=QUIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            # oosplash may have gone while soffice.bin lingers in the group.
            self.kill(quiet=True)

    def kill(self, quiet: bool = False) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except PermissionError:
            self.proc.kill()
        if not quiet:
            print("soffice did not quit in time and was killed", file=sys.stderr)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=QUIT_SECONDS)


def _cell(doc, ref: str):
    sheet_name, sep, address = ref.rpartition("!")
    if not sep:
        raise ValueError(f"cell reference {ref!r} has no sheet (expected e.g. 表三!D6)")
    sheets = doc.Sheets
    if not sheets.hasByName(sheet_name):
        raise ValueError(f"{ref}: no sheet named {sheet_name!r}")
    return sheets.getByName(sheet_name).getCellRangeByName(address)


def _set(cell, value: object) -> None:
    if value is None:
        cell.clearContents(CLEAR_CONTENT)
    elif isinstance(value, bool):
        raise TypeError(f"booleans are not cell values: {value!r}")
    elif isinstance(value, int | float):
        cell.setValue(value)
    elif isinstance(value, str) and value.startswith("="):
        cell.setFormula(value)
    elif isinstance(value, str):
        cell.setString(value)
    else:
        raise TypeError(f"unsupported cell value {value!r}")


def run_job(desktop, job: dict) -> None:
    source = Path(job["input"]).resolve()
    target = Path(job["output"]).resolve()
    if not source.is_file():
        raise FileNotFoundError(source)
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(str(source)), "_blank", 0, _props(Hidden=True)
    )
    if doc is None:
        raise RuntimeError(f"LibreOffice could not open {source}")
    try:
        for name in job.get("unprotect", ()):
            doc.Sheets.getByName(name).unprotect("")
        for ref, value in job.get("cells", {}).items():
            try:
                _set(_cell(doc, ref), value)
            except Exception as exc:
                raise RuntimeError(f"{source.name}: cannot set {ref} to {value!r}: {exc}") from exc
        doc.calculateAll()
        target.parent.mkdir(parents=True, exist_ok=True)
        doc.storeToURL(
            uno.systemPathToFileUrl(str(target)),
            _props(FilterName=XLSX_FILTER, Overwrite=True),
        )
    finally:
        doc.close(True)
    if not target.is_file():
        raise RuntimeError(f"LibreOffice did not write {target}")


def _watchdog(office: Office, seconds: float) -> threading.Timer:
    """Kill soffice and exit if the whole run takes longer than ``seconds`` (a hung call)."""

    def fire() -> None:
        print(f"lo_driver: timed out after {seconds:.0f} s; killing soffice", file=sys.stderr)
        office.kill(quiet=True)
        sys.stderr.flush()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: /usr/bin/python3 tests/lo_driver.py JOBS.json", file=sys.stderr)
        return 2
    try:
        spec = json.loads(Path(argv[1]).read_text("utf-8"))
        jobs = spec["jobs"]
        timeout = float(spec.get("timeout", DEFAULT_TIMEOUT))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"lo_driver: cannot read the job file {argv[1]}: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        office = Office(Path(tmp))
        timer = _watchdog(office, timeout)
        status = 0
        try:
            office.start()
            desktop = office.connect()
            for number, job in enumerate(jobs, 1):
                try:
                    run_job(desktop, job)
                except Exception:
                    print(f"lo_driver: job {number} ({job.get('input')}) failed:", file=sys.stderr)
                    raise
        except Exception:
            traceback.print_exc()
            log = office.log()
            if log:
                print(f"soffice output:\n{log}", file=sys.stderr)
            status = 1
        finally:
            office.stop()
            timer.cancel()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
