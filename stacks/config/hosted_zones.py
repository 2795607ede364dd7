"""Hosted zones across environments: what the loader can check of the DNS delegation that ACM validation needs.

ACM validates a certificate by looking up a record in public DNS, so the record must land in the zone that public
DNS reaches: the parent's zone itself, or a zone of the environment's own name that the parent delegates to with an
NS record (README: "DNS delegation"). Whether that NS record exists cannot be checked offline; two mistakes can:
- one zone id in two accounts: a hosted zone belongs to one account, and CloudFormation in the other cannot write
  the validation record into it;
- two zones of one name: only one of them is the zone the parent (or the registrar) delegates to, and a certificate
  validated in the other waits 72 hours and fails.
"""

from __future__ import annotations

from collections.abc import Mapping

from stacks.config.model import EnvironmentConfig
from stacks.config.reader import ConfigError, Reader


def check_hosted_zones(environments: Reader, configs: Mapping[str, EnvironmentConfig]) -> None:
    # Production's zone is the one public DNS is meant to reach: a conflict is reported on the other environment.
    with_domain = sorted(
        ((name, config) for name, config in configs.items() if config.domain is not None),
        key=lambda item: not item[1].is_production,
    )
    for index, (name, config) in enumerate(with_domain):
        for other_name, other in with_domain[:index]:
            _check_pair(environments, name, config, other_name, other)


def _check_pair(
    environments: Reader, name: str, config: EnvironmentConfig, other_name: str, other: EnvironmentConfig
) -> None:
    domain, other_domain = config.domain, other.domain
    if domain is None or other_domain is None:
        return
    key = f"{environments.key(name)}.domain"
    if domain.hosted_zone_id == other_domain.hosted_zone_id and config.account != other.account:
        raise ConfigError(
            f'{key}.hostedZoneId = "{domain.hosted_zone_id}": also the zone of {other_name}, in account '
            f"{other.account}; a hosted zone belongs to one account: give {name} a zone of its own in account "
            f"{config.account} (such as {domain.domain_name}), delegated from the parent zone"
        )
    if (
        domain.hosted_zone_name == other_domain.hosted_zone_name
        and domain.hosted_zone_id != other_domain.hosted_zone_id
    ):
        raise ConfigError(
            f'{key}.hostedZoneName = "{domain.hosted_zone_name}": {other_name} has another zone of that name '
            f"({other_domain.hosted_zone_id}); public DNS reaches only one of them, so ACM could never validate in "
            f"the other: give {name} a zone named after its domain ({domain.domain_name}), delegated from the parent"
        )
