"""How much room text takes in a spreadsheet: the height of a row of wrapped cells and the size
of a comment box, estimated from the text, the column width and the font size.

Spreadsheet programs do not grow a row for wrapped text written by a program (LibreOffice and
WPS keep the height the file gives, Excel only grows rows it edits), so every wrapped sheet we
write sets its row heights from here, and a unit sees the whole problem and the whole 怎么改.

The estimate errs on the side of room: an ideograph counts as two "0" characters (the unit of a
column width), a line is 1.45 times the font size (the line height of Noto Sans CJK, which
LibreOffice uses on Linux for 宋体; SimSun and YaHei on Windows are no taller), and wrapping is
simulated character by character, a run of Latin letters and digits moving to the next line
whole as the spreadsheet moves it.
"""

from __future__ import annotations

import re

DEFAULT_FONT_SIZE = 11.0  # points; a column width is counted in "0"s of an 11-point font
WIDE = 2.0  # an ideograph or full-width mark is two "0"s wide
LINE_SPACING = 1.45  # a line's height as a multiple of the font size
CELL_PADDING = 1.5  # characters of a column's width lost to the cell's margins
ROW_PADDING = 4.0  # points above and below the lines of a row
MIN_ROW_HEIGHT = 20.0
MAX_ROW_HEIGHT = 409.0  # the tallest row Excel allows

# A comment box, sizes in pixels at 96 dpi. Excel draws its text in 8-point Tahoma; LibreOffice
# draws it larger and with wider margins, so the box is sized for 10 points.
COMMENT_FONT_SIZE = 10.0
COMMENT_MIN_WIDTH, COMMENT_MAX_WIDTH = 160, 420
COMMENT_MIN_HEIGHT, COMMENT_MAX_HEIGHT = 40, 600
COMMENT_PADDING = 24  # pixels around the text of a comment (both sides)
PX_PER_PT = 96 / 72
PX_PER_CHAR = 7.0  # a "0" of the 11-point default font

_TOKEN = re.compile(r"[0-9A-Za-z_.\-/\\:%]+|\s|.", re.DOTALL)


def char_width(ch: str) -> float:
    """Return how many "0"s wide a character is: 2 for CJK and full-width forms, else 1."""
    code = ord(ch)
    return WIDE if code >= 0x2E80 or ch in "“”‘’—…" else 1.0


def display_width(text: str) -> float:
    """Return the width of a line of text in "0"s of the default font."""
    return sum(char_width(ch) for ch in text)


def lines_needed(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE) -> int:
    """Return how many lines ``text`` wraps to in a column ``width`` characters wide.

    Each line break of the text starts a line; within a paragraph a character that does not fit
    starts the next one, and a run of Latin letters and digits moves there whole when it fits
    on a line of its own (else it is broken where the line ends, as spreadsheets do).
    """
    scale = font_size / DEFAULT_FONT_SIZE
    usable = max(width - CELL_PADDING, 1.0)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for token in _TOKEN.findall(paragraph):
            w = display_width(token) * scale
            if used + w <= usable:
                used += w
            elif token.isspace():
                used = usable  # a space at the end of a line is not carried over
            elif w <= usable:
                lines, used = lines + 1, w
            else:  # longer than a line: broken wherever the line is full
                for ch in token:
                    cw = char_width(ch) * scale
                    if used + cw > usable:
                        lines, used = lines + 1, 0.0
                    used += cw
        total += lines
    return total


def line_height(font_size: float = DEFAULT_FONT_SIZE) -> float:
    """Return the height in points of one line of text of ``font_size``."""
    return font_size * LINE_SPACING


def row_height(*texts_and_widths: str | float, font_size: float = DEFAULT_FONT_SIZE) -> float:
    """Return the row height (points, at least 20, at most Excel's 409) that shows wrapped texts
    in full; the arguments alternate text, column width: ``row_height(a, 52, b, 60)``."""
    pairs = zip(texts_and_widths[::2], texts_and_widths[1::2], strict=True)
    lines = max(lines_needed(str(t), float(w), font_size) for t, w in pairs)
    height = lines * line_height(font_size) + ROW_PADDING
    return min(max(MIN_ROW_HEIGHT, height), MAX_ROW_HEIGHT)


def lines_that_fit(font_size: float = DEFAULT_FONT_SIZE) -> int:
    """Return how many lines of text the tallest row holds."""
    return int((MAX_ROW_HEIGHT - ROW_PADDING) // line_height(font_size))


def comment_size(text: str) -> tuple[int, int]:
    """Return the (width, height) in pixels of a comment box that shows ``text`` whole, within
    COMMENT_MAX_WIDTH × COMMENT_MAX_HEIGHT."""
    px_per_char = PX_PER_CHAR * COMMENT_FONT_SIZE / DEFAULT_FONT_SIZE
    longest = max((display_width(p) for p in text.split("\n")), default=0.0)
    width = min(max(longest * px_per_char + COMMENT_PADDING, COMMENT_MIN_WIDTH), COMMENT_MAX_WIDTH)
    chars = (width - COMMENT_PADDING) / PX_PER_CHAR + CELL_PADDING
    lines = lines_needed(text, chars, COMMENT_FONT_SIZE)
    height = lines * line_height(COMMENT_FONT_SIZE) * PX_PER_PT + COMMENT_PADDING
    return int(width), int(min(max(height, COMMENT_MIN_HEIGHT), COMMENT_MAX_HEIGHT))
