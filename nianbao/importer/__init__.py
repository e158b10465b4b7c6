"""Import a published report (.pdf, .docx, .html, pasted .txt) into a workbook of our format:
the tables cell by cell by the spec's official labels (``tables``, and ``text_tables`` for tables
that reached the text as lines), the year, unit and kind from the title (``title``), the
narrative into the 正文 sheet, and what could not be read stamped as unknown (``report``)."""

from .report import ImportRequest, ImportResult, import_report

__all__ = ["ImportRequest", "ImportResult", "import_report"]
