"""cfn-lint over every synthesized template: no error, and no warning outside the documented ignore list
(tests/cfn_lint_check.py)."""

from __future__ import annotations

from tests.conftest import SynthesizedPlatform

CFN_LINT_TIMEOUT_SECONDS = 300


def test_every_template_passes_cfn_lint(synthesized: SynthesizedPlatform) -> None:
    assert synthesized.cfn_lint is not None
    stdout, stderr = synthesized.cfn_lint.communicate(timeout=CFN_LINT_TIMEOUT_SECONDS)

    findings = [line for line in stdout.splitlines() if line.strip()]

    assert findings == []
    # Exit code 1 means cfn-lint itself failed; other non-zero codes report findings (listed above).
    assert synthesized.cfn_lint.returncode != 1, stderr


def test_cfn_lint_saw_every_template(synthesized: SynthesizedPlatform) -> None:
    assert synthesized.cfn_lint is not None
    assert len(synthesized.cfn_lint.args) - synthesized.cfn_lint.args.index("--") - 1 == len(synthesized.stacks)
