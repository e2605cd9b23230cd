# -*- coding: utf-8 -*-
"""The Carbon XML test fixtures (tests/fixtures/carbon/<version>) as the product ships them.

Two properties of the shipped files cannot be stored as such in this repository,
because ansible-test sanity rejects them (line-endings, no-smart-quotes):

* registry.xml has CRLF line ends in every version: stored with LF, converted here;
* ISO-8859-1 files may hold Latin-1 bytes: a comment of every ISO-8859-1 fixture
  gets one here (``Z\\xfcrich``), so the tests prove that such bytes survive.

``stored()`` is the exact inverse, used to write golden files.
"""

import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
CARBON = os.path.join(ROOT, 'carbon')
GOLDEN = os.path.join(ROOT, 'golden')
VERSIONS = ('1.9.0', '1.10.0', '2.1.0', '2.6.0')
CRLF_FILES = ('registry.xml',)
LATIN1 = (b'Test fixture for multidc.apim', b'Test fixture (Z\xfcrich) for multidc.apim')


def _latin1(data):
    return b'encoding="ISO-8859-1"' in data[:100]


def as_shipped(name, data):
    """Stored fixture bytes -> the bytes of the file as the product ships it."""
    if os.path.basename(name) in CRLF_FILES:
        data = data.replace(b'\n', b'\r\n')
    if _latin1(data):
        data = data.replace(LATIN1[0], LATIN1[1], 1)
    return data


def stored(name, data):
    """Inverse of ``as_shipped``."""
    if _latin1(data):
        data = data.replace(LATIN1[1], LATIN1[0], 1)
    if os.path.basename(name) in CRLF_FILES:
        data = data.replace(b'\r\n', b'\n')
    return data


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def shipped(version, name, base=CARBON):
    """``repository/conf/<name>`` of ``version`` as shipped (``base=GOLDEN`` for golden files)."""
    return as_shipped(name, read(os.path.join(base, version, 'repository', 'conf', name)))


def copy_pack(version, target):
    """Write the shipped form of every fixture file of ``version`` under ``target``."""
    source = os.path.join(CARBON, version)
    for dirpath, dirnames, filenames in os.walk(source):
        for filename in filenames:
            rel = os.path.relpath(os.path.join(dirpath, filename), source)
            dest = os.path.join(target, rel)
            if not os.path.isdir(os.path.dirname(dest)):
                os.makedirs(os.path.dirname(dest))
            with open(dest, 'wb') as handle:
                handle.write(as_shipped(filename, read(os.path.join(dirpath, filename))))
