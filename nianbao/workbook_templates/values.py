"""Turning what a clerk typed into numbers, and telling apart blank, number and text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# What a clerk types after a number in a count cell: "146件", "3 人次", "0.5万元".
_UNIT_SUFFIX = re.compile(r"^(?P<number>.+?)(件|个|条|次|人次|份|项|篇|场|期|家|人|万元)$")
_NONE_WORDS = frozenset({"无", "没有", "暂无"})
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


# -- Chinese numerals -----------------------------------------------------------------------------

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_LARGE = {"万": 10_000, "亿": 100_000_000}
CN_CHARS = "".join(_CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_LARGE)


def chinese_number(text: str) -> int | None:
    """Return the value of a Chinese numeral ("一百二十三" → 123, "两" → 2, "一万二千" → 12000).

    Digits alone are read digit by digit ("二〇二五" → 2025); anything else returns None.
    """
    if not text or any(c not in CN_CHARS for c in text):
        return None
    if all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in CN_SMALL:
            section += (1 if digit is None else digit) * CN_SMALL[c]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * CN_LARGE[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def guess_number(text: str) -> Decimal | None:
    """Return the number a clerk most likely meant by a text that is not one: "146件", "十二",
    "1，234 条", "３人次"; None when nothing reads as one number ("见附件", "1-2")."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if s in _NONE_WORDS:
        return Decimal(0)
    match = _UNIT_SUFFIX.match(s)
    if match:
        s = match.group("number")
    number = parse_number_text(s)
    if number is not None:
        return number
    value = chinese_number(s)
    return Decimal(value) if value is not None else None
