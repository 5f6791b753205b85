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

usage: contrib/bench/ussd_bench.py [BUILD_DIR] [--rounds N] [--count N] [--window N]
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
 http connections-per-host 64
 application bench flavour json
 application bench url http://127.0.0.1:%d/ussd
 application bench timeout 10000
 route *150# application bench
""" % APP_PORT


def tcap_rate(net, count, window):
    """The test peer in sigwayd's place: TCAP round trips to netsim's HLR;
    then sigwayd back in its place"""
    net.swap('gateway', 'testpeer')
    net.peer('bench tcap %s count %d window %d' % (sn.HLR_GT, count, window))
    deadline = time.time() + 600
    while time.time() < deadline:
        out = net.peer('show bench')
        if 'finished' in out:
            f = out.split()
            vals = dict(zip(f[3::2], f[4::2]))
            if int(vals['failed']) or int(vals['done']) != count:
                raise RuntimeError('bench lost round trips: ' + out)
            break
        time.sleep(0.2)
    else:
        raise TimeoutError('bench tcap')
    net.swap('gateway', 'sigwayd')
    return float(vals['rate'])


def ussd_rate(net, count, window):
    """3-round pull sessions through sigwayd and the application"""
    net.gw('ussd latency reset')
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
    lat = net.gw('show ussd latency')
    rounds = [tuple(int(x) for x in re.search(r'(\d+) rounds, p50 (\d+) us, p99 (\d+) us', line).groups())
              for line in lat.splitlines() if 'rounds' in line]
    return float(vals['rate']), rounds, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--count', type=int, default=20000, help='sessions per round of (b)')
    ap.add_argument('--tcap-count', type=int, default=20000, help='round trips per round of (a)')
    ap.add_argument('--window', type=int, default=1000, help='sessions at once (b), (c)')
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    app = subprocess.Popen(['node', APP, str(APP_PORT), os.devnull])
    try:
        with sn.Network(args.build, capture=False, quiet=True, sigwayd_extra=SIGWAYD_EXTRA) as net:
            net._wait_for_port(APP_PORT)
            ussd_rate(net, min(200, args.count), min(50, args.window))       # warm up
            tcap, sessions, to_app, to_net = [], [], [], []
            for _ in range(args.rounds):
                tcap.append(tcap_rate(net, args.tcap_count, 200))
                rate, (a, b), _ = ussd_rate(net, args.count, args.window)
                sessions.append(rate)
                to_app.append(a[1:])
                to_net.append(b[1:])
                print('tcap round trips %.0f/s, 3-round USSD sessions %.0f/s; gateway per round: '
                      'network -> application p50 %d us p99 %d us, application -> network p50 %d us p99 %d us' %
                      (tcap[-1], rate, a[1], a[2], b[1], b[2]), flush=True)
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


if __name__ == '__main__':
    main()
