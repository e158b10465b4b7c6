"""The installers: installer/build.py, the frozen bundle, the .deb and the Windows NSIS script.

The slow tests build the bundle and the .deb once per session (about a minute) and run the
frozen program the way an office would: from the package's own tree, with the working folder
in a temporary directory and a clean environment (no PYTHONPATH), so that it cannot import this
source tree. Tools the tests need (PyInstaller, dpkg-deb, makensis, unshare, strace, xvfb-run)
make a test skip when missing, or fail when NIANBAO_REQUIRE_INSTALLER=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from nianbao.workbook_templates import build_template
from nianbao.workbook_templates.sample import sample_request

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "installer" / "build.py"
NSIS_SCRIPT = REPO / "installer" / "windows" / "nianbao.nsi"
sys.path.insert(0, str(REPO / "installer"))
import build as installer_build  # noqa: E402 - installer/ is not a package

LINUX = sys.platform.startswith("linux")


def need(ok: bool, what: str) -> None:
    """Skip the test when ``what`` is missing, or fail under NIANBAO_REQUIRE_INSTALLER=1."""
    if ok:
        return
    if os.environ.get("NIANBAO_REQUIRE_INSTALLER") == "1":
        pytest.fail(f"{what} is not available but NIANBAO_REQUIRE_INSTALLER=1")
    pytest.skip(f"{what} is not available")


def run_build(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BUILD), *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        check=False,
    )


# -- build.py's answers to bad input (fast) ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["mac"], "没有目标 'mac'"),
        ([], "没有指定目标"),
        (["windows"] if LINUX else ["linux"], "当前系统不能构建"),
    ],
    ids=["unknown-target", "no-target", "other-system"],
)
def test_build_refuses_bad_target_in_chinese(args, says, tmp_path):
    out = tmp_path / "out"
    proc = run_build(*args, "--out", str(out))
    assert proc.returncode == 2
    assert says in proc.stderr
    assert "怎么办：" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()  # nothing was built or created


def test_build_windows_on_linux_points_to_the_workflow(tmp_path):
    if not LINUX:
        pytest.skip("the message for building the Windows package on Linux")
    proc = run_build("windows", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "windows-installer.yml" in proc.stderr


def test_build_does_not_write_into_a_foreign_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "报告.docx").write_bytes(b"clerk's file")
    proc = run_build("linux" if LINUX else "windows", "--out", str(out))
    assert proc.returncode == 2
    assert "为免覆盖" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["报告.docx"]


def test_build_help_says_it_replaces_its_own_outputs():
    proc = run_build("--help")
    assert proc.returncode == 0
    assert "替换" in proc.stdout


def test_glibc_floor_is_the_newest_version_needed(tmp_path):
    a, b = tmp_path / "a.so", tmp_path / "b.so"
    a.write_bytes(b"\x7fELF...GLIBC_2.17\x00GLIBC_2.34\x00GLIBC_PRIVATE\x00")
    b.write_bytes(b"\x7fELF...GLIBC_2.4\x00GLIBC_2.9\x00")
    assert installer_build.glibc_floor([a, b]) == "2.34"
    assert installer_build.glibc_floor([b]) == "2.9"


# -- Windows: the NSIS script compiles (with makensis from Debian's nsis) -------------------------


def stand_in_bundle(folder: Path, *, without: str | None = None) -> Path:
    """Write a stand-in for the Windows bundle: the two programs and a library folder."""
    bundle = folder / "nianbao"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    for name in ("nianbao.exe", "nianbao-gui.exe"):
        if name != without:
            (bundle / name).write_bytes(b"MZ stand-in " + name.encode())
    (bundle / "_internal" / "python311.dll").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "PySide6" / "中文名.txt").write_text("stand-in", encoding="utf-8")
    return bundle


def makensis() -> str:
    found = installer_build.find_makensis()
    need(found is not None, "makensis (Debian package nsis)")
    return found


def test_nsis_script_compiles_against_a_stand_in_payload(tmp_path):
    tool = makensis()
    bundle = stand_in_bundle(tmp_path)
    setup = tmp_path / "nianbao-0.1.0-setup.exe"
    cmd = installer_build.nsis_command(tool, bundle, setup, installer_build.project_version())
    assert "-WX" in cmd  # a warning is a failure
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = setup.read_bytes()
    assert data[:2] == b"MZ"
    assert b"Nullsoft" in data or b"NSIS" in data


def test_nsis_script_fails_without_the_windowed_program(tmp_path):
    tool = makensis()
    bundle = stand_in_bundle(tmp_path, without="nianbao-gui.exe")
    setup = tmp_path / "setup-missing.exe"
    proc = subprocess.run(
        installer_build.nsis_command(tool, bundle, setup, "0.1.0"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "nianbao-gui.exe" in proc.stdout + proc.stderr
    assert not setup.exists()


def test_nsis_script_installs_per_user_in_chinese():
    script = NSIS_SCRIPT.read_text(encoding="utf-8")
    assert "Unicode true" in script
    assert re.search(r"^RequestExecutionLevel user$", script, re.M)
    assert re.search(r'^InstallDir "\$LOCALAPPDATA\\Programs\\nianbao"$', script, re.M)
    assert '!insertmacro MUI_LANGUAGE "SimpChinese"' in script
    assert "HKLM" not in script  # per-user: nothing machine-wide
    assert re.search(r'WriteRegStr HKCU "\$\{UNINST_KEY\}" "UninstallString"', script)
    assert "$SMPROGRAMS" in script and "$DESKTOP" in script
    assert "WriteUninstaller" in script


# -- the Linux bundle and .deb (slow: built once per session) -------------------------------------


@dataclass(frozen=True)
class Built:
    out: Path
    bundle: Path
    deb: Path
    tree: Path  # the .deb extracted with dpkg-deb -x: what dpkg would install
    seconds: float

    @property
    def program(self) -> Path:
        return self.tree / "opt" / "nianbao" / "nianbao"


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    """Build the bundle and the .deb with installer/build.py, and extract the .deb."""
    if not LINUX:
        pytest.skip("the .deb is built on Linux")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        need(False, "PyInstaller")
    need(shutil.which("dpkg-deb") is not None, "dpkg-deb")
    out = tmp_path_factory.mktemp("installer") / "dist"
    start = time.perf_counter()
    proc = run_build("linux", "--out", str(out), cwd=tmp_path_factory.mktemp("cwd"))
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(f"\ninstaller/build.py linux took {seconds:.0f} s")
    debs = list(out.glob("nianbao_*.deb"))
    assert len(debs) == 1
    tree = out.parent / "tree"
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tree)], check=True)
    return Built(out, out / "nianbao", debs[0], tree, seconds)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Return an environment as a fresh desktop session would have: no PYTHONPATH, no venv."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


def frozen(program: Path, *args: str, cwd: Path, timeout: float = 300, prefix=(), **env):
    """Run the frozen program from ``cwd`` in a clean environment."""
    return subprocess.run(
        [*prefix, str(program), *args],
        cwd=cwd,
        env=clean_env(cwd, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def away(tmp_path) -> Path:
    """A working folder far from the source tree."""
    folder = tmp_path / "office"
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_deb_control_and_layout(built):
    info = subprocess.run(
        ["dpkg-deb", "-f", str(built.deb)], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(re.findall(r"^(\S+): (.*)$", info, re.M))
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert fields["Package"] == "nianbao"
    assert fields["Version"] == installer_build.project_version()
    assert fields["Architecture"] == arch
    assert re.search(r"libc6 \(>= 2\.\d+\)", fields["Depends"])
    installed = installer_build.folder_size(built.tree) / 1024
    assert abs(int(fields["Installed-Size"]) - installed) <= 0.02 * installed

    # No maintainer scripts: dpkg alone tracks every file, so removing leaves nothing behind.
    control = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(built.deb)], capture_output=True, check=True
    ).stdout
    assert b"postinst" not in control and b"prerm" not in control and b"postrm" not in control

    listing = subprocess.run(
        ["dpkg-deb", "-c", str(built.deb)], capture_output=True, text=True, check=True
    ).stdout
    paths = [line.split()[5].removeprefix(".") for line in listing.splitlines()]
    allowed = ("/opt/nianbao", "/usr/bin/nianbao", "/usr/share/")
    assert all(p in ("/", "/opt/", "/usr/", "/usr/bin/") or p.startswith(allowed) for p in paths)

    for name in ("nianbao", "nianbao-gui"):
        link = built.tree / "usr" / "bin" / name
        assert link.is_symlink() and os.readlink(link) == "/opt/nianbao/nianbao"
    assert os.access(built.program, os.X_OK)

    entry = (built.tree / "usr/share/applications/nianbao.desktop").read_text(encoding="utf-8")
    assert "Name=年报助手" in entry
    assert "Exec=/opt/nianbao/nianbao gui %F" in entry
    assert "Icon=nianbao" in entry
    icon = (built.tree / "usr/share/icons/hicolor/256x256/apps/nianbao.png").read_bytes()
    assert icon[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", icon[16:24]) == (256, 256)
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(built.tree / "usr/share/applications/nianbao.desktop")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_bundle_leaves_out_what_the_app_does_not_use(built):
    names = {p.name for p in built.bundle.rglob("*")}
    for unwanted in ("numpy", "pandas", "python_calamine", "pytest", "hypothesis", "PIL"):
        assert unwanted not in names
    assert not [n for n in names if n.startswith("libQt6Network")]  # no network code at all
    assert not [n for n in names if n.startswith(("libgtk", "libcairo", "libstdc++"))]
    translations = built.bundle / "_internal" / "PySide6" / "Qt" / "translations"
    assert "qtbase_zh_CN.qm" in {p.name for p in translations.iterdir()}


@pytest.mark.slow
def test_frozen_version_from_the_package_tree(built, away):
    proc = frozen(built.program, "--version", cwd=away)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"年报助手 nianbao {installer_build.project_version()}"


@pytest.mark.slow
def test_frozen_demo_writes_every_file(built, away):
    proc = frozen(built.program, "demo", "-o", "演示", cwd=away)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {p.name for p in (away / "演示").iterdir()}
    assert any(n.endswith("年度报告.docx") for n in names), names
    assert any(n.endswith("年度报告.html") for n in names), names
    assert "示例-有错误的填报表-批注.xlsx" in names  # openpyxl's path, loaded lazily
    assert not (away / "state" / "nianbao" / "error.log").exists()


@pytest.mark.slow
def test_frozen_selftest_loads_from_the_bundle_only(built, away):
    shot = away / "window.png"
    proc = frozen(
        built.program,
        cwd=away,
        NIANBAO_BUNDLE_SELFTEST="1",
        NIANBAO_BUNDLE_SELFTEST_SHOT=str(shot),
    )
    report = json.loads(proc.stdout)
    failed = {k: v for k, v in report.items() if v.get("ok") is False}
    assert proc.returncode == 0 and not failed, json.dumps(failed, ensure_ascii=False)
    internal = built.program.parent / "_internal"
    assert report["modules_from_bundle"]["bundle"] == str(internal)
    assert all(not p.startswith(str(REPO)) for p in report["sys"]["path"])
    assert report["qt"]["cancel_button"] == "取消"  # Qt's own zh_CN translation
    assert report["qt"]["translations"].startswith(str(internal))
    assert shot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
@pytest.mark.gui
def test_frozen_selftest_on_a_real_x_server(built, away):
    need(shutil.which("xvfb-run") is not None, "xvfb-run (Debian package xvfb)")
    proc = frozen(
        built.program,
        cwd=away,
        prefix=("xvfb-run", "-a", "-s", "-screen 0 1280x800x24"),
        NIANBAO_BUNDLE_SELFTEST="1",
        QT_QPA_PLATFORM="xcb",
    )
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["qt"]["platform"] == "xcb"


@pytest.mark.slow
@pytest.mark.gui
@pytest.mark.parametrize("started_as", ["nianbao gui", "nianbao-gui"])
def test_frozen_window_starts_and_keeps_running(built, away, started_as):
    if started_as == "nianbao-gui":
        # As /usr/bin/nianbao-gui does: the same program under the other name.
        program = away / "nianbao-gui"
        program.symlink_to(built.program)
        args: list[str] = []
    else:
        program, args = built.program, ["gui"]
    log = away / "state" / "nianbao" / "nianbao.log"
    proc = subprocess.Popen(
        [str(program), *args],
        cwd=away,
        env=clean_env(away),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and "启动" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        time.sleep(2)  # the window is up; it must still be running (event loop), not have quit
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert "启动" in log.read_text(encoding="utf-8")
    assert not (away / "state" / "nianbao" / "error.log").exists()


def unit_workbooks(folder: Path, count: int) -> list[Path]:
    """Build ``count`` filled sample workbooks of different units (with the source tree)."""
    folder.mkdir()
    base = sample_request(2025)
    return [
        build_template(folder / f"{i:03d}.xlsx", replace(base, unit=f"第{i}镇人民政府"))
        for i in range(1, count + 1)
    ]


@pytest.mark.slow
def test_frozen_check_export_and_rollup(built, away):
    books = unit_workbooks(away / "收表", 26)  # ≥ 24: the rollup reads them in worker processes

    check = frozen(built.program, "check", str(books[0]), "--json", cwd=away)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["valid"] is True

    export = frozen(built.program, "export", str(books[0]), "-o", "年报.docx", "--html", cwd=away)
    assert export.returncode == 0, export.stdout + export.stderr
    assert (away / "年报.docx").stat().st_size > 10_000
    assert (away / "年报.html").exists()

    rollup = frozen(
        built.program, "rollup", "收表", "-o", "汇总.xlsx", "--year", "2025", "--json", cwd=away
    )
    assert rollup.returncode in (0, 1), rollup.stderr  # 1: no roster, units not on one
    result = json.loads(rollup.stdout)
    assert len(result["included"]) == 26
    summary = frozen(built.program, "check", "汇总.xlsx", "--json", cwd=away)
    assert json.loads(summary.stdout)["counts"]["error"] == 0, summary.stdout


# -- no network ----------------------------------------------------------------------------------


def can_unshare_network() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.slow
def test_frozen_demo_works_without_any_network(built, away):
    need(can_unshare_network(), "unshare -n (a new network namespace; needs root)")
    # The namespace really has no way out: only the loopback device, and it is down.
    devices = subprocess.run(
        ["unshare", "-n", "cat", "/proc/self/net/dev"], capture_output=True, text=True, check=True
    ).stdout
    assert [line.split(":")[0].strip() for line in devices.splitlines()[2:]] == ["lo"]
    proc = frozen(built.program, "demo", "-o", "离线", cwd=away, prefix=("unshare", "-n"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert any(p.name.endswith(".docx") for p in (away / "离线").iterdir())


@pytest.mark.slow
def test_frozen_demo_opens_no_network_socket(built, away):
    need(shutil.which("strace") is not None, "strace")
    trace = away / "strace.log"
    proc = frozen(
        built.program,
        "demo",
        "-o",
        "演示",
        cwd=away,
        prefix=("strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace)),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = trace.read_text(encoding="utf-8", errors="replace")
    assert not re.search(r"socket\(AF_INET6?\b|connect\(.*AF_INET", calls), calls


# -- installing with dpkg into a temporary root --------------------------------------------------


@pytest.mark.slow
def test_dpkg_installs_and_purges_leaving_nothing(built, tmp_path):
    root = tmp_path / "root"
    (root / "var" / "lib" / "dpkg" / "updates").mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "info").mkdir()
    (root / "var" / "lib" / "dpkg" / "status").touch()
    dpkg = ["dpkg", f"--root={root}", f"--log={tmp_path / 'dpkg.log'}", "--force-depends"]
    installed = subprocess.run([*dpkg, "-i", str(built.deb)], capture_output=True, text=True)
    need("requested operation requires superuser" not in installed.stderr, "dpkg as root")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    program = root / "opt" / "nianbao" / "nianbao"
    version = frozen(program, "--version", cwd=tmp_path)
    assert version.returncode == 0 and "nianbao" in version.stdout

    purged = subprocess.run([*dpkg, "-P", "nianbao"], capture_output=True, text=True)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    left = sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if not p.is_relative_to(root / "var")
    )
    assert left == []
