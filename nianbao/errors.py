"""Exceptions and exit codes: faults and unusable input, each with a plain Chinese message and
what to do, and the exit code the command line ends with.

Findings about the numbers in a workbook are never exceptions; they are ``validation`` findings.
"""

from __future__ import annotations

# The command line's exit codes (README, 命令行): 0 no errors (warnings allowed), 1 errors found,
# 2 unreadable input or a usage error, 3 a fault of ours (logged), 130 cancelled (Ctrl+C), 141
# the reader of our output stopped early (as a shell reports SIGPIPE).
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CANCELLED = 130
EXIT_PIPE_CLOSED = 141
EXIT_SIGNAL_BASE = 128  # stopped by a signal: 128 + its number (SIGTERM 143, SIGHUP 129)


class Terminated(BaseException):
    """The process was told to stop (SIGTERM, SIGHUP): unwinds like Ctrl+C, so that temporary
    files are removed on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class NianbaoError(Exception):
    """Base of every error that may reach a user; carries a message and a suggested action."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, action: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.action = action

    def __str__(self) -> str:
        return f"{self.message}{self.action}" if self.action else self.message


class SpecError(NianbaoError):
    """A format file is wrong or a format version is unknown."""


class RulePackError(NianbaoError):
    """A local rule pack (``--rules``) cannot be used: missing, not TOML, or a rule in it is
    wrong; the message names the file and the line."""


class UsageError(NianbaoError):
    """A command was called with arguments that cannot work."""


class OutputExistsError(NianbaoError):
    """The output file exists and overwriting was not asked for."""


class OutputWriteError(NianbaoError):
    """An output file cannot be written: no permission, the file is open elsewhere, disk full."""


class WorkbookError(NianbaoError):
    """A workbook cannot be read at all."""


class NotAWorkbookError(WorkbookError):
    """The file is not an .xlsx workbook (wrong type, old .xls/.et, CSV, HTML ...)."""


class EncryptedWorkbookError(WorkbookError):
    """The workbook is protected with an opening password."""


class CorruptWorkbookError(WorkbookError):
    """The file is damaged, truncated, or breaks the safety limits."""


class ForeignWorkbookError(WorkbookError):
    """A readable workbook that was not produced by this program's template."""


class OwnOutputError(ForeignWorkbookError):
    """A workbook this program wrote that is not a 填报表 (a 退回清单, a 下发清单, a roster)."""


class UnsupportedFormatError(WorkbookError):
    """A workbook stamped with a format or template version this program does not know."""


class NarrativeError(NianbaoError):
    """A narrative document (.docx, .txt, .html) cannot be read."""


class ExportError(NianbaoError):
    """A report cannot be exported: the workbook has errors, a field is unknown, or the written
    file does not show the workbook's numbers."""

    exit_code = EXIT_FINDINGS


class Cancelled(NianbaoError):
    """The user cancelled a long operation (the desktop app's cancel button, Ctrl+C)."""

    exit_code = EXIT_CANCELLED

    def __init__(self, message: str = "已取消，没有写出任何文件。", action: str = "") -> None:
        super().__init__(message, action)


_OS_REASONS = {
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "ENOENT": "文件不存在",
    "EISDIR": "这是一个文件夹",
    "ENOTDIR": "路径中有一项不是文件夹",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "磁盘配额已满",
    "EFBIG": "文件超过系统允许的大小",
    "EROFS": "磁盘或文件夹是只读的",
    "ENAMETOOLONG": "文件名太长",
    "ELOOP": "链接（快捷方式）形成循环",
    "EBUSY": "文件正被其他程序占用",
    "ETXTBSY": "文件正被其他程序占用",
    "EIO": "读写出错（磁盘、U 盘或网络盘可能有故障）",
    "EINVAL": "文件名或路径不合规",
    "EMFILE": "同时打开的文件太多",
    "ENFILE": "同时打开的文件太多",
}


def os_reason(exc: OSError) -> str:
    """Return why the system refused, in Chinese ("没有权限"), never the English strerror."""
    import errno as _errno

    name = _errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name, f"系统错误 {name or exc.errno}")
