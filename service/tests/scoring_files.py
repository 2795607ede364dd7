"""Hypothesis strategies for CSV files: a valid file, then a few mutations of the kinds that break the rules."""

from __future__ import annotations

import gzip
import os

from hypothesis import settings
from hypothesis import strategies as st

# Generated files per randomized test: a fixed, derandomized set in the suite (seconds); a deep run is e.g.
# `SCORING_RANDOM_FILES=5000 pytest tests/test_scoring_parity_random.py` (12,000 files passed before the merge).
RANDOM_FILES = settings(
    max_examples=int(os.environ.get("SCORING_RANDOM_FILES", "100")), deadline=None, derandomize=True, database=None
)

UTF8_BOM = b"\xef\xbb\xbf"
TERMINATORS = ["\n", "\r\n", "\r"]
# Cells that bend the CSV grammar or a rule: quotes, embedded separators, whitespace the csv module keeps, and
# text that is not a valid value.
ODD_CELLS = [
    "",
    " ",
    "\t",
    "\u00a0",
    "\u3000x",
    " a ",
    "zz",
    "a,b",
    '"a"',
    '"a,b"',
    '"c\nd"',
    '"c\r\ne"',
    '""',
    '"x""y"',
    'a"b',
    '"a"b',
    '"a" ',
    ' "a"',
    "\x00",
    "x" * 120,
    "é",
    "\u2028",
    "nan",
    "1e400",
    "x",
    "1_0",
    "0x1",
    ".",
]
NUMBERS = ["1", "2.5", "-3", "1e3", "+.5", "5.", "1_0", " 4 ", "-0", "\u0663", "１", "007"]
LABELS = ["cat", "dog", "bird", " cat ", "cow", '"dog"', "c\u00e4t", '"d,og"']
USAGES = ["Public", "Private", "public", "PRIVATE", " Private "]
ODD_USAGES = ["Secret", "", "Publ\u0130c", "\u212aPrivate", "Pub lic"]


def weighted(common: list[str], rare: list[str]) -> st.SearchStrategy[str]:
    """One of ``common`` four times in five, else one of ``rare``."""
    return st.sampled_from(common * (4 * len(rare)) + rare * len(common))


@st.composite
def csv_files(draw: st.DrawFn, *, header: list[str], ids: list[str], columns: list[list[str]]) -> bytes:
    """The header, then each id once with a value per column, then up to 4 mutations; sometimes a BOM or a
    byte that is not UTF-8."""
    rows = [[row_id, *(draw(st.sampled_from(values)) for values in columns)] for row_id in draw(st.permutations(ids))]
    lines = [",".join(row) for row in rows]
    odd = ODD_CELLS + [value for values in columns for value in values]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3, 4]))):
        lines = draw(_mutation(lines, odd))
    name = ",".join(header)
    header_line = draw(weighted([name], [name.upper(), " " + ", ".join(header) + " ", "x,y", "", name + ",extra"]))
    terminator = draw(weighted(["\n"], ["\r\n", "\r", "mixed"]))
    text = header_line
    for line in lines:
        text += (draw(st.sampled_from(TERMINATORS)) if terminator == "mixed" else terminator) + line
    if draw(st.booleans()):
        text += "\n" if terminator == "mixed" else terminator
    data = text.encode()
    damage = draw(weighted(["none"], ["not utf-8", "bom"]))
    if damage == "not utf-8" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + b"\xff" + data[at:]
    elif damage == "bom":
        data = UTF8_BOM + data
    return data


@st.composite
def _mutation(draw: st.DrawFn, lines: list[str], odd: list[str]) -> list[str]:
    lines = list(lines)
    at = draw(st.integers(0, len(lines)))
    kinds = ["delete", "duplicate", "blank", "odd cell", "extra field", "one field", "quote", "raw"]
    kind = draw(st.sampled_from(kinds))
    target = min(at, len(lines) - 1)
    if not lines and kind not in ("blank", "raw"):
        return lines
    if kind == "delete":
        del lines[target]
    elif kind == "duplicate":
        lines.insert(at, lines[draw(st.integers(0, len(lines) - 1))])
    elif kind == "blank":
        lines.insert(at, draw(st.sampled_from(["", "  ", "\t", "\u00a0", '""', ","])))
    elif kind in ("odd cell", "quote"):
        cells = lines[target].split(",")
        column = draw(st.integers(0, len(cells) - 1))
        quoted = '"' + cells[column].replace('"', '""') + '"'
        cells[column] = quoted if kind == "quote" else draw(st.sampled_from(odd))
        lines[target] = ",".join(cells)
    elif kind == "extra field":
        lines[target] += "," + draw(st.sampled_from(odd))
    elif kind == "one field":
        lines[target] = lines[target].split(",")[0]
    else:
        lines.insert(at, draw(st.sampled_from(['"a"b,c', 'a,"open', '"x\ny",1', 'a,"x"', "a,b,c,d", '"', ""])))
    return lines


def maybe_gzipped(data: bytes, compress: bool) -> bytes:
    return gzip.compress(data, mtime=0) if compress else data
