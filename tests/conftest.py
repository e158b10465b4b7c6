"""Shared fixtures: specs, the built-in sample, and workbooks built from it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

# The desktop app's tests run without a display; screenshots use Xvfb explicitly.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nianbao.workbook_templates import TemplateRequest, build_template, load_spec
from nianbao.workbook_templates.sample import sample_request

REPO = Path(__file__).resolve().parent.parent
# Real report texts found on the web (see tests/data/seeds/README.md), kept with the tests so a
# clean checkout runs them.
SEEDS = REPO / "tests" / "data" / "seeds"


@pytest.fixture(scope="session")
def spec2021():
    return load_spec("2021")


@pytest.fixture(scope="session")
def spec2019():
    return load_spec("2019")


@pytest.fixture
def sample() -> TemplateRequest:
    """The built-in 2025 sample (青禾镇人民政府): passes every rule."""
    return sample_request(2025)


@pytest.fixture
def build(tmp_path):
    """Return a function that builds a workbook from a request (with optional value changes)."""
    counter = iter(range(10_000))

    def _build(request: TemplateRequest, name: str | None = None, **changes) -> Path:
        if changes:
            values = dict(request.values)
            values.update(changes.pop("values", {}))
            request = replace(request, values=values, **changes)
        path = tmp_path / (name or f"wb{next(counter)}.xlsx")
        return build_template(path, request)

    return _build


@pytest.fixture
def sample_path(build, sample) -> Path:
    return build(sample, "sample.xlsx")


@pytest.fixture
def previous_path(build) -> Path:
    return build(sample_request(2024), "previous.xlsx")


def _libreoffice_available() -> bool:
    if not shutil.which("soffice"):
        return False
    try:
        subprocess.run(["/usr/bin/python3", "-c", "import uno"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


@pytest.fixture(scope="session")
def libreoffice_ok() -> None:
    """Skip (or, in CI, fail) when LibreOffice and its Python bridge are not installed."""
    if _libreoffice_available():
        return
    message = "LibreOffice (soffice) with python3-uno is not installed"
    if os.environ.get("NIANBAO_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(message + " but NIANBAO_REQUIRE_LIBREOFFICE=1")
    pytest.skip(message)


def pytest_collection_modifyitems(items) -> None:
    """Mark every test that starts LibreOffice (it uses ``libreoffice_ok``) as ``libreoffice``
    and ``slow``: starting soffice alone takes seconds, so ``-m "not slow"`` never waits for it."""
    for item in items:
        if "libreoffice_ok" in item.fixturenames or item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.libreoffice)
            item.add_marker(pytest.mark.slow)


def pytest_addoption(parser):
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite the golden files under tests/golden/ from the current builder",
    )


# -- the desktop app ---------------------------------------------------------------------------


class DialogRecorder:
    """Stands in for the app's modal dialogs (a view), recording what they would have shown.

    ``overwrite`` decides what choose_output answers for an existing file: "numbered" (the
    dialog's default button), "overwrite" or "cancel".
    """

    def __init__(self) -> None:
        self.failures: list[tuple[str, object]] = []
        self.opened: list[Path] = []
        self.asked: list[Path] = []
        self.texts: list[tuple[str, list[str]]] = []  # (title, lines) of show_text
        self.overwrite = "numbered"
        self.questions: list[tuple[str, str]] = []  # (title, text) of confirm
        self.confirm_answer = True

    def confirm(self, parent, title, text, yes) -> bool:
        self.questions.append((title, text))
        return self.confirm_answer

    def show_text(self, parent, title, lines) -> None:
        self.texts.append((title, list(lines)))

    def show_failure(self, parent, title, failure) -> None:
        self.failures.append((title, failure))

    def open_path(self, parent, path) -> bool:
        self.opened.append(Path(path))
        return True

    def choose_output(self, parent, path):
        from nianbao.files import numbered_path

        path = Path(path)
        if not path.exists():
            return path
        self.asked.append(path)
        return {"numbered": numbered_path(path), "overwrite": path}.get(self.overwrite)


class GuiHarness:
    """The main window under test, its settings and the recorded dialogs."""

    def __init__(self, window, dialogs: DialogRecorder, settings, qtbot) -> None:
        self.window = window
        self.dialogs = dialogs
        self.settings = settings
        self.qtbot = qtbot

    def wait_jobs(self, timeout: int = 120_000) -> None:
        """Wait until every background job has ended and its result has been shown."""
        self.qtbot.waitUntil(lambda: not self.window.jobs, timeout=timeout)
        self.qtbot.wait(50)  # let queued result signals reach their slots


@pytest.fixture
def gui(qtbot, tmp_path, monkeypatch):
    """The desktop app's main window with fresh settings, its dialogs recorded, logs in tmp."""
    from PySide6.QtCore import QSettings

    from nianbao.desktop.gui import dialogs
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    recorder = DialogRecorder()
    for name in ("show_failure", "open_path", "choose_output", "show_text", "confirm"):
        monkeypatch.setattr(dialogs, name, getattr(recorder, name))
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    harness = GuiHarness(window, recorder, settings, qtbot)
    yield harness
    for job in list(window.jobs):
        job.cancel()
        job.wait(60_000)
    qtbot.wait(10)
