"""Word -> PDF through LibreOffice, run headless with a private profile; optional, never required.

The report is written as .docx; this module only turns that file into a PDF when LibreOffice is
installed. When it is not, or the conversion fails, the clerk is told to save the .docx as PDF
from Word or WPS instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from nianbao.errors import NianbaoError, UsageError, os_reason
from nianbao.files import atomic_output, check_target

# Shown with every PDF error: the .docx is already there, so the clerk always has a way out.
FALLBACK_ACTION = (
    "请用 Word 或 WPS 打开生成的 .docx，选择“另存为/输出为 PDF”；或安装 LibreOffice 后重试。"
)

# soffice's stderr goes into the message only when it is this short; longer output is noise.
STDERR_TAIL_CHARS = 300
# Seconds to wait for the process group to go after it has been killed.
KILL_WAIT_SECONDS = 10


class PdfUnavailableError(NianbaoError):
    """No PDF can be made here: LibreOffice is missing or could not be started."""

    exit_code = 2


class PdfConversionError(PdfUnavailableError):
    """LibreOffice ran but did not produce a PDF (error exit, timeout, or no file written)."""


def find_soffice() -> str | None:
    """Return the path of LibreOffice's ``soffice`` program, or None if it cannot be found.

    ``$NIANBAO_SOFFICE`` comes first (a path or a command name); when it does not lead to a program
    the usual places are searched: the PATH, then the default install folders of each system.
    """
    configured = os.environ.get("NIANBAO_SOFFICE", "").strip().strip('"')
    if configured:
        found = _executable(Path(configured)) or shutil.which(configured)
        if found:
            return str(found)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    versioned = _path_versioned_commands()
    if versioned:
        return str(versioned[0])
    for candidate in _install_places():
        found = _executable(candidate)
        if found:
            return str(found)
    return None


def _executable(path: Path) -> Path | None:
    if path.is_file() and (sys.platform == "win32" or os.access(path, os.X_OK)):
        return path
    return None


def _path_versioned_commands() -> list[Path]:
    """Return commands such as ``libreoffice7.6`` on the PATH (libreoffice.org's own packages)."""
    found: list[Path] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder:
            continue
        try:
            matches = sorted(Path(folder).glob("libreoffice[0-9]*"), reverse=True)
        except OSError:
            continue
        found.extend(m for m in matches if _executable(m))
    return found


def _install_places() -> list[Path]:
    """Return where installers put soffice, newest version first where several may exist."""
    if sys.platform == "win32":
        # Windows environment names are case-insensitive.
        roots = [
            os.environ.get("PROGRAMFILES", ""),
            os.environ.get("PROGRAMW6432", ""),
            os.environ.get("PROGRAMFILES(X86)", ""),
            r"C:\Program Files",
            r"C:\Program Files (x86)",
        ]
        places = []
        for root in dict.fromkeys(r for r in roots if r):
            places.append(Path(root) / "LibreOffice" / "program" / "soffice.exe")
            places.extend(sorted(Path(root).glob("LibreOffice*/program/soffice.exe"), reverse=True))
        return places
    if sys.platform == "darwin":
        app = Path("LibreOffice.app/Contents/MacOS/soffice")
        return [Path("/Applications") / app, Path.home() / "Applications" / app]
    return [
        *sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True),
        Path("/usr/lib/libreoffice/program/soffice"),
        Path("/usr/lib64/libreoffice/program/soffice"),
        Path("/usr/local/lib/libreoffice/program/soffice"),
        Path("/snap/bin/libreoffice"),
    ]


def convert_to_pdf(
    docx: str | Path, target: str | Path, *, force: bool = False, timeout: float = 180
) -> Path:
    """Return ``target`` after writing the PDF of ``docx`` there with LibreOffice.

    LibreOffice runs headless with a temporary profile of its own, so it works while the clerk has
    LibreOffice open and never touches their settings. The PDF appears complete or not at all; an
    existing ``target`` is replaced only with ``force``. Raises PdfUnavailableError (or its
    PdfConversionError) with a Chinese message when no PDF can be made.
    """
    source = Path(docx)
    if not source.is_file():
        raise UsageError(f"文件 {source} 不存在。", "请先生成 Word 年报，再转换为 PDF。")
    path = check_target(target, force=force)  # before the slow part, not only after it
    soffice = find_soffice()
    if soffice is None:
        raise PdfUnavailableError("没有找到 LibreOffice，无法直接生成 PDF。", FALLBACK_ACTION)
    work = Path(tempfile.mkdtemp(prefix="nianbao-pdf-"))
    try:
        pdf = _run_soffice(soffice, source, work, timeout)
        with atomic_output(path, force=force) as tmp:
            shutil.copyfile(pdf, tmp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def _run_soffice(soffice: str, source: Path, work: Path, timeout: float) -> Path:
    """Return the PDF soffice wrote into ``work``; raise PdfUnavailableError if there is none."""
    # A copy under a plain name: no lock file beside the clerk's document, no odd characters on
    # soffice's command line, and a predictable output name.
    inbox = work / "in"
    outdir = work / "out"
    inbox.mkdir()
    outdir.mkdir()
    copy = inbox / "report.docx"
    shutil.copyfile(source, copy)
    command = [
        soffice,
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        str(outdir),
        str(copy),
    ]
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_soffice_environment(),
            **_new_process_group(),
        )
    except OSError as exc:
        raise PdfUnavailableError(
            f"无法启动 LibreOffice（{soffice}）：{os_reason(exc)}。", FALLBACK_ACTION
        ) from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise PdfConversionError(
            f"LibreOffice 在 {timeout:.0f} 秒内没有完成 PDF 转换，已停止。",
            "请关闭其他程序后重试；" + FALLBACK_ACTION,
        ) from None
    finally:
        if proc.poll() is None:  # interrupted (Ctrl+C) while waiting: leave no soffice behind
            _kill_group(proc)
    pdf = outdir / "report.pdf"
    detail = _short_tail(err.decode("utf-8", errors="replace"))
    if proc.returncode != 0:
        raise PdfConversionError(
            f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）{detail}。", FALLBACK_ACTION
        )
    if not _looks_like_pdf(pdf):
        # soffice exits with 0 even when it could not load the document.
        raise PdfConversionError(f"LibreOffice 没有生成 PDF 文件{detail}。", FALLBACK_ACTION)
    return pdf


def _soffice_environment() -> dict[str, str]:
    """Return the environment for soffice, without what a frozen (PyInstaller) program adds."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    # PyInstaller points the library path at its own bundle; LibreOffice must not load from there.
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        env["LD_LIBRARY_PATH"] = original
    elif getattr(sys, "frozen", False):
        env.pop("LD_LIBRARY_PATH", None)
    return env


def _new_process_group() -> dict:
    # soffice is a launcher that starts soffice.bin; on a timeout the whole group must go.
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=KILL_WAIT_SECONDS)


def _short_tail(stderr: str) -> str:
    """Return "：" and the last lines of soffice's stderr when they are short, else ""."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    tail = " ".join(lines[-3:])
    if not tail or len(tail) > STDERR_TAIL_CHARS:
        return ""
    return f"：{tail}"


def _looks_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False
