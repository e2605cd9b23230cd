# -*- coding: utf-8 -*-
"""Ready for AWX: non-interactive playbooks, an execution environment that
ansible-builder turns into a build context, every plugin documented, and AWX
objects as code whose references resolve.

Checkers are pure functions, tested first on small tables of bad and good
input (so each one can fail), then applied to the real repository.
"""

from __future__ import absolute_import, division, print_function

import glob
import json
import os
import re
import subprocess

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.join(REPO, '.venv', 'bin')
SITE_PACKAGES = glob.glob(os.path.join(REPO, '.venv', 'lib', 'python3*', 'site-packages'))
# Not the project's own content: tool caches, the collection symlink, builds.
SKIP_DIRS = {'.venv', '.cache', '.collections', '.git', '.lab', 'build', 'output', '__pycache__', '.pytest_cache'}
PAUSE_ACTIONS = {'pause', 'ansible.builtin.pause', 'ansible.legacy.pause'}
AWX_DIR = os.path.join(REPO, 'awx')

needs_venv = pytest.mark.skipif(not os.path.exists(os.path.join(BIN, 'ansible-playbook')),
                                reason='needs .venv (make setup)')


def env():
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
                ANSIBLE_FORCE_COLOR='0', PATH='%s:%s' % (BIN, os.environ.get('PATH', '')))


def run(cmd, **kwargs):
    return subprocess.run(cmd, cwd=kwargs.pop('cwd', REPO), env=env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False, **kwargs)


def yaml_files():
    for root, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(('.yml', '.yaml')):
                yield os.path.join(root, name)


def load_all(path):
    with open(path, encoding='utf-8') as handle:
        try:
            return list(yaml.safe_load_all(handle))
        except yaml.YAMLError:
            return []   # Jinja-templated YAML and the like: ansible-lint's business.


def is_playbook(doc):
    return (isinstance(doc, list) and doc and all(isinstance(p, dict) for p in doc)
            and any('hosts' in p or 'import_playbook' in p or 'ansible.builtin.import_playbook' in p for p in doc))


# -- non-interactive: no vars_prompt, no pause without a timeout -------------

def _pause_args(task, action):
    args = task[action]
    if isinstance(args, str):   # free form: pause: seconds=5
        return dict(kv.split('=', 1) for kv in args.split() if '=' in kv)
    if args is None:
        args = {}
    return dict(args, **(task.get('args') or {}))


def interactive_findings(doc, where='?'):
    """Every vars_prompt and every pause without seconds/minutes in a YAML doc."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if 'vars_prompt' in node and ('hosts' in node or 'tasks' in node or 'roles' in node):
                found.append('%s: %s has vars_prompt' % (where, path or 'play'))
            for action in PAUSE_ACTIONS & set(node):
                args = _pause_args(node, action)
                if not (args.get('seconds') or args.get('minutes')):
                    found.append('%s: %s pause without seconds/minutes (task %r)'
                                 % (where, path, node.get('name', '?')))
            for key, value in node.items():
                walk(value, '%s.%s' % (path, key) if path else str(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, '%s[%d]' % (path, index))

    walk(doc, '')
    return found


INTERACTIVE_CASES = [
    ('vars_prompt', [{'hosts': 'all', 'vars_prompt': [{'name': 'pw', 'prompt': 'pw?'}]}], 1),
    ('bare pause', [{'hosts': 'all', 'tasks': [{'name': 'Wait', 'ansible.builtin.pause': None}]}], 1),
    ('prompt only', [{'hosts': 'all', 'tasks': [{'name': 'Ok?', 'pause': {'prompt': 'continue?'}}]}], 1),
    ('free form, no timeout', [{'hosts': 'all', 'tasks': [{'pause': 'prompt=go'}]}], 1),
    ('in a block of a task file', [{'block': [{'ansible.legacy.pause': {'echo': False}}]}], 1),
    ('seconds', [{'hosts': 'all', 'tasks': [{'ansible.builtin.pause': {'seconds': 5}}]}], 0),
    ('minutes via args', [{'hosts': 'all', 'tasks': [{'pause': None, 'args': {'minutes': 1}}]}], 0),
    ('free form seconds', [{'hosts': 'all', 'tasks': [{'pause': 'seconds=3'}]}], 0),
    ('a variable named vars_prompt in vars', [{'hosts': 'all', 'vars': {'x': {'vars_prompt': 1}}}], 0),
]


@pytest.mark.parametrize('doc,expected', [c[1:] for c in INTERACTIVE_CASES], ids=[c[0] for c in INTERACTIVE_CASES])
def test_interactive_checker(doc, expected):
    assert len(interactive_findings(doc)) == expected


def test_no_playbook_or_task_file_prompts():
    """Plays, roles, task files, Molecule and bench playbooks, awx/: nothing waits for a human."""
    findings, playbooks = [], 0
    for path in yaml_files():
        for doc in load_all(path):
            playbooks += is_playbook(doc)
            findings += interactive_findings(doc, os.path.relpath(path, REPO))
    assert playbooks >= 5, 'found only %d playbooks: is the walk broken?' % playbooks
    assert findings == []


# -- execution environment ----------------------------------------------------

def pinned(requirements_file, name):
    with open(os.path.join(REPO, requirements_file)) as handle:
        for line in handle:
            if re.match(r'^%s==' % re.escape(name), line.strip(), re.I):
                return line.strip()
    raise AssertionError('%s is not pinned in %s' % (name, requirements_file))


def used_collections():
    """Collections (other than ansible.builtin / multidc.apim) named by FQCN in what AWX runs."""
    used = set()
    pattern = re.compile(r'\b(community|ansible|containers|kubernetes|awx)\.([a-z0-9_]+)\.[a-z0-9_]+\b')
    for top in ('roles', 'playbooks', 'inventories', 'site.yml'):
        for path in [os.path.join(REPO, top)] if top.endswith('.yml') else glob.glob(
                os.path.join(REPO, top, '**', '*'), recursive=True):
            if os.path.isfile(path) and path.endswith(('.yml', '.yaml', '.j2')):
                with open(path, encoding='utf-8') as handle:
                    used.update('%s.%s' % m.groups() for m in pattern.finditer(handle.read()))
    return used - {'ansible.builtin', 'ansible.legacy'}


def bundled_version(fqcn):
    namespace, name = fqcn.split('.')
    for site in SITE_PACKAGES:
        manifest = os.path.join(site, 'ansible_collections', namespace, name, 'MANIFEST.json')
        if os.path.exists(manifest):
            with open(manifest) as handle:
                return json.load(handle)['collection_info']['version']
    return None


def test_ee_definition_matches_the_pins():
    with open(os.path.join(REPO, 'execution-environment.yml')) as handle:
        ee = yaml.safe_load(handle)
    assert ee['version'] == 3
    deps = ee['dependencies']
    assert deps['ansible_core']['package_pip'] == pinned('requirements.txt', 'ansible-core')
    assert deps['ansible_runner']['package_pip'] == pinned('requirements.txt', 'ansible-runner')
    assert deps['galaxy'] == 'collections/requirements.yml'
    for key in ('python', 'system', 'galaxy'):
        assert os.path.isfile(os.path.join(REPO, deps[key])), deps[key]
    with open(os.path.join(REPO, 'meta', 'execution-environment.yml')) as handle:
        meta_ee = yaml.safe_load(handle)
    for key, path in meta_ee['dependencies'].items():
        assert os.path.isfile(os.path.join(REPO, path)), (key, path)
    # Every EE python requirement is the version .venv (and so CI) runs.
    with open(os.path.join(REPO, deps['python'])) as handle:
        for line in handle:
            line = line.split('#', 1)[0].strip()
            if line:
                assert pinned('requirements-lock.txt', line.split('==')[0]) == line


@needs_venv
def test_collection_requirements_cover_every_fqcn_used_at_tested_versions():
    with open(os.path.join(REPO, 'collections', 'requirements.yml')) as handle:
        listed = {c['name']: str(c['version']) for c in yaml.safe_load(handle)['collections']}
    used = used_collections()
    assert used, 'no community.* FQCN found: is the grep broken?'
    assert sorted(used - set(listed)) == [], 'used by FQCN but missing from collections/requirements.yml'
    assert sorted(set(listed) - used) == [], 'listed but not used by roles/, playbooks/ or inventories/'
    for name, version in listed.items():
        assert version == bundled_version(name), '%s: %s listed, %s tested' % (name, version, bundled_version(name))


@needs_venv
def test_ansible_builder_creates_a_build_context(tmp_path):
    context = tmp_path / 'context'
    proc = run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', 'execution-environment.yml',
                '-c', str(context), '--output-filename', 'Containerfile'])
    assert proc.returncode == 0, proc.stdout
    build = context / '_build'
    for name in ('Containerfile', '_build/requirements.yml', '_build/requirements.txt', '_build/bindep.txt',
                 '_build/scripts/assemble', '_build/scripts/install-from-bindep', '_build/scripts/introspect.py'):
        assert (context / name).is_file(), name
    with open(os.path.join(REPO, 'collections', 'requirements.yml'), 'rb') as handle:
        assert (build / 'requirements.yml').read_bytes() == handle.read()
    assert 'lxml==' in (build / 'requirements.txt').read_text()
    containerfile = (context / 'Containerfile').read_text()
    assert re.search(r'^ARG EE_BASE_IMAGE=', containerfile, re.M), 'base image is not a build arg'
    assert pinned('requirements.txt', 'ansible-core') in containerfile
    assert 'ansible-galaxy collection install' in containerfile


# -- every plugin renders with ansible-doc ------------------------------------

def plugins(kind):
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, 'plugins', kind, '*.py'))
                  if not p.endswith('__init__.py'))


DOC_TYPES = {'modules': 'module', 'filter': 'filter', 'test': 'test', 'lookup': 'lookup',
             'callback': 'callback', 'inventory': 'inventory', 'connection': 'connection', 'become': 'become'}


def test_no_undocumentable_plugin_directory():
    """Every plugins/ subdirectory with code is a type ansible-doc renders, or has no docs by design."""
    no_docs = {'action', 'module_utils', 'doc_fragments'}
    present = {d for d in os.listdir(os.path.join(REPO, 'plugins')) if plugins(d)}
    assert sorted(present - no_docs - set(DOC_TYPES)) == []


@needs_venv
@pytest.mark.parametrize('directory', sorted(d for d in DOC_TYPES if plugins(d)))
def test_ansible_doc_renders_every_plugin(directory):
    if directory in ('filter', 'test'):
        # One file may hold several Jinja2 plugins; ansible-doc knows them by their own names.
        listed = run([os.path.join(BIN, 'ansible-doc'), '-t', DOC_TYPES[directory], '--list', '--json',
                      'multidc.apim'])
        fqcns = sorted(json.loads(listed.stdout))
        assert fqcns, listed.stdout
    else:
        fqcns = ['multidc.apim.' + n for n in plugins(directory)]
    proc = run([os.path.join(BIN, 'ansible-doc'), '-t', DOC_TYPES[directory]] + fqcns)
    assert proc.returncode == 0, proc.stdout
    assert '[WARNING]' not in proc.stdout and 'ERROR' not in proc.stdout, proc.stdout
    for fqcn in fqcns:
        assert re.search(r'^> %s %s \(' % (DOC_TYPES[directory].upper(), re.escape(fqcn)), proc.stdout, re.M), fqcn
    data = json.loads(run([os.path.join(BIN, 'ansible-doc'), '-t', DOC_TYPES[directory], '--json'] + fqcns).stdout)
    for fqcn in fqcns:
        assert data[fqcn]['doc'].get('short_description'), fqcn
        assert data[fqcn]['examples'], fqcn


def test_every_action_plugin_has_a_documented_module():
    """Action plugins carry no docs of their own; their module stub does."""
    assert set(plugins('action')) <= set(plugins('modules'))


# -- awx/: syntax and references ------------------------------------------------

AWX_PLAYBOOKS = sorted(glob.glob(os.path.join(AWX_DIR, '*.yml')))


@needs_venv
@pytest.mark.parametrize('playbook', [os.path.relpath(p, REPO) for p in AWX_PLAYBOOKS])
def test_awx_playbook_syntax(playbook):
    proc = run([os.path.join(BIN, 'ansible-playbook'), '--syntax-check', '-i', 'localhost,', playbook])
    assert proc.returncode == 0, proc.stdout


def load_awx_objects():
    with open(os.path.join(AWX_DIR, 'vars', 'objects.yml')) as handle:
        return yaml.safe_load(handle)


def reference_errors(objects, repo=REPO):
    """Every dangling or unsafe reference among the AWX objects, as strings."""
    errors = []
    project = objects['awx_project']['name']
    inventory = objects['awx_inventory']['name']
    credentials = {c['name']: c for c in objects['awx_credentials']}
    source = objects['awx_inventory_source']
    kinds = sorted(c['credential_type'] for c in credentials.values())
    if kinds != ['Machine', 'Vault']:
        errors.append('credential types %s, want one Machine and one Vault' % kinds)
    for cred in credentials.values():
        for key, value in cred['inputs'].items():
            secret = key in ('vault_password', 'ssh_key_data', 'password', 'become_password', 'ssh_key_unlock')
            if secret and not re.fullmatch(r'\{\{\s*[a-z_]+\s*\}\}', str(value)):
                errors.append('credential %s: %s is not a variable reference' % (cred['name'], key))
    if source['inventory'] != inventory:
        errors.append('inventory source targets %s, not %s' % (source['inventory'], inventory))
    if source['source'] != 'scm' or source['source_project'] != project:
        errors.append('inventory source is not scm from project %s' % project)
    if not os.path.isfile(os.path.join(repo, source['source_path'], 'hosts.yml')):
        errors.append('inventory source path %s has no hosts.yml' % source['source_path'])
    if source.get('credential') and source['credential'] not in credentials:
        errors.append('inventory source credential %s undefined' % source['credential'])
    for jt in objects['awx_job_templates']:
        name = jt['name']
        if jt['project'] != project:
            errors.append('%s: project %s undefined' % (name, jt['project']))
        if jt['inventory'] != inventory:
            errors.append('%s: inventory %s undefined' % (name, jt['inventory']))
        errors += ['%s: credential %s undefined' % (name, c) for c in jt['credentials'] if c not in credentials]
        playbook = os.path.join(repo, jt['playbook'])
        if not any(is_playbook(d) for d in (load_all(playbook) if os.path.isfile(playbook) else [])):
            errors.append('%s: playbook %s is not a playbook in the project' % (name, jt['playbook']))
        for question in (jt.get('survey') or {}).get('spec', []):
            if question['type'] == 'multiplechoice' and question['default'] not in question['choices']:
                errors.append('%s: survey %s default not among its choices' % (name, question['variable']))
    return errors


def _broken(mutate):
    objects = load_awx_objects()
    mutate(objects)
    return objects


REFERENCE_CASES = [
    ('project renamed', lambda o: o['awx_job_templates'][0].update(project='other'), 'project other undefined'),
    ('inventory renamed', lambda o: o['awx_job_templates'][1].update(inventory='x'), 'inventory x undefined'),
    ('unknown credential', lambda o: o['awx_job_templates'][2]['credentials'].append('nope'),
     'credential nope undefined'),
    ('playbook missing', lambda o: o['awx_job_templates'][0].update(playbook='playbooks/nope.yml'),
     'not a playbook'),
    ('task file as playbook', lambda o: o['awx_job_templates'][0].update(playbook='playbooks/tasks/verify_node.yml'),
     'not a playbook'),
    ('literal secret', lambda o: o['awx_credentials'][0]['inputs'].update(vault_password='hunter2'),
     'not a variable reference'),
    ('source path', lambda o: o['awx_inventory_source'].update(source_path='inventories/nope'), 'has no hosts.yml'),
    ('source inventory', lambda o: o['awx_inventory_source'].update(inventory='x'), 'inventory source targets'),
    ('no vault credential', lambda o: o['awx_credentials'].pop(0), 'want one Machine and one Vault'),
]


@pytest.mark.parametrize('mutate,message', [c[1:] for c in REFERENCE_CASES], ids=[c[0] for c in REFERENCE_CASES])
def test_reference_checker_catches(mutate, message):
    errors = reference_errors(_broken(mutate))
    assert any(message in e for e in errors), errors


def test_awx_references_resolve():
    assert reference_errors(load_awx_objects()) == []


def test_job_templates_cover_deploy_preflight_verify():
    objects = load_awx_objects()
    playbooks = sorted(jt['playbook'] for jt in objects['awx_job_templates'])
    assert playbooks == ['playbooks/preflight.yml', 'playbooks/verify.yml', 'site.yml']
    surveyed = [jt['name'] for jt in objects['awx_job_templates'] if jt.get('survey')]
    assert 'multidc-apim deploy' in surveyed
    assert all(jt.get('ask_limit_on_launch') for jt in objects['awx_job_templates']), 'limit to a DC on launch'


def test_survey_variables_are_real_inputs():
    """A survey variable nobody reads is a lie: each one must be a role default or an inventory/playbook var."""
    known = set()
    for path in glob.glob(os.path.join(REPO, 'roles', '*', 'defaults', 'main.yml')) + glob.glob(
            os.path.join(REPO, 'inventories', '*', 'group_vars', '*', '*.yml')):
        with open(path) as handle:
            known.update((yaml.safe_load(handle) or {}).keys())
    with open(os.path.join(REPO, 'roles', 'worker_manager', 'meta', 'argument_specs.yml')) as handle:
        known.update(yaml.safe_load(handle)['argument_specs']['main']['options'])
    for jt in load_awx_objects()['awx_job_templates']:
        for question in (jt.get('survey') or {}).get('spec', []):
            assert question['variable'] in known, '%s: %s' % (jt['name'], question['variable'])


def test_configure_playbook_uses_every_object_and_reads_the_controller_from_env():
    with open(os.path.join(AWX_DIR, 'configure.yml')) as handle:
        play = yaml.safe_load(handle)[0]
    modules = {key for task in play['tasks'] for key in task if key.startswith('awx.awx.')}
    assert {'awx.awx.project', 'awx.awx.inventory', 'awx.awx.inventory_source', 'awx.awx.credential',
            'awx.awx.job_template'} <= modules
    text = open(os.path.join(AWX_DIR, 'configure.yml')).read()
    assert 'controller_host' not in text and 'controller_password' not in text and 'tower_' not in text
    credential_task = next(t for t in play['tasks'] if 'awx.awx.credential' in t)
    assert credential_task.get('no_log') is True
    with open(os.path.join(AWX_DIR, 'vars', 'secrets.yml')) as handle:
        secrets = yaml.safe_load(handle)
    assert all(re.fullmatch(r'\{\{ vault_[a-z_]+ \}\}', v) for v in secrets.values()), secrets
