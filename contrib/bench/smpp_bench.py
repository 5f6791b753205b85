#!/usr/bin/env python3
"""Benchmark (not a test) of the SMS core, load from npm `smpp` clients
(contrib/bench/smpp_load.js) on loopback. In one run:

 (a) submit_sm accepted and durably stored per second by sigwayd (messages
     scheduled 12 h ahead, so only acceptance and the store are measured),
     next to the same client against contrib/bench/smpp_responder (answers
     at once, stores nothing);
 (b) end-to-end MT per second (submit -> SRI-for-SM -> MT-ForwardSM ->
     receipt) through osmo-stp and sigway-netsim, next to the raw TCAP
     Begin/End round-trip rate of the same network: each round the test
     peer (tests/peer) takes sigwayd's place for `bench tcap`, then sigwayd
     comes back on the same STP and netsim for the MT load;
 (c) p50/p99 submit_sm_resp latency of (a);
 (d) memory per message held by the core (RSS growth over M scheduled
     messages, each an osmo_fsm instance with its parts).

usage: contrib/bench/smpp_bench.py [BUILD_DIR] [--rounds N] [--count N] [--mt-count N]
Build with --buildtype=release (the demo build, build/) for figures worth recording.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402

LOAD = os.path.join(TOP, 'contrib', 'bench', 'smpp_load.js')
LATER = '000000120000000R'      # schedule_delivery_time: 12 hours ahead


def load(port, **kw):
    opts = dict({'port': port, 'sessions': 2, 'window': 100}, **kw)
    out = subprocess.run(['node', LOAD, json.dumps(opts)], capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise RuntimeError(out.stderr)
    r = json.loads(out.stdout)
    if r['failed']:
        raise RuntimeError('refused submits: %s' % r)
    return r


def fresh(net):
    net.kill_sigwayd()
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(net.db + suffix):
            os.remove(net.db + suffix)
    net.restart_sigwayd()


def tcap_rate(net, count, window):
    """The test peer in sigwayd's place: TCAP round trips to netsim's HLR;
    then sigwayd back in its place (an orderly stop and start, same store)"""
    net.swap('gateway', 'testpeer')
    rate = net.peer_bench('tcap', count, window)
    net.swap('gateway', 'sigwayd')
    return rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--count', type=int, default=50000, help='submit_sm per round of (a)')
    ap.add_argument('--mt-count', type=int, default=5000, help='messages per round of (b)')
    ap.add_argument('--held', type=int, default=20000, help='messages held for (d)')
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    port = sn.free_port()
    responder = subprocess.Popen([os.path.join(args.build, 'contrib/bench/smpp_responder'), str(port)])
    time.sleep(0.3)
    ref = []
    try:
        for _ in range(args.rounds):
            ref.append(load(port, count=args.count))
            print('responder: %(rate).0f submit_sm/s p50 %(p50_us)d us p99 %(p99_us)d us' % ref[-1])
    finally:
        responder.terminate()
        responder.wait()

    # the rounds of (a) hold their scheduled messages: room for all of them
    extra = 'sms\n max-in-flight 1000\n max-queued 100000000\n'
    with sn.Network(args.build, capture=False, quiet=True, sigwayd_extra=extra) as net:
        smpp = net.ports['smpp']
        gw_pid = net.procs['sigwayd'][0].pid
        stored, e2e, tcap = [], [], []
        for _ in range(args.rounds):
            stored.append(load(smpp, count=args.count, schedule=LATER))
            print('sigwayd:   %(rate).0f submit_sm/s stored, p50 %(p50_us)d us p99 %(p99_us)d us' % stored[-1])
        # the stored ones wait 12 h: (d) and (b) each on a fresh process and store
        fresh(net)
        gw_pid = net.procs['sigwayd'][0].pid
        load(smpp, count=200, schedule=LATER)       # warm up: SMPP binds, the store
        before = sn.rss_kib(gw_pid)
        load(smpp, count=args.held, schedule=LATER)
        time.sleep(1)
        after = sn.rss_kib(gw_pid)
        held = net.gw('show sms').splitlines()[0]
        fresh(net)
        for _ in range(args.rounds):
            tcap.append(tcap_rate(net, 20000, 200))
            r = load(smpp, count=args.mt_count, receipts=True)
            e2e.append(args.mt_count / r['receipt_seconds'])
            print('tcap round trips %.0f/s, end-to-end MT %.0f/s (%d receipts in %.2f s)' % (
                tcap[-1], e2e[-1], r['receipts'], r['receipt_seconds']))

    m_ref, m_st = statistics.median(r['rate'] for r in ref), statistics.median(r['rate'] for r in stored)
    m_tcap, m_e2e = statistics.median(tcap), statistics.median(e2e)
    print()
    print('(a) stored %.0f/s vs responder %.0f/s: %.0f%% (target >= 80%%)' % (m_st, m_ref, 100 * m_st / m_ref))
    print('(b) end-to-end MT %.0f/s vs TCAP round trips %.0f/s: %.0f%% of half the TCAP rate (target >= 40%%)' % (
        m_e2e, m_tcap, 100 * m_e2e / (m_tcap / 2)))
    print('(c) submit_sm_resp latency p50 %.1f ms, p99 %.1f ms (medians of the rounds, window 2 x 100)' % (
        statistics.median(r['p50_us'] for r in stored) / 1000, statistics.median(r['p99_us'] for r in stored) / 1000))
    print('(d) %d messages held: RSS %d -> %d KiB, %.2f KiB per message (%s)' % (
        args.held + 200, before, after, (after - before) / args.held, held))


if __name__ == '__main__':
    main()
