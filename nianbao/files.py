"""Safe output: files appear complete or not at all, and nothing is overwritten unasked."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputExistsError, OutputWriteError, UsageError

# What a folder of returned files holds: our workbooks, other spreadsheet files (which get a
# message on how to save them as .xlsx), and the lock files WPS/Excel/LibreOffice leave beside an
# open file.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SPREADSHEET_SUFFIXES = (".xls", ".et", ".ett", ".csv", ".ods", ".xltx")
LOCK_PREFIXES = ("~$", ".~lock.")


def check_target(target: str | os.PathLike, *, force: bool = False) -> Path:
    """Return the output path after checking it may be written; raise a Chinese error if not."""
    path = Path(target)
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
    return path


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only if the block succeeds."""
    path = check_target(target, force=force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise _write_error(path, exc) from exc
            raise
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


# Errors of the disk or folder rather than of our data, when they happen while writing.
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _write_error(path: Path, exc: OSError) -> OutputWriteError:
    """Return the Chinese error for an output that the system refused to write."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputWriteError(
            f"磁盘空间不足，文件 {path.name} 没有写出。", "请清理磁盘或换一个保存位置后重试。"
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputWriteError(
            f"文件 {path} 无法写入：它可能正在 WPS/Excel/Word 中打开，或该文件夹不允许写入。",
            "请关闭这个文件后重试，或换一个保存位置。",
        )
    return OutputWriteError(
        f"文件 {path} 无法写入（{exc.strerror or type(exc).__name__}）。",
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
