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

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--window', type=int, default=200)
    a = ap.parse_args()
    rates = {'udt': [], 'tcap': []}
    with sn.Network(os.path.abspath(a.build), capture=False, quiet=True, gateway='testpeer') as net:
        net.peer_bench('udt', 5000, a.window)   # warm-up
        for r in range(a.rounds):
            for kind in ('udt', 'tcap'):
                rate = net.peer_bench(kind, a.count, a.window)
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
