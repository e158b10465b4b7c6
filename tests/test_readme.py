"""The README's quick start: two commands that work with a system Python that refuses
system-wide pip installs (PEP 668), and CI runs the second one as written."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_quick_start_is_two_commands_each_in_its_own_virtual_environment():
    demo, tests = _quick_start_commands()
    for command in (demo, tests):
        assert "\n" not in command  # one line: copied and pasted at once
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install -e ")
        assert " pip install" not in command.replace(".venv/bin/python -m pip install", "")
    assert demo.endswith(" && .venv/bin/nianbao demo")
    assert tests.endswith(" && .venv/bin/python -m pytest") and '".[test]"' in tests


def test_ci_runs_the_readmes_test_command_verbatim_and_fails_on_no_tests():
    _, tests = _quick_start_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    (line,) = [line for line in ci.splitlines() if line.startswith(tests)]
    assert line == f"{tests} || status=$?"
    assert 'if [ "$status" -ne 0 ]; then' in ci  # pytest's exit 5 (nothing collected) fails too
    assert "NIANBAO_REQUIRE_LIBREOFFICE=1" in ci and "NIANBAO_REQUIRE_INSTALLER=1" in ci


def test_the_readme_says_how_to_run_only_the_fast_tests():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert '-m "not slow"' in readme.split("## 快速开始", 1)[1].split("\n## ", 1)[0]
