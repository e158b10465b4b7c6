"""Qt's own Chinese for its dialogs (file dialogs, message boxes, the buttons 确定/取消).

Qt ships ``qtbase_zh_CN.qm`` (in PySide6's ``Qt/translations``), and it is loaded before any
window opens. Yet Qt's file dialog said "Look in:" and "Files of type:": Qt 6 gave those labels
a mnemonic ("&Look in:", "Files of &type:") and the translation files still have them without
one, so the lookup misses and the English source is shown. ``TranslationGaps`` answers such
strings from the translation of the same words without the mnemonic, the mnemonic added the
way the Chinese ones are written ("查找范围(&L)："), and the few strings Qt 6 moved to another
context from where the translation has them ("Folder": 文件夹).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
# Contexts Qt 6 moved strings out of, the translation files still having them in the old one:
# the file dialog's 类型 column said "Folder" for 文件夹.
MOVED_CONTEXTS = {"QAbstractFileIconProvider": "QFileDialog"}
_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")
_TRAILING_COLON = re.compile(r"[：:]\s*$")


def split_mnemonic(source: str) -> tuple[str, str] | None:
    """Return (the text without its mnemonic, the mnemonic's letter in capitals) for a string
    with one mnemonic ("Files of &type:" → ("Files of type:", "T")), else None."""
    marks = _MNEMONIC.findall(source)
    if len(marks) != 1:
        return None
    return _MNEMONIC.sub(r"\1", source, count=1), marks[0].upper()


def with_mnemonic(translated: str, letter: str) -> str:
    """Return a Chinese label with the mnemonic written after it, before a closing colon:
    ("文件类型：", "T") → "文件类型(&T)："."""
    colon = _TRAILING_COLON.search(translated)
    if colon is None:
        return f"{translated}(&{letter})"
    return f"{translated[: colon.start()]}(&{letter}){translated[colon.start() :]}"


class TranslationGaps(QTranslator):
    """Translates what ``base`` has only in another form: a string with a mnemonic it has
    without one, a string of a context Qt 6 moved it has in the old context."""

    def __init__(self, base: QTranslator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._base = base

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        # None (a null string) lets Qt ask the next translator; "" would be a translation.
        if self._base.translate(context, source_text, disambiguation, n):
            return None
        old = MOVED_CONTEXTS.get(context)
        if old is not None:
            return self._base.translate(old, source_text, disambiguation, n) or None
        split = split_mnemonic(source_text) if "&" in source_text else None
        if split is None:
            return None
        plain, letter = split
        translated = self._base.translate(context, plain, disambiguation, n)
        if not translated or "&" in translated:
            return None
        return with_mnemonic(translated, letter)

    def isEmpty(self) -> bool:
        return False


def install_qt_chinese(app: QCoreApplication) -> list[QTranslator]:
    """Install Qt's Chinese translation and what fills its gaps over it; return what was
    installed (nothing when the translation file is missing, e.g. a trimmed bundle)."""
    base = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not base.load(CHINESE, "qtbase", "_", folder):
        return []
    gaps = TranslationGaps(base, app)
    # Qt asks the translator installed last first: the gaps, which pass on (None) what
    # they do not answer.
    app.installTranslator(base)
    app.installTranslator(gaps)
    return [base, gaps]
