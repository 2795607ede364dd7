"""The committed, dated price table of one region (`prices/<region>.json`), read and checked once.

Every figure carries its source, its date and its basis (`checked`, `recalled` or `assumed`, see the file's
`basisLegend`); usage assumptions (GB through a NAT gateway, LCUs, log volume, hours at zero) live in the same file,
with a default and optional per-environment values, so that the report never hides a guess in code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_DIR = Path(__file__).resolve().parent / "prices"
BASES = frozenset({"checked", "recalled", "assumed"})


class PriceTableError(ValueError):
    """The price table is missing, malformed, or lacks a figure the report needs."""


@dataclass(frozen=True)
class Price:
    usd: float
    per: str
    basis: str
    date: str
    source: str


@dataclass(frozen=True)
class ClassPrices:
    by_class: Mapping[str, float]
    per: str
    basis: str
    date: str
    source: str


@dataclass(frozen=True)
class Assumption:
    description: str
    default: float
    by_environment: Mapping[str, float]

    def value(self, environment: str) -> float:
        return self.by_environment.get(environment, self.default)


@dataclass(frozen=True)
class PriceTable:
    region: str
    date: str
    hours_per_month: float
    prices: Mapping[str, Price]
    class_prices: Mapping[str, ClassPrices]
    assumptions: Mapping[str, Assumption]
    free_types: frozenset[str]
    usage_based_types: Mapping[str, str]

    def price(self, name: str) -> float:
        if name not in self.prices:
            raise PriceTableError(f"price table {self.region}: no price {name!r}")
        return self.prices[name].usd

    def class_price(self, table: str, instance_class: str) -> float | None:
        """None when the class is not in the table: the caller reports the resource as not priced."""
        if table not in self.class_prices:
            raise PriceTableError(f"price table {self.region}: no class prices {table!r}")
        return self.class_prices[table].by_class.get(instance_class)

    def assumed(self, name: str, environment: str) -> float:
        if name not in self.assumptions:
            raise PriceTableError(f"price table {self.region}: no assumption {name!r}")
        return self.assumptions[name].value(environment)


def load_price_table(region: str, prices_dir: Path = PRICES_DIR) -> PriceTable:
    path = prices_dir / f"{region}.json"
    if not path.is_file():
        known = sorted(p.stem for p in prices_dir.glob("*.json"))
        raise PriceTableError(f"no price table for region {region} ({path}); tables exist for: {', '.join(known)}")
    try:
        raw = json.loads(path.read_text())
        return _parse(raw, path)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, PriceTableError):
            raise
        raise PriceTableError(f"{path}: {error!r}") from error


def _parse(raw: Mapping[str, Any], path: Path) -> PriceTable:
    if raw["region"] != path.stem:
        raise PriceTableError(f"{path}: region {raw['region']!r} does not match the file name")
    prices = {
        name: Price(**_figure(path, name, entry), usd=float(entry["usd"])) for name, entry in raw["prices"].items()
    }
    class_prices = {
        name: ClassPrices(
            **_figure(path, name, entry), by_class={key: float(value) for key, value in entry["byClass"].items()}
        )
        for name, entry in raw["classPrices"].items()
    }
    assumptions = {
        name: Assumption(
            description=str(entry["description"]),
            default=float(entry["default"]),
            by_environment={key: float(value) for key, value in entry.get("byEnvironment", {}).items()},
        )
        for name, entry in raw["assumptions"].items()
    }
    return PriceTable(
        region=str(raw["region"]),
        date=str(raw["date"]),
        hours_per_month=float(raw["hoursPerMonth"]),
        prices=prices,
        class_prices=class_prices,
        assumptions=assumptions,
        free_types=frozenset(str(t) for t in raw["freeResourceTypes"]),
        usage_based_types={str(k): str(v) for k, v in raw["usageBasedResourceTypes"].items()},
    )


def _figure(path: Path, name: str, entry: Mapping[str, Any]) -> dict[str, str]:
    """The provenance every figure must carry."""
    missing = [key for key in ("per", "basis", "date", "source") if not entry.get(key)]
    if missing:
        raise PriceTableError(f"{path}: {name} lacks {', '.join(missing)}")
    if entry["basis"] not in BASES:
        raise PriceTableError(f"{path}: {name} has basis {entry['basis']!r}; allowed: {', '.join(sorted(BASES))}")
    return {key: str(entry[key]) for key in ("per", "basis", "date", "source")}
