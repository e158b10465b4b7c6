"""Calendar days as a county office writes them: in a roster's 截止日期 column (text, or a date
cell of WPS/Excel) and after ``--deadline``; and as every output writes them back."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

# An Excel date is a day count from 1899-12-30; 20000 is 1954, 80000 is 2119.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIALS = range(20_000, 80_000)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATE_FORMS = "2026-01-31、2026/1/31 或 2026年1月31日"


def parse_date(text: str) -> dt.date | None:
    """Return the calendar day a cell or an option names (2026-01-31, 2026/1/31, 2026.1.31,
    2026年1月31日, 20260131, a date cell of Excel with or without its time, or Excel's day
    number of it); None when it names none."""
    text = text.strip()
    if not text:
        return None
    found = _DATE.match(text) or _COMPACT.match(text)
    if found:
        year, month, day = (int(g) for g in found.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    try:
        serial = Decimal(text)
    except InvalidOperation:
        return None
    if serial.is_finite() and int(serial) in _SERIALS:
        return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return None


def date_text(day: dt.date) -> str:
    """Return a day as every output writes it: 2026-01-31."""
    return day.isoformat()
