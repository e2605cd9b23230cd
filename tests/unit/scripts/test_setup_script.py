"""scripts/setup.sh against fake system commands: it must skip what is done,
and fail with one clear line (and no venv) when Docker cannot start."""
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _fake_command(bin_dir, name, body):
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def sandbox(tmp_path):
    """A copy of the setup script and its inputs, with fake system commands first on PATH."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in ("scripts/setup.sh", "scripts/apt-packages.txt", "requirements.txt", "requirements-lock.txt"):
        shutil.copy(REPO / name, repo / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    for name in ("apt-get", "mmdebstrap", "systemctl", "sysctl"):
        _fake_command(bin_dir, name, 'echo "%s $*" >> %s; exit 0' % (name, calls))
    _fake_command(bin_dir, "dpkg-query", "printf 'install ok installed'")
    _fake_command(bin_dir, "id", "echo 0")
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), MULTIDC_DOCKER_WAIT="2")
    return repo, bin_dir, calls, env


def _run(repo, env):
    return subprocess.run(["bash", str(repo / "scripts/setup.sh")], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_docker_that_cannot_start_fails_in_one_line_and_builds_no_venv(sandbox):
    repo, bin_dir, calls, env = sandbox
    _fake_command(bin_dir, "docker", "exit 1")
    _fake_command(bin_dir, "dockerd", 'echo \'level=fatal msg="failed to start daemon: operation not permitted"\'; exit 1')

    result = _run(repo, env)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors == ["setup: FAILED: the Docker engine did not start within 2 s: failed to start daemon: operation not permitted"]
    assert not (repo / ".venv").exists()


def test_second_run_skips_every_step(sandbox):
    repo, bin_dir, calls, env = sandbox
    _fake_command(bin_dir, "docker", "exit 0")
    venv = repo / ".venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(shutil.which("python3"), venv / "bin" / "python")
    digest = subprocess.run("cat requirements.txt requirements-lock.txt | sha256sum | cut -d' ' -f1",
                            shell=True, cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    (venv / ".multidc-requirements.sha256").write_text(digest + "\n")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / ".venv/lib/python3.11/site-packages"),) if os.path.isdir(p))

    result = _run(repo, env)

    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.endswith("skipped")]
    assert len(skipped) == 4 + (1 if int(open("/proc/sys/fs/inotify/max_user_instances").read()) >= 1024 else 0), result.stdout
    assert not calls.exists() or "apt-get" not in calls.read_text()
    assert "mmdebstrap" not in (calls.read_text() if calls.exists() else "")


def test_stale_venv_stamp_is_not_trusted(sandbox):
    repo, bin_dir, calls, env = sandbox
    _fake_command(bin_dir, "docker", "exit 0")
    venv = repo / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".multidc-requirements.sha256").write_text("not-the-digest\n")
    _fake_command(bin_dir, "python3", 'echo "python3 $*" >> %s; exit 1' % calls)

    result = _run(repo, env)

    assert result.returncode == 1
    assert "venv: building" in result.stdout
    assert "could not create a virtualenv" in result.stderr
    assert not (venv / ".multidc-requirements.sha256").exists()


@pytest.fixture
def fresh_sandbox(tmp_path):
    """scripts/fresh_state.sh with a fake docker that holds one image and logs every call; setup.sh is a stub."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / ".cache").mkdir()
    shutil.copy(REPO / "scripts/fresh_state.sh", repo / "scripts/fresh_state.sh")
    (repo / "scripts/setup.sh").write_text("echo setup ran\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    _fake_command(bin_dir, "docker", 'echo "docker $*" >> %s\n'
                                     'case "$*" in "image inspect -f"*) echo sha256:built ;; esac\nexit 0' % calls)
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), MULTIDC_MAKE_RUN="run-2")
    return repo, calls, env


def _fresh(repo, env):
    return subprocess.run(["bash", str(repo / "scripts/fresh_state.sh")], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize("built_by, removed", [
    ("run-2 sha256:built", False),  # this make run's setup built it from scratch
    ("run-1 sha256:built", True),   # an earlier run built it
    ("run-2 sha256:other", True),   # this run built another image, since replaced
    (None, True),                   # nobody recorded building it
])
def test_fresh_state_rebuilds_the_base_image_unless_this_run_just_built_it(fresh_sandbox, built_by, removed):
    repo, calls, env = fresh_sandbox
    if built_by is not None:
        (repo / ".cache/base-image.built-by").write_text(built_by + "\n")

    result = _fresh(repo, env)

    assert result.returncode == 0, result.stderr
    assert ("docker rmi -f multidc-apim-base:bookworm" in calls.read_text()) == removed
    assert "setup ran" in result.stdout
