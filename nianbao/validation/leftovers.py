"""Template leftovers in narrative text: placeholders published by mistake.

What evaluators find in published reports: X/Y/XX standing for numbers ("公开政府信息X万余条"),
20××/20xx/20__ for a year, 【…】 and [具体…] guidance, （单位名称）/××× for names, a measure word
with its number missing ("主动公开信息  条"), and the residue of 范文 sites and machine writing
("以下是一篇…示例", "你可以根据实际情况进行修改", "仅供参考"). Each hit carries its kind and an
excerpt around it, so a finding can quote exactly what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MEASURE = "条件个次份篇人家项元期场起批名户"
# A placeholder letter run standing where a number belongs: before an amount word or a measure
# word, or after 共/计/达/约 and before one.
_NUMBER_PLACEHOLDER = re.compile(
    rf"(?<![A-Za-z])(?:[XYZxyz]{{1,4}}|[Xx]{{2,}})(?=\s*(?:万余|万多|余|多|万|千|百)?\s*[{_MEASURE}])"
)
_YEAR_PLACEHOLDER = re.compile(r"20(?:[×xX＿_]{2}|\s?[×xX]{1,2}|__|＿＿)|(?<!\d)(?:×{2,}|xx)年")
# A name left as its description: （单位名称）, or in quotes, “具体重大政策名称”.
_NAME_PLACEHOLDER = re.compile(
    r"×{3,}|[Xx]{2,}(?=[区县市镇乡局办委厅街道村])|[（(]\s*(?:单位名称|单位|名称|部门名称)\s*[）)]"
    r"|“\s*具体[^”\n]{0,20}(?:名称|项目)\s*”"
)
_GUIDANCE = re.compile(r"【[^】\n]{0,300}】|\[\s*具体[^\]\n]{0,40}\]|［\s*具体[^］\n]{0,40}］")
_RUN_OF_X = re.compile(r"(?<![A-Za-z])[xX]{4,}(?![A-Za-z])")
# A measure word with its number left out: "主动公开信息  条，" (blanks where the number was).
_MISSING_NUMBER = re.compile(
    rf"(?<=[\u4e00-\u9fff])(?:[ \u3000]{{2,}}|[ \u3000]*_{{2,}}[ \u3000]*)(?=[{_MEASURE}])"
)
# 范文 on its own: not inside 示范文书, 规范文件, 防范文化, 模范文明 and the like.
_MODEL_TEXT = re.compile(r"(?<![示规模防典])范文(?![书本件化明])")
# Brackets that are not guidance: a document number's year (X政发【2019】12号) and the furniture
# of a web page copied with the text (【字体：大 中 小】 【打印本页】 [ 关闭 ]).
_NOT_GUIDANCE = re.compile(
    r"^[【\[［]\s*(?:\d{4}|[^】\]］]*(?:字体|字号|大\s*中\s*小|打印|关闭|收藏|分享|返回|本页|窗口|纠错)"
    r"[^】\]］]*)\s*[】\]］]$"
)
_RESIDUE = (
    "以下是一篇",
    "文章示例",
    "你可以根据实际情况",
    "您可以根据实际情况",
    "可根据实际情况进行修改",
    "仅供参考",
    "希望这篇",
    "希望能够帮助到大家",
    "希望对您有所帮助",
    "小编",
    "相关推荐",
)

KINDS = {
    "number": "数字用字母占位",
    "year": "年份未填写",
    "name": "名称未填写",
    "guidance": "方括号中的提示文字",
    "missing_number": "量词前缺少数字",
    "residue": "范文或机器写作的残留文字",
    "template": "格式或正文模板中的写作说明",
}

EXCERPT_SIDE = 12


@dataclass(frozen=True)
class Leftover:
    kind: str
    start: int
    end: int
    excerpt: str

    @property
    def description(self) -> str:
        return KINDS[self.kind]


def excerpt(text: str, start: int, end: int) -> str:
    """Return text[start:end] with a few characters either side, "…" where it was cut."""
    left = max(0, start - EXCERPT_SIDE)
    right = min(len(text), end + EXCERPT_SIDE)
    return (
        ("…" if left else "")
        + text[left:right].replace("\n", " ")
        + ("…" if right < len(text) else "")
    )


def find_leftovers(text: str, phrases: tuple[str, ...] = ()) -> list[Leftover]:
    """Return the template leftovers in a text, in order, at most one per position.

    ``phrases`` are the format's own instructions (``[report] guidance_phrases``): text that
    only a copied instruction contains.
    """
    hits: list[tuple[int, int, str]] = []
    for kind, pattern in (
        ("year", _YEAR_PLACEHOLDER),
        ("guidance", _GUIDANCE),
        ("name", _NAME_PLACEHOLDER),
        ("number", _NUMBER_PLACEHOLDER),
        ("number", _RUN_OF_X),
        ("missing_number", _MISSING_NUMBER),
    ):
        hits += [(m.start(), max(m.end(), m.start() + 1), kind) for m in pattern.finditer(text)]
    hits = [h for h in hits if h[2] != "guidance" or not _NOT_GUIDANCE.match(text[h[0] : h[1]])]
    hits += [(m.start(), m.end(), "residue") for m in _MODEL_TEXT.finditer(text)]
    for phrase in phrases:
        start = text.find(phrase)
        while start >= 0:
            hits.append((start, start + len(phrase), "template"))
            start = text.find(phrase, start + len(phrase))
    for phrase in _RESIDUE:
        start = text.find(phrase)
        while start >= 0:
            hits.append((start, start + len(phrase), "residue"))
            start = text.find(phrase, start + len(phrase))
    hits.sort()
    out: list[Leftover] = []
    covered = -1
    for start, end, kind in hits:
        if start < covered:
            continue
        out.append(Leftover(kind, start, end, excerpt(text, start, end)))
        covered = end
    return out
