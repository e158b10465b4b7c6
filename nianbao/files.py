"""Files in and out: the inputs found under the folders a user gives, the default names of what we
write, and safe output (files appear complete or not at all, nothing is overwritten unasked)."""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import re
import stat
import sys
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputExistsError, OutputWriteError, UsageError, os_reason

# What a folder of returned files holds: our workbooks, other spreadsheet files (which get a
# message on how to save them as .xlsx), and the lock files WPS/Excel/LibreOffice leave beside an
# open file.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SPREADSHEET_SUFFIXES = (".xls", ".et", ".ett", ".csv", ".ods", ".xltx")
LOCK_PREFIXES = ("~$", ".~lock.")
# Our own files being written: hidden, and named so that a clerk (and the next run) can tell.
TEMP_PREFIX = ".年报助手写入中-"
STALE_TEMP_SECONDS = 600  # a temporary file this old was left by a run that was killed
ANNOTATED_SUFFIX = "-批注"
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?", re.IGNORECASE)
MAX_STEM_CHARS = 80
# Linux allows 255 bytes per file name; the stem is followed by "-2025年度填报表-正文.docx".
MAX_STEM_BYTES = 180
MAX_NAME_BYTES = 255  # one file name, on Linux and (as UTF-16 units) about the same on Windows


@dataclass(frozen=True)
class InputEntry:
    """One entry found among the inputs: a file to read, or something that is not one, with why
    (in Chinese), so that nothing found is dropped without a word."""

    path: Path
    problem: str | None = None  # None: a regular, readable file


def special_file_problem(path: str | os.PathLike) -> str | None:
    """Return why ``path`` is a FIFO, socket, device or other special file, which is never
    opened (opening a FIFO waits until something writes to it); None for a regular file, a
    folder, or a path that cannot be looked at (the caller says so in its own words)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO），不是文件，没有读取。"
    if stat.S_ISSOCK(mode):
        return "套接字，不是文件，没有读取。"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件，不是普通文件，没有读取。"
    return "不是普通文件，没有读取。"


def entry_problem(path: Path) -> str | None:
    """Return why a path found in an input folder is not a file we can read, or None."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "链接（快捷方式）指向的文件不存在，没有读取。"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "链接（快捷方式）互相指向、形成循环，没有读取。"
        return "无法访问这个文件（可能没有权限），没有读取。"
    if stat.S_ISDIR(st.st_mode):
        return "指向文件夹的链接，没有进入；请把文件直接放进这个文件夹。"
    if (problem := special_file_problem(path)) is not None:
        return problem
    if not os.access(path, os.R_OK):
        return "没有读取这个文件的权限，没有读取。"
    return None


def scan_inputs(inputs: Iterable[str | os.PathLike]) -> list[InputEntry]:
    """Return every entry named, or found (recursively, in a stable order) under a folder named,
    each with its problem if it is not a readable regular file; raise UsageError for a path that
    does not exist.

    Links to folders inside a folder are not followed (no loops); a FIFO is never opened; a folder
    that cannot be read is an entry of its own.
    """
    entries: list[InputEntry] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found: list[InputEntry] = []

            def unreadable(exc: OSError, found=found, path=path) -> None:
                where = Path(exc.filename) if exc.filename else path
                found.append(
                    InputEntry(where, "文件夹无法读取（可能没有权限），其中的文件没有检查。")
                )

            for folder, dirs, names in os.walk(path, onerror=unreadable):
                here = Path(folder)
                linked = [d for d in dirs if (here / d).is_symlink()]
                dirs[:] = sorted(d for d in dirs if d not in linked)
                for name in sorted([*names, *linked]):
                    full = here / name
                    found.append(InputEntry(full, entry_problem(full)))
            # Files before links, so that a link to a file is the copy, not the file itself.
            entries.extend(sorted(found, key=lambda e: (e.path.is_symlink(), e.path)))
        elif path.exists() or path.is_symlink():
            entries.append(InputEntry(path, entry_problem(path)))
        else:
            raise UsageError(f"找不到文件或文件夹 {path}。", "请检查路径是否正确。")
    return entries


def real_path(path: str | os.PathLike) -> Path:
    """Return the absolute path with links followed, never raising (Path.resolve raises on a
    link loop)."""
    return Path(os.path.realpath(path))


def walk_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Return every readable regular file named or found under a folder named, each once (a link
    to a file already listed is left out); raise UsageError for a path that does not exist."""
    seen: set[Path] = set()
    unique = []
    for entry in scan_inputs(inputs):
        if entry.problem is not None:
            continue
        key = real_path(entry.path)
        if key not in seen:
            seen.add(key)
            unique.append(entry.path)
    return unique


# -- default names of what we write (the command line and the window use the same) -------------


def unit_file_stem(name: str) -> str:
    """Return a file name stem that is safe on Windows and Linux for a unit's name."""
    stem = _UNSAFE_FILE_CHARS.sub("", unicodedata.normalize("NFC", name))
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    stem = stem[:MAX_STEM_CHARS]
    while len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        stem = stem[:-1]
    stem = stem.strip(" .")
    if _WINDOWS_RESERVED.fullmatch(stem):
        stem += "_"
    return stem or "单位"


def workbook_name(unit: str, year: int) -> str:
    """Return the file name of a unit's workbook, e.g. "青禾镇人民政府-2025年度填报表.xlsx"
    ("2025年度填报表.xlsx" while the unit is not named yet)."""
    stem = unit_file_stem(unit) if unit.strip() else ""
    return f"{stem}-{year}年度填报表.xlsx" if stem else f"{year}年度填报表.xlsx"


def narrative_template_path(workbook: Path) -> Path:
    """Return the narrative template handed out with a workbook: ``<workbook>-正文.docx``."""
    return workbook.with_name(f"{workbook.stem}-正文.docx")


def stem_report_path(workbook: Path) -> Path:
    """Return ``<workbook name>-年度报告.docx`` beside a workbook: the report's default name when
    the workbook does not say whose report it is (services.naming.default_report_path)."""
    return workbook.with_name(f"{workbook.stem}-年度报告.docx")


def unit_annotated_name(unit: str) -> str:
    """Return the annotated copy of a unit's workbook sent back with the returns."""
    return f"{unit_file_stem(unit)}{ANNOTATED_SUFFIX}.xlsx"


def annotated_path(workbook: Path, folder: Path | None = None) -> Path:
    """Return the annotated copy of a workbook: ``<stem>-批注.xlsx`` in ``folder`` (beside the
    workbook when None)."""
    return (folder or workbook.parent) / f"{workbook.stem}{ANNOTATED_SUFFIX}.xlsx"


def summary_name(year: int | None) -> str:
    """Return the default file name of a county summary: "2025年度汇总表.xlsx" or "汇总表.xlsx"."""
    return f"{year}年度汇总表.xlsx" if year else "汇总表.xlsx"


def handout_folder_name(year: int) -> str:
    """Return the default folder of a handout: "2025年度下发"."""
    return f"{year}年度下发"


RETURNS_FOLDER = "退回材料"  # beside the summary, when the window writes the returns


def check_target(target: str | os.PathLike, *, force: bool = False) -> Path:
    """Return the output path after checking it may be written; raise a Chinese error if not."""
    path = Path(target)
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        raise UsageError(
            f"文件名 {path.name[:20]}…{path.suffix} 太长（{size} 字节，系统最多允许 "
            f"{MAX_NAME_BYTES} 字节，约 {MAX_NAME_BYTES // 3} 个汉字）。",
            "请换一个短一些的文件名。",
        )
    if path.is_dir():
        raise UsageError(
            f"输出位置 {path} 是一个文件夹。", "请给出文件名，例如 -o 年报填报表.xlsx。"
        )
    if path.exists() and not force:
        raise OutputExistsError(
            f"文件 {path} 已经存在，没有覆盖。", "请换一个文件名，或确认要覆盖时加上 --force。"
        )
    if not path.parent.exists():
        raise UsageError(f"文件夹 {path.parent} 不存在。", "请先建立该文件夹，或换一个输出位置。")
    if not os.access(path.parent, os.W_OK):
        raise OutputWriteError(
            f"文件夹 {path.parent} 不允许写入，没有写出 {path.name}。",
            "请换一个保存位置，例如“文档”或桌面上的文件夹。",
        )
    return path


def refuse_overwriting_inputs(
    output: str | os.PathLike, inputs: Iterable[str | os.PathLike], what: str = "输出文件"
) -> None:
    """Raise UsageError when ``output`` is one of the inputs (the same file, by any path or
    link): an input is never replaced, also with --force."""
    target = real_path(output)
    for item in inputs:
        if real_path(item) == target:
            raise UsageError(
                f"{what} {output} 就是要读取的文件 {item}，不能覆盖它（即使加上 --force）。",
                f"请把{what}写到别的文件名，或写到收到的文件所在的文件夹以外。",
            )


def make_output_folder(folder: Path, *, parents: bool = False) -> Path:
    """Make ``folder`` for outputs (nothing happens if it is there); raise the Chinese "cannot
    write" error when the system refuses (a read-only disk or folder, no permission)."""
    try:
        folder.mkdir(parents=parents, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(
            f"无法建立文件夹 {folder}（{os_reason(exc)}），没有写出任何文件。",
            "请换一个可以写入的保存位置，例如“文档”或桌面上的文件夹。",
        ) from exc
    return folder


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only if the block succeeds."""
    path = check_target(target, force=force)
    try:
        _remove_stale_temps(path.parent)
        # The temporary name stays short whatever the target's length.
        fd, tmp = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{path.stem[:40]}.", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise _write_error(path, exc) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except Exception as exc:
            cause = _os_error_in(exc)
            if cause is None:
                raise
            _release_writer(exc)
            raise _write_error(path, cause) from None
        if path.exists() and not force:  # appeared while we were writing
            raise OutputExistsError(
                f"文件 {path} 在写入期间被创建，没有覆盖。", "请换一个文件名后重试。"
            )
        try:
            os.chmod(tmp_path, 0o666 & ~_umask())
            os.replace(tmp_path, path)
        except OSError as exc:
            raise _write_error(path, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def is_our_temp(path: Path) -> bool:
    """Return whether a file is one of ours still being written (or left by a killed run)."""
    return path.name.startswith(TEMP_PREFIX)


def _remove_stale_temps(folder: Path) -> None:
    """Remove our temporary files in ``folder`` that a killed run left (older than 10 minutes:
    a younger one may belong to a run still writing)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(TEMP_PREFIX) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                        os.unlink(entry.path)


# Errors of the disk or folder rather than of our data, when they happen while writing (EFBIG:
# a file larger than the system allows, which is the same to the clerk as a full disk).
_DISK_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """Yield an exception and every exception behind it (cause, context, or held in its args),
    each once."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__, *item.args]


def _os_error_in(exc: BaseException) -> OSError | None:
    """Return the system's refusal to write behind an exception: the OSError itself (of a disk
    errno), or one a library wrapped (xlsxwriter's FileCreateError holds it in its args)."""
    for item in _chain(exc):
        if isinstance(item, OSError) and (item is not exc or item.errno in _DISK_ERRNOS):
            return item
        # lxml (under openpyxl and python-docx) words it as "IO_ENOSPC", "IO_EFBIG" …
        text = str(item)
        code = getattr(errno, text.removeprefix("IO_"), None) if text.startswith("IO_") else None
        if isinstance(code, int):
            return OSError(code, os.strerror(code))
    return None


def _release_writer(exc: BaseException) -> None:
    """Let the writer's half-open files go now, quietly: a zip file a failed write left open
    would otherwise try to finish itself later and print "Exception ignored … Errno 28"."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        for item in _chain(exc):  # their frames hold the writer's objects
            if item.__traceback__ is not None:
                traceback.clear_frames(item.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _write_error(path: Path, exc: OSError) -> OutputWriteError:
    """Return the Chinese error for an output that the system refused to write."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return OutputWriteError(
            f"磁盘空间不足（或超过了系统允许的文件大小），文件 {path.name} 没有写出。",
            "请清理磁盘或换一个保存位置后重试。",
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputWriteError(
            f"文件 {path} 无法写入：它可能正在 WPS/Excel/Word 中打开，或该文件夹不允许写入。",
            "请关闭这个文件后重试，或换一个保存位置。",
        )
    return OutputWriteError(
        f"文件 {path} 无法写入（{os_reason(exc)}）。",
        "请确认保存位置是一个可以写入的文件夹，或换一个保存位置。",
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def numbered_path(path: Path) -> Path:
    """Return ``path`` or, if it exists, the first free "name-2", "name-3", ... beside it."""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def file_sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 of a file's bytes (hex): what the rollup, its ledger and the receipts
    know a file's content by."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
