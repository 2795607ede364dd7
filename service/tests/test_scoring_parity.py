"""The scoring engine and the row-by-row parsers agree on every rule: the same first bad line, the same reason,
the same scores and rows, for plain and gzip-compressed files."""

from __future__ import annotations

import gzip

import pytest

from scoring.upload_reading import SizeLimits

from .scoring_oracle import (
    LABEL_TRUTH,
    NUMBER_TRUTH,
    ground_truth_columnar,
    ground_truth_row_by_row,
    predictions_columnar,
    predictions_row_by_row,
    truth_of,
)

H = "id,prediction\n"
GOOD_LABELS = "a,cat\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n"
LONG = "x" * 150

# (name, file) against LABEL_TRUTH (accuracy and macro_f1).
LABEL_FILES = [
    ("valid", H + GOOD_LABELS),
    ("valid-shuffled", H + "f,cat\ne,cat\nd,dog\nc,dog\nb,dog\na,cat\n"),
    (
        "valid-crlf-bom-header-case",
        "\ufeffID , Prediction\r\na,cat\r\n\r\nb,dog\r\nc,cat\r\nd,dog\r\ne,bird\r\nf,cat\r\n",
    ),
    ("valid-blank-and-whitespace-lines", H + "\n   \na,cat\n\t\nb,dog\n\u00a0\nc,cat\nd,dog\n\n\ne,bird\nf,cat\n\n"),
    ("valid-quoted", '"id","prediction"\n"a","cat"\n"b",dog\nc,"cat"\n"d","dog"\n"e","bird"\n"f",cat\n'),
    ("valid-quoted-newline-label", H + 'a,"ca\nt"\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n'),
    ("valid-escaped-quote-label", H + 'a,"say ""cat"""\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n'),
    ("valid-spaces-around-cells", H + " a , cat \nb,dog\n c,cat\nd ,dog\ne,\tbird\nf,cat\u3000\n"),
    ("valid-lone-cr-lines", (H + GOOD_LABELS).replace("\n", "\r")),
    ("valid-no-final-newline", H + GOOD_LABELS.rstrip("\n")),
    ("valid-labels-only-in-predictions", H + "a,cow\nb,dog\nc,cat\nd,pig\ne,bird\nf,cat\n"),
    ("valid-nul-in-label", H + "a,c\x00t\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n"),
    ("valid-empty-quoted-line-skipped", H + 'a,cat\n""\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n'),
    ("empty", ""),
    ("whitespace-only", " \n\t\r\n "),
    ("bom-only", "\ufeff"),
    ("header-only", H),
    ("header-only-no-newline", "id,prediction"),
    ("wrong-header", "identifier,prediction\na,cat\n"),
    ("header-extra-column", "id,prediction,extra\na,cat,1\n"),
    ("header-after-blank-line", "\n" + H + GOOD_LABELS),
    ("header-long", "x" * 300 + "\na,cat\n"),
    ("header-field-too-large", "id," + "p" * 131073 + "\na,cat\n"),
    ("header-quoted-newline", '"id\n",prediction\n' + GOOD_LABELS),
    ("header-malformed", '"id"x,prediction\n' + GOOD_LABELS),
    ("three-fields", H + "a,cat\nb,dog,oops\n"),
    ("one-field", H + "a,cat\nb\n"),
    ("one-field-after-quoted-newline", H + 'a,"ca\nt"\nb\n'),
    ("unknown-id", H + "a,cat\nzzz,dog\n"),
    ("unknown-long-id", H + f"a,cat\n{LONG},dog\n"),
    ("unknown-empty-id", H + "a,cat\n,dog\n"),
    ("unknown-blank-cells", H + "a,cat\n  ,  \n"),
    ("duplicate-id", H + "a,cat\nb,dog\na,dog\n"),
    ("duplicate-id-spaces", H + "a,cat\nb,dog\n a ,dog\n"),
    ("duplicate-id-after-blank-lines", H + "\na,cat\n\nb,dog\na,dog\n"),
    ("duplicate-of-long-id", H + f"{LONG},cat\n{LONG},dog\n"),
    ("duplicate-unknown-id", H + "zz,cat\nzz,dog\n"),
    ("empty-label", H + "a,cat\nb,\n"),
    ("whitespace-label", H + "a,cat\nb, \t\n"),
    ("missing-ids", H + "a,cat\nb,dog\nc,cat\n"),
    ("missing-ids-trailing-blank-lines", H + "a,cat\nb,dog\nc,cat\n\n\n"),
    ("missing-first-id", H + "b,dog\nc,cat\nd,dog\ne,bird\nf,cat\n"),
    ("unterminated-quote", H + 'a,"cat\n'),
    ("unterminated-quote-later", H + 'a,cat\nb,"dog\nc,cat\n'),
    ("junk-after-quote", H + 'a,"cat"x\n'),
    ("space-after-quote", H + 'a,"cat" \nb,dog\n'),
    ("literal-quote-in-field", H + 'a,c"a"t\nb,dog\nc,cat\nd,dog\ne,bird\nf,cat\n'),
    ("field-too-large", H + "a," + "c" * 131073 + "\n"),
    ("field-at-the-limit-unknown", H + "a,cat\n" + "z" * 131072 + ",dog\n"),
    ("not-utf8", "BAD-UTF8"),
    ("not-utf8-in-header", "BAD-UTF8-HEADER"),
    # Rules colliding on different lines: the earliest line wins, whatever the rule.
    ("duplicate-before-wrong-count", H + "a,cat\na,dog\nb,dog,x\n"),
    ("wrong-count-before-duplicate", H + "a,cat\nb,dog,x\na,dog\n"),
    ("unknown-before-malformed", H + 'zz,cat\n"a"x,dog\n'),
    ("malformed-before-unknown", H + '"a"x,dog\nzz,cat\n'),
    ("empty-label-before-unknown", H + "a,\nzz,cat\n"),
    ("unknown-before-empty-label-same-line", H + "zz,\n"),
    ("duplicate-and-empty-label-same-line", H + "a,cat\na,\n"),
    ("wrong-count-after-quoted-newline", H + 'a,"ca\nt"\nb,dog,x\n'),
    ("duplicate-after-quoted-newlines", H + 'a,"c\na\nt"\nb,dog\na,cat\n'),
    ("missing-after-valid-rows-then-blank-quoted", H + 'a,cat\n""\n'),
]

# (name, file) against NUMBER_TRUTH (rmse and mae).
NUMBER_FILES = [
    ("valid", H + "a,1.5\nb,2\nc,-3\nd,0\ne,10\nf,0.001\n"),
    ("valid-forms-python-accepts", H + "a,+1.5\nb,2.\nc,-.5e1\nd,1_000\ne,\u0661\u0662\nf,  7E-3 \n"),
    ("valid-shuffled", H + "f,1\ne,2\nd,3\nc,4\nb,5\na,6\n"),
    ("not-a-number", H + "a,1.0\nb,two\n"),
    ("infinity", H + "a,inf\nb,1\n"),
    ("nan", H + "a,1\nb,NaN\n"),
    ("overflowing-number", H + "a,1\nb,1e400\n"),
    ("hexadecimal", H + "a,0x10\n"),
    ("empty-number", H + "a,1\nb,\n"),
    ("long-bad-number", H + "a,1\nb," + "9" * 50 + "x" * 100 + "\n"),
    ("exponent-without-digits", H + "a,1e\n"),
    ("double-underscore", H + "a,1__0\n"),
    ("huge-but-finite", H + "a,1e300\nb,-1e300\nc,1e300\nd,-1e300\ne,1e300\nf,-1e300\n"),
]

GROUND_TRUTH_HEADER = "id,expected,usage\n"
GROUND_TRUTH_FILES = [
    ("valid", GROUND_TRUTH_HEADER + "a,1.5,Public\nb,2,private\nc,3,PUBLIC\n d ,4 , Private \n"),
    ("valid-quoted-crlf-bom", '\ufeff"id","expected","usage"\r\n"a","1",Public\r\n\r\nb,2,"Private"\r\n'),
    ("wrong-header", "id,prediction\na,1\n"),
    ("unknown-usage", GROUND_TRUTH_HEADER + "a,1,Public\nb,2,Secret\n"),
    ("usage-dotted-capital-i", GROUND_TRUTH_HEADER + "a,1,Publ\u0130c\nb,2,Private\n"),
    ("usage-kelvin-sign", GROUND_TRUTH_HEADER + "a,1,Public\nb,2,\u212aPrivate\n"),
    ("empty-usage", GROUND_TRUTH_HEADER + "a,1,Public\nb,2,\n"),
    ("duplicate", GROUND_TRUTH_HEADER + "a,1,Public\na,2,Private\n"),
    ("not-a-number", GROUND_TRUTH_HEADER + "a,x,Public\nb,2,Private\n"),
    ("infinite", GROUND_TRUTH_HEADER + "a,-inf,Public\nb,2,Private\n"),
    ("no-private-rows", GROUND_TRUTH_HEADER + "a,1,Public\n"),
    ("no-public-rows", GROUND_TRUTH_HEADER + "a,1,Private\n\n"),
    ("no-rows", GROUND_TRUTH_HEADER),
    ("empty-id", GROUND_TRUTH_HEADER + ",1,Public\n"),
    ("empty-id-twice", GROUND_TRUTH_HEADER + ",1,Public\n,2,Private\n"),
    ("two-fields", GROUND_TRUTH_HEADER + "a,1,Public\nb,2\n"),
    ("empty-id-and-bad-usage-same-line", GROUND_TRUTH_HEADER + ",1,Nope\n"),
    ("bad-usage-and-bad-number-same-line", GROUND_TRUTH_HEADER + "a,x,Nope\n"),
    ("bad-number-before-duplicate", GROUND_TRUTH_HEADER + "a,1,Public\nb,x,Private\na,2,Public\n"),
    ("malformed", GROUND_TRUTH_HEADER + 'a,1,Public\nb,"2"2,Private\n'),
]
GROUND_TRUTH_LABEL_FILES = [
    ("valid", GROUND_TRUTH_HEADER + "a,cat,Public\nb,dog,Private\nc, cat ,public\n"),
    ("empty-label", GROUND_TRUTH_HEADER + "a,cat,Public\nb,,Private\n"),
    ("whitespace-label", GROUND_TRUTH_HEADER + "a,cat,Public\nb,\u2003,Private\n"),
]


def encoded(text: str) -> bytes:
    if text == "BAD-UTF8":
        return b"id,prediction\na,cat\nb,\xff\xfe\n"
    if text == "BAD-UTF8-HEADER":
        return b"id,pr\xe9diction\na,cat\n"
    return text.encode()


def compressions(data: bytes) -> list[bytes]:
    return [data, gzip.compress(data, mtime=0)]


CASES = [
    *[
        ("predictions", LABEL_TRUTH, metric, name, text)
        for metric in ("accuracy", "macro_f1")
        for name, text in LABEL_FILES
    ],
    *[("predictions", NUMBER_TRUTH, metric, name, text) for metric in ("rmse", "mae") for name, text in NUMBER_FILES],
    *[("ground truth", b"", "rmse", name, text) for name, text in GROUND_TRUTH_FILES],
    *[("ground truth", b"", "accuracy", name, text) for name, text in GROUND_TRUTH_LABEL_FILES],
]


@pytest.mark.parametrize(
    ("kind", "truth_csv", "metric", "name", "text"),
    CASES,
    ids=[f"{kind}-{metric}-{name}" for kind, _, metric, name, _ in CASES],
)
def test_the_engine_agrees_with_the_row_by_row_parser(kind, truth_csv, metric, name, text):
    data = encoded(text)
    if kind == "predictions":
        truth = truth_of(truth_csv, metric)
        expected = predictions_row_by_row(data, truth_csv, metric)
        outcomes = [predictions_columnar(candidate, truth) for candidate in compressions(data)]
    else:
        expected = ground_truth_row_by_row(data, metric)
        outcomes = [ground_truth_columnar(candidate, metric) for candidate in compressions(data)]
    for outcome in outcomes:
        outcome.assert_matches(expected)


def test_a_file_over_the_limit_gets_the_same_message():
    data = encoded(H + GOOD_LABELS)
    expected = predictions_row_by_row(data, LABEL_TRUTH, "accuracy", max_bytes=20)
    limits = SizeLimits(max_bytes=20, max_decompressed_bytes=20)
    predictions_columnar(data, truth_of(LABEL_TRUTH, "accuracy"), limits).assert_matches(expected)
    assert expected.problem == (1, "the file is larger than the limit of 20 bytes")


def test_utf8_error_after_a_bom_names_the_true_line_where_the_row_by_row_parser_named_the_previous_one():
    data = b"\xef\xbb\xbfid,prediction\n\xffa,cat\n"
    assert predictions_row_by_row(data, LABEL_TRUTH, "accuracy").problem == (1, "the file is not valid UTF-8")
    assert predictions_columnar(data, truth_of(LABEL_TRUTH, "accuracy")).problem == (2, "the file is not valid UTF-8")
