#!/usr/bin/env python
"""Cost of playbooks/preflight.yml over a bare play, and the size of its fact, on synthetic inventories.

For each size (DCs x hosts per DC) it writes an inventory (per DC 2 managers,
1 SVN, 1 DB, 1 LB, the rest workers; ansible_connection local on
`datacenters`) and runs, through ansible-playbook, interleaved --repeat times:
  bare       hosts: all, gather_facts: false, one run_once debug task
  preflight  playbooks/preflight.yml itself
It prints the medians, preflight minus bare, and the size of
ansible_facts.apim_topology as JSON, in bytes and per host (taken in one more,
untimed run of a wrapper that imports the preflight and writes the fact to a
file). No host is contacted: both preflight tasks are delegated to localhost
and its action needs no connection. Prints, asserts nothing.

Target: 20x100 under 1 s over the bare play; bytes per host about constant.

Run: .venv/bin/python bench/preflight_bench.py [--sizes 2x10,5x100,20x100] [--repeat 3]
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK_BIN = os.path.join(REPO, '.venv', 'bin', 'ansible-playbook')
PREFLIGHT = os.path.join(REPO, 'playbooks', 'preflight.yml')
TIMEOUT = 600
TARGET_SECONDS = 1.0

BARE = """\
- name: Bare play
  hosts: all
  gather_facts: false
  tasks:
    - name: One trivial task
      ansible.builtin.debug:
        msg: bare
      run_once: true
"""

FACT_SIZE = """\
- name: Preflight
  ansible.builtin.import_playbook: %s

- name: Write the fact
  hosts: all
  gather_facts: false
  tasks:
    - name: Write ansible_facts.apim_topology as JSON
      ansible.builtin.copy:
        content: "{{ ansible_facts.apim_topology | to_json }}"
        dest: %s
        mode: "0644"
      run_once: true
      delegate_to: localhost
"""


def write_inventory(directory, dcs, hosts_per_dc):
    dc_names = ['dc%02d' % n for n in range(1, dcs + 1)]
    layout = [('mgr', 'apim_managers', 2), ('svn', 'svn_servers', 1), ('db', 'db_servers', 1),
              ('lb', 'load_balancers', 1)]
    layout.append(('wkr', 'apim_workers', hosts_per_dc - sum(count for dummy, dummy2, count in layout)))
    if layout[-1][2] < 1:
        raise SystemExit('need at least 6 hosts per DC, got %d' % hosts_per_dc)
    functions = dict((group, []) for dummy, group, dummy2 in layout)
    lines = ['all:', '  children:', '    datacenters:', '      children:']
    for dc in dc_names:
        lines += ['        %s:' % dc, '          hosts:']
        for kind, group, count in layout:
            for n in range(1, count + 1):
                host = '%s-%s%03d.example.com' % (dc, kind, n)
                lines.append('            %s:' % host)
                functions[group].append(host)
    for group, hosts in functions.items():
        lines += ['    %s:' % group, '      hosts:'] + ['        %s:' % h for h in hosts]
    os.makedirs(os.path.join(directory, 'group_vars'))
    with open(os.path.join(directory, 'hosts.yml'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    with open(os.path.join(directory, 'group_vars', 'all.yml'), 'w') as handle:
        handle.write('apim_master_dc: dc01\napim_dc_order: [%s]\napim_tls_ca_dir: /srv/multidc-ca\n' % ', '.join(dc_names))
    # On `datacenters`, not `all`: the implicit localhost keeps its own connection.
    with open(os.path.join(directory, 'group_vars', 'datacenters.yml'), 'w') as handle:
        handle.write('ansible_connection: local\n')
    return dcs * hosts_per_dc


def run(inventory, playbook, tmp):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=os.path.join(tmp, 'ansible-tmp'))
    start = time.perf_counter()
    proc = subprocess.run([PLAYBOOK_BIN, '-i', inventory, playbook], cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=TIMEOUT, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit('ansible-playbook %s failed (rc=%d)' % (playbook, proc.returncode))
    return seconds


def bench(dcs, hosts_per_dc, repeat):
    tmp = tempfile.mkdtemp(prefix='preflight-bench-')
    try:
        inventory = os.path.join(tmp, 'inventory')
        hosts = write_inventory(inventory, dcs, hosts_per_dc)
        bare, fact_size, fact_file = (os.path.join(tmp, name) for name in ('bare.yml', 'fact_size.yml', 'fact.json'))
        with open(bare, 'w') as handle:
            handle.write(BARE)
        with open(fact_size, 'w') as handle:
            handle.write(FACT_SIZE % (PREFLIGHT, fact_file))
        run(inventory, fact_size, tmp)  # also the warm-up of both timed playbooks
        fact_bytes = os.path.getsize(fact_file)
        times = {'bare': [], 'preflight': []}
        for dummy in range(repeat):
            times['bare'].append(run(inventory, bare, tmp))
            times['preflight'].append(run(inventory, PREFLIGHT, tmp))
        return hosts, statistics.median(times['bare']), statistics.median(times['preflight']), fact_bytes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='2x10,5x100,20x100', help='DCs x hosts per DC, comma separated')
    parser.add_argument('--repeat', type=int, default=3, help='timed runs of each playbook per size')
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split('x')) for size in args.sizes.split(',')]
    print('preflight bench: ansible-playbook, median of %d interleaved runs per playbook' % args.repeat)
    header = ('size', 'hosts', 'bare s', 'preflight s', 'preflight-bare s', 'fact bytes', 'bytes/host')
    print('%-7s %6s %8s %12s %16s %11s %10s' % header)
    for dcs, hosts_per_dc in sizes:
        hosts, bare, preflight, fact_bytes = bench(dcs, hosts_per_dc, args.repeat)
        row = ('%dx%d' % (dcs, hosts_per_dc), hosts, bare, preflight, preflight - bare, fact_bytes, fact_bytes / hosts)
        print('%-7s %6d %8.2f %12.2f %16.2f %11d %10.0f' % row)
        sys.stdout.flush()
    print('target: 20x100 preflight under %g s over the bare play; bytes per host about constant across sizes'
          % TARGET_SECONDS)


if __name__ == '__main__':
    main()
