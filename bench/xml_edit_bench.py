# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the same 25 Carbon XML edits with community.general.xml and with multidc.apim.

Not part of the test suite; it asserts nothing and only prints numbers.

Each round runs ONE ansible-playbook (connection local, the venv's Python) on copies
of carbon.xml, axis2/axis2.xml and datasources/master-datasources.xml (APIM 2.6.0
layout, tests/fixtures/carbon/2.6.0): community.general.xml with one task per edit
(25 tasks), the multidc.apim typed modules with one task per file (3 tasks), and the
generic multidc.apim.xml_settings module (3 tasks, one module for the three files).
Each tool's play runs twice on fresh copies: the first ("cold") pass includes Ansible
building each module's payload (AnsiballZ), once per distinct module and run; the
second ("warm") pass reuses it, as every later host and task of a real run does.
The order of the tools rotates between rounds.  A callback records every task's
wall time.

Printed for both tools:
  * wall time of the edit tasks (median over the rounds) and the ratio;
  * lines changed outside the edited elements (byte-level line diff of each file,
    minus the lines of the elements the edits target; for an attribute edit only
    the lines of that element's start tag count as edited).

Usage: .venv/bin/python bench/xml_edit_bench.py [--rounds N] [--keep]
"""

from __future__ import print_function

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.parsers.expat

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(REPO, 'bench', 'xml_edit')
FIXTURE = os.path.join(REPO, 'tests', 'fixtures', 'carbon', '2.6.0', 'repository', 'conf')
PYTHON = os.path.join(REPO, '.venv', 'bin', 'python')
PLAYBOOK_BIN = os.path.join(REPO, '.venv', 'bin', 'ansible-playbook')

FILES = ('carbon.xml', 'axis2/axis2.xml', 'datasources/master-datasources.xml')
# (label, key, playbook); a tool's task names start with its key, capitalised.
PHASES = ('cold', 'warm')
TOOLS = (('community.general.xml', 'cg', 'community_general_xml.yml'),
         ('multidc.apim (typed)', 'ours', 'multidc_apim.yml'),
         ('multidc.apim.xml_settings', 'generic', 'multidc_apim_generic.yml'))

# What the 25 edits target, per file: ('element', path) counts every line of the element,
# ('start-tag', path) only the lines of its start tag (attribute edits).
EDITED = {
    'carbon.xml': [
        ('element', '/Server/HostName'),
        ('element', '/Server/MgtHostName'),
        ('element', '/Server/Ports/Offset'),
        ('element', '/Server/Axis2Config/DeploymentUpdateInterval'),
        ('element', '/Server/DeploymentSynchronizer'),
    ],
    'axis2/axis2.xml': [
        ('start-tag', '/axisconfig/clustering'),
        ('element', "/axisconfig/clustering/parameter[@name='membershipScheme']"),
        ('element', "/axisconfig/clustering/parameter[@name='domain']"),
        ('element', "/axisconfig/clustering/parameter[@name='localMemberHost']"),
        ('element', "/axisconfig/clustering/parameter[@name='localMemberPort']"),
        ('element', "/axisconfig/clustering/parameter[@name='properties']/property[@name='subDomain']"),
        ('element', '/axisconfig/clustering/members'),
    ],
    'datasources/master-datasources.xml': [
        ('element', "/datasources-configuration/datasources/datasource[name='WSO2AM_DB']/definition/configuration/url"),
        ('element', "/datasources-configuration/datasources/datasource[name='WSO2AM_DB']/definition/configuration/username"),
        ('element', "/datasources-configuration/datasources/datasource[name='WSO2AM_DB']/definition/configuration/password"),
        ('element', "/datasources-configuration/datasources/datasource[name='WSO2AM_DB']/definition/configuration/driverClassName"),
        ('element', "/datasources-configuration/datasources/datasource[name='WSO2REG_DB']"),
    ],
}


# ---------------------------------------------------------------------------
# Where elements sit (expat, independent of the engine under test)
# ---------------------------------------------------------------------------

class _Node(object):
    def __init__(self, tag, attrs, line, tag_end_line):
        self.tag = tag.rsplit(' ', 1)[-1].split(':')[-1]
        self.attrs = dict((k.split(':')[-1], v) for k, v in attrs.items())
        self.children = []
        self.text = ''
        self.line = line
        self.tag_end_line = tag_end_line
        self.end_line = tag_end_line


def _tag_end_line(data, offset, line):
    """Line of the '>' that closes the start tag beginning at byte ``offset``."""
    quote = None
    for index in range(offset, len(data)):
        char = data[index:index + 1]
        if quote:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b'>':
            return line + data.count(b'\n', offset, index)
    return line


def element_tree(data):
    parser = xml.parsers.expat.ParserCreate()
    root = [None]
    stack = []

    def start(tag, attrs):
        line = parser.CurrentLineNumber
        node = _Node(tag, attrs, line, _tag_end_line(data, parser.CurrentByteIndex, line))
        if stack:
            stack[-1].children.append(node)
        else:
            root[0] = node
        stack.append(node)

    def end(tag):
        node = stack.pop()
        node.end_line = max(parser.CurrentLineNumber, node.tag_end_line)

    def text(chars):
        if stack:
            stack[-1].text += chars

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.Parse(data, True)
    return root[0]


def _steps(path):
    steps = []
    for raw in path.strip('/').split('/'):
        name, dummy, pred = raw.partition('[')
        if pred:
            key, dummy, value = pred.rstrip(']').partition('=')
            steps.append((name, key, value.strip("'")))
        else:
            steps.append((name, None, None))
    return steps


def find(root, path):
    steps = _steps(path)
    if root is None or root.tag != steps[0][0]:
        return []
    current = [root]
    for name, key, value in steps[1:]:
        found = []
        for node in current:
            for child in node.children:
                if child.tag != name:
                    continue
                if key and key.startswith('@') and child.attrs.get(key[1:]) != value:
                    continue
                if key and not key.startswith('@') and not any(
                        c.tag == key and c.text.strip() == value for c in child.children):
                    continue
                found.append(child)
        current = found
    return current


def edited_lines(data, regions):
    root = element_tree(data)
    lines = set()
    for kind, path in regions:
        for node in find(root, path):
            last = node.tag_end_line if kind == 'start-tag' else node.end_line
            lines.update(range(node.line, last + 1))
    return lines


def lines_outside(before, after, regions):
    """(changed lines outside the edited elements, changed lines in total), byte-level."""
    old, new = before.splitlines(True), after.splitlines(True)
    old_in, new_in = edited_lines(before, regions), edited_lines(after, regions)
    outside = total = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == 'equal':
            continue
        for i in range(i1, i2):
            total += 1
            outside += (i + 1) not in old_in
        for j in range(j1, j2):
            total += 1
            outside += (j + 1) not in new_in
    return outside, total


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------

def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def copy_fixtures(target):
    for name in FILES:
        dest = os.path.join(target, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(FIXTURE, name), dest)


def run_round(workdir, order):
    """One ansible-playbook run: each tool's play twice, the first time on a scratch copy.

    The first pass of a tool is "cold": Ansible builds each module's payload
    (AnsiballZ) the first time the module runs.  The second pass, on fresh
    copies, runs with the payloads already built, as every later host and task
    of a real run does.
    """
    dirs = {}
    top = os.path.join(workdir, 'round.yml')
    with open(top, 'w') as handle:
        handle.write('---\n')
        for key in order:
            playbook = [t[2] for t in TOOLS if t[1] == key][0]
            for phase in PHASES:
                target = os.path.join(workdir, phase, key)
                copy_fixtures(target)
                if phase == 'warm':
                    dirs[key] = target
                handle.write('- import_playbook: %s\n  vars:\n    %s_dir: %s\n'
                             % (os.path.join(HERE, playbook), key, target))
    timings = os.path.join(workdir, 'timings.json')
    env = dict(os.environ,
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='bench_timer',
               ANSIBLE_NOCOLOR='1',
               BENCH_TIMER_OUT=timings)
    command = [PLAYBOOK_BIN, '-i', 'localhost,', '-c', 'local', top,
               '-e', '@' + os.path.join(HERE, 'values.yml'),
               '-e', 'ansible_python_interpreter=' + PYTHON]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout)
        raise SystemExit('ansible-playbook failed (rc=%d)' % proc.returncode)
    with open(timings) as handle:
        tasks = json.load(handle)
    seconds = {}
    for label, key, playbook in TOOLS:
        prefix = key + ' '
        mine = [t['seconds'] for t in tasks if t['task'].lower().startswith(prefix)]
        half = len(mine) // 2
        seconds[key] = {'cold': (sum(mine[:half]), half), 'warm': (sum(mine[half:]), len(mine) - half)}
    return dirs, seconds, wall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--rounds', type=int, default=3, help='rounds; the play order rotates (default 3)')
    parser.add_argument('--keep', action='store_true', help='keep the temporary directory of the last round')
    args = parser.parse_args(argv)

    per_tool = dict((key, []) for label, key, playbook in TOOLS)
    walls = []
    quality = None
    same_output = None
    workdir = None
    for index in range(args.rounds):
        workdir = tempfile.mkdtemp(prefix='xml-edit-bench-')
        keys = [t[1] for t in TOOLS]
        order = keys[index % len(keys):] + keys[:index % len(keys)]
        dirs, seconds, wall = run_round(workdir, order)
        walls.append(wall)
        for key in per_tool:
            per_tool[key].append(seconds[key])
        if quality is None:
            quality = {}
            for label, key, playbook in TOOLS:
                quality[key] = {}
                for name in FILES:
                    with open(os.path.join(FIXTURE, name), 'rb') as handle:
                        before = handle.read()
                    with open(os.path.join(dirs[key], name), 'rb') as handle:
                        after = handle.read()
                    quality[key][name] = lines_outside(before, after, EDITED[name])
            same_output = all(_read(os.path.join(dirs['ours'], n)) == _read(os.path.join(dirs['generic'], n)) for n in FILES)
        if not (args.keep and index == args.rounds - 1):
            shutil.rmtree(workdir)

    print('Carbon XML edit benchmark: 25 edits on carbon.xml, axis2.xml, master-datasources.xml (APIM 2.6.0 layout)')
    print('%d round(s), all tools in the same ansible-playbook run, play order rotating; '
          'ansible-playbook wall time per round: %s s' % (args.rounds, ', '.join('%.2f' % w for w in walls)))
    print('')
    print('edit-task wall time in seconds, median of %d; cold = first pass, which builds each module\'s payload;'
          % args.rounds)
    print('warm = second pass on fresh copies, payloads already built (every later host and task of a real run)')
    print('%-26s %6s %8s %8s %28s' % ('tool', 'tasks', 'cold', 'warm', 'changed lines outside/total'))
    medians = {}
    for label, key, playbook in TOOLS:
        medians[key] = dict((phase, statistics.median(s[phase][0] for s in per_tool[key])) for phase in PHASES)
        outside = sum(o for o, t in quality[key].values())
        total = sum(t for o, t in quality[key].values())
        print('%-26s %6d %8.2f %8.2f %28s' % (label, per_tool[key][0]['warm'][1], medians[key]['cold'],
                                              medians[key]['warm'], '%d / %d' % (outside, total)))
    print('')
    for key, label in (('ours', 'multidc.apim typed modules'), ('generic', 'multidc.apim.xml_settings ')):
        print('wall-time ratio community.general.xml / %s: cold %.1fx, warm %.1fx (target >= 8x)'
              % (label, medians['cg']['cold'] / medians[key]['cold'], medians['cg']['warm'] / medians[key]['warm']))
    per_task = dict((key, medians[key]['warm'] / per_tool[key][0]['warm'][1]) for key in medians)
    print('warm seconds per task: %s; the ratio cannot exceed 25/3 = 8.3x unless a multidc.apim task is cheaper '
          'than a community.general.xml task' % ', '.join('%s %.3f' % (k, v) for k, v in sorted(per_task.items())))
    print('typed modules and xml_settings produce byte-identical files: %s' % ('yes' if same_output else 'NO'))
    print('')
    print('changed lines outside the edited elements, per file:')
    for name in FILES:
        print('  %-36s %s' % (name, ', '.join('%s: %d' % (label, quality[key][name][0]) for label, key, playbook in TOOLS)))
    if args.keep:
        print('\nkept: %s' % workdir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
