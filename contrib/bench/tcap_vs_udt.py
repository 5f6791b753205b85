#!/usr/bin/env python3
"""Benchmark (not a test): TCAP Begin/End dialogues per second between the
test peer (tests/peer, in sigwayd's place) and sigway-netsim through a real
osmo-stp (IPA on loopback), next to a raw UDT echo between the same
processes in the same run. Both carry a TCAP Begin
of the same size, so the ratio is what our TCAP layers cost.

usage: contrib/bench/tcap_vs_udt.py [BUILD_DIR] [--rounds N] [--count N] [--window W]
Prints every run, then medians and the ratio. Build with --buildtype=release
(the demo build, build/) for figures worth recording.
"""

import argparse
import os
import statistics
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402


def run_bench(net, kind, count, window):
    net.peer('bench %s %s count %d window %d' % (kind, sn.HLR_GT, count, window))
    deadline = time.time() + 600
    while time.time() < deadline:
        out = net.peer('show bench')
        if 'finished' in out:
            f = out.split()
            vals = dict(zip(f[3::2], f[4::2]))
            if int(vals['failed']) or int(vals['done']) != count:
                raise RuntimeError('bench lost messages: ' + out)
            return float(vals['rate'])
        time.sleep(0.2)
    raise TimeoutError(kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--window', type=int, default=200)
    a = ap.parse_args()
    rates = {'udt': [], 'tcap': []}
    with sn.Network(os.path.abspath(a.build), capture=False, quiet=True, gateway='testpeer') as net:
        run_bench(net, 'udt', 5000, a.window)   # warm-up
        for r in range(a.rounds):
            for kind in ('udt', 'tcap'):
                rate = run_bench(net, kind, a.count, a.window)
                rates[kind].append(rate)
                print('round %d %-4s %9.0f round trips/s' % (r + 1, kind, rate), flush=True)
    mu, mt = statistics.median(rates['udt']), statistics.median(rates['tcap'])
    per_round = [t / u for u, t in zip(rates['udt'], rates['tcap'])]
    print('median udt  %9.0f round trips/s' % mu)
    print('median tcap %9.0f dialogues/s' % mt)
    print('ratio of medians %.2f, median of per-round ratios %.2f (target >= 0.80)'
          % (mt / mu, statistics.median(per_round)))


if __name__ == '__main__':
    main()
