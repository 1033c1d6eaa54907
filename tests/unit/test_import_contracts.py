"""The import contracts in pyproject.toml hold for the code, and each one catches an import
that breaks it (run on a copy of the code with one import added)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kernel", "services", "gateway", "infra")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def code_copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_import_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("kernel.clock", "gateway.app"),
        ("kernel.db", "services.agency.main"),
        ("services.agency.main", "gateway.auth.roles"),
        ("services.agency.main", "infra.platform"),
        ("gateway.centers.routing", "infra.platform"),
        ("gateway.incidents.models", "gateway.dispatch.service"),
        ("gateway.incidents.service", "gateway.incidents.views"),
        ("gateway.incidents.service", "gateway.incidents.flows"),
    ],
)
def test_an_import_that_breaks_a_contract_fails_the_lint(code_copy: Path, module: str, imported: str) -> None:
    path = code_copy / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\nimport {imported}  # noqa: E402\n")
    result = lint(code_copy)
    assert result.returncode != 0
    assert f"{module} -> {imported}" in result.stdout
