"""The main window: four tasks on the left, the current one on the right, jobs in the status bar."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from ..viewmodels.file_kinds import dropped_elsewhere
from ..viewmodels.window_state import Rect, keep_inside, placement
from . import dialogs
from .page import REFUSAL_MS, Page
from .pages import PAGES
from .settings import Settings
from .widgets import dropped_paths, fill_recent_menu
from .worker import Failure, Job, Work

log = logging.getLogger("nianbao")

APP_TITLE = "年报助手"


class MainWindow(QMainWindow):
    """Navigation list + stacked pages (created on first use) + menus + job status bar.

    It is what ``page.PageHost`` says a page needs; the pages know it only as that.
    """

    job_started = Signal(object)
    job_ended = Signal(object)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.pages: dict[str, Page] = {}
        self.jobs: list[Job] = []
        self._guide: QDialog | None = None  # the user guide, once opened
        self._placed_on_screen = False  # checked once shown, when the real frame is known
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.nav = QListWidget(central)
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(176)
        self.nav.setIconSize(QSize(0, 0))
        for number, entry in enumerate(PAGES, start=1):
            item = QListWidgetItem(f"{number}  {entry.title}")
            item.setToolTip(entry.hint)
            item.setSizeHint(QSize(160, 52))
            self.nav.addItem(item)
        self.stack = QStackedWidget(central)
        for _ in PAGES:
            self.stack.addWidget(QWidget(self.stack))  # placeholders until first shown
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.show_page)

        self._build_status_bar()
        self._build_menus()
        self.nav.setCurrentRow(0)
        self._place()

    # -- where the window is -------------------------------------------------------------------
    def _place(self) -> None:
        """Open where the window was last time if that fits a screen now, else at the default
        size shrunk to the primary screen's free area (what its taskbar leaves), centred."""
        primary = QGuiApplication.primaryScreen()
        if primary is None:
            return
        areas = [_rect(s.availableGeometry()) for s in QGuiApplication.screens()]
        place = placement(areas, _rect(primary.availableGeometry()), self.settings.window_geometry)
        self.setGeometry(QRect(place.x, place.y, place.width, place.height))
        if self.settings.window_maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._placed_on_screen:
            self._placed_on_screen = True
            QTimer.singleShot(0, self.keep_on_screen)

    def keep_on_screen(self) -> None:
        """Move the window, frame and all, into its screen's free area (smaller only if it
        must): the frame the window manager put around it may be larger than allowed for."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        inside = keep_inside(_rect(frame), _rect(screen.availableGeometry()))
        if inside is None:
            return
        contents = self.geometry()
        extra_width = frame.width() - contents.width()
        extra_height = frame.height() - contents.height()
        self.resize(inside.width - extra_width, inside.height - extra_height)
        self.move(inside.x, inside.y)  # move() places the frame

    def _remember_place(self) -> None:
        maximized = self.isMaximized()
        normal = self.normalGeometry() if maximized else self.geometry()
        if normal.isValid() and not normal.isEmpty():
            self.settings.window_geometry = _rect(normal)
        self.settings.window_maximized = maximized

    # -- pages ---------------------------------------------------------------------------------
    def page(self, key: str) -> Page:
        """Return the page for ``key``, creating it (and importing its module) on first use."""
        if key not in self.pages:
            index = [e.key for e in PAGES].index(key)
            entry = PAGES[index]
            module = importlib.import_module(f".pages.{entry.module}", __package__)
            page: Page = getattr(module, entry.cls)(self)
            page.file_opened.connect(self._file_opened)
            old = self.stack.widget(index)
            if old is not None:  # the placeholder made at start
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(index, page)
            self.pages[key] = page
        return self.pages[key]

    def show_page(self, index: int) -> Page:
        entry = PAGES[index]
        page = self.page(entry.key)
        self.stack.setCurrentIndex(index)
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
        self._file_opened(page.current_file())
        return page

    def go(self, key: str) -> Page:
        """Switch to the page ``key`` and return it."""
        return self.show_page([e.key for e in PAGES].index(key))

    def current_page(self) -> Page:
        return self.page(PAGES[self.stack.currentIndex()].key)

    def _file_opened(self, path: Path | None) -> None:
        self.setWindowTitle(f"{path.name} — {APP_TITLE}" if path else APP_TITLE)
        if path is not None:
            self.setWindowFilePath(str(path))

    def open_files(self, paths: list[Path], *, here: bool = True) -> None:
        """Hand files to the current page (when ``here``: a drop on the window), else to the page
        that takes them: folders and several files to 汇总, a workbook to 校验 (also the files
        named when the app starts, or opened with it from the file manager)."""
        if not paths:
            return
        if here and self.current_page().open_files(paths):
            return
        target = "rollup" if paths[0].is_dir() or len(paths) > 1 else "check"
        if not self.go(target).open_files(paths):
            self.statusBar().showMessage(dropped_elsewhere(paths[0]), REFUSAL_MS)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.open_files(dropped_paths(event))
        event.acceptProposedAction()

    # -- menus ---------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        open_action = QAction("打开填报表并校验(&O)…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._choose_workbook)
        file_menu.addAction(open_action)
        self.recent_menu = file_menu.addMenu("最近的文件(&R)")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        task_menu = bar.addMenu("任务(&T)")
        for number, entry in enumerate(PAGES, start=1):
            action = QAction(f"{entry.title}(&{number})", self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, key=entry.key: self.go(key))
            task_menu.addAction(action)

        settings_action = QAction("设置(&S)…", self)
        settings_action.triggered.connect(self.edit_settings)
        bar.addMenu("设置(&S)").addAction(settings_action)

        help_menu = bar.addMenu("帮助(&H)")
        guide = QAction("使用说明(&G)", self)
        guide.setShortcut(QKeySequence.StandardKey.HelpContents)
        guide.triggered.connect(self.show_guide)
        help_menu.addAction(guide)
        help_menu.addSeparator()
        logs = QAction("打开日志文件夹(&L)", self)
        logs.triggered.connect(self._open_logs)
        help_menu.addAction(logs)
        about = QAction("关于年报助手(&A)", self)
        about.triggered.connect(lambda: dialogs.show_about(self))
        help_menu.addAction(about)

    def _choose_workbook(self) -> None:
        page = self.go("check")
        choose = getattr(page, "choose_workbook", None)  # the 校验 page's file dialog
        if choose is not None:
            choose()

    def _fill_recent(self) -> None:
        fill_recent_menu(
            self.recent_menu,
            self.settings.recent("workbook"),
            lambda path: self.go("check").open_files([path]),
        )

    def _open_logs(self) -> None:
        from nianbao.applog import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        dialogs.open_path(self, folder)

    def show_guide(self) -> None:
        """Show the user guide (shipped with the program: no browser, no network)."""
        from .guide import GuideDialog

        if self._guide is None:
            self._guide = GuideDialog(self)
        self._guide.show()
        self._guide.raise_()
        self._guide.activateWindow()

    def edit_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        SettingsDialog(self.settings, self).exec()

    # -- jobs ----------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_label = QLabel(bar)
        self.progress = QProgressBar(bar)
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("取消", bar)
        self.cancel_button.clicked.connect(self.cancel_jobs)
        for widget in (self.job_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
            widget.hide()

    def start_job(
        self,
        work: Work,
        label: str,
        on_done: Callable[[Any], None],
        *,
        cancellable: bool = False,
    ) -> Job:
        job = Job(work, label, self)
        job.progressed.connect(self._job_progress)
        job.succeeded.connect(lambda result: self._job_done(job, on_done, result))
        job.failed.connect(lambda failure: dialogs.show_failure(self, f"{label}失败", failure))
        job.was_cancelled.connect(lambda: self.statusBar().showMessage(f"已取消：{label}", 8000))
        job.finished.connect(lambda: self._job_finished(job))
        self.jobs.append(job)
        self.job_label.setText(f"{label}…")
        self.progress.setValue(0)
        self.progress.setRange(0, 0)  # busy until the first progress report
        for widget in (self.job_label, self.progress):
            widget.show()
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        self.job_started.emit(job)
        job.start()
        return job

    def _job_progress(self, fraction: float, message: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * min(max(fraction, 0.0), 1.0)))
        if message:
            self.job_label.setText(message[:60])

    def _job_done(self, job: Job, on_done: Callable[[Any], None], result: Any) -> None:
        try:
            on_done(result)
        except Exception as exc:  # a fault in showing a result must not kill the window
            dialogs.show_failure(self, f"{job.label}失败", Failure.from_exception(exc))

    def _job_finished(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        if not self.jobs:
            for widget in (self.job_label, self.progress, self.cancel_button):
                widget.hide()
        self.job_ended.emit(job)
        job.deleteLater()

    def cancel_jobs(self) -> None:
        self.cancel_button.setEnabled(False)
        self.job_label.setText("正在取消…")
        for job in self.jobs:
            job.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.jobs:
            answer = QMessageBox.question(
                self,
                "正在处理",
                f"“{self.jobs[0].label}”还没有完成。要取消它并退出吗？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for job in list(self.jobs):
                job.cancel()
                job.wait(30_000)
        self._remember_place()
        event.accept()


def _rect(rect: QRect) -> Rect:
    return Rect(rect.x(), rect.y(), rect.width(), rect.height())
