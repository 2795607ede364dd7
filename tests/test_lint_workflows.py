"""Offline workflow linting (`make lint-workflows`, scripts/lint_workflows.py): zizmor, actionlint, action-validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import lint_workflows

FIXTURES = Path(__file__).parent / "fixtures" / "workflows"
WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


@pytest.fixture(scope="module")
def bad_findings() -> list[lint_workflows.Finding]:
    return lint_workflows.lint(lint_workflows.workflow_files([FIXTURES]))


def messages(findings: list[lint_workflows.Finding], tool: str, file: str) -> list[str]:
    return [f.message for f in findings if f.tool == tool and f.location.startswith(f"tests/fixtures/workflows/{file}")]


def test_zizmor_finds_the_security_problems(bad_findings: list[lint_workflows.Finding]) -> None:
    found = {message.split(":")[0] for message in messages(bad_findings, "zizmor", "insecure.yml")}

    assert {"template-injection", "unpinned-uses", "artipacked"} <= found


def test_zizmor_reports_a_file_it_cannot_audit(bad_findings: list[lint_workflows.Finding]) -> None:
    assert [m.split(":")[0] for m in messages(bad_findings, "zizmor", "invalid-schema.yml")] == ["could not audit"]


def test_actionlint_finds_untrusted_input_and_undefined_properties(bad_findings: list[lint_workflows.Finding]) -> None:
    found = messages(bad_findings, "actionlint", "insecure.yml")

    assert any("potentially untrusted" in message for message in found)
    assert any('property "python" is not defined' in message for message in found)


def test_action_validator_finds_schema_violations(bad_findings: list[lint_workflows.Finding]) -> None:
    assert "/jobs/build/timeout-minutes: The value must be number" in messages(
        bad_findings, "action-validator", "invalid-schema.yml"
    )


def test_the_command_fails_on_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint_workflows.main([str(FIXTURES / "insecure.yml")]) == 1
    assert "[zizmor] unpinned-uses" in capsys.readouterr().out


def test_the_repository_workflows_have_no_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_workflows.main([str(WORKFLOWS)])

    assert code == 0, capsys.readouterr().out


def test_every_third_party_action_is_pinned_to_a_commit_with_its_version() -> None:
    for workflow in lint_workflows.workflow_files([WORKFLOWS]):
        for line in workflow.read_text().splitlines():
            if "uses:" in line:
                reference = line.split("uses:")[1].split("#")[0].strip()
                _, _, sha = reference.partition("@")
                assert len(sha) == 40 and all(c in "0123456789abcdef" for c in sha), line
                assert "# v" in line, f"{workflow.name}: pinned action without its version comment: {line}"
