"""Synthesizing the base commit of a comparison, from a temporary git worktree."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def synthesize_ref(ref: str, outdir: Path, repo: Path = REPO_ROOT) -> bool:
    """Synthesizes commit `ref` into `outdir` from a temporary git worktree; False when it has no CDK app.

    The worktree reuses this checkout's .venv and node_modules (symlinks), so the base is synthesized with the
    head's dependency versions: a pull request that bumps aws-cdk-lib shows the bump's template changes as if the
    base had them already. Accepted: installing the base's own dependencies would cost minutes per run."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}", cwd=repo)
    worktree = Path(tempfile.mkdtemp(prefix="infra-diff-base-"))
    try:
        git("worktree", "add", "--detach", str(worktree), commit, cwd=repo)
        if not (worktree / "cdk.json").exists():
            return False
        for shared in (".venv", "node_modules"):
            if (repo / shared).exists() and not (worktree / shared).exists():
                (worktree / shared).symlink_to(repo / shared)
        cdk = repo / "node_modules" / ".bin" / "cdk"
        env = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"}
        env.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(repo / ".cache" / "jsii"))
        command = [str(cdk) if cdk.exists() else "cdk", "synth", "--quiet", "--no-notices", "-o", str(outdir)]
        subprocess.run(command, cwd=worktree, env=env, check=True)
        return True
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(worktree)], cwd=repo, capture_output=True, check=False
        )
        shutil.rmtree(worktree, ignore_errors=True)
