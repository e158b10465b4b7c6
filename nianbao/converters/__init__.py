"""Converters: workbook -> Word/HTML/JSON, many workbooks -> one summary (later issues)."""
