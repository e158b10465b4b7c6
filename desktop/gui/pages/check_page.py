"""Placeholder: being written (issue 5)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ..page import Page, page_header


class CheckPage(Page):
    def __init__(self, window) -> None:
        super().__init__(window)
        page_header(QVBoxLayout(self), "CheckPage", "")
