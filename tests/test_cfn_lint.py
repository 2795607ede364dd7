"""cfn-lint over every synthesized template: no error, no warning outside the documented ignore list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import SynthesizedPlatform

# Each ignored check and why it does not apply to this app (keep this list short):
IGNORED_CHECKS = {
    # The zones are deliberate: they come from the validated config so that synthesis never looks them up.
    "W3010": "Avoid hardcoding availability zones",
    # CDK adds DependsOn next to a Ref/GetAtt that already orders the resources; harmless duplication.
    "W3005": "Obsolete DependsOn",
}


def test_every_template_passes_cfn_lint(synthesized: SynthesizedPlatform) -> None:
    templates = [str(stack.template_path) for stack in synthesized.stacks.values()]

    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--format",
            "parseable",
            "--ignore-checks",
            *IGNORED_CHECKS,
            "--",
            *templates,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.stdout.strip() == "", result.stdout
    assert result.returncode == 0, result.stderr
