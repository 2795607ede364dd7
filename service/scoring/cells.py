"""Reading cells the way the row-by-row parsers did: ``str.strip()``, ``float()`` for numbers, non-empty labels."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from numpy.typing import NDArray

# Every character for which ``str.isspace()`` is true, i.e. what ``str.strip()`` removes (a test checks it).
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Plain ASCII decimals: Python's float() accepts them all and, like polars, rounds them correctly, so polars may
# convert them. Anything else ("1_000", "nan", "٣", "0x10", ...) goes through float() itself, one cell at a time.
PLAIN_DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def stripped(column: pl.Series) -> pl.Series:
    """``str.strip()`` of every cell; a missing cell (null) becomes the empty string."""
    return column.str.strip_chars(PYTHON_WHITESPACE).fill_null("")


def parse_numbers(cells: pl.Series) -> NDArray[np.float64]:
    """``float(cell)`` of every (stripped) cell, NaN where that fails or is not finite (``parse_number``'s None)."""
    plain = cells.str.contains(PLAIN_DECIMAL).fill_null(False)
    converted = cells.cast(pl.Float64, strict=False)
    by_python = np.flatnonzero(~plain.to_numpy() | converted.is_null().to_numpy())
    numbers = converted.to_numpy()
    finite = np.isfinite(numbers)
    if len(by_python) == 0 and finite.all():
        return numbers
    numbers = numbers.copy()
    numbers[~finite] = np.nan
    for row in by_python.tolist():
        numbers[row] = parse_number(str(cells[row]))
    return numbers


def parse_number(raw: str) -> float:
    """A finite float, or NaN when the text is not one (the row-by-row ``parse_number`` answered None)."""
    try:
        value = float(raw)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan
