"""What the app remembers between runs (QSettings): unit, kind, year, folders, fonts, recents."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "nianbao"
APPLICATION = "年报助手"
MAX_RECENT = 10


class Settings:
    """Typed access to QSettings; every value has a default, bad stored values are ignored."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings(ORGANIZATION, APPLICATION)

    def _text(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return value if isinstance(value, str) else default

    def _set(self, key: str, value) -> None:
        self._store.setValue(key, value)
        self._store.sync()

    # -- unit, kind, year ---------------------------------------------------------------------
    @property
    def unit(self) -> str:
        return self._text("unit/name")

    @unit.setter
    def unit(self, value: str) -> None:
        self._set("unit/name", value)

    @property
    def kind(self) -> str:
        return self._text("unit/kind")

    @kind.setter
    def kind(self, value: str) -> None:
        self._set("unit/kind", value)

    @property
    def year(self) -> int | None:
        text = self._text("unit/year")
        return int(text) if text.isdigit() else None

    @year.setter
    def year(self, value: int) -> None:
        self._set("unit/year", str(value))

    # -- folders ------------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path | None:
        """The folder outputs go to by default (None: beside the input, or the home folder)."""
        text = self._text("paths/output")
        return Path(text) if text and Path(text).is_dir() else None

    @output_dir.setter
    def output_dir(self, value: Path | None) -> None:
        self._set("paths/output", str(value) if value else "")

    @property
    def last_dir(self) -> Path:
        """The folder the last file dialog was in (for the next one)."""
        text = self._text("paths/last")
        return Path(text) if text and Path(text).is_dir() else Path.home()

    @last_dir.setter
    def last_dir(self, value: Path) -> None:
        self._set("paths/last", str(value))

    # -- Word fonts ---------------------------------------------------------------------------
    @property
    def font_set(self) -> str:
        """ "standard" (公文标准字体) or "common" (宋体/仿宋/楷体 where those are missing)."""
        value = self._text("fonts/set", "standard")
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
