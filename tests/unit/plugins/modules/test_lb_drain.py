# -*- coding: utf-8 -*-
"""lb_drain through its real entry, on throw-away upstreams and record files (no nginx: reload off)."""

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
