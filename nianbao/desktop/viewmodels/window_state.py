"""Where the main window opens, without Qt: inside the free part of a screen (what the taskbar
leaves), at the size and place it had last time when that still fits there.

A window's geometry is that of its contents; the window manager's frame (title bar, borders)
comes around it and is not known before the window is shown, so the frame is allowed for as
``Frame`` and checked again once shown (``keep_inside``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SIZE = (1280, 800)  # on a screen with room for it; a laptop's (1366×768) gets all its width


@dataclass(frozen=True)
class Rect:
    """A rectangle in screen pixels (device-independent, as Qt's geometry)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def contains(self, other: Rect) -> bool:
        """Return whether ``other`` lies wholly inside this rectangle."""
        return (
            other.x >= self.x
            and other.y >= self.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def text(self) -> str:
        """Return the rectangle as stored in the settings: "x,y,width,height"."""
        return f"{self.x},{self.y},{self.width},{self.height}"

    @classmethod
    def parse(cls, text: str) -> Rect | None:
        """Return the rectangle stored as ``text``, or None when it is not one (or empty)."""
        parts = text.split(",")
        try:
            x, y, width, height = (int(p) for p in parts)
        except ValueError:
            return None
        return cls(x, y, width, height) if width > 0 and height > 0 else None


@dataclass(frozen=True)
class Frame:
    """The window manager's frame around the contents: borders and the title bar. The default
    is larger than most (Windows 10: 8 and 31; UOS and Kylin: about 40 on top), so that a
    window placed with it fits also before its real frame is known."""

    left: int = 8
    top: int = 40
    right: int = 8
    bottom: int = 8

    def around(self, contents: Rect) -> Rect:
        """Return the rectangle the window takes with its frame."""
        return Rect(
            contents.x - self.left,
            contents.y - self.top,
            contents.width + self.left + self.right,
            contents.height + self.top + self.bottom,
        )

    def within(self, outer: Rect) -> Rect:
        """Return the contents of a window whose frame takes ``outer``."""
        return Rect(
            outer.x + self.left,
            outer.y + self.top,
            outer.width - self.left - self.right,
            outer.height - self.top - self.bottom,
        )


def placement(
    areas: Sequence[Rect],
    primary: Rect,
    saved: Rect | None,
    frame: Frame = Frame(),
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Rect:
    """Return the window's contents rectangle for a start.

    ``areas`` are the free areas of the screens (QScreen.availableGeometry), ``primary`` the
    one a new window goes to. The saved rectangle is used when, with its frame, it lies inside
    one of the areas (a screen since unplugged, or a smaller one, does not have it); otherwise
    ``size``, shrunk to what the primary area leaves inside a frame, centred in it.
    """
    if saved is not None and any(area.contains(frame.around(saved)) for area in areas):
        return saved
    room = frame.within(primary)
    width = min(size[0], room.width)
    height = min(size[1], room.height)
    return Rect(
        room.x + (room.width - width) // 2,
        room.y + (room.height - height) // 2,
        width,
        height,
    )


def keep_inside(outer: Rect, area: Rect) -> Rect | None:
    """Return where a window whose frame takes ``outer`` must go to lie inside ``area``: moved
    in first, made smaller only where it is larger; None when it lies inside already."""
    if area.contains(outer):
        return None
    width = min(outer.width, area.width)
    height = min(outer.height, area.height)
    x = min(max(outer.x, area.x), area.right - width)
    y = min(max(outer.y, area.y), area.bottom - height)
    return Rect(x, y, width, height)
