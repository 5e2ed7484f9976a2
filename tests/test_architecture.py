"""The direction of dependencies (DESIGN.md, Layout): import-linter's contracts in
pyproject.toml, checked here so that `make test` and CI enforce them."""

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"
]["contracts"]


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--no-cache"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(  # noqa: S603 - our own venv's tool
        args, cwd=root, capture_output=True, text=True, timeout=300, check=False
    )


def test_no_contract_ignores_an_import():
    assert all("ignore_imports" not in contract for contract in CONTRACTS)


@pytest.mark.parametrize(
    "contract",
    [
        "apps",
        "policies",
        "school-helpers",
        "school-wiring",
    ],
)
def test_the_contract_is_kept(contract):
    result = lint_imports(ROOT, contract)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_school_module_is_placed_as_helper_or_wiring():
    by_id = {contract["id"]: contract for contract in CONTRACTS}
    helpers = by_id["school-helpers"]["source_modules"]
    wiring = by_id["school-wiring"]["forbidden_modules"]
    placed = {name.removesuffix(".*") for name in [*helpers, *wiring]}
    modules = {"school"} | {
        f"school.{path.stem}" if path.suffix else f"school.{path.name}"
        for path in (ROOT / "school").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert modules - placed == set()


def test_the_layers_contract_catches_accounts_importing_grades(tmp_path):
    # The linter on a copy of the code where accounts.models imports grades.
    for package in ("accounts", "classrooms", "grades", "policies", "school"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "accounts" / "models.py"
    models.write_text("from grades import models as _grades\n" + models.read_text())
    ast.parse(models.read_text())
    result = lint_imports(tmp_path, "apps")
    assert result.returncode == 1
    assert "accounts.models -> grades.models" in result.stdout
