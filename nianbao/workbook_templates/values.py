"""Turning what a clerk typed into numbers, and telling apart blank, number and text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def parse_number_text(text: str) -> Decimal | None:
    """Return the number a text such as " １２ ", "1,234" or "+3" stands for, else None.

    Full-width digits and signs, thousands separators and surrounding or inner spaces are
    accepted; units, words and anything ambiguous ("1,2") are not.
    """
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    if not s:
        return None
    if _GROUPED.match(s):
        s = s.replace(",", "")
    if not _NUMBER.match(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def normalize_label(text: str) -> str:
    """Return a label in comparable form: NFKC (full/half width), no spaces, one quote style."""
    s = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return re.sub(r"\s+", "", s)
