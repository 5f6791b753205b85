#!/usr/bin/env python3
"""Where sigwayd's time per lookup goes, under the load of lookup_bench.py's
(a) (wrk, keep-alive, one number a request by default): the same test
network, then one of

  --tool perf     perf record (cpu-clock samples, no hardware counters
                  needed) on sigwayd alone; prints the share of each
                  library and of the kernel, and the top symbols
  --tool strace   strace -c on sigwayd alone; prints system calls per lookup
  --tool store    the store's commits during the load (`show sms`): lookups
                  per commit and the mean time of a commit

perf and strace slow sigwayd down (strace much more): read the shares and
the counts per lookup, not the rate.

usage (root, in its own network namespace, after contrib/setup.sh test):
  unshare -n sh -c 'ip link set lo up && python3 contrib/bench/lookup_profile.py build --tool perf'
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
sys.path.insert(0, HERE)
import sigway_net as sn  # noqa: E402
import lookup_bench as lb  # noqa: E402


def attach(tool, pid, out):
    if tool == 'perf':
        return subprocess.Popen(['perf', 'record', '-q', '-e', 'cpu-clock', '-F', '2000', '-p', str(pid),
                                 '-o', os.path.join(out, 'perf.data')])
    return subprocess.Popen(['strace', '-c', '-f', '-p', str(pid), '-o', os.path.join(out, 'strace.txt')])


def report(tool, out, done):
    if tool == 'perf':
        data = os.path.join(out, 'perf.data')
        for sort in ('dso', 'dso,sym'):
            text = subprocess.run(['perf', 'report', '-i', data, '--no-children', '--sort', sort, '-g', 'none'],
                                  capture_output=True, text=True).stdout
            rows = [l for l in text.splitlines() if l.strip() and not l.startswith('#')]
            print('\n'.join(rows[:15 if sort == 'dso' else 30]) + '\n')
        return
    with open(os.path.join(out, 'strace.txt')) as f:
        for line in f:
            m = re.match(r'\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\w+)$', line)
            if m and int(m.group(1)) >= done // 100:
                print('%-14s %6.2f per lookup%s' % (m.group(3), int(m.group(1)) / done,
                                                     ' (%s failed)' % m.group(2) if m.group(2) else ''))


def store_commits(net):
    m = re.search(r'store commits (\d+) failed \d+ mean ([\d.]+) ms', net.gw('show sms'))
    return int(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--tool', choices=('perf', 'strace', 'store'), default='perf')
    ap.add_argument('--seconds', type=int, default=8)
    ap.add_argument('--batch', type=int, default=1, help='numbers per request (1: GET, more: POST)')
    args = ap.parse_args()
    port = sn.free_port()
    extra = ('http\n local-port %d\n limit pending 100000\n limit connections 4000\n limit connections-per-ip 4000\n'
             'account bench\n api-key %s\n'
             'lookup\n max-in-flight 2000\n job window 500\n' % (port, lb.KEY))
    out = tempfile.mkdtemp(prefix='lookup-profile-')
    with sn.Network(os.path.abspath(args.build), capture=False, quiet=True, sigwayd_extra=extra,
                    netsim_extra='netsim\n hlr implicit-subscribers 4917\n') as net:
        lb.lookups(port, 2000, 20, 4917100000000)      # warm-up: connections, caches, the WAL
        pid = net.procs['sigwayd'][0].pid
        inflight = 200 if args.batch == 1 else max(1, 200 // args.batch)
        before = store_commits(net)
        p = attach(args.tool, pid, out) if args.tool != 'store' else None
        time.sleep(1)
        r = lb.lookups_wrk(port, args.seconds, inflight, 4917300000000, args.batch, net)
        if p:
            p.send_signal(signal.SIGINT)
            p.wait()
        after = store_commits(net)
    print('%d lookups in %.1f s (%d a request), sigwayd %.1f us CPU a lookup, load average %s' % (
        r['done'], r['seconds'], args.batch, r['us']['sigwayd'], open('/proc/loadavg').read().split()[0]))
    if args.tool == 'store':
        n = after[0] - before[0]
        print('store: %d commits, %.1f lookups a commit, mean commit %.2f ms (since start)' % (
            n, r['done'] / max(n, 1), after[1]))
    else:
        report(args.tool, out, r['done'])
    print('(files in %s)' % out)


if __name__ == '__main__':
    main()
