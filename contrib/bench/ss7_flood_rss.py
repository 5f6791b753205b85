#!/usr/bin/env python3
"""sigwayd's memory under SS7 floods (doc/security.md): RSS of sigwayd before,
at its highest during, and after (1) N USSD Begins nobody continues from a
foreign GT and (2) N first XUDT segments whose rest never comes, each while a
normal SMPP message is delivered. Runs the test network on loopback (needs
root for its own network namespace: run it under `unshare -n`).

usage: ss7_flood_rss.py BUILD_DIR [N]     (N default 100000; the release build)
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
import sigway_net as sn  # noqa: E402

FOREIGN = '882350000002'
NETSIM_EXTRA = 'sccp\n local-gt 88235\n'
SIGWAYD_EXTRA = 'sccp\n gtt 88 dpc 0.0.3\n'


def flood(net, pid, command, done):
    ns = net.vty('netsim')
    before = peak = sn.rss_kib(pid)
    esme = net.esme_start({'submits': [{'source_addr': '4000', 'destination_addr': '491770000001',
                                        'short_message': 'during the flood', 'registered_delivery': 1}],
                           'receipts': 1, 'timeout': 300000})
    t0 = time.time()
    ns.cmd(command)
    while time.time() - t0 < 600:
        peak = max(peak, sn.rss_kib(pid))
        if done(net):
            break
        time.sleep(0.1)
    elapsed = time.time() - t0
    time.sleep(2)
    out, _ = esme.communicate(timeout=300)
    delivered = 'stat:DELIVRD' in out
    return before, peak, sn.rss_kib(pid), elapsed, delivered


def main():
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    with sn.Network(build, netsim_extra=NETSIM_EXTRA, sigwayd_extra=SIGWAYD_EXTRA, capture=False, quiet=True) as net:
        pid = net.procs['sigwayd'][0].pid
        # done when sigwayd has refused every Begin (its MAP counter)
        res = flood(net, pid, 'attack begin-flood %d from-gt %s to-gt %s' % (n, FOREIGN, sn.GW_GT),
                    lambda net: sn.counter(net.gw('show map statistics'),
                                        'Dialogues refused: application context nobody serves', missing=0) >= n)
        print('%d USSD Begins: RSS before %d KiB, highest %d KiB (+%d), after %d KiB, %.1f s, normal MT delivered: %s'
              % (n, res[0], res[1], res[1] - res[0], res[2], res[3], res[4]))
        # done when sigwayd has taken (16) or dropped every first segment
        share = 16
        res = flood(net, pid, 'attack segment-flood %d %d called-gt %s from-gt %s' % (n, sn.PC_GW, sn.GW_GT, FOREIGN),
                    lambda net: sn.counter(net.gw('show sccp statistics'), 'Segments dropped: their calling address '
                                        'has its share of reassemblies', missing=0) >= n - share)
        print('%d first XUDT segments: RSS before %d KiB, highest %d KiB (+%d), after %d KiB, %.1f s, normal MT '
              'delivered: %s' % (n, res[0], res[1], res[1] - res[0], res[2], res[3], res[4]))
        print(net.gw('show sccp statistics'))


if __name__ == '__main__':
    main()
