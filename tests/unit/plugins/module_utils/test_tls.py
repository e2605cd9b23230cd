"""The preflight's checks of the TLS files a user gives, and the deployment certificates' names."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.multidc.apim.plugins.module_utils.tls import subject_alt_name, user_file_problems
from ansible_collections.multidc.apim.plugins.module_utils.topology import TopologyError

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.test_topology import Inventory

NOW = datetime.datetime(2026, 11, 27, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_ca(common_name='test CA'):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - 10 * DAY).not_valid_after(NOW + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_cert(ca, names, not_after=NOW + 365 * DAY, key=None):
    ca_key, ca_cert = ca
    key = key or ec.generate_private_key(ec.SECP256R1())
    sans = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n) for n in names]
    cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - 10 * DAY).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


class Files(dict):
    """Controller files by path, as the preflight's reader sees them."""

    def read(self, path):
        if path not in self:
            raise IOError(2, 'No such file or directory', path)
        return self[path]

    def give(self, ca, key, cert):
        self['/tls/ca.pem'] = ca[1].public_bytes(serialization.Encoding.PEM)
        self['/tls/key.pem'] = _pem_key(key)
        self['/tls/cert.pem'] = cert.public_bytes(serialization.Encoding.PEM)
        return {'apim_tls_ca_certificate': '/tls/ca.pem', 'apim_tls_private_key': '/tls/key.pem',
                'apim_tls_certificate': '/tls/cert.pem'}


@pytest.mark.parametrize('name, expected', [
    ('db1.dc1.example.com', 'DNS:db1.dc1.example.com'), ('10.1.0.5', 'IP:10.1.0.5'), ('fd00::5', 'IP:fd00::5'),
    ('apim-dc1-db', 'DNS:apim-dc1-db'),
])
def test_subject_alt_name(name, expected):
    assert subject_alt_name(name) == expected


def test_good_files_have_no_problem():
    ca = make_ca()
    files = Files()
    paths = files.give(ca, *make_cert(ca, ['db1', '10.1.0.5']))
    assert user_file_problems('db1', ['10.1.0.5', 'db1'], paths, files.read, NOW) == []


def test_a_ca_bundle_with_the_issuer_second_is_accepted():
    old, new = make_ca('old CA'), make_ca('new CA')
    files = Files()
    paths = files.give(new, *make_cert(new, ['db1']))
    files['/tls/ca.pem'] = old[1].public_bytes(serialization.Encoding.PEM) + files['/tls/ca.pem']
    assert user_file_problems('db1', ['db1'], paths, files.read, NOW) == []


def test_every_problem_is_named_with_host_and_file():
    ca, other_ca = make_ca(), make_ca('other CA')
    files = Files()
    dummy, cert = make_cert(other_ca, ['db9'], not_after=NOW - DAY)
    paths = files.give(ca, ec.generate_private_key(ec.SECP256R1()), cert)
    problems = user_file_problems('db1', ['db1'], paths, files.read, NOW)
    assert problems == [
        "host db1: certificate /tls/cert.pem does not match the host's name db1; fix: issue it with DNS:db1 in "
        "its subjectAltName",
        'host db1: certificate /tls/cert.pem expired on 2026-11-26; fix: renew it',
        'host db1: private key /tls/key.pem does not match certificate /tls/cert.pem; fix: give the key the '
        'certificate was issued for',
        'host db1: certificate /tls/cert.pem was not signed by the CA in /tls/ca.pem; fix: give the CA certificate '
        'that issued it (a bundle may hold several)',
    ]


def test_an_ip_name_needs_an_ip_entry():
    ca = make_ca()
    files = Files()
    paths = files.give(ca, *make_cert(ca, ['db1']))
    problems = user_file_problems('db1', ['10.1.0.5'], paths, files.read, NOW)
    assert problems == ["host db1: certificate /tls/cert.pem does not match the host's name 10.1.0.5; fix: issue it "
                        "with IP:10.1.0.5 in its subjectAltName"]


def test_unreadable_and_garbage_files_are_named():
    ca = make_ca()
    files = Files()
    paths = files.give(ca, *make_cert(ca, ['db1']))
    del files['/tls/ca.pem']
    files['/tls/key.pem'] = b'not a key'
    problems = user_file_problems('db1', ['db1'], paths, files.read, NOW)
    assert len(problems) == 2
    assert problems[0].startswith('host db1: private key /tls/key.pem (apim_tls_private_key) is not a PEM private key')
    assert problems[1].startswith('host db1: CA certificate /tls/ca.pem (apim_tls_ca_certificate) cannot be read')


def test_a_partial_set_of_files_is_refused():
    problems = user_file_problems('db1', ['db1'], {'apim_tls_certificate': '/tls/cert.pem'}, Files().read, NOW)
    assert problems == ['host db1: apim_tls_certificate given without apim_tls_private_key, apim_tls_ca_certificate; '
                        'give all three (certificate, its private key and the CA certificate that signed it); fix: '
                        "set the others, or none to have the collection's CA in apim_tls_ca_dir issue them"]


# -- through the topology preflight -------------------------------------------

def test_topology_names_each_db_server_by_address_and_inventory_name():
    inv = Inventory()
    inv.hostvars['dc1-db1']['apim_address'] = '10.1.0.5'
    topo = inv.build()
    assert topo['tls'] == {'enabled': True, 'ca_dir': '/srv/multidc-ca', 'rollover_dir': None,
                           'ca_bundle': '/srv/multidc-ca/trusted.pem', 'ca_not_after': '+3650d',
                           'certificate_not_after': '+825d'}
    assert topo['hosts']['dc1-db1']['tls_names'] == ['10.1.0.5', 'dc1-db1']
    assert topo['hosts']['dc2-db1']['tls_names'] == ['dc2-db1']
    assert topo['hosts']['dc1-mgr1']['tls_names'] is None
    assert topo['hosts']['dc1-db1']['tls_files'] is None


def test_topology_without_a_ca_lists_every_db_and_svn_server_at_once():
    inv = Inventory(dcs=('dc1', 'dc2', 'dc3'))
    inv.set_all('apim_tls_ca_dir', None)
    with pytest.raises(TopologyError) as info:
        inv.build()
    assert sorted(v.split(':')[0] for v in info.value.violations) == [
        'host %s-%s1' % (dc, kind) for dc in ('dc1', 'dc2', 'dc3') for kind in ('db', 'svn')]
    assert 'neither apim_tls_ca_dir nor apim_tls_certificate is set' in info.value.violations[0]


def test_topology_with_tls_off_needs_no_ca():
    inv = Inventory()
    inv.set_all('apim_tls_ca_dir', None)
    inv.set_all('apim_tls', False)
    assert inv.build()['tls']['enabled'] is False


@pytest.mark.parametrize('value, problem', [
    ('relative/ca', "group all: apim_tls_ca_dir must be an absolute directory on the controller, got 'relative/ca'"),
    (['/ca'], "group all: apim_tls_ca_dir must be an absolute directory on the controller, got ['/ca']"),
])
def test_topology_refuses_a_ca_dir_that_is_not_absolute(value, problem):
    inv = Inventory()
    inv.set_all('apim_tls_ca_dir', value)
    with pytest.raises(TopologyError) as info:
        inv.build()
    assert any(v.startswith(problem) for v in info.value.violations), info.value.violations


def test_a_rollover_ca_is_trusted_beside_the_ca_through_one_bundle():
    inv = Inventory()
    inv.set_all('apim_tls_ca_rollover_dir', '/srv/multidc-ca-next')
    topo = inv.build()
    assert (topo['tls']['ca_dir'], topo['tls']['rollover_dir']) == ('/srv/multidc-ca', '/srv/multidc-ca-next')
    assert topo['datacenters']['dc1']['tls_ca_files'] == ['/srv/multidc-ca/trusted.pem']


@pytest.mark.parametrize('ca_dir, rollover_dir, problem', [
    ('/srv/ca', '/srv/ca/', 'group all: apim_tls_ca_rollover_dir is apim_tls_ca_dir (/srv/ca); fix: give the other '
                            'CA of the rollover its own directory'),
    (None, '/srv/ca-next', 'group all: apim_tls_ca_rollover_dir is set without apim_tls_ca_dir; fix: set both'),
    ('/srv/ca', 'next', "group all: apim_tls_ca_rollover_dir must be an absolute directory on the controller, "
                        "got 'next'"),
], ids=['same-dir', 'no-ca-dir', 'relative'])
def test_topology_refuses_a_rollover_dir_it_cannot_use(ca_dir, rollover_dir, problem):
    inv = Inventory()
    inv.set_all('apim_tls_ca_dir', ca_dir)
    inv.set_all('apim_tls_ca_rollover_dir', rollover_dir)
    with pytest.raises(TopologyError) as info:
        inv.build()
    assert any(v.startswith(problem) for v in info.value.violations), info.value.violations


def build_with_user_files(host, names):
    """The default inventory where ``host`` brings its own files, issued for ``names``: (topology, its paths)."""
    from ansible_collections.multidc.apim.plugins.module_utils.topology import build_topology
    ca = make_ca()
    files = Files()
    inv = Inventory()
    paths = files.give(ca, *make_cert(ca, names))
    inv.hostvars[host].update(paths)
    return build_topology(inv.groups, inv.hostvars, inv.dcs, read_file=files.read), paths


def test_topology_checks_the_users_files_with_its_reader():
    with pytest.raises(TopologyError) as info:
        build_with_user_files('dc1-db1', ['somewhere-else'])
    assert info.value.violations == [
        "host dc1-db1: certificate /tls/cert.pem does not match the host's name dc1-db1; fix: issue it with "
        "DNS:dc1-db1 in its subjectAltName"]


def test_topology_records_which_hosts_bring_their_own_files():
    topo, paths = build_with_user_files('dc2-db1', ['dc2-db1'])
    assert topo['hosts']['dc2-db1']['tls_files'] == paths
    assert topo['hosts']['dc1-db1']['tls_files'] is None


def test_the_nodes_of_a_dc_trust_the_ca_bundle_its_svn_server_was_given():
    topo, paths = build_with_user_files('dc2-svn1', ['dc2-svn1'])
    assert topo['datacenters']['dc2']['svn']['ca_file'] == paths['apim_tls_ca_certificate']
    assert topo['datacenters']['dc1']['svn']['ca_file'] == '/srv/multidc-ca/trusted.pem'
    # Its database is signed by the collection's CA: the nodes trust both bundles.
    assert topo['datacenters']['dc2']['tls_ca_files'] == sorted([paths['apim_tls_ca_certificate'],
                                                                 '/srv/multidc-ca/trusted.pem'])
    assert topo['datacenters']['dc1']['tls_ca_files'] == ['/srv/multidc-ca/trusted.pem']


def test_svn_urls_are_https_across_dcs_and_inside_a_dc_by_default():
    topo = Inventory(dcs=('dc1', 'dc2')).build()
    assert topo['svn_master_url'] == 'https://dc1-svn1/svn/apim'
    assert topo['svn_mirrors'] == {'dc2': 'https://dc2-svn1/svn/apim'}
    assert topo['hosts']['dc2-mgr1']['svn_url'] == 'https://dc2-svn1/svn/apim'
    assert topo['datacenters']['dc2']['svn']['plain_http'] is False
    assert topo['datacenters']['dc2']['svn']['ca_file'] == '/srv/multidc-ca/trusted.pem'
    assert topo['hosts']['dc2-svn1']['tls_names'] == ['dc2-svn1']


def test_a_dc_that_turns_tls_off_inside_it_keeps_https_across_dcs():
    inv = Inventory(dcs=('dc1', 'dc2'))
    inv.set_dc('dc2', 'apim_tls_in_dc', False)
    topo = inv.build()
    assert topo['hosts']['dc2-mgr1']['svn_url'] == 'http://dc2-svn1/svn/apim'
    assert topo['datacenters']['dc2']['svn']['plain_http'] is True
    assert (topo['datacenters']['dc2']['tls_in_dc'], topo['datacenters']['dc2']['tls_ca_files']) == (False, [])
    assert topo['datacenters']['dc1']['tls_in_dc'] is True
    assert topo['svn_mirrors'] == {'dc2': 'https://dc2-svn1/svn/apim'}
    assert topo['hosts']['dc1-mgr1']['svn_url'] == 'https://dc1-svn1/svn/apim'


def test_with_tls_off_every_svn_url_is_plain_http():
    inv = Inventory(dcs=('dc1', 'dc2'))
    inv.set_all('apim_tls', False)
    topo = inv.build()
    assert topo['svn_mirrors'] == {'dc2': 'http://dc2-svn1/svn/apim'}
    assert topo['hosts']['dc1-mgr1']['svn_url'] == 'http://dc1-svn1/svn/apim'
    assert topo['datacenters']['dc1']['svn']['ca_file'] is None
    assert (topo['datacenters']['dc1']['tls_in_dc'], topo['datacenters']['dc1']['tls_ca_files']) == (False, [])


@pytest.mark.parametrize('values, problem', [
    ({'dc2-mgr1': False}, "group dc2: hosts disagree on apim_tls_in_dc: False seen by dc2-mgr1; True seen by "),
    (dict.fromkeys(('dc2-mgr1', 'dc2-wkr1', 'dc2-wkr2', 'dc2-svn1', 'dc2-db1', 'dc2-lb1'), 'no'),
     "group dc2: apim_tls_in_dc must be true or false, got 'no'; fix: correct it in group_vars/dc2"),
])
def test_apim_tls_in_dc_is_one_boolean_per_dc(values, problem):
    inv = Inventory(dcs=('dc1', 'dc2'))
    for host, value in values.items():
        inv.hostvars[host]['apim_tls_in_dc'] = value
    with pytest.raises(TopologyError) as info:
        inv.build()
    assert any(v.startswith(problem) for v in info.value.violations), info.value.violations
