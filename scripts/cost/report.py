"""`make cost`: the estimated monthly cost of each environment, from cdk.out and cdk.json.

Reads the environments and their regions from cdk.json (`context.platform.environments`), the templates of each
environment's stacks from the cloud assembly (`Dev/*` directly, `Pipeline/Staging/*` and `Pipeline/Prod/*` nested),
and the committed price table of the region (`scripts/cost/prices/<region>.json`). Prints one table with a column
per environment, then each environment's lines, what is usage-based and what could not be priced.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scripts.cloud_assembly import read_stacks
from scripts.cost.estimate import Estimate, estimate_environment
from scripts.cost.price_table import PriceTableError, load_price_table
from scripts.cost.pricers import PRICERS

CATEGORY_ORDER = (
    "NAT gateways",
    "EC2 instances (NAT)",
    "Public IPv4 addresses",
    "Load balancer",
    "Fargate",
    "Container Insights",
    "RDS",
    "CloudWatch logs",
    "Alarms and dashboards",
    "KMS keys",
    "Secrets Manager",
    "WAF",
    "AWS Backup",
    "SQS",
    "VPC interface endpoints",
)


class CostReportError(RuntimeError):
    """cdk.json or the assembly does not give what the report needs."""


def environment_regions(config_path: Path) -> dict[str, str]:
    """Environment name to region, in cdk.json's order."""
    try:
        environments = json.loads(config_path.read_text())["context"]["platform"]["environments"]
        return {name: str(settings["region"]) for name, settings in environments.items()}
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise CostReportError(
            f"{config_path}: cannot read context.platform.environments.*.region ({error!r})"
        ) from error


def environment_templates(assembly_dir: Path, environment: str) -> dict[str, dict[str, Any]]:
    """The templates of the environment's stage: display names whose stage segment is the capitalized name."""
    stage = environment.capitalize()
    templates = {
        stack.display_name: stack.template()
        for stack in read_stacks(assembly_dir)
        if stack.display_name.split("/")[-2:-1] == [stage]
    }
    if not templates:
        raise CostReportError(f"{assembly_dir}: no stacks of stage {stage}; run `make synth` first")
    return templates


def estimate_all(assembly_dir: Path, config_path: Path) -> list[Estimate]:
    estimates = []
    for environment, region in environment_regions(config_path).items():
        table = load_price_table(region)
        estimates.append(
            estimate_environment(environment, environment_templates(assembly_dir, environment), table, PRICERS)
        )
    return estimates


def summary_table(estimates: Sequence[Estimate]) -> str:
    categories = [c for c in CATEGORY_ORDER if any(c in e.by_category() for e in estimates)]
    categories += sorted({c for e in estimates for c in e.by_category()} - set(categories))
    header = ["USD / month", *(e.environment for e in estimates)]
    rows = [[c, *(_usd(e.by_category().get(c)) for e in estimates)] for c in categories]
    rows.append(["**total**", *(f"**{e.total:,.2f}**" for e in estimates)])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        _row(header, widths),
        "| " + " | ".join("-" * w if i == 0 else "-" * (w - 1) + ":" for i, w in enumerate(widths)) + " |",
    ]
    lines += [_row(row, widths) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return (
        "| "
        + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        + " |"
    )


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def details(estimate: Estimate) -> str:
    lines = [f"{estimate.environment} ({estimate.region}): {estimate.total:,.2f} USD a month"]
    for line in sorted(estimate.lines, key=lambda item: (_category_rank(item.category), item.resource)):
        lines.append(f"  {line.monthly_usd:9,.2f}  {line.category}: {line.description}  [{line.resource}]")
    if estimate.usage_based:
        lines.append("  usage-based, not estimated:")
        lines += [f"    {u.resource_type} {u.resource}: {u.reason}" for u in estimate.usage_based]
    lines.append(f"  not priced: {'none' if not estimate.not_priced else ''}")
    lines += [f"    {u.resource_type} {u.resource}: {u.reason}" for u in estimate.not_priced]
    return "\n".join(lines)


def _category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def render(estimates: Sequence[Estimate], price_tables: Mapping[str, str]) -> str:
    sources = ", ".join(f"{region}: prices of {date}" for region, date in sorted(price_tables.items()))
    parts = [f"Estimated monthly cost ({sources}; scripts/cost/prices/)", "", summary_table(estimates)]
    parts += ["", *(details(estimate) + "\n" for estimate in estimates)]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--assembly", type=Path, default=Path("cdk.out"))
    parser.add_argument("--config", type=Path, default=Path("cdk.json"))
    args = parser.parse_args(argv)
    try:
        estimates = estimate_all(args.assembly, args.config)
        tables = {e.region: load_price_table(e.region).date for e in estimates}
    except (CostReportError, PriceTableError) as error:
        print(f"make cost: {error}", file=sys.stderr)
        return 2
    print(render(estimates, tables), end="")
    return 0
