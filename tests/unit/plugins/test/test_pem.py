# -*- coding: utf-8 -*-
"""The multidc.apim.pem test: PEM text or a controller path, by module_utils tls.is_pem."""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.multidc.apim.plugins.module_utils import tls
from ansible_collections.multidc.apim.plugins.test import pem

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
KEY = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n'
PATH = '/etc/multidc-apim/prod-ca/trusted.pem'


def test_the_test_is_module_utils_is_pem():
    assert pem.TestModule().tests() == {'pem': tls.is_pem}


@pytest.mark.parametrize('value, expected', [
    (PEM, True), (KEY, True), (PATH, False), ('', False), ('BEGIN CERTIFICATE', False), (None, False),
])
def test_pem_text_or_path(value, expected):
    assert pem.TestModule().tests()['pem'](value) is expected


# Outside the test process: the collection loader the templar needs stays out of the other tests.
TEMPLATE = textwrap.dedent("""\
    import json, sys
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader([sys.argv[1]])
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template
    variables = json.loads(sys.argv[2])
    templar = Templar(loader=DataLoader(), variables=variables)
    print(json.dumps([templar.template(trust_as_template(t)) for t in json.loads(sys.argv[3])]))
    """)


def render(variables, templates):
    proc = subprocess.run([sys.executable, '-c', TEMPLATE, os.path.join(REPO, '.collections'),
                           json.dumps(variables), json.dumps(templates)],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_jinja_resolves_the_test_through_the_collection():
    variables = {'text': PEM, 'path': PATH, 'bundles': [PATH, KEY, PEM]}
    assert render(variables, [
        '{{ text is multidc.apim.pem }}',
        '{{ path is multidc.apim.pem }}',
        '{{ path is not multidc.apim.pem }}',
        "{{ bundles | select('multidc.apim.pem') | list }}",
        "{{ bundles | reject('multidc.apim.pem') | list }}",
        '{{ omit if path is multidc.apim.pem else path }}',
    ]) == [True, False, True, [KEY, PEM], [PATH], PATH]
