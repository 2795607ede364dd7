"""A tiny evaluator of CloudWatch metric math, for the subset the stacks write (numbers, metric ids, + - * /,
comparisons, AND, OR, NOT, FILL(metric, value) and IF(condition, then, else)), on one data point per metric.

It lets a test evaluate the expression string exactly as it was synthesized on sample values, so a test of the
scaling and alarm arithmetic checks the deployed formula, not a copy of it. A metric without data is `None`; as in
CloudWatch, arithmetic on a missing value gives a missing value, and FILL replaces it. A comparison or a logical
operator gives 1 or 0. An unknown function or token is an error, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Value = float | None

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>]))")
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def evaluate(expression: str, values: Mapping[str, Value]) -> Value:
    """The expression's value at one point, the metric ids taking `values` (None: no data)."""
    parser = _Parser(_tokens(expression), values)
    result = parser.logical()
    if parser.position != len(parser.tokens):
        raise ValueError(f"{expression!r}: unexpected {parser.tokens[parser.position]!r}")
    return result


def _tokens(expression: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise ValueError(f"{expression!r}: cannot read from {expression[position:]!r}")
        tokens.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    return tokens


def _arithmetic(operator: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    return left / right if right != 0 else None  # CloudWatch drops a division by zero from the result


class _Parser:
    def __init__(self, tokens: list[str], values: Mapping[str, Value]) -> None:
        self.tokens = tokens
        self.values = values
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected or 'more'} at token {self.position}, found {token!r}")
        self.position += 1
        return token

    def logical(self) -> Value:
        left = self._comparison()
        while self._peek() in ("AND", "OR"):
            operator = self._take()
            right = self._comparison()
            if left is None or right is None:
                left = None
            elif operator == "AND":
                left = float(bool(left) and bool(right))
            else:
                left = float(bool(left) or bool(right))
        return left

    def _comparison(self) -> Value:
        left = self._sum()
        token = self._peek()
        if token in _COMPARISONS:
            self._take()
            right = self._sum()
            return None if left is None or right is None else float(_COMPARISONS[token](left, right))
        return left

    def _sum(self) -> Value:
        left = self._product()
        while self._peek() in ("+", "-"):
            operator = self._take()
            left = _arithmetic(operator, left, self._product())
        return left

    def _product(self) -> Value:
        left = self._unary()
        while self._peek() in ("*", "/"):
            operator = self._take()
            left = _arithmetic(operator, left, self._unary())
        return left

    def _unary(self) -> Value:
        if self._peek() == "-":
            self._take()
            operand = self._unary()
            return None if operand is None else -operand
        if self._peek() == "NOT":
            self._take()
            operand = self._unary()
            return None if operand is None else float(not operand)
        return self._atom()

    def _atom(self) -> Value:
        symbol = self._take()
        if symbol == "(":
            inner = self.logical()
            self._take(")")
            return inner
        if re.fullmatch(r"\d+(?:\.\d+)?", symbol):
            return float(symbol)
        if self._peek() == "(":
            return self._call(symbol)
        if symbol not in self.values:
            raise ValueError(f"metric id {symbol!r} has no sample value")
        value = self.values[symbol]
        return None if value is None else float(value)

    def _call(self, name: str) -> Value:
        self._take("(")
        arguments = [] if self._peek() == ")" else [self.logical()]
        while self._peek() == ",":
            self._take(",")
            arguments.append(self.logical())
        self._take(")")
        if name == "FILL" and len(arguments) == 2:
            return arguments[1] if arguments[0] is None else arguments[0]
        if name == "IF" and len(arguments) == 3:
            condition, then, otherwise = arguments
            return None if condition is None else (then if condition else otherwise)
        raise ValueError(f"function {name} with {len(arguments)} arguments is not supported")
