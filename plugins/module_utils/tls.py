# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deployment CA's certificates: their names, the checks the preflight runs on files a user gives, and what
verify makes of the certificate a server presents.

Runs on the controller only (the topology preflight, filters); ``cryptography`` comes with ansible-core there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress
import re

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core depends on cryptography
    HAS_CRYPTOGRAPHY = False

# Verify warns when a server's certificate has fewer days left.
CERTIFICATE_WARN_DAYS = 30

# Host variables naming the files a user gives, instead of the collection's CA.
USER_FILES = (('apim_tls_certificate', 'certificate'), ('apim_tls_private_key', 'private key'),
              ('apim_tls_ca_certificate', 'CA certificate'))


# What the topology fact records for a user's certificate or key given as PEM text (a vault variable): the fact
# never holds a key; the role reads the host's variable.
INLINE = 'inline'


def is_pem(value):
    """Whether a user's TLS variable holds PEM text itself (a vault variable) rather than a controller path."""
    return isinstance(value, str) and '-----BEGIN ' in value


def user_file_label(variable, value):
    """How messages name a user's TLS file: its path, or the variable that holds it (never its text)."""
    return '%s (inline PEM)' % variable if is_pem(value) else value


def _ip(name):
    try:
        return ipaddress.ip_address(u'%s' % name)
    except ValueError:
        return None


def subject_alt_name(name):
    """``IP:<name>`` for an IP address, else ``DNS:<name>``: one subjectAltName entry for openssl_csr."""
    return ('IP:%s' if _ip(name) else 'DNS:%s') % name


def _covers(certificate, name):
    try:
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    address = _ip(name)
    if address is not None:
        return address in sans.get_values_for_type(x509.IPAddress)
    name = name.lower().rstrip('.')
    for pattern in (dns.lower().rstrip('.') for dns in sans.get_values_for_type(x509.DNSName)):
        if pattern == name:
            return True
        if pattern.startswith('*.') and '.' in name and name.split('.', 1)[1] == pattern[2:]:
            return True
    return False


def _not_after(certificate):
    value = getattr(certificate, 'not_valid_after_utc', None)
    return value if value is not None else certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _not_before(certificate):
    value = getattr(certificate, 'not_valid_before_utc', None)
    return value if value is not None else certificate.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def _signed_by(certificate, authority):
    if authority.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(authority)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def user_file_problems(host, names, paths, read, now=None):
    """Every problem of the TLS files a user gave for ``host``, one message each, naming the host and the file.

    :arg names: the names the certificate must be valid for (the host's address first).
    :arg paths: mapping of the variables in ``USER_FILES`` to controller paths, or to the PEM text itself (a vault
      variable); all three must be set. Messages name a path, or the variable of a text, never the text.
    :arg read: callable path -> bytes (the controller's files); raises ``IOError``/``OSError`` when unreadable.
    :arg now: an aware datetime; default the current time.
    """
    if not HAS_CRYPTOGRAPHY:
        return ['host %s: the Python library cryptography is missing on the controller; it is needed to check '
                'the TLS files the inventory gives; fix: install it in the Python that runs ansible' % host]
    problems = []
    missing = [variable for variable, dummy in USER_FILES if not paths.get(variable)]
    if missing:
        return ['host %s: %s given without %s; give all three (certificate, its private key and the CA '
                'certificate that signed it); fix: set the others, or none to have the collection\'s CA in '
                'apim_tls_ca_dir issue them' % (host, ', '.join(v for v, dummy in USER_FILES if v not in missing), ', '.join(missing))]
    loaded = {}
    labels = dict((variable, user_file_label(variable, paths[variable])) for variable, dummy in USER_FILES)
    for variable, what in USER_FILES:
        path = labels[variable]
        try:
            data = paths[variable].encode() if is_pem(paths[variable]) else read(paths[variable])
            if variable == 'apim_tls_private_key':
                loaded[variable] = serialization.load_pem_private_key(data, password=None)
            else:
                loaded[variable] = x509.load_pem_x509_certificates(data)
        except (IOError, OSError) as exc:
            problems.append('host %s: %s %s (%s) cannot be read: %s; fix: give the absolute path of a readable '
                            'file on the controller' % (host, what, path, variable, exc))
        except (ValueError, TypeError) as exc:
            problems.append('host %s: %s %s (%s) is not a PEM %s (%s); fix: give an unencrypted PEM file'
                            % (host, what, path, variable, what, exc))
    if problems:
        return problems
    now = now or datetime.datetime.now(datetime.timezone.utc)
    path = labels['apim_tls_certificate']
    certificate = loaded['apim_tls_certificate'][0]
    for name in names:
        if not _covers(certificate, name):
            problems.append('host %s: certificate %s does not match the host\'s name %s; fix: issue it with %s in '
                            'its subjectAltName' % (host, path, name, subject_alt_name(name)))
    if _not_after(certificate) <= now:
        problems.append('host %s: certificate %s expired on %s; fix: renew it'
                        % (host, path, _not_after(certificate).date()))
    elif _not_before(certificate) > now:
        problems.append('host %s: certificate %s is not valid before %s; fix: check the clocks, or wait'
                        % (host, path, _not_before(certificate)))
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (loaded['apim_tls_private_key'].public_key().public_bytes(serialization.Encoding.PEM, public)
            != certificate.public_key().public_bytes(serialization.Encoding.PEM, public)):
        problems.append('host %s: private key %s does not match certificate %s; fix: give the key the '
                        'certificate was issued for' % (host, labels['apim_tls_private_key'], path))
    if not any(_signed_by(certificate, authority) for authority in loaded['apim_tls_ca_certificate']):
        problems.append('host %s: certificate %s was not signed by the CA in %s; fix: give the CA certificate that '
                        'issued it (a bundle may hold several)' % (host, path, labels['apim_tls_ca_certificate']))
    return problems


PEM_CERTIFICATE = re.compile(r'-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----')


def pem_certificates(text):
    """Every certificate of a PEM bundle, in order, each ``-----BEGIN ...`` to ``... CERTIFICATE-----`` plus a newline."""
    return [block + '\n' for block in PEM_CERTIFICATE.findall(text or '')]


def certificate_days(not_after, now=None):
    """Whole days until ``not_after``, in OpenSSL's text form (``Feb 28 12:00:00 2029 GMT``, as
    ``openssl x509 -enddate`` prints it); None when it is empty."""
    if not not_after:
        return None
    end = datetime.datetime.strptime(' '.join(not_after.split()), '%b %d %H:%M:%S %Y GMT')
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return (end - now).days


def served_certificate(probe, now=None):
    """What a client that trusts the deployment CA makes of the certificate a TLS server presents.

    :arg probe: the output of ``openssl s_client -verify_hostname NAME -CAfile CA`` reduced to its
      ``Verify return code:`` line, followed by ``openssl x509 -noout -enddate`` of the certificate it received.
    Returns ``{verified, reason, not_after, days}``; ``reason`` is OpenSSL's words for the verification result.
    """
    code = re.search(r'Verify return code: (-?\d+) \((.*)\)', probe or '')
    not_after = re.search(r'^notAfter=(.+)$', probe or '', re.MULTILINE)
    not_after = not_after.group(1).strip() if not_after else ''
    return {'verified': bool(code) and code.group(1) == '0',
            'reason': code.group(2) if code else 'no answer from the TLS probe',
            'not_after': not_after, 'days': certificate_days(not_after, now)}
