"""Draw the app icon: write desktop/gui/icons/nianbao.png and installer/windows/nianbao.ico.

The icon is drawn with Qt (a red seal-like square with 年报 in white) so that it needs no image
tools and can be redrawn the same way. Both outputs are kept in git; run this only to change them:

    QT_QPA_PLATFORM=offscreen python installer/make_icon.py

The text needs a CJK font (Debian: fonts-noto-cjk); without one the script refuses to draw.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter

REPO = Path(__file__).resolve().parent.parent
PNG = REPO / "nianbao" / "desktop" / "gui" / "icons" / "nianbao.png"
ICO = REPO / "installer" / "windows" / "nianbao.ico"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SMALL = 24  # up to this size the icon shows 年 alone
RED = "#b3261e"  # the accent colour of the app's navigation (desktop/gui/app.py)


def draw(size: int, family: str) -> QImage:
    """Return the icon drawn at ``size`` × ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = size * 0.06
    box = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(RED))
    painter.drawRoundedRect(box, size * 0.16, size * 0.16)
    font = QFont(family)
    font.setBold(True)
    painter.setPen(QColor("white"))
    if size <= SMALL:  # two characters at 16–24 px are a blur: one, larger
        font.setPixelSize(round(size * 0.7))
        painter.setFont(font)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "年")
        painter.end()
        return image
    font.setPixelSize(max(6, round(size * 0.36)))
    painter.setFont(font)
    top, bottom = QRectF(box), QRectF(box)
    top.setBottom(box.center().y() + size * 0.02)
    bottom.setTop(box.center().y() - size * 0.02)
    painter.drawText(top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, "年")
    painter.drawText(bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "报")
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """Return ``image`` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(images: list[QImage]) -> bytes:
    """Return a Windows .ico holding each image as PNG (understood since Windows Vista)."""
    payloads = [png_bytes(image) for image in images]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for image, payload in zip(images, payloads, strict=True):
        side = image.width() if image.width() < 256 else 0  # 0 means 256 in an .ico entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
    return header + entries + b"".join(payloads)


def main() -> int:
    """Draw both files; return 2 when no CJK font is installed."""
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts need a running application
    families = [f for f in QFontDatabase.families() if "CJK SC" in f or "Noto Sans SC" in f]
    if not families:
        print(
            "错误：没有找到中文字体，无法绘制图标。\n怎么办：安装 fonts-noto-cjk 后重试。",
            file=sys.stderr,
        )
        return 2
    family = sorted(families)[0]
    PNG.parent.mkdir(parents=True, exist_ok=True)
    ICO.parent.mkdir(parents=True, exist_ok=True)
    PNG.write_bytes(png_bytes(draw(256, family)))
    ICO.write_bytes(ico_bytes([draw(size, family) for size in ICO_SIZES]))
    print(f"{PNG.relative_to(REPO)}、{ICO.relative_to(REPO)}（字体 {family}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
