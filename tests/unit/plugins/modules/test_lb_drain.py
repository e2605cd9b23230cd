# -*- coding: utf-8 -*-
"""lb_drain through its real entry, on throw-away upstreams and record files; reload off, or a fake nginx and
systemctl on PATH."""

from ansible.module_utils import basic

from ansible_collections.multidc.apim.plugins.modules import lb_drain

UPSTREAMS = """upstream apim_gateway_dc2 {
    hash $cookie_JSESSIONID consistent;
    server mdc-dc2-wkr1:8243 max_fails=1 fail_timeout=5s;
    server mdc-dc2-wkr2:8243 max_fails=1 fail_timeout=5s down;
}
"""


def files(tmp_path, upstreams=UPSTREAMS, record='mdc-dc2-wkr2\n'):
    (tmp_path / 'upstreams.conf').write_text(upstreams)
    (tmp_path / 'drained').write_text(record)
    return dict(upstreams=str(tmp_path / 'upstreams.conf'), record=str(tmp_path / 'drained'), reload=False)


def test_one_change_puts_the_previous_batch_back_and_drains_the_next(run_module, tmp_path):
    args = files(tmp_path)
    result, failed = run_module(lb_drain, dict(args, state='drained', addresses=['mdc-dc2-wkr1'],
                                               put_back=['mdc-dc2-wkr2']))
    assert not failed and result['changed']
    assert result['drained'] == ['mdc-dc2-wkr1']
    assert (tmp_path / 'upstreams.conf').read_text() == UPSTREAMS.replace(
        'fail_timeout=5s;\n    server mdc-dc2-wkr2:8243 max_fails=1 fail_timeout=5s down;',
        'fail_timeout=5s down;\n    server mdc-dc2-wkr2:8243 max_fails=1 fail_timeout=5s;')
    assert (tmp_path / 'drained').read_text() == 'mdc-dc2-wkr1\n'
    again, failed = run_module(lb_drain, dict(args, state='drained', addresses=['mdc-dc2-wkr1'],
                                              put_back=['mdc-dc2-wkr2']))
    assert not failed and not again['changed']


def test_check_mode_reports_and_writes_nothing(run_module, tmp_path):
    args = files(tmp_path)
    result, failed = run_module(lb_drain, dict(args, state='drained', addresses=['mdc-dc2-wkr1'],
                                               put_back=['mdc-dc2-wkr2']), check_mode=True, diff=True)
    assert not failed and result['changed'] and result['drained'] == ['mdc-dc2-wkr1']
    assert 'mdc-dc2-wkr1:8243 max_fails=1 fail_timeout=5s down;' in result['diff']['after']
    assert (tmp_path / 'upstreams.conf').read_text() == UPSTREAMS
    assert (tmp_path / 'drained').read_text() == 'mdc-dc2-wkr2\n'


def test_an_address_to_drain_and_put_back_at_once_is_refused_and_nothing_changes(run_module, tmp_path):
    args = files(tmp_path)
    result, failed = run_module(lb_drain, dict(args, state='drained', addresses=['mdc-dc2-wkr1', 'mdc-dc2-wkr2'],
                                               put_back=['mdc-dc2-wkr2']))
    assert failed and result['msg'] == 'addresses to drain and to put back at once: mdc-dc2-wkr2'
    assert (tmp_path / 'upstreams.conf').read_text() == UPSTREAMS
    assert (tmp_path / 'drained').read_text() == 'mdc-dc2-wkr2\n'


def test_serving_puts_back_only_the_given_addresses(run_module, tmp_path):
    args = files(tmp_path, record='mdc-dc2-wkr2\nmdc-dc2-wkr9\n')
    result, failed = run_module(lb_drain, dict(args, state='serving', addresses=['mdc-dc2-wkr2']))
    assert not failed and result['changed'] and result['drained'] == ['mdc-dc2-wkr9']
    assert 'fail_timeout=5s down' not in (tmp_path / 'upstreams.conf').read_text()


def fake_commands(tmp_path, monkeypatch, nginx_active):
    """nginx (whose -t passes) and systemctl on PATH, logging their arguments; nginx runs or not."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    log = tmp_path / 'calls'
    (bin_dir / 'nginx').write_text('#!/bin/sh\necho "nginx $*" >> %s\n' % log)
    (bin_dir / 'systemctl').write_text(
        '#!/bin/sh\necho "systemctl $*" >> %s\n'
        'case "$1" in is-active) exit %d ;; reload) echo "nginx.service is not active, cannot reload." >&2; exit %d ;;'
        ' esac\n' % (log, 0 if nginx_active else 3, 0 if nginx_active else 1))
    for command in ('nginx', 'systemctl'):
        (bin_dir / command).chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bin_dir, '/usr/bin:/bin'))
    return log


def test_a_load_balancer_whose_nginx_is_not_running_is_drained_in_its_files_without_a_reload(
        run_module, tmp_path, monkeypatch):
    # Found by bench/master_move_bench.py: the rejoin's roll of a DC back from an outage failed on
    # 'reloading nginx failed: nginx.service is not active, cannot reload', its load balancer having booted before
    # the nodes its upstreams name.
    log = fake_commands(tmp_path, monkeypatch, nginx_active=False)
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: warnings.append(message))
    args = dict(files(tmp_path), reload=True)
    result, failed = run_module(lb_drain, dict(args, state='drained', addresses=['mdc-dc2-wkr1'], wait=30))
    assert not failed, result
    assert result['changed'] and not result['reloaded'] and result['in_flight_done']
    assert len(warnings) == 1 and 'nothing to drain' in warnings[0]
    assert 'mdc-dc2-wkr1:8243 max_fails=1 fail_timeout=5s down;' in (tmp_path / 'upstreams.conf').read_text()
    assert log.read_text().splitlines() == ['nginx -t -q', 'systemctl is-active --quiet nginx']


def test_a_running_nginx_is_tested_and_reloaded(run_module, tmp_path, monkeypatch):
    log = fake_commands(tmp_path, monkeypatch, nginx_active=True)
    args = dict(files(tmp_path), reload=True)
    result, failed = run_module(lb_drain, dict(args, state='serving', addresses=['mdc-dc2-wkr2']))
    assert not failed and result['changed'] and result['reloaded'], result
    assert log.read_text().splitlines() == ['nginx -t -q', 'systemctl is-active --quiet nginx',
                                            'systemctl reload nginx']
