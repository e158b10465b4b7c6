"""What a file dropped or chosen in a box of a page is, and where it belongs, without Qt.

Each box that takes files says what it takes (``Box``). A file it does not take is refused
with a sentence naming what the file is (by its extension: a Word document, a PDF ...) and the
box of the same page that does take it, instead of being read as the wrong thing ("是压缩包，
但不是 Excel 工作簿") and remembered among the recent files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# What a file is, by extension, in the words the clerk's file manager uses.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Excel 工作簿", (".xlsx", ".xlsm")),
    ("表格文件", (".xls", ".et", ".ett", ".ods", ".csv", ".xltx")),
    ("Word 文档", (".docx", ".doc", ".docm", ".dotx", ".wps", ".wpt", ".odt", ".rtf")),
    ("PDF 文件", (".pdf",)),
    ("OFD 文件", (".ofd",)),
    ("网页文件", (".html", ".htm", ".mht", ".mhtml")),
    ("文本文件", (".txt", ".md")),
    ("压缩包", (".zip", ".rar", ".7z")),
    ("图片", (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff")),
)
# Printed or scanned copies: their words cannot be read back, the original file is needed (a
# text PDF is read as a narrative, but never as a workbook).
PRINTED = {".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff"}


@dataclass(frozen=True)
class Box:
    """A box on a page that takes a file (or a folder).

    ``label`` is its caption without the colon and mnemonic ("正文"), ``noun`` what it holds
    ("填报表"), ``takes`` the same in full for a sentence ("填好的填报表（.xlsx）").
    """

    label: str
    noun: str
    takes: str
    suffixes: tuple[str, ...] = ()
    folder: bool = False

    def accepts(self, path: Path) -> bool:
        """Return whether the box takes ``path`` by its kind (not whether it can be read)."""
        if path.is_dir():
            return self.folder
        if self.folder:
            return False
        return not self.suffixes or path.suffix.lower() in self.suffixes


def kind_of(path: Path) -> str | None:
    """Return what the file is by its extension ("Word 文档"), or None when it is not known."""
    suffix = path.suffix.lower()
    return next((kind for kind, suffixes in KINDS if suffix in suffixes), None)


def _is(kind: str) -> str:
    """Return "是" and the kind, a space between them before Latin letters ("是 Word 文档")."""
    return f"是 {kind}" if kind[:1].isascii() else f"是{kind}"


def refusal(path: Path, box: Box, others: Sequence[Box] = ()) -> str | None:
    """Return why ``box`` does not take ``path`` and where it belongs (a box among ``others``,
    the page's other boxes), or None when the box takes it."""
    if box.accepts(path):
        return None
    # A file on a folder's box is most likely one of the files meant to be in that folder.
    elsewhere = () if box.folder else others
    target = next((other for other in elsewhere if other.accepts(path)), None)
    if path.is_dir():
        what = "是文件夹"
    elif box.folder:
        what = "是文件，不是文件夹"
    else:
        kind = kind_of(path)
        what = f"{_is(kind)}，不是{box.noun}" if kind else f"不是{box.noun}"
    if target is not None:
        return f"“{path.name}”{what}，请放到「{target.label}」一栏。"
    advice = ""
    if path.suffix.lower() in PRINTED:
        advice = "打印或扫描的文件读不出文字，请使用原来的 Word 或 Excel 文件。"
    return f"“{path.name}”{what}：「{box.label}」一栏放{box.takes}。{advice}"


def dropped_elsewhere(path: Path) -> str:
    """Return what a file dropped on the window that no page took is, and what the window
    takes."""
    kind = kind_of(path)
    what = "是文件夹" if path.is_dir() else (_is(kind) if kind else "不是填报表")
    return (
        f"不能打开“{path.name}”：它{what}。请拖入 .xlsx 填报表，或存放收回报表的文件夹；"
        "正文请放到“校验”或“生成报告”页的正文一栏。"
    )
