"""The import contracts of pyproject.toml ([tool.importlinter]; DESIGN.md "Layout") hold.

import-linter runs in a subprocess, as `make lint` runs it, so that its own configuration of
logging and output stays out of the test process. Its entry point is called explicitly:
`python -m importlinter.cli` would import the module and exit 0 without checking anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"

RUN_LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def test_import_contracts_are_kept() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    result = subprocess.run(
        [sys.executable, "-c", RUN_LINT_IMPORTS, "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},  # unwrapped, plain report
        capture_output=True,
        text=True,
        timeout=300,
    )
    report, code = result.stdout + result.stderr, result.returncode
    assert code == 0, f"import contracts broken (lint-imports):\n{report}"
    # A run that checked nothing also exits 0: every contract must have been checked and kept.
    assert f"Contracts: {len(contracts)} kept, 0 broken." in report, report
