"""Exceptions: faults and unusable input, each with a plain Chinese message and what to do.

Findings about the numbers in a workbook are never exceptions; they are ``validation`` findings.
"""

from __future__ import annotations


class NianbaoError(Exception):
    """Base of every error that may reach a user; carries a message and a suggested action."""

    exit_code = 2

    def __init__(self, message: str, action: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.action = action

    def __str__(self) -> str:
        return f"{self.message}{self.action}" if self.action else self.message


class SpecError(NianbaoError):
    """A format file is wrong or a format version is unknown."""


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


class UnsupportedFormatError(WorkbookError):
    """A workbook stamped with a format or template version this program does not know."""


class NarrativeError(NianbaoError):
    """A narrative document (.docx, .txt, .html) cannot be read."""


class ExportError(NianbaoError):
    """A report cannot be exported: the workbook has errors, a field is unknown, or the written
    file does not show the workbook's numbers."""

    exit_code = 1


class Cancelled(NianbaoError):
    """The user cancelled a long operation (the desktop app's cancel button, Ctrl+C)."""

    exit_code = 130

    def __init__(self, message: str = "已取消，没有写出任何文件。", action: str = "") -> None:
        super().__init__(message, action)
