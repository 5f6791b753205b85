#!/usr/bin/env python3
"""Benchmark (not a test) of the USSD gateway, on loopback through osmo-stp
and sigway-netsim. In one run, each round:

 (a) the TCAP Begin/End round-trip rate of this network: the test peer
     (tests/peer) takes sigwayd's place for `bench tcap`, then sigwayd comes
     back on the same STP and netsim (as contrib/bench/smpp_bench.py does);
 (b) 3-round pull sessions per second: netsim's subscribers dial
     (`ussd-bench`, `--window` sessions at once), a trivial local application
     (tests/ussdgw/apps/json_app.js, option 3: menu, menu, final text) answers
     at once; a 3-round session is three TCAP round trips, so the target is
     (b) >= 50% of (a) / 3;
 (c) the gateway's own time per round at that concurrency (sigwayd's
     `show ussd latency`: the network's message in -> the application's request
     out, the application's answer in -> the network's message out), p50/p99.

With each round of (b) it prints the CPU time each process used per session
(user + system, from /proc): with every process on the same cores, what the
rate can be is (cores / the sum), and the sum shows who takes what.

usage: contrib/bench/ussd_bench.py [BUILD_DIR] [--rounds N] [--count N] [--window N]
                                   [--connections N]
Build with --buildtype=release (the demo build, build/) for figures worth
recording; the figures go to doc/performance.md.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402

APP = os.path.join(TOP, 'tests', 'ussdgw', 'apps', 'json_app.js')
APP_PORT = sn.free_port()

SIGWAYD_EXTRA = """ussd
 max-sessions 100000
 http connections-per-host %d
 application bench flavour json
 application bench url http://127.0.0.1:%d/ussd
 application bench timeout 10000
 route *150# application bench
"""


def cpu_us(pids):
    """user and system CPU time of each process so far, in microseconds"""
    return {name: tuple(t * 1e6 for t in sn.cpu_times(pid)) for name, pid in pids.items()}


def tcap_rate(net, count, window):
    """The test peer in sigwayd's place: TCAP round trips to netsim's HLR;
    then sigwayd back in its place"""
    net.swap('gateway', 'testpeer')
    pids = {n: net.procs[n][0].pid for n in ('testpeer', 'netsim', 'osmo-stp')}
    before = cpu_us(pids)
    rate = net.peer_bench('tcap', count, window)
    after = cpu_us(pids)
    cpu = sum(after[n][0] + after[n][1] - before[n][0] - before[n][1] for n in pids) / count
    net.swap('gateway', 'sigwayd')
    return rate, cpu


def ussd_rate(net, count, window, pids=None):
    """3-round pull sessions through sigwayd and the application; with pids,
    the CPU time per session of each of those processes"""
    net.gw('ussd latency reset')
    before = cpu_us(pids) if pids else None
    out = net.ns('ussd-bench 4917700 %s *150*3# count %d window %d answers 1 1' % (sn.GW_GT, count, window))
    if 'started' not in out:
        raise RuntimeError(out)
    deadline = time.time() + 900
    while time.time() < deadline:
        out = net.ns('show ussd-bench')
        if 'finished' in out:
            break
        time.sleep(0.5)
    else:
        raise TimeoutError('ussd-bench')
    f = out.split()
    vals = dict(zip(f[2::2], f[3::2]))
    if int(vals['failed']) or int(vals['done']) != count:
        raise RuntimeError('sessions failed: ' + out)
    cpu = None
    if pids:
        after = cpu_us(pids)
        cpu = {n: ((after[n][0] - before[n][0]) / count, (after[n][1] - before[n][1]) / count) for n in pids}
    lat = net.gw('show ussd latency')
    rounds = [tuple(int(x) for x in re.search(r'(\d+) rounds, p50 (\d+) us, p99 (\d+) us', line).groups())
              for line in lat.splitlines() if 'rounds' in line]
    return float(vals['rate']), rounds, lat, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--count', type=int, default=20000, help='sessions per round of (b)')
    ap.add_argument('--tcap-count', type=int, default=20000, help='round trips per round of (a)')
    ap.add_argument('--window', type=int, default=1000, help='sessions at once (b), (c)')
    ap.add_argument('--connections', type=int, default=256,
                    help="sigwayd's http connections-per-host (its default: 256)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    app = subprocess.Popen(['node', APP, str(APP_PORT), os.devnull])
    try:
        extra = SIGWAYD_EXTRA % (args.connections, APP_PORT)
        with sn.Network(args.build, capture=False, quiet=True, sigwayd_extra=extra) as net:
            net._wait_for_port(APP_PORT)
            ussd_rate(net, min(200, args.count), min(50, args.window))       # warm up
            tcap, tcap_cpu, sessions, to_app, to_net, cpus = [], [], [], [], [], []
            for _ in range(args.rounds):
                rate, cpu = tcap_rate(net, args.tcap_count, 200)
                tcap.append(rate)
                tcap_cpu.append(cpu)
                pids = {'sigwayd': net.procs['sigwayd'][0].pid, 'application': app.pid,
                        'netsim': net.procs['netsim'][0].pid, 'osmo-stp': net.procs['osmo-stp'][0].pid}
                rate, (a, b), _, cpu = ussd_rate(net, args.count, args.window, pids)
                sessions.append(rate)
                to_app.append(a[1:])
                to_net.append(b[1:])
                cpus.append(cpu)
                print('tcap round trips %.0f/s, 3-round USSD sessions %.0f/s; gateway per round: '
                      'network -> application p50 %d us p99 %d us, application -> network p50 %d us p99 %d us' %
                      (tcap[-1], rate, a[1], a[2], b[1], b[2]), flush=True)
                print('  CPU per TCAP round trip (test peer, netsim, osmo-stp) %.0f us; '
                      'per session (user+system): ' % tcap_cpu[-1] + ', '.join(
                      '%s %.0f+%.0f us' % (n, u, k) for n, (u, k) in cpu.items()) +
                      ', sum %.0f us' % sum(u + k for u, k in cpu.values()), flush=True)
    finally:
        app.terminate()
        app.wait(timeout=10)

    m_tcap, m_ussd = statistics.median(tcap), statistics.median(sessions)
    print()
    print('(b) 3-round pull sessions %.0f/s vs TCAP round trips %.0f/s: %.0f%% of a third of the TCAP rate '
          '(target >= 50%%)' % (m_ussd, m_tcap, 100 * m_ussd / (m_tcap / 3)))
    print('(c) the gateway per round at %d sessions at once (medians of the rounds): network in -> application '
          'request out p50 %d us p99 %d us; application answer in -> network out p50 %d us p99 %d us' % (
              args.window, statistics.median(x[0] for x in to_app), statistics.median(x[1] for x in to_app),
              statistics.median(x[0] for x in to_net), statistics.median(x[1] for x in to_net)))
    print('CPU per TCAP round trip (test peer, netsim, osmo-stp; median): %.0f us' % statistics.median(tcap_cpu))
    med = {n: statistics.median(sum(c[n]) for c in cpus) for n in cpus[0]}
    print('CPU per session (medians of the rounds): ' + ', '.join('%s %.0f us' % (n, v) for n, v in med.items()) +
          '; sum %.0f us, i.e. at most %.0f sessions/s on %d cores' % (
              sum(med.values()), os.cpu_count() * 1e6 / sum(med.values()), os.cpu_count()))


if __name__ == '__main__':
    main()
