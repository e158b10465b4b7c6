"""What the app remembers between runs (QSettings): each page's own fields, the default output
folder, fonts, recent files and where the window was."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from ..viewmodels.window_state import Rect

ORGANIZATION = "nianbao"
APPLICATION = "年报助手"
MAX_RECENT = 10
OUTPUT_KEY = "paths/default_output"
RULES_KEY = "rules/file"
# Keys written before each page kept its own fields: read as that page's until it stores its
# own. "paths/output" was the 设置 folder, but 生成填报表 overwrote it with every workbook it
# wrote, so what it holds is that page's last folder: it is not the default output folder.
LEGACY: dict[tuple[str, str], str] = {
    ("template", "unit"): "unit/name",
    ("template", "kind"): "unit/kind",
    ("template", "year"): "unit/year",
    ("template", "folder"): "paths/output",
}


class PageFields:
    """What one page remembers of its own fields (its unit, year, folder ...), kept apart from
    every other page's: a page reads back only what it stored itself."""

    def __init__(self, settings: Settings, page: str) -> None:
        self._settings = settings
        self._page = page

    def _key(self, name: str) -> str:
        return f"pages/{self._page}/{name}"

    def text(self, name: str) -> str:
        """Return the text stored under ``name`` ("" when none)."""
        return self._settings._text(self._key(name), LEGACY.get((self._page, name), ""))

    def number(self, name: str) -> int | None:
        """Return the whole number stored under ``name``, or None."""
        text = self.text(name)
        return int(text) if text.isdigit() else None

    def folder(self, name: str) -> Path | None:
        """Return the folder stored under ``name`` while it still exists, else None."""
        text = self.text(name)
        return Path(text) if text and Path(text).is_dir() else None

    def set(self, name: str, value: str | int | Path | None) -> None:
        """Remember ``value`` under ``name`` (None forgets it)."""
        self._settings._set(self._key(name), "" if value is None else str(value))


class Settings:
    """Typed access to QSettings; every value has a default, bad stored values are ignored."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings(ORGANIZATION, APPLICATION)

    def _text(self, key: str, legacy: str = "") -> str:
        value = self._store.value(key)
        if value is None and legacy:  # not stored under its own key yet: the old key's value
            value = self._store.value(legacy)
        return value if isinstance(value, str) else ""

    def _set(self, key: str, value) -> None:
        self._store.setValue(key, value)
        self._store.sync()

    def page(self, name: str) -> PageFields:
        """Return what the page ``name`` ("template", "rollup" ...) remembers of its fields."""
        return PageFields(self, name)

    # -- folders ------------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path | None:
        """The folder outputs go to by default, chosen in 设置 and nowhere else (None: beside
        the input, or the home folder)."""
        text = self._text(OUTPUT_KEY)
        return Path(text) if text and Path(text).is_dir() else None

    @output_dir.setter
    def output_dir(self, value: Path | None) -> None:
        self._set(OUTPUT_KEY, str(value) if value else "")

    @property
    def last_dir(self) -> Path:
        """The folder the last file dialog was in (for the next one)."""
        text = self._text("paths/last")
        return Path(text) if text and Path(text).is_dir() else Path.home()

    @last_dir.setter
    def last_dir(self, value: Path) -> None:
        self._set("paths/last", str(value))

    # -- local rules --------------------------------------------------------------------------
    @property
    def rules_file(self) -> Path | None:
        """The local rule pack (本地规则.toml) the window's check, report and rollup apply, chosen
        in 设置 (None: the format's rules only). Kept when the file is gone, so that the next
        check says so rather than quietly checking without it."""
        text = self._text(RULES_KEY)
        return Path(text) if text else None

    @rules_file.setter
    def rules_file(self, value: Path | None) -> None:
        self._set(RULES_KEY, str(value) if value else "")

    # -- the window ---------------------------------------------------------------------------
    @property
    def window_geometry(self) -> Rect | None:
        """Where the window was last (its contents, not maximized), or None."""
        return Rect.parse(self._text("window/geometry"))

    @window_geometry.setter
    def window_geometry(self, value: Rect) -> None:
        self._set("window/geometry", value.text())

    @property
    def window_maximized(self) -> bool:
        return self._text("window/maximized") == "1"

    @window_maximized.setter
    def window_maximized(self, value: bool) -> None:
        self._set("window/maximized", "1" if value else "0")

    # -- Word fonts ---------------------------------------------------------------------------
    @property
    def font_set(self) -> str:
        """ "standard" (公文标准字体) or "common" (宋体/仿宋/楷体 where those are missing)."""
        value = self._text("fonts/set") or "standard"
        return value if value in ("standard", "common") else "standard"

    @font_set.setter
    def font_set(self, value: str) -> None:
        self._set("fonts/set", value)

    @property
    def font_overrides(self) -> dict[str, str]:
        """Font per role (title, body, ...) chosen in the settings dialog."""
        out = {}
        for item in self._text("fonts/overrides").split(";"):
            role, sep, font = item.partition("=")
            if sep and role.strip() and font.strip():
                out[role.strip()] = font.strip()
        return out

    @font_overrides.setter
    def font_overrides(self, value: dict[str, str]) -> None:
        self._set("fonts/overrides", ";".join(f"{k}={v}" for k, v in value.items() if v))

    def fonts(self):
        """Return the FontSet for exports (core object, same as the CLI's --fonts/--font)."""
        from nianbao.converters.word_styles import FontSet

        fonts = FontSet.common() if self.font_set == "common" else FontSet()
        return fonts.with_overrides(self.font_overrides)

    # -- recent files -------------------------------------------------------------------------
    def recent(self, group: str) -> list[Path]:
        """Return the recent files of one kind ("workbook", "roster", "inbox", ...), newest first,
        leaving out those that no longer exist."""
        value = self._store.value(f"recent/{group}", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [Path(v) for v in value if isinstance(v, str) and v and Path(v).exists()]

    def add_recent(self, group: str, path: Path) -> None:
        items = [str(path)] + [str(p) for p in self.recent(group) if p != path]
        self._set(f"recent/{group}", items[:MAX_RECENT])
