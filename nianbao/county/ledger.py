"""The intake ledger: when each file's content first arrived, kept beside the summary.

A county office collects the same folder many times over a season, and files get renamed, copied
or saved again. What a file is, is its content (SHA-256 of its bytes); when it arrived is the first
time a rollup saw that content (or the file's own time, when that is earlier: the office saved the
attachment before the first rollup). That time is written once and never changed, so re-running the
rollup, renaming a file or copying it again does not move it; the newest version of a unit is the
one whose content arrived last, whatever its file's time says now.

The ledger is a small JSON file beside the summary, ``<summary name>.收件记录.json``:

    {"format": "nianbao-intake-ledger", "version": 1,
     "entries": {"<sha256>": {"first_seen": "2026-01-20T09:30:00+08:00", "file": "甲镇.xlsx",
                              "unit": "甲镇人民政府"}}}

Entries are only ever added; so are the acceptances (验收) and their withdrawals, kept in the
order made under ``acceptances`` (``county.acceptance``). A ledger that cannot be read is an error
naming the file (exit 2), never silently replaced: it holds the only record of when units sent
their reports and when the office accepted them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.errors import UsageError, os_reason
from nianbao.files import atomic_output

from .model import FileEntry, iso_time

LEDGER_SUFFIX = ".收件记录.json"
FORMAT = "nianbao-intake-ledger"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # some 300,000 entries: a season of any county many times over
_SHA = re.compile(r"^[0-9a-f]{64}$")
_ACTION = (
    "收件记录记着每份文件第一次收到的时间，不会自动重建：请从备份恢复它；确需从头记录时，"
    "把它改名或移走后重新汇总（所有文件都按本次汇总的时间记为收到）。"
)


@dataclass
class Ledger:
    """The ledger's entries by content digest, and how many this run added."""

    path: Path
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    added: int = 0
    # Acceptances (验收) and their withdrawals, in the order they were made (county.acceptance).
    acceptances: list[dict[str, str]] = field(default_factory=list)


def ledger_path(summary: str | Path) -> Path:
    """Return where the ledger of a summary lives: beside it, named after it."""
    summary = Path(summary)
    return summary.with_name(summary.stem + LEDGER_SUFFIX)


def _broken(path: Path, why: str) -> UsageError:
    return UsageError(f"收件记录 {path.name} 无法使用：{why}。", _ACTION)


def read_ledger(path: Path) -> Ledger:
    """Return the ledger at ``path`` (empty when there is none); raise UsageError when it
    cannot be read or is not a ledger."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Ledger(path)
    except OSError as exc:
        raise _broken(path, os_reason(exc)) from exc
    if not path.is_file():
        raise _broken(path, "它不是一个文件")
    if size > MAX_BYTES:
        raise _broken(path, f"文件过大（{size / 2**20:.0f} MB），不像收件记录")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _broken(path, os_reason(exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _broken(path, "内容已损坏（不是完整的 JSON 文本）") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _broken(path, "这不是年报助手的收件记录")
    if data.get("version") != VERSION:
        raise _broken(path, f"记录的版本 {data.get('version')!r} 不是本软件能读的版本 {VERSION}")
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise _broken(path, "缺少记录条目")
    for sha, entry in entries.items():
        if (
            not _SHA.match(str(sha))
            or not isinstance(entry, dict)
            or not all(isinstance(entry.get(k), str) for k in ("first_seen", "file", "unit"))
            or _when(entry["first_seen"]) is None
        ):
            raise _broken(path, f"第 {list(entries).index(sha) + 1} 条记录不完整或时间有误")
    acceptances = data.get("acceptances", [])
    keys = ("unit", "action", "sha256", "file", "time", "verdict")
    if not isinstance(acceptances, list) or not all(
        isinstance(a, dict)
        and all(isinstance(a.get(k), str) for k in keys)
        and a["action"] in ("accept", "withdraw")
        and _SHA.match(a["sha256"])
        and _when(a["time"]) is not None
        for a in acceptances
    ):
        raise _broken(path, "验收记录不完整或有误")
    return Ledger(path, entries, acceptances=acceptances)


def _when(text: str) -> float | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


def arrival_text(seconds: float) -> str:
    """Return a first-seen time as the summary and the terminal show it."""
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M") if seconds else ""


def note_arrivals(ledger: Ledger, files: Iterable[FileEntry], now: float | None = None) -> None:
    """Give every file its content's first-seen time: from the ledger, or (a content seen for
    the first time) the earlier of its file time and now, which is then recorded."""
    now = time.time() if now is None else now
    for f in files:
        if not f.sha256:
            continue
        entry = ledger.entries.get(f.sha256)
        if entry is not None:
            f.first_seen = _when(entry["first_seen"]) or now
            continue
        f.first_seen = min(f.mtime, now) if f.mtime > 0 else now
        ledger.entries[f.sha256] = {
            "first_seen": iso_time(f.first_seen) or "",
            "file": f.path.name,
            "unit": f.unit,
        }
        ledger.added += 1


def write_ledger(ledger: Ledger) -> None:
    """Write the ledger atomically (its entries sorted by first-seen time)."""
    ordered = dict(
        sorted(ledger.entries.items(), key=lambda item: (item[1]["first_seen"], item[0]))
    )
    data = {"format": FORMAT, "version": VERSION, "entries": ordered}
    if ledger.acceptances:
        data["acceptances"] = ledger.acceptances
    text = json.dumps(data, ensure_ascii=False, indent=1)
    with atomic_output(ledger.path, force=True) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
