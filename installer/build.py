"""Build the installers of 年报助手: the one-folder bundle, then a .deb (Linux) or a setup .exe
(Windows).

    python installer/build.py linux     # installer/dist/: nianbao/, nianbao_VERSION_ARCH.deb
    python installer/build.py windows   # installer/dist/: nianbao/, nianbao-VERSION-setup.exe

Each run replaces the previous outputs of this script in the output folder (installer/dist, or
--out); it never writes into a folder that holds anything else. Everything is built in a
temporary folder first and moved into place only when complete.

Exit codes: 0 built, 1 the build failed (the tool's own messages are shown), 2 wrong target or
a missing tool (with what to install).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INSTALLER = REPO / "installer"
SPEC = INSTALLER / "nianbao.spec"
NSIS_SCRIPT = INSTALLER / "windows" / "nianbao.nsi"
ICON_PNG = REPO / "nianbao" / "desktop" / "gui" / "icons" / "nianbao.png"
ICON_ICO = INSTALLER / "windows" / "nianbao.ico"
DEFAULT_OUT = INSTALLER / "dist"
# Marks a folder as this script's output, so that a rebuild may replace what is in it.
MARKER = ".nianbao-build-output"
BUNDLE = "nianbao"  # the one-folder bundle's name inside the output folder
INSTALL_DIR = "/opt/nianbao"
DISPLAY_NAME = "年报助手"
MAINTAINER = "年报助手维护组 <nianbao@invalid>"
# Where NSIS installs itself on Windows when it is not on the PATH.
NSIS_FOLDERS = (r"C:\Program Files (x86)\NSIS", r"C:\Program Files\NSIS")

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.0
Name=年报助手
Name[zh_CN]=年报助手
GenericName=政府信息公开年报
Comment=政府信息公开工作年度报告：生成填报表、校验、汇总与生成报告（离线）
Exec={install_dir}/nianbao gui %F
Icon=nianbao
Terminal=false
Categories=Office;
Keywords=年报;政府信息公开;填报表;校验;汇总;
StartupWMClass=nianbao
"""

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: nianbao
Comment: 年报助手. The bundle under {install_dir} also contains Python, Qt (PySide6, LGPLv3),
 python-docx, openpyxl, XlsxWriter, lxml and defusedxml under their own licences.

Files: *
License: MIT
"""


class BuildError(Exception):
    """The build cannot go on; ``exit_code`` 2 is a usage/tool problem, 1 a failed build."""

    def __init__(self, message: str, action: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message, self.action, self.exit_code = message, action, exit_code


@dataclass(frozen=True)
class Outputs:
    """What a build wrote: the bundle folder and the package (.deb or setup .exe)."""

    bundle: Path
    package: Path


def project_version() -> str:
    """Return ``nianbao.__version__`` (the one place the version is written), read from the
    source without importing the package."""
    tree = ast.parse((REPO / "nianbao" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise RuntimeError("nianbao/__init__.py 中没有 __version__")


def say(message: str) -> None:
    print(message, flush=True)


# -- the bundle ----------------------------------------------------------------------------------


def build_bundle(work: Path) -> Path:
    """Run PyInstaller on installer/nianbao.spec inside ``work``; return the bundle folder."""
    try:
        import PyInstaller  # noqa: F401 - only to tell whether it is installed
    except ImportError:
        raise BuildError(
            "没有安装 PyInstaller，无法打包。",
            f'运行 "{sys.executable} -m pip install pyinstaller"'
            '（或 pip install -e ".[test]"）后重试。',
            2,
        ) from None
    say("1/3 打包程序（PyInstaller，约半分钟）……")
    log = work / "pyinstaller.log"
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(
            [
                sys.executable,
                *("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"),
                *("--distpath", str(work / "dist"), "--workpath", str(work / "work")),
                str(SPEC),
            ],
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BuildError(
            f"PyInstaller 打包失败（退出码 {proc.returncode}）：\n{tail}",
            "按上面的信息修正后重试。",
        )
    bundle = work / "dist" / BUNDLE
    program = bundle / ("nianbao.exe" if sys.platform == "win32" else "nianbao")
    check = subprocess.run(
        [str(program), "--version"], capture_output=True, text=True, check=False, cwd=work
    )
    if check.returncode != 0 or "nianbao" not in check.stdout:
        raise BuildError(
            f"打包出的程序无法运行（nianbao --version 退出码 {check.returncode}）：\n"
            f"{check.stdout}{check.stderr}",
            "检查 installer/nianbao.spec 中的 excludes 是否去掉了程序要用的模块。",
        )
    say(f"   程序可以运行：{check.stdout.strip()}")
    return bundle


def folder_size(folder: Path) -> int:
    """Return the bytes of all files under ``folder`` (symlinks not followed, not counted)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


# -- Linux: the .deb -----------------------------------------------------------------------------


def glibc_floor(files: Iterable[Path]) -> str | None:
    """Return the newest GLIBC_x.y symbol version any of ``files`` needs (None if none does).

    The bundle runs only where the C library is at least that new; the .deb states it in
    Depends so that dpkg refuses an older system with a clear message instead of a crash.
    """
    pattern = re.compile(rb"GLIBC_(2\.\d+)\x00")
    best: tuple[int, ...] = ()
    for path in files:
        for found in pattern.findall(path.read_bytes()):
            best = max(best, tuple(int(x) for x in found.decode().split(".")))
    return ".".join(map(str, best)) if best else None


def _is_elf(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"\x7fELF"


def _elf_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]


def system_packages(bundle: Path) -> tuple[list[str], list[str]]:
    """Return (Depends, Recommends): the packages of the system libraries the bundle links to.

    Libraries that a Qt plugin alone needs (Wayland, EGL for one platform) are recommended;
    the rest are required. Names come from this build machine's dpkg database.
    """
    bundled = {p.name for p in bundle.rglob("*")}
    required: dict[str, set[str]] = {"depends": set(), "recommends": set()}
    for path in _elf_files(bundle):
        kind = "recommends" if "/plugins/" in path.as_posix() else "depends"
        proc = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m and m.group(1) not in bundled:
                required[kind].add(os.path.realpath(m.group(2)))
    packages: dict[str, set[str]] = {"depends": set(), "recommends": set()}
    owners: dict[str, str | None] = {}
    for kind, libraries in required.items():
        for library in sorted(libraries):
            if library not in owners:
                owners[library] = _owner(library)
            if owners[library]:
                packages[kind].add(owners[library])
    packages["recommends"] -= packages["depends"]
    return sorted(packages["depends"]), sorted(packages["recommends"])


def _owner(library: str) -> str | None:
    """Return the package that installed ``library`` (``dpkg -S``), without its :arch."""
    for candidate in (library, library.replace("/usr/lib/", "/lib/", 1)):
        proc = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def deb_control(version: str, arch: str, installed_kib: int, bundle: Path) -> str:
    """Return the DEBIAN/control text for the bundle."""
    depends, recommends = system_packages(bundle)
    floor = glibc_floor(_elf_files(bundle))
    libc = f"libc6 (>= {floor})" if floor else "libc6"
    depends = [libc, *(p for p in depends if p != "libc6")]
    # CJK fonts: the window and the reports need a Chinese font; 统信UOS/麒麟 ship their own, so
    # this is a recommendation. LibreOffice only adds PDF output.
    recommends = [*recommends, "fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei"]
    lines = [
        "Package: nianbao",
        f"Version: {version}",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
        f"Depends: {', '.join(depends)}",
        f"Recommends: {', '.join(recommends)}",
        "Suggests: libreoffice-writer",
        "Section: utils",
        "Priority: optional",
        "Description: 年报助手：政府信息公开工作年度报告（离线）",
        " 为乡镇、街道、县直部门和县级政府办公室生成国家统一格式的填报表，",
        " 校验填好的填报表，县级汇总，并一键生成 Word/网页版年度报告。",
        " 完全离线，不连接网络。",
    ]
    return "\n".join(lines) + "\n"


def build_deb(bundle: Path, work: Path, version: str) -> Path:
    """Lay out the package tree (/opt/nianbao, /usr/bin, menu entry, icon) and build the .deb."""
    if not shutil.which("dpkg-deb"):
        raise BuildError(
            "找不到 dpkg-deb，无法生成 .deb。",
            "在 Debian/统信UOS/麒麟上运行：sudo apt install dpkg-dev",
            2,
        )
    say("2/3 生成 .deb 安装包……")
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = work / "deb"
    shutil.copytree(bundle, root / INSTALL_DIR.lstrip("/"), symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    # One program serves both names: started as nianbao-gui it opens the window.
    for name in ("nianbao", "nianbao-gui"):
        (bin_dir / name).symlink_to(f"{INSTALL_DIR}/nianbao")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "applications" / "nianbao.desktop").write_text(
        DESKTOP_ENTRY.format(install_dir=INSTALL_DIR), encoding="utf-8"
    )
    icon_dir = share / "icons" / "hicolor" / "256x256" / "apps"
    icon_dir.mkdir(parents=True)
    shutil.copyfile(ICON_PNG, icon_dir / "nianbao.png")
    doc = share / "doc" / "nianbao"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT.format(install_dir=INSTALL_DIR), encoding="utf-8")
    _normalize_modes(root)
    installed_kib = (folder_size(root) + 1023) // 1024
    control_dir = root / "DEBIAN"
    control_dir.mkdir()
    (control_dir / "control").write_text(
        deb_control(version, arch, installed_kib, bundle), encoding="utf-8"
    )
    os.chmod(control_dir, 0o755)
    os.chmod(control_dir / "control", 0o644)
    deb = work / f"nianbao_{version}_{arch}.deb"
    # xz, not the zstd that newer dpkg-deb may default to: the dpkg of older 统信UOS/麒麟 releases
    # cannot read zstd members. --root-owner-group makes every file root's without fakeroot.
    proc = subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise BuildError(f"dpkg-deb 失败：{proc.stderr.strip()}", "按上面的信息修正后重试。")
    return deb


def _normalize_modes(root: Path) -> None:
    """Make folders 0755, programs and libraries 0755, other files 0644 (whatever the umask)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            os.chmod(path, 0o755)
        else:
            executable = path.stat().st_mode & 0o111 or _is_elf(path)
            os.chmod(path, 0o755 if executable else 0o644)


# -- Windows: the setup .exe ---------------------------------------------------------------------


def find_makensis() -> str | None:
    """Return the makensis program (PATH first, then NSIS's default folders on Windows)."""
    found = shutil.which("makensis")
    if found:
        return found
    for folder in NSIS_FOLDERS if sys.platform == "win32" else ():
        candidate = Path(folder) / "makensis.exe"
        if candidate.is_file():
            return str(candidate)
    return None


def nsis_command(makensis: str, bundle: Path, setup: Path, version: str) -> list[str]:
    """Return the makensis command that compiles installer/windows/nianbao.nsi.

    Warnings count as errors (-WX), so a script that only half works never passes.
    """
    return [
        makensis,
        "-V2",
        "-WX",
        "-INPUTCHARSET",
        "UTF8",
        f"-DVERSION={version}",
        f"-DBUNDLE={bundle}",
        f"-DOUTFILE={setup}",
        f"-DICON={ICON_ICO}",
        str(NSIS_SCRIPT),
    ]


def build_setup(bundle: Path, work: Path, version: str) -> Path:
    """Compile the NSIS script around the bundle; return the setup .exe."""
    makensis = find_makensis()
    if not makensis:
        raise BuildError(
            "找不到 NSIS（makensis），无法生成安装程序。",
            "安装 NSIS 3（https://nsis.sourceforge.io，或 choco install nsis）后重试。",
            2,
        )
    say("2/3 生成安装程序（NSIS）……")
    setup = work / f"nianbao-{version}-setup.exe"
    proc = subprocess.run(
        nsis_command(makensis, bundle, setup, version), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not setup.is_file():
        raise BuildError(f"makensis 失败：\n{proc.stdout}{proc.stderr}", "按上面的信息修正后重试。")
    return setup


# -- putting the outputs in place ----------------------------------------------------------------


def prepare_out(out: Path) -> None:
    """Create the output folder, or accept it if it is empty or an earlier output of this script."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} 是一个文件，不是文件夹。", "用 --out 指定一个文件夹。", 2)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError(
            f"输出文件夹 {out} 中已有别的文件，为免覆盖，不往里面写。",
            "用 --out 指定一个空文件夹或新文件夹，或先清空该文件夹。",
            2,
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("installer/build.py 的输出文件夹，重新构建时会被替换。\n", "utf-8")


def put_in_place(built: Outputs, out: Path) -> Outputs:
    """Move the finished bundle and package into ``out``, replacing earlier ones of this script."""
    bundle = out / BUNDLE
    old_packages = [*out.glob("nianbao_*.deb"), *out.glob("nianbao-*-setup.exe")]
    if bundle.exists():
        # Renamed out of the way first so that the new one appears in a single rename.
        stale = out / f".{BUNDLE}.old"
        shutil.rmtree(stale, ignore_errors=True)
        bundle.rename(stale)
        shutil.rmtree(stale)
    built.bundle.rename(bundle)
    package = out / built.package.name
    for old in old_packages:
        if old != package:
            old.unlink()
    os.replace(built.package, package)
    return Outputs(bundle, package)


def build(target: str, out: Path) -> Outputs:
    """Build the bundle and the package for ``target`` ("linux" or "windows") into ``out``."""
    here = (
        "windows"
        if sys.platform == "win32"
        else "linux"
        if sys.platform.startswith("linux")
        else sys.platform
    )
    if target != here:
        if target == "windows":
            action = (
                "PyInstaller 不能跨系统打包：请在 Windows 电脑上运行本命令，或在 GitHub 上运行 "
                ".github/workflows/windows-installer.yml"
                "（Actions → windows-installer → Run workflow）。"
            )
        else:
            action = "PyInstaller 不能跨系统打包：请在 Linux（Debian/统信UOS/麒麟）上运行本命令。"
        raise BuildError(f"当前系统不能构建 {target} 安装包。", action, 2)
    version = project_version()
    prepare_out(out)
    # The temporary folder sits inside the output folder: the final moves are renames on the
    # same file system, and a failed build leaves the earlier outputs untouched.
    with tempfile.TemporaryDirectory(prefix=".building-", dir=out) as tmp:
        work = Path(tmp)
        bundle = build_bundle(work)
        package = (build_deb if target == "linux" else build_setup)(bundle, work, version)
        say("3/3 放到输出文件夹……")
        return put_in_place(Outputs(bundle, package), out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build from the command line; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python installer/build.py",
        description="构建年报助手安装包：linux 生成 .deb，windows 生成安装程序 setup.exe。"
        "每次构建替换输出文件夹中本脚本上次的输出（程序文件夹 nianbao/ 和安装包）。",
    )
    parser.add_argument("target", nargs="?", help="linux 或 windows")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"输出文件夹（默认 {DEFAULT_OUT.relative_to(REPO)}；"
        "须为空、新建或本脚本的输出文件夹）",
    )
    args = parser.parse_args(argv)
    if args.target not in ("linux", "windows"):
        what = f"没有目标 {args.target!r}" if args.target else "没有指定目标"
        print(
            f"错误：{what}。\n怎么办：运行 python installer/build.py linux 或 "
            "python installer/build.py windows。",
            file=sys.stderr,
        )
        return 2
    try:
        outputs = build(args.target, args.out.resolve())
    except BuildError as exc:
        print(f"错误：{exc.message}\n怎么办：{exc.action}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消；输出文件夹中原有的文件没有改动。", file=sys.stderr)
        return 130
    size = folder_size(outputs.bundle) / 2**20
    say(f"完成。\n  程序文件夹：{outputs.bundle}（{size:.0f} MB）")
    say(f"  安装包：{outputs.package}（{outputs.package.stat().st_size / 2**20:.0f} MB）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
