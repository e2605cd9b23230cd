# -*- coding: utf-8 -*-
"""publisher_deployment through its real entry, on throw-away CARBON_HOME layouts."""

import os

import pytest

from ansible_collections.multidc.apim.plugins.modules import publisher_deployment

SERVER = os.path.join('repository', 'deployment', 'server')
PARK = os.path.join('repository', 'deployment', 'parked', 'publisher')

# version -> publisher apps (relative to the server dir) and other apps that must never move
LAYOUTS = {
    '1.9.0': (['jaggeryapps/publisher'], ['jaggeryapps/store', 'jaggeryapps/admin-dashboard']),
    '2.1.0': (['jaggeryapps/publisher', 'webapps/api#am#publisher#v0.11.war'],
              ['jaggeryapps/store', 'webapps/api#am#store#v0.11.war', 'webapps/am#sample#pizzashack#v1.war']),
    '2.6.0': (['jaggeryapps/publisher', 'webapps/api#am#publisher#v0.14', 'webapps/api#am#publisher#v0.14.war'],
              ['jaggeryapps/store', 'jaggeryapps/admin', 'webapps/api#am#store#v0.14.war', 'webapps/api#am#admin#v0.14.war']),
}


def make_home(root, version):
    publisher, others = LAYOUTS[version]
    for rel in publisher + others:
        path = os.path.join(str(root), SERVER, rel)
        if rel.endswith('.war'):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as handle:
                handle.write(b'PK\x03\x04 test double war ' + rel.encode())
        else:
            os.makedirs(os.path.join(path, 'site', 'conf'))
            with open(os.path.join(path, 'site', 'conf', 'site.json'), 'w') as handle:
                handle.write('{"app": "%s"}' % rel)
    return str(root)


def tree(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, root)] = handle.read()
    return found


@pytest.mark.parametrize('version', sorted(LAYOUTS))
def test_query_reports_without_changing(run_module, tmp_path, version):
    home = make_home(tmp_path, version)
    before = tree(home)
    result, failed = run_module(publisher_deployment, dict(carbon_home=home, state='query'))
    assert not failed and result['changed'] is False and result['deployed'] is True
    assert sorted(a['name'] for a in result['apps']) == sorted(LAYOUTS[version][0])
    assert all(a['state'] == 'deployed' for a in result['apps'])
    assert tree(home) == before


@pytest.mark.parametrize('version', sorted(LAYOUTS))
def test_absent_parks_then_present_restores_byte_identical(run_module, tmp_path, version):
    home = make_home(tmp_path, version)
    publisher, others = LAYOUTS[version]
    original = tree(home)

    result, failed = run_module(publisher_deployment, dict(carbon_home=home, state='absent'), diff=True)
    assert not failed and result['changed'] is True and result['deployed'] is False
    assert len(result['moved']) == len(publisher)
    assert result['diff']['after'] == '' and sorted(result['diff']['before'].split()) == sorted(publisher)
    for rel in publisher:
        assert not os.path.lexists(os.path.join(home, SERVER, rel))
        assert os.path.lexists(os.path.join(home, PARK, rel))
    for rel in others:
        assert os.path.lexists(os.path.join(home, SERVER, rel))
    # nothing was destroyed: same files, only moved
    assert sorted(tree(home).values()) == sorted(original.values())

    again, failed = run_module(publisher_deployment, dict(carbon_home=home, state='absent'))
    assert not failed and again['changed'] is False and again['moved'] == []
    assert sorted(a['state'] for a in again['apps']) == ['parked'] * len(publisher)

    restored, failed = run_module(publisher_deployment, dict(carbon_home=home, state='present'))
    assert not failed and restored['changed'] is True and restored['deployed'] is True
    remaining = dict((k, v) for k, v in tree(home).items())
    assert remaining == original

    again, failed = run_module(publisher_deployment, dict(carbon_home=home, state='present'))
    assert not failed and again['changed'] is False


def test_check_mode_moves_nothing(run_module, tmp_path):
    home = make_home(tmp_path, '2.6.0')
    before = tree(home)
    result, failed = run_module(publisher_deployment, dict(carbon_home=home, state='absent'), check_mode=True)
    assert not failed and result['changed'] is True and result['deployed'] is False
    assert sorted(a['state'] for a in result['apps']) == ['parked'] * 3
    assert tree(home) == before
    assert not os.path.exists(os.path.join(home, PARK))


def test_present_without_anything_to_restore_fails(run_module, tmp_path):
    os.makedirs(os.path.join(str(tmp_path), SERVER, 'webapps'))
    result, failed = run_module(publisher_deployment, dict(carbon_home=str(tmp_path), state='present'))
    assert failed and 'nothing to restore' in result['msg']


def test_present_is_fine_when_already_deployed(run_module, tmp_path):
    home = make_home(tmp_path, '1.9.0')
    result, failed = run_module(publisher_deployment, dict(carbon_home=home, state='present'))
    assert not failed and result['changed'] is False and result['deployed'] is True


def test_parking_over_an_older_parked_copy_keeps_both(run_module, tmp_path):
    home = make_home(tmp_path, '1.9.0')
    old = os.path.join(home, PARK, 'jaggeryapps', 'publisher')
    os.makedirs(old)
    with open(os.path.join(old, 'old.txt'), 'w') as handle:
        handle.write('older parked copy')
    # state present would restore nothing (the app is deployed); absent parks it next to the old copy
    result, failed = run_module(publisher_deployment, dict(carbon_home=home, state='absent'))
    assert not failed and result['changed']
    parked = sorted(os.listdir(os.path.join(home, PARK, 'jaggeryapps')))
    assert parked[0] == 'publisher' and parked[1].startswith('publisher.') and len(parked) == 2
    assert b'older parked copy' in tree(home).values()


@pytest.mark.parametrize('args, message', [
    (dict(state='query'), 'is not an API Manager installation'),
    (dict(state='absent', park_dir='{home}/repository/deployment/server/parked'), 'the server would deploy parked applications'),
])
def test_bad_input_fails(run_module, tmp_path, args, message):
    home = str(tmp_path)
    if 'park_dir' in args:
        make_home(tmp_path, '2.6.0')
        args = dict(args, park_dir=args['park_dir'].format(home=home))
    before = tree(home)
    result, failed = run_module(publisher_deployment, dict(args, carbon_home=home))
    assert failed and message in result['msg']
    assert tree(home) == before


@pytest.mark.parametrize('name, matches', [
    ('api#am#publisher#v0.14.war', True),
    ('api#am#publisher#v0.14', True),
    ('api#am#publisher.war', True),
    ('api#am#publisher#v0.14.war.20260101000000', False),
    ('api#am#store#v0.14.war', False),
    ('api#am#publisherx.war', False),
])
def test_webapp_names(name, matches):
    assert bool(publisher_deployment.WEBAPP_RE.match(name)) is matches


JAGGERY = publisher_deployment.JAGGERY_APP
WAR = os.path.join("webapps", "api#am#publisher#v0.14.war")


@pytest.mark.parametrize("state, deployed, parked, end", [
    ("absent", [JAGGERY, WAR], [], ([], sorted([JAGGERY, WAR]))),
    ("absent", [JAGGERY], [WAR], ([], sorted([JAGGERY, WAR]))),
    ("absent", [], [JAGGERY], ([], [JAGGERY])),
    ("present", [], [JAGGERY, WAR], (sorted([JAGGERY, WAR]), [])),
    ("present", [WAR], [JAGGERY], (sorted([JAGGERY, WAR]), [])),
    ("query", [WAR], [JAGGERY], ([WAR], [JAGGERY])),
])
def test_end_state_table(state, deployed, parked, end):
    assert publisher_deployment.end_state(state, deployed, parked) == end


def test_end_state_present_with_nothing_is_refused():
    with pytest.raises(ValueError, match="nothing to restore"):
        publisher_deployment.end_state("present", [], [])


@pytest.mark.parametrize("state", ["absent", "present", "query"])
def test_plan_moves_reach_its_end_state(tmp_path, state):
    server = tmp_path / "repository" / "deployment" / "server"
    park = tmp_path / "parked"
    (server / "jaggeryapps" / "publisher").mkdir(parents=True)
    (park / "webapps").mkdir(parents=True)
    (park / WAR).write_text("war")
    moves, (deployed, parked) = publisher_deployment.plan(state, str(server), str(park))
    for source, destination, dummy in moves:
        publisher_deployment._move(source, destination)  # pylint: disable=protected-access
    assert publisher_deployment.survey(str(server), str(park)) == (deployed, parked)
