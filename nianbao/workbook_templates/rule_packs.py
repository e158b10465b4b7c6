"""Local rule packs (``--rules 本地规则.toml``): a city's or county's own rules on top of a format.

A pack is a TOML file in the format files' own ``[[rules]]`` form, plus severity overrides::

    name = "某市2025年度年报要求"     # shown beside every finding the pack produced
    format_version = "2021"          # optional: the one format it applies to
    description = "……"               # optional

    [[rules]]                        # any field of a format file's [[rules]]
    id = "L-1"
    kind = "length"                  # equation, limit, requires, mention, length
    ...

    [[overrides]]                    # a format rule given another severity
    rule = "X-1"
    severity = "warning"
    reason = "2025年机构改革"

Loading checks the pack against every format it applies to, as the loader checks a format file:
an unknown field, a cell or section that does not exist, a rule id already taken, an override of
a rule that does not exist; each problem is named with its line. ``apply_rules`` returns the
format with the pack's rules added and severities changed: the engine then runs it like any
format, and every finding of a rule the pack added or changed carries the pack's name.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.errors import RulePackError, SpecError

from .loader import RULE_FIELDS, RULE_TUPLES, available_formats, parse_rule, rule_problems
from .spec import PACK_KINDS, FormatSpec, RuleKind, RulePack, Severity, SeverityOverride

if TYPE_CHECKING:
    from .reader import FilledWorkbook

PACK_FIELDS = ("name", "format_version", "description", "rules", "overrides")
OVERRIDE_FIELDS = ("rule", "severity", "reason")
REQUIRED_RULE_FIELDS = ("id", "kind", "severity", "message")
MAX_PACK_BYTES = 1_000_000  # a rule pack is a few kilobytes; anything this large is not one
EXAMPLE_PACK = Path(__file__).with_name("rules") / "示例-本地规则.toml"
_SEE = "写法见 README 的“本地规则”一节和程序自带的示例（示例-本地规则.toml）。"
_ACTION = "请按提示改正本地规则文件后重试；" + _SEE


# ---------------------------------------------------------------------------------------------
# Where things are in the file (tomllib keeps no line numbers)

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


@dataclass
class _Lines:
    """The line of each table header and key of a TOML text: (array, index) → the header's
    line, (array, index, key) → the key's line; the top level is array "" and index 0."""

    headers: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> _Lines:
        lines = cls()
        counts: dict[str, int] = {}
        where: tuple[str, int] = ("", 0)
        for number, line in enumerate(text.splitlines(), start=1):
            lines.texts[number] = line
            if m := _HEADER.match(line):
                name = m.group(1)
                counts[name] = counts.get(name, -1) + 1
                where = (name, counts[name])
                lines.headers[where] = number
            elif m := _TABLE.match(line):
                where = (m.group(1).strip('"'), 0)
                lines.headers.setdefault(where, number)
            elif m := _KEY.match(line):
                key = m.group(1).strip("\"'")
                lines.keys.setdefault((*where, key), number)
        return lines

    def line(self, array: str, index: int, key: str = "") -> int | None:
        """Return the line of a key of an entry (or of the entry's header), None if unknown."""
        if key and (array, index, key) in self.keys:
            return self.keys[(array, index, key)]
        return self.headers.get((array, index))

    def line_naming(self, array: str, index: int, code: str) -> int | None:
        """Return the line of the entry's key whose value names ``code`` (a bad cell)."""
        pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])")
        for (a, i, key), number in self.keys.items():
            if a == array and i == index and key != "id":
                value = self.texts[number].split("=", 1)[1]
                if pattern.search(value):
                    return number
        return self.line(array, index)


class _Problems:
    """The problems found in a pack, each with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[tuple[int | None, str]] = []

    def add(self, line: int | None, text: str) -> None:
        self.items.append((line, text))

    def raise_any(self) -> None:
        if not self.items:
            return
        listed = [
            f"第 {line} 行：{text}" if line is not None else text
            for line, text in sorted(self.items, key=lambda item: item[0] or 0)
        ]
        shown = "\n  ".join(listed)
        raise RulePackError(f"本地规则文件 {self.path} 有误：\n  {shown}", _ACTION)


# ---------------------------------------------------------------------------------------------
# Reading


def _read_text(path: Path) -> str:
    if not path.exists():
        raise RulePackError(
            f"找不到本地规则文件 {path}。", "请检查路径是否正确；不用本地规则时去掉 --rules。"
        )
    if not path.is_file():
        raise RulePackError(
            f"本地规则 {path} 不是文件。", "请给出一个 .toml 文件，例如 本地规则.toml。"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulePackError(
            f"无法读取本地规则文件 {path}（{exc.strerror or exc}）。",
            "请确认文件没有被其他程序占用，并且有读取权限。",
        ) from None
    if len(data) > MAX_PACK_BYTES:
        raise RulePackError(
            f"本地规则文件 {path} 太大（{len(data) // 1024} KB），不像规则文件。",
            "请给出写有 [[rules]] 的 .toml 文本文件。",
        )
    try:
        return data.decode("utf-8-sig")  # Windows' Notepad may write a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulePackError(
            f"本地规则文件 {path} 第 {line} 行不是 UTF-8 编码的文字。",
            "请用记事本或 WPS 另存为“UTF-8”编码后重试。",
        ) from None


_TOML_AT = re.compile(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        if m := _TOML_AT.match(detail):
            where = f"第 {m.group(2)} 行第 {m.group(3)} 列"
            detail = m.group(1)
        else:
            where = "文件末尾" if "end of document" in detail else "某处"
        raise RulePackError(
            f"本地规则文件 {path} {where}不符合 TOML 写法（{detail}）。",
            "常见原因：文字没有加英文双引号、用了中文引号或全角等号、[[rules]] 写错。" + _SEE,
        ) from None


def _specs(format_version: str) -> list[FormatSpec]:
    specs = available_formats()
    return [specs[format_version]] if format_version else list(specs.values())


def _entries(data: dict, name: str, lines: _Lines, problems: _Problems) -> list[tuple[int, dict]]:
    raw = data.get(name, [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        problems.add(lines.line("", 0, name), f"{name} 应写成 [[{name}]] 表")
        return []
    return list(enumerate(raw))


def _text(value: object) -> bool:
    return isinstance(value, str)


def load_rule_pack(path: str | Path) -> RulePack:
    """Return the rule pack in a file, after checking it against the formats it applies to;
    raise RulePackError naming the file and the line of each problem."""
    path = Path(path)
    text = _read_text(path)
    data = _parse(path, text)
    lines = _Lines.of(text)
    problems = _Problems(path)

    for key in data:
        if key not in PACK_FIELDS:
            problems.add(
                lines.line("", 0, key) or lines.line(key, 0),
                f"未知字段 {key}（可用：{'、'.join(PACK_FIELDS)}）",
            )
    name = data.get("name", path.stem)
    if not _text(name) or not name.strip():
        problems.add(lines.line("", 0, "name"), 'name 应为不空的文字，如 name = "某市年报要求"')
        name = path.stem
    format_version = data.get("format_version", "")
    if not _text(format_version) or (format_version and format_version not in available_formats()):
        known = "、".join(available_formats())
        problems.add(
            lines.line("", 0, "format_version"),
            f"format_version「{format_version}」不是已知的格式版本（可用：{known}；不写则适用于全部格式）",
        )
        format_version = ""
    description = data.get("description", "")
    specs = _specs(format_version)
    taken = {r.id for spec in specs for r in spec.rules}

    rules = []
    seen: dict[str, int | None] = {}
    for index, raw in _entries(data, "rules", lines, problems):
        rule = _pack_rule(raw, index, specs, taken, seen, lines, problems)
        if rule is not None:
            rules.append(replace(rule, pack=name.strip()))
    overrides = []
    overridden: set[str] = set()
    for index, raw in _entries(data, "overrides", lines, problems):
        override = _override(raw, index, specs, seen, overridden, lines, problems)
        if override is not None:
            overrides.append(override)
    if not problems.items and not rules and not overrides:
        problems.add(None, "没有任何 [[rules]] 或 [[overrides]]")
    problems.raise_any()
    return RulePack(
        name=name.strip(),
        source=str(path),
        rules=tuple(rules),
        overrides=tuple(overrides),
        format_version=format_version,
        description=description if _text(description) else "",
    )


def _pack_rule(
    raw: dict,
    index: int,
    specs: list[FormatSpec],
    taken: set[str],
    seen: dict[str, int | None],
    lines: _Lines,
    problems: _Problems,
):
    """Return one ``[[rules]]`` entry as a RuleSpec, or None (its problems added)."""
    before = len(problems.items)

    def at(key: str = "") -> int | None:
        return lines.line("rules", index, key)

    rule_id = raw.get("id")
    label = f"规则 {rule_id}" if _text(rule_id) and rule_id else f"第 {index + 1} 条规则"
    for key in raw:
        if key not in RULE_FIELDS:
            problems.add(at(key), f"{label} 有未知字段 {key}")
    if missing := [k for k in REQUIRED_RULE_FIELDS if k not in raw]:
        problems.add(at(), f"{label} 缺少字段：{'、'.join(missing)}")
    if _text(rule_id) and rule_id:
        clash = None
        if rule_id in taken:
            clash = f"规则编号 {rule_id} 与年报格式中的规则重复，请换一个编号"
        elif rule_id in seen:
            first = seen[rule_id]
            also = f"（第 {first} 行已用过）" if first else ""
            clash = f"规则编号 {rule_id} 在本文件中重复{also}"
        seen.setdefault(rule_id, at("id"))
        if clash:  # the rule is still checked: every problem of it is told at once
            problems.add(at("id"), clash)
            before += 1
    elif "id" in raw:
        problems.add(at("id"), f"{label} 的 id 应为不空的文字")
    kind = raw.get("kind")
    if "kind" in raw and kind not in {str(k) for k in PACK_KINDS}:
        allowed = "、".join(sorted(str(k) for k in PACK_KINDS))
        why = (
            "（sum 定义合计单元格，只能写在年报格式中；"
            "程序自带的检查请用 [[overrides]] 改严重程度）"
            if kind in {str(k) for k in RuleKind}
            else ""
        )
        problems.add(at("kind"), f"{label} 的 kind「{kind}」不能用于本地规则，可用：{allowed}{why}")
    for key, value in raw.items():
        if key not in RULE_FIELDS or key in ("kind", "severity"):
            continue
        if key in RULE_TUPLES:
            if not isinstance(value, list) or not all(_text(v) for v in value):
                problems.add(at(key), f'{label} 的 {key} 应写成文字的列表，如 {key} = ["…"]')
        elif key == "max":
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.add(at(key), f"{label} 的 max 应为数字，如 max = 1000")
        elif not _text(value):
            problems.add(at(key), f"{label} 的 {key} 应为文字（加英文双引号）")
    severity = raw.get("severity")
    if "severity" in raw and severity not in {str(s) for s in Severity}:
        problems.add(
            at("severity"), f"{label} 的 severity「{severity}」未知，可用：error、warning、info"
        )
    if len(problems.items) > before:
        return None
    try:
        rule = parse_rule({"action": "", **raw})
    except (SpecError, TypeError, ValueError) as exc:
        problems.add(at(), f"{label} 写法有误：{exc}")
        return None
    found: dict[str, list[str]] = {}  # a problem → the formats it is a problem in
    for spec in specs:
        for problem in rule_problems(spec, rule, label):
            found.setdefault(problem, []).append(spec.format_version)
    for problem, versions in found.items():
        line = _problem_line(problem, index, lines)
        some = len(versions) < len(specs)  # told once when it is one in every format
        version = f"（{'、'.join(versions)} 版格式；只用于一种格式时可写 format_version）"
        problems.add(line, problem + (version if some else ""))
    return rule if len(problems.items) == before else None


_BAD_CELL = re.compile(r"不存在的单元格：'?([^'\s]+?)'?$")
_BAD_ARGUMENT = re.compile(r"未知参数：\['([^']+)'")
# Words of a rule problem (loader.rule_problems) → the field it is about.
_PROBLEM_FIELDS = (
    ("section", "section"),
    ("words", "words"),
    ("max", "max"),
    ("单位类型", "kinds"),
)


def _problem_line(problem: str, index: int, lines: _Lines) -> int | None:
    """Return the line a rule problem is about: the field naming a bad cell or argument, the
    field the problem names, else the rule's header."""
    for pattern in (_BAD_CELL, _BAD_ARGUMENT):
        if m := pattern.search(problem):
            return lines.line_naming("rules", index, m.group(1))
    for words, key in _PROBLEM_FIELDS:
        if words in problem:
            return lines.line("rules", index, key)
    return lines.line("rules", index)


def _override(
    raw: dict,
    index: int,
    specs: list[FormatSpec],
    pack_rules: dict[str, int | None],
    overridden: set[str],
    lines: _Lines,
    problems: _Problems,
) -> SeverityOverride | None:
    """Return one ``[[overrides]]`` entry, or None (its problems added)."""
    before = len(problems.items)

    def at(key: str = "") -> int | None:
        return lines.line("overrides", index, key)

    for key in raw:
        if key not in OVERRIDE_FIELDS:
            problems.add(at(key), f"[[overrides]] 有未知字段 {key}（可用：rule、severity、reason）")
    rule_id, severity = raw.get("rule"), raw.get("severity")
    if not _text(rule_id) or not rule_id:
        problems.add(at("rule") or at(), "[[overrides]] 缺少 rule（要改严重程度的规则编号）")
    elif rule_id in pack_rules:
        problems.add(at("rule"), f"规则 {rule_id} 是本文件自己的规则：直接改它的 severity 即可")
    else:
        lacking = [s.format_version for s in specs if all(r.id != rule_id for r in s.rules)]
        if lacking:
            version = f"（{'、'.join(lacking)} 版）" if len(lacking) < len(specs) else ""
            problems.add(at("rule"), f"年报格式{version}中没有规则 {rule_id}")
        if rule_id in overridden:
            problems.add(at("rule"), f"规则 {rule_id} 的严重程度改了不止一次")
        overridden.add(rule_id)
    if severity not in {str(s) for s in Severity}:
        problems.add(
            at("severity") or at(),
            f"[[overrides]] 的 severity「{severity or ''}」未知，可用：error、warning、info",
        )
    reason = raw.get("reason", "")
    if not _text(reason):
        problems.add(at("reason"), "[[overrides]] 的 reason 应为文字")
    if len(problems.items) > before:
        return None
    return SeverityOverride(str(rule_id), Severity(str(severity)), str(reason))


# ---------------------------------------------------------------------------------------------
# Applying


@cache
def apply_rules(spec: FormatSpec, pack: RulePack) -> FormatSpec:
    """Return the format with the pack's rules added after its own and the overridden rules'
    severities changed (the format itself when the pack is for another format version).

    One object per format and pack, so everything cached on a spec is computed once."""
    if pack.format_version and pack.format_version != spec.format_version:
        return spec
    overrides = {o.rule: o for o in pack.overrides}
    rules = tuple(
        replace(r, severity=overrides[r.id].severity, pack=pack.name) if r.id in overrides else r
        for r in spec.rules
    )
    return replace(spec, rules=rules + pack.rules)


def with_rules(wb: FilledWorkbook, pack: RulePack | None) -> FilledWorkbook:
    """Return the workbook to check under a pack: the same content, its format with the pack
    applied (the workbook itself without a pack)."""
    if pack is None:
        return wb
    return replace(wb, spec=apply_rules(wb.spec, pack))
