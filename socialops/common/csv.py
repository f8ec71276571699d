"""CSV exports that a spreadsheet cannot turn into formulas (OWASP "CSV injection").

Every export in the project writes through `writer()` (tests/test_csv_safety.py checks each
one). The rule, decided once:

- a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a
  single quote (`'=HYPERLINK(…)`), so the spreadsheet shows it as text and runs nothing;
- numbers stay numbers: an `int`, `float` or `Decimal` is written as it is (a gap of -0.5 FTE
  is the number -0.5), and so is a text cell the caller marks `numeric` when it is exactly a
  plain number (`-0.5`, `12`, `3.25`: digits, one optional leading minus, one optional
  decimal point). Anything else in a numeric column (`-1+1`) is neutralised like any text;
- `None` is an empty cell; booleans are written as text (`True`/`False`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def safe_cell(value: object, *, numeric: bool = False) -> object:
    """What the CSV writes for `value`: numbers as numbers, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if numeric and _PLAIN_NUMBER.fullmatch(text):
        return text
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """`csv.writer` with every cell through `safe_cell`; `numeric` names the columns (by
    index) whose plain-number text stays a number."""

    def __init__(self, out: _Writable, numeric: Iterable[int] = ()) -> None:
        self._writer = csv.writer(out)
        self.numeric = frozenset(numeric)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(
            safe_cell(v, numeric=i in self.numeric) for i, v in enumerate(row)
        )

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, numeric: Iterable[int] = ()) -> SafeWriter:
    return SafeWriter(out, numeric)
