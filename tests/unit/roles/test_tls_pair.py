# -*- coding: utf-8 -*-
"""common's tls_pair entry point, run by the real ansible-playbook on local hosts.

Two DB servers in two DCs: a-db gets its certificate from the collection's CA (made on the first run in a
temp directory), b-db has its own files. A second run changes nothing; check mode on a fresh controller
changes nothing either.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import stat
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.test_tls import Files, make_ca, make_cert
from ansible_collections.multidc.apim.tests.unit.test_preflight_playbook import PLAYBOOK_BIN, run_playbook

PLAYBOOK = """\
---
- name: Preflight
  ansible.builtin.import_playbook: {preflight}

- name: TLS pairs
  hosts: db_servers
  gather_facts: false
  tasks:
    - name: The pair of this host
      ansible.builtin.include_role:
        name: multidc.apim.common
        tasks_from: tls_pair
      vars:
        common_tls_dir: "{tmp}/hosts/{{{{ inventory_hostname }}}}"
        common_tls_owner: root
        common_tls_service: mariadb
        common_tls_names: "{{{{ ansible_facts.apim_topology.hosts[inventory_hostname].tls_names }}}}"
        common_tls_notify: TLS files changed
  handlers:
    - name: TLS files changed
      ansible.builtin.debug:
        msg: "HANDLER ran on {{{{ inventory_hostname }}}}"
"""

pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK_BIN), reason='needs .venv/bin/ansible-playbook')


@pytest.fixture()
def setup(tmp_path):
    ca = make_ca('user CA')
    files = Files()
    paths = files.give(ca, *make_cert(ca, ['b-db']))
    user_dir = tmp_path / 'user'
    user_dir.mkdir()
    for path, data in files.items():
        (user_dir / os.path.basename(path)).write_bytes(data)
    lines = ['all:', '  vars:', '    apim_master_dc: dc1', '    apim_tls_ca_dir: %s/ca' % tmp_path,
             '    apim_preflight_required_groups: [db_servers]',
             '    ansible_connection: local', '    ansible_python_interpreter: %s' % sys.executable,
             '  children:', '    datacenters:', '      children:',
             '        dc1:', '          hosts:', '            a-db:',
             '        dc2:', '          hosts:', '            b-db:']
    lines += ['              %s: %s' % (variable, user_dir / os.path.basename(path)) for variable, path in paths.items()]
    lines += ['    db_servers:', '      hosts:', '        a-db:', '        b-db:']
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text('\n'.join(lines) + '\n')
    playbook = tmp_path / 'tls.yml'
    playbook.write_text(PLAYBOOK.format(preflight=os.path.join(os.path.dirname(PLAYBOOK_BIN), '..', '..', 'playbooks',
                                                               'preflight.yml'), tmp=tmp_path))
    return tmp_path, inventory, playbook, files


def _recap(out, host):
    return dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', re.search(r'^%s\s+:(.*)$' % host, out, re.M).group(1)))


def test_collection_ca_and_user_files_then_nothing_changes(setup):
    tmp_path, inventory, playbook, files = setup
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    assert 'HANDLER ran on a-db' in out and 'HANDLER ran on b-db' in out

    ca_dir = tmp_path / 'ca'
    assert stat.S_IMODE((ca_dir / 'ca.key').stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate((ca_dir / 'ca.pem').read_bytes())
    a_dir = tmp_path / 'hosts' / 'a-db'
    cert = x509.load_pem_x509_certificate((a_dir / 'cert.pem').read_bytes())
    cert.verify_directly_issued_by(ca)
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ['a-db']
    key = serialization.load_pem_private_key((a_dir / 'key.pem').read_bytes(), password=None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert stat.S_IMODE((a_dir / 'key.pem').stat().st_mode) == 0o600
    assert (a_dir / 'ca.pem').read_bytes() == (ca_dir / 'ca.pem').read_bytes()
    assert sorted(os.listdir(ca_dir / 'issued')) == ['a-db-mariadb.pem']

    b_dir = tmp_path / 'hosts' / 'b-db'
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        assert (b_dir / name).read_bytes() == files['/tls/%s' % name], name
    assert stat.S_IMODE((b_dir / 'key.pem').stat().st_mode) == 0o600
    assert "BEGIN PRIVATE KEY" not in out

    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    assert _recap(out, 'a-db')['changed'] == 0 and _recap(out, 'b-db')['changed'] == 0, out[-2000:]
    assert 'HANDLER ran' not in out


def test_check_mode_on_a_fresh_controller_creates_nothing(setup):
    tmp_path, inventory, playbook, dummy = setup
    rc, out = run_playbook(tmp_path, playbook, inventory, '--check')
    assert rc == 0, out[-4000:]
    assert not (tmp_path / 'ca').exists()
    assert not (tmp_path / 'hosts').exists()
    assert _recap(out, 'a-db')['changed'] > 0


def test_a_bad_user_certificate_fails_in_check_mode_before_any_host_is_touched(setup):
    tmp_path, inventory, playbook, dummy = setup
    (tmp_path / 'user' / 'cert.pem').write_bytes(make_cert(make_ca('another CA'), ['b-db'])[1].public_bytes(
        serialization.Encoding.PEM))
    rc, out = run_playbook(tmp_path, playbook, inventory, '--check')
    assert rc != 0
    assert 'host b-db: certificate %s/user/cert.pem was not signed by the CA in %s/user/ca.pem' % (
        tmp_path, tmp_path) in ' '.join(out.split())
    assert not (tmp_path / 'hosts').exists()


def _certificates(path):
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_a_rollover_to_a_new_collection_ca_in_three_runs(setup):
    """docs/tls.md, "A new CA, the collection's": trusted beside the old one, then issuing, then alone."""
    tmp_path, inventory, playbook, dummy = setup
    old_dir, new_dir, a_dir = tmp_path / 'ca', tmp_path / 'ca-next', tmp_path / 'hosts' / 'a-db'
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    old_ca = x509.load_pem_x509_certificate((old_dir / 'ca.pem').read_bytes())

    rc, out = run_playbook(tmp_path, playbook, inventory, '-e', 'apim_tls_ca_rollover_dir=%s' % new_dir)
    assert rc == 0, out[-4000:]
    new_ca = x509.load_pem_x509_certificate((new_dir / 'ca.pem').read_bytes())
    assert new_ca.subject != old_ca.subject and new_ca.public_key() != old_ca.public_key()
    assert sorted(_certificates(a_dir / 'ca.pem'), key=str) == sorted([old_ca, new_ca], key=str)
    x509.load_pem_x509_certificate((a_dir / 'cert.pem').read_bytes()).verify_directly_issued_by(old_ca)
    assert 'HANDLER ran on a-db' in out and 'HANDLER ran on b-db' not in out
    bundle = (a_dir / 'ca.pem').read_bytes()

    rc, out = run_playbook(tmp_path, playbook, inventory, '-e', 'apim_tls_ca_dir=%s' % new_dir,
                           '-e', 'apim_tls_ca_rollover_dir=%s' % old_dir)
    assert rc == 0, out[-4000:]
    x509.load_pem_x509_certificate((a_dir / 'cert.pem').read_bytes()).verify_directly_issued_by(new_ca)
    assert (a_dir / 'ca.pem').read_bytes() == bundle
    assert 'HANDLER ran on a-db' in out

    rc, out = run_playbook(tmp_path, playbook, inventory, '-e', 'apim_tls_ca_dir=%s' % new_dir)
    assert rc == 0, out[-4000:]
    assert _certificates(a_dir / 'ca.pem') == [new_ca]
    assert (old_dir / 'ca.key').exists(), 'the old CA is the operator\'s to destroy'
    assert 'HANDLER ran on a-db' in out and _recap(out, 'b-db')['changed'] == 0


def test_a_rollover_of_the_users_own_ca_in_three_runs(setup):
    """docs/tls.md, "A new CA, your own files": a bundle of both CAs, then a certificate of the new one, then the
    new CA alone. Dropping the old CA before the certificate is replaced is refused, naming the host and file."""
    tmp_path, inventory, playbook, files = setup
    user, b_dir = tmp_path / 'user', tmp_path / 'hosts' / 'b-db'
    old_pem = files['/tls/ca.pem']
    new_ca = make_ca('next user CA')
    new_pem = new_ca[1].public_bytes(serialization.Encoding.PEM)
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]

    (user / 'ca.pem').write_bytes(old_pem + new_pem)
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    assert _certificates(b_dir / 'ca.pem') == [x509.load_pem_x509_certificate(old_pem), new_ca[1]]
    assert 'HANDLER ran on b-db' in out

    (user / 'ca.pem').write_bytes(new_pem)
    rc, out = run_playbook(tmp_path, playbook, inventory, '--check')
    assert rc != 0
    assert 'host b-db: certificate %s/cert.pem was not signed by the CA in %s/ca.pem' % (user, user) in ' '.join(
        out.split())
    (user / 'ca.pem').write_bytes(old_pem + new_pem)

    key, cert = make_cert(new_ca, ['b-db'])
    (user / 'cert.pem').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (user / 'key.pem').write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    x509.load_pem_x509_certificate((b_dir / 'cert.pem').read_bytes()).verify_directly_issued_by(new_ca[1])

    (user / 'ca.pem').write_bytes(new_pem)
    rc, out = run_playbook(tmp_path, playbook, inventory)
    assert rc == 0, out[-4000:]
    assert _certificates(b_dir / 'ca.pem') == [new_ca[1]]


def test_a_key_encrypted_with_ansible_vault_is_checked_and_installed_decrypted(setup):
    from ansible.parsing.vault import VaultLib, VaultSecret
    tmp_path, inventory, playbook, files = setup
    key_file = tmp_path / 'user' / 'key.pem'
    vault = VaultLib([('default', VaultSecret(b'test-vault-password'))])
    key_file.write_bytes(vault.encrypt(files['/tls/key.pem']))
    (tmp_path / 'vault-password').write_text('test-vault-password\n')

    rc, out = run_playbook(tmp_path, playbook, inventory, '--check')
    assert rc != 0
    assert 'host b-db: private key %s (apim_tls_private_key) cannot be read: ' % key_file in ' '.join(out.split())
    assert 'vault' in out.lower()

    rc, out = run_playbook(tmp_path, playbook, inventory, '--vault-password-file', str(tmp_path / 'vault-password'))
    assert rc == 0, out[-4000:]
    assert (tmp_path / 'hosts' / 'b-db' / 'key.pem').read_bytes() == files['/tls/key.pem']
    assert "BEGIN PRIVATE KEY" not in out


def test_files_given_as_vault_variables_are_checked_installed_and_kept_out_of_the_fact(setup):
    """The certificate, key and CA as the PEM text itself, the key in a vault variable: the preflight checks them,
    tls_pair installs them, and the topology fact records the key as 'inline', never its text."""
    from ansible.parsing.vault import VaultLib, VaultSecret
    tmp_path, inventory, playbook, files = setup
    vault = VaultLib([('default', VaultSecret(b'test-vault-password'))])
    (tmp_path / 'vault-password').write_text('test-vault-password\n')
    encrypted = vault.encrypt(files['/tls/key.pem']).decode()
    text = inventory.read_text()
    for variable, name in (('apim_tls_certificate', 'cert.pem'), ('apim_tls_ca_certificate', 'ca.pem')):
        pem = files['/tls/%s' % name].decode()
        text = text.replace('%s: %s/user/%s' % (variable, tmp_path, name),
                            '%s: |\n%s' % (variable, ''.join('                ' + line + '\n' for line in pem.splitlines())))
    text = text.replace('apim_tls_private_key: %s/user/key.pem' % tmp_path, 'apim_tls_private_key: !vault |\n%s'
                        % ''.join('                ' + line + '\n' for line in encrypted.splitlines()))
    inventory.write_text(text)
    fact = tmp_path / 'fact.yml'
    fact.write_text('---\n- name: Fact\n  hosts: b-db\n  gather_facts: false\n  tasks:\n    - name: Files\n'
                    '      ansible.builtin.debug:\n        msg: "FILES {{ ansible_facts.apim_topology.hosts[\'b-db\']'
                    '.tls_files.apim_tls_private_key }}"\n')
    playbook.write_text(playbook.read_text() + '\n- name: The fact\n  ansible.builtin.import_playbook: %s\n' % fact)

    rc, out = run_playbook(tmp_path, playbook, inventory, '--vault-password-file', str(tmp_path / 'vault-password'))
    assert rc == 0, out[-4000:]
    b_dir = tmp_path / 'hosts' / 'b-db'
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        assert (b_dir / name).read_bytes().strip() == files['/tls/%s' % name].strip(), name
    assert 'FILES inline' in out
    assert 'BEGIN PRIVATE KEY' not in out

    other = make_cert(make_ca('another CA'), ['b-db'])[1].public_bytes(serialization.Encoding.PEM).decode()
    text = inventory.read_text()
    start = text.index('apim_tls_certificate: |\n')
    end = text.index('-----END CERTIFICATE-----', start) + len('-----END CERTIFICATE-----\n')
    inventory.write_text(text[:start] + 'apim_tls_certificate: |\n%s' % ''.join(
        '                ' + line + '\n' for line in other.splitlines()) + text[end:])
    rc, out = run_playbook(tmp_path, playbook, inventory, '--check', '--vault-password-file',
                           str(tmp_path / 'vault-password'))
    assert rc != 0
    assert ('host b-db: certificate apim_tls_certificate (inline PEM) was not signed by the CA in '
            'apim_tls_ca_certificate (inline PEM)') in ' '.join(out.split()), out[-3000:]
    assert 'BEGIN PRIVATE KEY' not in out
