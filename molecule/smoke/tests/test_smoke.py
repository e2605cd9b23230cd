"""Testinfra checks for the smoke scenario: systemd runs as PID 1 and the unit converged."""


def test_systemd_is_pid_one(host):
    assert host.process.get(pid=1).comm == "systemd"


def test_smoke_unit_enabled_and_active(host):
    unit = host.service("multidc-smoke.service")
    assert unit.is_enabled
    assert unit.is_running or host.file("/run/multidc-smoke").exists


def test_smoke_unit_ran_once_at_start(host):
    marker = host.file("/run/multidc-smoke")
    assert marker.exists
    assert marker.content_string.strip() == "smoke"


def test_marker_directory_mode(host):
    directory = host.file("/etc/multidc-apim")
    assert directory.is_directory
    assert directory.mode == 0o755
