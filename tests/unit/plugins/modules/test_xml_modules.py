# -*- coding: utf-8 -*-
"""The XML modules: option translation tables, then the real module entry against
fixtures of every version and golden after-files.

Golden files live in tests/fixtures/golden/<version>/repository/conf/; the matching
before-files are tests/fixtures/carbon/<version>/repository/conf/.  After a deliberate
change, regenerate them with ``UPDATE_GOLDEN=1 pytest tests/unit/plugins/modules`` and
review the diff.
"""

import difflib
import os
import re
import stat

import pytest

from ansible_collections.multidc.apim.plugins.module_utils import xml_file_common
from ansible_collections.multidc.apim.plugins.modules import (
    axis2_clustering,
    carbon_xml,
    master_datasources,
    registry_xml,
    xml_settings,
)

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.carbon_fixtures import (
    GOLDEN,
    VERSIONS,
    shipped,
    stored,
)

CARBON_ARGS = dict(
    hostname='apim.dc1.example.com',
    mgt_hostname='mgt.dc1.example.com',
    ports_offset=1,
    deployment_update_interval=10,
    deployment_synchronizer=dict(
        enabled=True, auto_commit=True, auto_checkout=True, repository_type='svn',
        svn_url='http://svn.dc1.example.com/repos/apim/', svn_user='depsync', svn_password='Svn-S3cret',
        svn_url_append_tenant_id=True,
    ),
)
AXIS2_ARGS = dict(
    enabled=True, membership_scheme='wka', domain='wso2.apim.dc1.domain',
    local_member_host='10.1.0.11', local_member_port=4000, sub_domain='mgt',
    members=[dict(host='10.1.0.11', port=4000), dict(host='10.1.0.12', port=4000)],
)
REGISTRY_ARGS = dict(
    db_configs=[dict(name='govregistry', data_source='jdbc/WSO2REG_DB')],
    remote_instances=[dict(id='gov', url='https://localhost:9443/registry', db_config='govregistry',
                           read_only=False, enable_cache=True, registry_root='/')],
    mounts=[dict(path='/_system/governance', overwrite='true', instance_id='gov', target_path='/_system/governance'),
            dict(path='/_system/config', state='absent')],
)
DATASOURCE_ARGS = dict(datasources=[
    dict(name='WSO2AM_DB', url='jdbc:mysql://db.dc1.example.com:3306/apimgtdb?autoReconnect=true&useSSL=false',
         username='apimuser', password='Am-S3cret', driver='com.mysql.jdbc.Driver', validation_query='SELECT 1',
         max_active=100, test_on_borrow=True),
    dict(name='WSO2REG_DB', description='Shared governance registry', jndi_name='jdbc/WSO2REG_DB',
         url='jdbc:mysql://db.dc1.example.com:3306/regdb', username='reguser', password='Reg-S3cret',
         driver='com.mysql.jdbc.Driver', validation_query='SELECT 1', max_active=50, max_wait=60000,
         test_on_borrow=True, validation_interval=30000, default_auto_commit=True),
])

# module, file, arguments, secrets that must never show in a result
SCENARIOS = [
    (carbon_xml, 'carbon.xml', CARBON_ARGS, ['Svn-S3cret']),
    (axis2_clustering, 'axis2/axis2.xml', AXIS2_ARGS, []),
    (registry_xml, 'registry.xml', REGISTRY_ARGS, []),
    (master_datasources, 'datasources/master-datasources.xml', DATASOURCE_ARGS, ['Am-S3cret', 'Reg-S3cret']),
]
CASES = [(v,) + s for v in VERSIONS for s in SCENARIOS]
CASE_IDS = ['%s-%s' % (c[0], c[2]) for c in CASES]


def read(path):
    with open(str(path), 'rb') as handle:
        return handle.read()


def golden(version, name):
    return os.path.join(GOLDEN, version, 'repository', 'conf', name)


def conf_listing(path):
    return sorted(os.listdir(str(path)))


def summary(edits):
    return [(e.kind, e.path, e.value if e.kind == 'value' else e.attributes if e.kind == 'attributes' else
             (e.tag, e.key, e.items, e.exclusive) if e.kind == 'children' else None) for e in edits]


# ---------------------------------------------------------------------------
# Option -> edit translation (pure)
# ---------------------------------------------------------------------------

def _carbon(**kw):
    params = dict(hostname=None, mgt_hostname=None, ports_offset=None, deployment_update_interval=None,
                  deployment_synchronizer=None)
    params.update(kw)
    return params


def _axis2(**kw):
    params = dict(enabled=None, membership_scheme=None, domain=None, local_member_host=None, local_member_port=None,
                  sub_domain=None, properties=None, parameters=None, members=None)
    params.update(kw)
    return params


TRANSLATIONS = [
    ('carbon: nothing given, nothing done', carbon_xml, _carbon(), []),
    ('carbon: offset and interval', carbon_xml, _carbon(ports_offset=2, deployment_update_interval=15), [
        ('value', '/Server/Ports/Offset', '2'),
        ('value', '/Server/Axis2Config/DeploymentUpdateInterval', '15')]),
    ('carbon: depsync keeps the stock element order', carbon_xml, _carbon(deployment_synchronizer=dict(
        svn_password='p', enabled=False, auto_commit=None, auto_checkout=True, repository_type=None, svn_url=None,
        svn_user=None, svn_url_append_tenant_id=None)), [
        ('value', '/Server/DeploymentSynchronizer/Enabled', 'false'),
        ('value', '/Server/DeploymentSynchronizer/AutoCheckout', 'true'),
        ('value', '/Server/DeploymentSynchronizer/SvnPassword', 'p')]),
    ('axis2: enable, scheme, sub domain, members', axis2_clustering, _axis2(
        enabled=False, membership_scheme='aws', sub_domain='worker', members=[dict(host='h', port=4100)]), [
        ('attributes', '/axisconfig/clustering', {'enable': 'false'}),
        ('value', "/axisconfig/clustering/parameter[@name='membershipScheme']", 'aws'),
        ('children', "/axisconfig/clustering/parameter[@name='properties']",
         ('property', ['@name'], [{'@name': 'subDomain', '@value': 'worker'}], False)),
        ('children', '/axisconfig/clustering/members',
         ('member', ['hostName', 'port'], [{'hostName': 'h', 'port': '4100'}], True))]),
    ('axis2: empty members list removes them all', axis2_clustering, _axis2(members=[]), [
        ('children', '/axisconfig/clustering/members', ('member', ['hostName', 'port'], [], True))]),
    ('axis2: extra parameters', axis2_clustering, _axis2(parameters={'mcastPort': 45565}), [
        ('value', "/axisconfig/clustering/parameter[@name='mcastPort']", '45565')]),
    ('registry: absent and present', registry_xml, dict(
        db_configs=[dict(name='a', data_source=None, state='absent')], remote_instances=None,
        mounts=[dict(path="/x'y", overwrite=None, instance_id='i', target_path=None, state='present')]), [
        ('absent', "/wso2registry/dbConfig[@name='a']", None),
        ('children', '/wso2registry', ('mount', ['@path'], [{'@path': "/x'y", 'instanceId': 'i'}], False))]),
    ('datasources: shape of a new one', master_datasources, dict(datasources=[dict(
        name='N', state='present', description=None, jndi_name='jdbc/N', url='jdbc:h2:x', username=None, password='pw',
        driver=None, validation_query=None, max_active=None, max_wait=None, min_idle=None, max_idle=None,
        test_on_borrow=False, validation_interval=None, default_auto_commit=None, configuration={'removeAbandoned': True})]), [
        ('present', "/datasources-configuration/datasources/datasource[name='N']", None),
        ('value', "/datasources-configuration/datasources/datasource[name='N']/jndiConfig/name", 'jdbc/N'),
        ('value', "/datasources-configuration/datasources/datasource[name='N']/definition[@type='RDBMS']/configuration/url", 'jdbc:h2:x'),
        ('value', "/datasources-configuration/datasources/datasource[name='N']/definition[@type='RDBMS']/configuration/password", 'pw'),
        ('value', "/datasources-configuration/datasources/datasource[name='N']/definition[@type='RDBMS']/configuration/testOnBorrow",
         'false'),
        ('value', "/datasources-configuration/datasources/datasource[name='N']/definition[@type='RDBMS']/configuration/removeAbandoned",
         'true')]),
    ('settings: each kind', xml_settings, dict(settings=[
        dict(path='/a/b', value=5, attributes=None, children=None, state='present', secret=False),
        dict(path='/a/c', value=None, attributes={'x': True, 'y': None}, children=None, state='present', secret=False),
        dict(path='/a/d', value=None, attributes=None, children=None, state='absent', secret=False),
        dict(path='/a/e', value=None, attributes=None, children=None, state='present', secret=False),
        dict(path='/a/f', value=None, attributes=None, state='present', secret=False,
             children=dict(tag='g', key=['@k'], items=[{'@k': 1, 'v': 'w'}], exclusive=True))]), [
        ('value', '/a/b', '5'),
        ('attributes', '/a/c', {'x': 'true', 'y': None}),
        ('absent', '/a/d', None),
        ('present', '/a/e', None),
        ('children', '/a/f', ('g', ['@k'], [{'@k': '1', 'v': 'w'}], True))]),
]


@pytest.mark.parametrize('name, module, params, expected', TRANSLATIONS, ids=[t[0] for t in TRANSLATIONS])
def test_build_edits(name, module, params, expected):
    assert summary(module.build_edits(params)) == expected


def test_secret_options_become_secret_edits():
    edits = carbon_xml.build_edits(_carbon(deployment_synchronizer=dict(
        svn_password='p', svn_user='u', enabled=None, auto_commit=None, auto_checkout=None, repository_type=None,
        svn_url=None, svn_url_append_tenant_id=None)))
    assert [(e.path.rsplit('/', 1)[1], e.secret) for e in edits] == [('SvnUser', False), ('SvnPassword', True)]


REJECTIONS = [
    (carbon_xml, _carbon(hostname='bad host'), 'is not a host name'),
    (carbon_xml, _carbon(ports_offset=-1), 'ports_offset must be between'),
    (carbon_xml, _carbon(deployment_update_interval=0), 'at least 1 second'),
    (carbon_xml, _carbon(deployment_synchronizer=dict(svn_url='ftp://x', enabled=None, auto_commit=None, auto_checkout=None,
                                                      repository_type=None, svn_user=None, svn_password=None,
                                                      svn_url_append_tenant_id=None)), 'not an http'),
    (axis2_clustering, _axis2(members=[dict(host='a', port=1), dict(host='a', port=1)]), 'listed twice'),
    (axis2_clustering, _axis2(local_member_port=70000), 'between 1 and 65535'),
    (axis2_clustering, _axis2(domain='d', parameters={'domain': 'e'}), 'both as domain and in parameters'),
    (axis2_clustering, _axis2(sub_domain='mgt', properties={'subDomain': 'worker'}), 'contradicts'),
    (axis2_clustering, _axis2(parameters={'properties': 'x'}), 'use the properties option'),
    (registry_xml, dict(db_configs=[dict(name='a', data_source=None, state='present')] * 2, remote_instances=None, mounts=None),
     'listed more than once'),
    (master_datasources, dict(datasources=[dict(name='a', state='present', url='mysql://x', description=None, jndi_name=None,
                                                username=None, password=None, driver=None, validation_query=None,
                                                max_active=None, max_wait=None, min_idle=None, max_idle=None,
                                                test_on_borrow=None, validation_interval=None, default_auto_commit=None,
                                                configuration=None)]), 'JDBC URL'),
    (xml_settings, dict(settings=[dict(path='/a', value=1, attributes={'x': 1}, children=None, state='present', secret=False)]),
     'mutually exclusive'),
    (xml_settings, dict(settings=[dict(path='/a', value=1, attributes=None, children=None, state='absent', secret=False)]),
     'state=absent takes no value'),
    (xml_settings, dict(settings=[dict(path='/a', value=[1], attributes=None, children=None, state='present', secret=False)]),
     'must be a scalar'),
]


REJECTION_IDS = ['%s-%d' % (r[0].__name__.rsplit('.', 1)[1], i) for i, r in enumerate(REJECTIONS)]


@pytest.mark.parametrize('module, params, message', REJECTIONS, ids=REJECTION_IDS)
def test_build_edits_rejects(module, params, message):
    with pytest.raises(ValueError, match=message):
        module.build_edits(params)


# ---------------------------------------------------------------------------
# Real module entry: golden files, idempotence, check mode, diff
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('version, module, name, args, secrets', CASES, ids=CASE_IDS)
def test_golden_then_idempotent(run_module, pack, version, module, name, args, secrets):
    home = pack(version)
    path = home / 'repository' / 'conf' / name
    before = read(path)
    result, failed = run_module(module, dict(args, path=str(path)), diff=True)
    assert not failed, result
    assert result['changed'] is True
    after = read(path)
    if os.environ.get('UPDATE_GOLDEN'):
        os.makedirs(os.path.dirname(golden(version, name)), exist_ok=True)
        with open(golden(version, name), 'wb') as handle:
            handle.write(stored(name, after))
    assert after == shipped(version, name, GOLDEN)
    assert after.splitlines()[0] == before.splitlines()[0]  # declaration and its encoding untouched
    # the diff is the real diff of the file, with secrets masked
    diff = result['diff']
    assert diff['before_header'] == diff['after_header'] == str(path)
    for secret in secrets:
        assert secret not in repr(result)
    if not secrets:
        encoding = 'latin-1' if b'ISO-8859-1' in before[:60] else 'utf-8'
        assert diff['before'] == before.decode(encoding) and diff['after'] == after.decode(encoding)
    # second run: unchanged, byte-identical
    again, failed = run_module(module, dict(args, path=str(path)), diff=True)
    assert not failed and again['changed'] is False and again['changes'] == []
    assert read(path) == after


@pytest.mark.parametrize('version, module, name, args, secrets', CASES, ids=CASE_IDS)
def test_check_mode_writes_nothing_and_shows_the_real_diff(run_module, pack, version, module, name, args, secrets):
    path = pack(version) / 'repository' / 'conf' / name
    before = read(path)
    listing = conf_listing(path.parent)
    mtime = os.stat(str(path)).st_mtime_ns
    result, failed = run_module(module, dict(args, path=str(path)), check_mode=True, diff=True)
    assert not failed and result['changed'] is True
    assert read(path) == before and os.stat(str(path)).st_mtime_ns == mtime
    assert conf_listing(path.parent) == listing
    expected = shipped(version, name, GOLDEN)
    encoding = 'latin-1' if b'ISO-8859-1' in before[:60] else 'utf-8'
    masked = expected.decode(encoding)
    for secret in secrets:
        masked = masked.replace(secret, '********')
    assert result['diff']['after'] == masked


def test_golden_changes_stay_inside_the_edited_elements():
    """Every changed line of the carbon.xml golden files belongs to an edited element."""
    allowed = ('HostName', 'MgtHostName', 'Offset', 'DeploymentUpdateInterval', 'DeploymentSynchronizer', 'Enabled',
               'AutoCommit', 'AutoCheckout', 'RepositoryType', 'SvnUrl', 'SvnUser', 'SvnPassword', 'SvnUrlAppendTenantId')
    for version in VERSIONS:
        before = shipped(version, 'carbon.xml').decode('latin-1')
        after = shipped(version, 'carbon.xml', GOLDEN).decode('latin-1')
        changed = [line[2:].strip() for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ('- ', '+ ')]
        assert changed, version
        names = [re.match(r'</?([A-Za-z]+)', line).group(1) for line in changed]
        assert set(names) <= set(allowed), (version, changed)


def test_backup_and_file_attributes(run_module, pack):
    path = pack('2.6.0') / 'repository' / 'conf' / 'carbon.xml'
    os.chmod(str(path), 0o640)
    before = read(path)
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=5, backup=True))
    assert not failed and result['changed']
    assert read(result['backup_file']) == before
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640  # mode kept by the atomic replace
    leftovers = [n for n in os.listdir(str(path.parent)) if n.endswith('.tmp')]
    assert leftovers == []
    # file common arguments: mode alone is a change, and the content stays put
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=5, mode='0600'))
    assert not failed and result['changed'] is True and result['changes'] == []
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_generic_module_on_a_fixture(run_module, pack):
    path = pack('2.1.0') / 'repository' / 'conf' / 'axis2' / 'axis2.xml'
    args = dict(path=str(path), settings=[
        dict(path="/axisconfig/clustering/parameter[@name='mcastAddress']", value='228.0.0.9'),
        dict(path='/axisconfig/clustering/groupManagement', attributes={'enable': True}),
        dict(path="/axisconfig/parameter[@name='hotupdate']", state='absent'),
        dict(path='/axisconfig/clustering/members',
             children=dict(tag='member', key=['hostName', 'port'], exclusive=True, items=[dict(hostName='10.2.0.5', port=4000)])),
    ])
    result, failed = run_module(xml_settings, args)
    assert not failed and result['changed']
    text = read(path).decode('latin-1')
    assert ('<!--<parameter name="mcastAddress">228.0.0.4</parameter>-->\n'
            '        <parameter name="mcastAddress">228.0.0.9</parameter>\n') in text
    assert '<groupManagement enable="true">' in text and 'hotupdate' not in text.split('-->', 1)[1].split('<messageReceivers>')[0]
    assert '<hostName>10.2.0.5</hostName>' in text and '127.0.0.1</hostName>' not in text
    again, failed = run_module(xml_settings, args)
    assert not failed and not again['changed']


# ---------------------------------------------------------------------------
# Bad input: clear failure, file byte-identical
# ---------------------------------------------------------------------------

def test_malformed_file_fails_with_line_and_column(run_module, tmp_path):
    path = tmp_path / 'carbon.xml'
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<Server>\n    <Ports>\n        <Offset>0</Ofset>\n    </Ports>\n</Server>\n'
    path.write_bytes(data)
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=1))
    assert failed
    assert result['line'] == 4 and result['column'] == 26
    assert 'malformed XML at line 4, column 26' in result['msg']
    assert read(path) == data


def test_ambiguous_path_fails_and_leaves_the_file(run_module, pack):
    path = pack('2.6.0') / 'repository' / 'conf' / 'axis2' / 'axis2.xml'
    before = read(path)
    result, failed = run_module(xml_settings, dict(path=str(path), settings=[
        dict(path='/axisconfig/clustering', attributes={'enable': True}),
        dict(path='/axisconfig/transportReceiver/parameter', value='1')]))
    assert failed and 'ambiguous: step transportReceiver matches 2 elements' in result['msg']
    assert read(path) == before


def test_wrong_file_fails(run_module, pack):
    path = pack('2.6.0') / 'repository' / 'conf' / 'registry.xml'
    before = read(path)
    result, failed = run_module(carbon_xml, dict(path=str(path), hostname='h'))
    assert failed and 'document root is <wso2registry>' in result['msg']
    assert read(path) == before


HINT = 'install the pack first'


@pytest.mark.parametrize('check_mode', [False, True], ids=['real', 'check'])
def test_missing_file_fails(run_module, tmp_path, check_mode):
    result, failed = run_module(carbon_xml, dict(path=str(tmp_path / 'nope.xml'), hostname='h'), check_mode=check_mode)
    assert failed and result['msg'] == '%s does not exist' % (tmp_path / 'nope.xml')


def test_missing_file_with_a_hint_fails_a_real_run_naming_the_fix(run_module, tmp_path):
    result, failed = run_module(carbon_xml, dict(path=str(tmp_path / 'nope.xml'), hostname='h', missing_hint=HINT))
    assert failed and result['msg'] == '%s does not exist; %s' % (tmp_path / 'nope.xml', HINT)
    assert not (tmp_path / 'nope.xml').exists()


def test_missing_file_with_a_hint_is_a_pending_change_in_check_mode(run_module, tmp_path, monkeypatch):
    # lxml comes with the install that creates the file: check mode must not need it yet.
    monkeypatch.setattr(xml_file_common, 'HAS_LXML', False)
    result, failed = run_module(axis2_clustering, dict(path=str(tmp_path / 'axis2.xml'), missing_hint=HINT, **AXIS2_ARGS),
                                check_mode=True)
    assert not failed and result['changed'] is True
    assert result['msg'] == 'check mode: %s does not exist yet; %s' % (tmp_path / 'axis2.xml', HINT)
    assert os.listdir(str(tmp_path)) == []


def test_bad_options_fail_check_mode_even_before_the_file_exists(run_module, tmp_path, monkeypatch):
    monkeypatch.setattr(xml_file_common, 'HAS_LXML', False)
    args = dict(AXIS2_ARGS, local_member_port=0, members=[])
    result, failed = run_module(axis2_clustering, dict(path=str(tmp_path / 'axis2.xml'), missing_hint=HINT, **args),
                                check_mode=True)
    assert failed and 'port' in result['msg'] and 'does not exist' not in result['msg'], result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_hint_changes_nothing_when_the_file_exists(run_module, pack):
    path = pack('2.6.0') / 'repository' / 'conf' / 'carbon.xml'
    before = read(path)
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=3, missing_hint=HINT), check_mode=True)
    assert not failed and result['changed'] is True and 'msg' not in result
    assert read(path) == before


@pytest.mark.parametrize('how', ['no write permission', 'temporary file cannot be created'])
def test_unwritable_file_fails_and_leaves_the_file(run_module, pack, monkeypatch, how):
    path = pack('2.6.0') / 'repository' / 'conf' / 'carbon.xml'
    before = read(path)
    listing = conf_listing(path.parent)
    if how == 'no write permission':
        real_access = os.access
        monkeypatch.setattr(xml_file_common.os, 'access', lambda p, mode: False if mode == os.W_OK else real_access(p, mode))
    else:
        def refuse(*args, **kwargs):
            raise OSError(30, 'Read-only file system')
        monkeypatch.setattr(xml_file_common.tempfile, 'mkstemp', refuse)
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=3))
    assert failed and result['msg'].startswith('cannot write %s' % path)
    assert read(path) == before
    assert conf_listing(path.parent) == listing


def test_unwritable_file_is_fine_when_nothing_changes(run_module, pack, monkeypatch):
    path = pack('2.6.0') / 'repository' / 'conf' / 'carbon.xml'
    monkeypatch.setattr(xml_file_common.os, 'access', lambda p, mode: False)
    result, failed = run_module(carbon_xml, dict(path=str(path), ports_offset=0))
    assert not failed and result['changed'] is False


# --------------------------------------------------------------------------
# carbon_xml state=query: the engine reads what verify checks


@pytest.mark.parametrize('version', ['1.9.0', '1.10.0', '2.1.0', '2.6.0'])
def test_query_reads_back_what_an_edit_wrote_and_never_writes(run_module, pack, version):
    path = pack(version) / 'repository' / 'conf' / 'carbon.xml'
    depsync = dict(enabled=True, auto_commit=True, auto_checkout=True, repository_type='svn',
                   svn_url='http://svn.dc1.example.com/svn/apim', svn_user='depsync', svn_password='Svn-S3cret',
                   svn_url_append_tenant_id=True)
    result, failed = run_module(carbon_xml, dict(path=str(path), hostname='apim.dc1', ports_offset=3,
                                                 deployment_update_interval=7, deployment_synchronizer=depsync))
    assert not failed, result
    before = read(path)
    result, failed = run_module(carbon_xml, dict(path=str(path), state='query'))
    assert not failed, result
    assert read(path) == before
    assert result['changed'] is False
    expected = dict(depsync)
    del expected['svn_password']
    assert result['values'] == dict(hostname='apim.dc1', mgt_hostname=None, ports_offset=3,
                                    deployment_update_interval=7, deployment_synchronizer=expected)
    assert 'Svn-S3cret' not in repr(result)


def test_query_ignores_a_commented_out_block(run_module, tmp_path):
    path = tmp_path / 'carbon.xml'
    path.write_text('<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">\n'
                    '  <!-- <DeploymentSynchronizer><Enabled>true</Enabled><AutoCommit>true</AutoCommit>'
                    '</DeploymentSynchronizer> -->\n  <Ports><Offset>0</Offset></Ports>\n</Server>\n')
    result, failed = run_module(carbon_xml, dict(path=str(path), state='query'))
    assert not failed, result
    assert result['values']['deployment_synchronizer'] is None
    assert result['values']['ports_offset'] == 0


@pytest.mark.parametrize('content, args, message', [
    ('<Server xmlns="http://wso2.org/projects/carbon/carbon.xml"><Ports><Offset>x</Offset></Ports></Server>', {},
     "'x' is not a whole number"),
    ('<Server xmlns="http://wso2.org/projects/carbon/carbon.xml"/>', dict(ports_offset=1),
     'state=query only reads'),
    ('<Server xmlns="http://wso2.org/projects/carbon/carbon.xml"><HostName>a</HostName><HostName>b</HostName>'
     '</Server>', {}, 'matches 2 elements'),
], ids=['not-a-number', 'edit-with-query', 'ambiguous'])
def test_query_fails_clearly_and_leaves_the_file(run_module, tmp_path, content, args, message):
    path = tmp_path / 'carbon.xml'
    path.write_text(content)
    result, failed = run_module(carbon_xml, dict(args, path=str(path), state='query'))
    assert failed and message in result['msg'], result
    assert path.read_text() == content
