"""A real release: sdist and wheel build, the wheel installs into a fresh venv and runs as
``python -m outreach``, both carry the licence, and the unpacked sdist's own tests run."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import outreach

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, ROOT)
    return out


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_the_wheel_installs_and_runs_as_python_m_outreach(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "outreach-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-10:]
    assert "outreach/__main__.py" in names
    assert "outreach/templates/invite.email.j2" in names
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    shown = _run(python, "-m", "outreach", "--version", cwd=tmp_path)
    assert shown.stdout.strip() == f"outreach, version {outreach.__version__}"
    helped = _run(python, "-m", "outreach", "--help", cwd=tmp_path)
    assert "campaign" in helped.stdout


def test_the_unpacked_sdist_carries_and_passes_its_tests(dist: Path, tmp_path: Path) -> None:
    sdist = _one(dist, "outreach-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = _one(tmp_path, "outreach-*")
    for needed in ("LICENSE", "tests/conftest.py", "tests/smtp_server.py", "tests/data",
                   "sample_data", "templates/invite.email.j2", "Makefile"):
        assert (unpacked / needed).exists(), needed
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(unpacked), "HOME": str(tmp_path)}
    collected = _run(sys.executable, "-m", "pytest", "--collect-only", "-q",
                     "-p", "no:cacheprovider", cwd=unpacked, env=env)
    last = collected.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ tests collected in [\d.]+s", last), last
    # The whole suite runs in CI from the clone; here a quick cross-section proves the sdist's
    # copy is complete and imports its own package, not the checkout's.
    ran = _run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "tests/test_cli.py", "tests/test_ingest.py", "tests/test_readme.py",
               "-m", "not slow", cwd=unpacked, env=env)
    assert " passed" in ran.stdout and " failed" not in ran.stdout
    where = _run(sys.executable, "-c", "import outreach; print(outreach.__file__)",
                 cwd=unpacked, env=env)
    assert where.stdout.strip().startswith(str(unpacked))
