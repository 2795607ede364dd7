"""cfn-lint over the synthesized templates, started in the background as soon as the session has synthesized, so
that its few seconds overlap the other tests (the suite must stay within twice one `make synth`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# Each ignored check and why it does not apply to this app (keep this list short):
IGNORED_CHECKS = {
    # The zones are deliberate: they come from the validated config so that synthesis never looks them up.
    # (cfn-lint also skips this rule on templates it recognizes as CDK's, see E3703.)
    "W3010": "Avoid hardcoding availability zones",
    # CDK adds DependsOn next to a Ref/GetAtt that already orders the resources; harmless duplication.
    "W3005": "Obsolete DependsOn",
    # "Prefer Fn::Sub over Fn::Join" (CDK Pipelines joins the partition into cross-account role ARNs): valid
    # CloudFormation and a style preference. cfn-lint skips it itself on CDK templates, which it recognizes by
    # their aws:cdk:path metadata; the test session synthesizes without that metadata (stable snapshots), so
    # `cdk synth` output passes without this entry and the session's copy needs it.
    "E3703": "Prefer using Fn::Sub over Fn::Join with an empty delimiter",
}


def start_cfn_lint(templates: Iterable[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--format",
            "parseable",
            "--ignore-checks",
            *IGNORED_CHECKS,
            "--",
            *(str(template) for template in templates),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
