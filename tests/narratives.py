"""Narrative texts for tests: a whole report's six parts, passing every structure check."""

from __future__ import annotations

_S1 = {
    "（一）主动公开": "全年主动公开政府信息，及时发布重点领域信息。",
    "（二）依申请公开": "依法办理政府信息公开申请，答复规范。",
    "（三）政府信息管理": "严格落实发布审核和保密审查制度。",
    "（四）平台建设": "维护好政府网站信息公开专栏。",
    "（五）监督保障": "开展业务培训，将政务公开纳入工作考核，开展社会评议，落实责任追究。",
}


def whole_narrative(year: int = 2025, **subtopics: str) -> str:
    """Return a .txt narrative with all six parts; ``subtopics`` replace 一's sub-topic texts
    by position: s1_1="…" … s1_5="…"."""
    lines = ["一、总体情况"]
    for n, (head, text) in enumerate(_S1.items(), start=1):
        lines += [head, subtopics.get(f"s1_{n}", text)]
    lines += [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "政策解读的针对性有待提高。下一步将加强政策解读，提升公开质量。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    return "\n".join(lines) + "\n"
