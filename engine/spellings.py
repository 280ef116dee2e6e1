"""The date and number spellings every input accepts, whatever its format.

A CSV cell is always text; a YAML or JSON value may be text too (`amount: "52,000"`,
`date: 2021/6/30`). Both go through these functions, so a value means the same in every format:
dates as ISO (2021-06-30), 2021/6/30, 2021.6.30 or 2021年6月30日; numbers with `,` or `，` between
thousands, an exponent (1e-05), a percent sign for ratios (80%); yes/no in English or Chinese.
"""

from __future__ import annotations

import re
from typing import Any

TRUE = {"true", "yes", "y", "1", "是", "有", "真", "√"}
FALSE = {"false", "no", "n", "0", "否", "无", "假", "×"}
_LOOSE_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def loose_date(text: str) -> str:
    """Spreadsheets write 2021/6/30 or 2021年6月30日; the contract's dates are ISO."""
    m = _LOOSE_DATE.match(text.strip())
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else text


def convert(text: str, kind: Any) -> tuple[Any, str | None]:
    """Text as the fact type the rulebook declares: (value, None) or (None, problem)."""
    text = text.strip()
    if kind == "boolean":
        low = text.lower()
        if low in TRUE:
            return True, None
        if low in FALSE:
            return False, None
        return None, f"expected yes or no (是/否), got {text!r}"
    if kind in ("number", "integer", "ratio"):
        plain = re.sub(r"[,，\s]", "", text)
        scale = 1
        if kind == "ratio" and plain.endswith("%"):
            plain, scale = plain[:-1], 100
        if not _NUMBER.match(plain) or len(plain) > 300:
            return None, f"expected a number, got {text!r}"
        value: Any = int(plain) if re.fullmatch(r"[+-]?\d+", plain) else float(plain)
        if scale != 1:
            value = value / scale
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        return value, None
    return text, None
