#!/usr/bin/env python3
"""A flood of USSD Begins against a gateway that serves USSD (issue 12,
with issue 9's hostile network): every Begin the gateway takes is a session
that asks an application and waits for the subscriber, so the caps of the
TCAP layer must hold.

- From a foreign GT: refused on the wire (MAP-REFUSE), no session, no application asked.
- From a GT inside the operator's network (a misbehaving MSC): sessions up to the
  per-peer cap of live dialogues (`tcap max-dialogues-per-peer`), every Begin over
  it gets a P-Abort with the cause resource limitation, memory stays bounded, and a
  subscriber behind the real MSC is served meanwhile.

usage: test_ussd_flood.py BUILD_DIR    (SIGWAY_FLOOD=N: Begins from inside, default 5000)
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sigway_net as sn  # noqa: E402

FLOOD = int(os.environ.get('SIGWAY_FLOOD', '5000'))
FOREIGN_FLOOD = 1000
PEER_CAP = 300
JSON_PORT = sn.free_port()
INSIDE_GT = '491710000077'      # in the operator's network-gt range, answers reach netsim's attacker
FOREIGN_GT = '882350000002'
# RSS must show live memory: ASan's quarantine of freed blocks would hide it
os.environ['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=4'

SIGWAYD_EXTRA = """tcap
 ! one GT at most this many live dialogues
 max-dialogues-per-peer %d gt-prefix-digits 12
sccp
 gtt 88 dpc 0.0.3
ussd
 max-sessions 100000
 application shop flavour json
 application shop url http://127.0.0.1:%d/ussd
 application shop user-timeout 60
 route *100# application shop
 ! what the attack tool dials
 route *120# application shop
""" % (PEER_CAP, JSON_PORT)

NETSIM_EXTRA = """sccp
 local-gt 88235
"""


class UssdFlood(sn.NetworkTestCase):
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA, 'netsim_extra': NETSIM_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        app = subprocess.Popen(['node', os.path.join(TOP, 'tests', 'ussdgw', 'apps', 'json_app.js'),
                                str(JSON_PORT), os.path.join(net.tmp, 'json_app.log')])
        try:
            net._wait_for_port(JSON_PORT)
            pid = net.procs['sigwayd'][0].pid
            # warm up: the HTTP connections, the first sessions
            n = int(re.search(r'ussd session (\d+)', ns.cmd('ussd-dial 491770000001 %s *100*1# script 1' %
                                                             sn.GW_GT)).group(1))
            time.sleep(1)
            cls.rss_before = cls.rss_max = sn.rss_kib(pid)
            ns.cmd('attack begin-flood %d from-gt %s to-gt %s' % (FOREIGN_FLOOD, FOREIGN_GT, sn.GW_GT))
            cls.wait_flood(ns, pid)
            cls.after_foreign = net.gw('show ussd')
            ns.cmd('attack begin-flood %d from-gt %s to-gt %s' % (FLOOD, INSIDE_GT, sn.GW_GT))
            time.sleep(0.5)
            # a subscriber behind the real MSC, in the middle of the flood
            cls.normal = int(re.search(r'ussd session (\d+)', ns.cmd(
                'ussd-dial 491770000001 %s *100# script 2 1' % sn.GW_GT)).group(1))
            cls.wait_flood(ns, pid)
            time.sleep(2)
            cls.rss_after = sn.rss_kib(pid)
            cls.normal_rec = json.loads(ns.cmd('show ussd session %d' % cls.normal))
            cls.tcap = net.gw('show tcap statistics')
            cls.map = net.gw('show map statistics')
            cls.show = net.gw('show ussd')
            cls.attack = ns.cmd('show attack')
        finally:
            app.terminate()
            app.wait(timeout=10)

    @classmethod
    def wait_flood(cls, ns, pid):
        deadline = time.time() + 300
        while time.time() < deadline:
            cls.rss_max = max(cls.rss_max, sn.rss_kib(pid))
            if 'flood-left 0' in ns.cmd('show attack'):
                return
            time.sleep(0.2)
        raise TimeoutError('the flood did not end')

    def test_foreign_flood_refused_before_any_session(self):
        self.assertEqual(sn.counter(self.after_foreign, "dialogues refused: from a GT of no operator's network",
                                    missing=0), FOREIGN_FLOOD)
        self.assertEqual(sn.counter(self.after_foreign, 'requests to applications', missing=0), 2)   # the warm-up only

    def test_inside_flood_capped_per_peer(self):
        refused = sn.counter(self.tcap,
                             "Begins refused: the peer's GT prefix has its limit of live dialogues", missing=0)
        sessions = sn.counter(self.show, 'sessions the network opened over MAP', missing=0)
        # the warm-up and the normal session, then the flood's first PEER_CAP
        self.assertEqual(sessions, 2 + PEER_CAP, self.show)
        self.assertEqual(refused, FLOOD - PEER_CAP, self.tcap)
        self.assertRegex(self.show, r'sessions %d of' % PEER_CAP)     # they wait for their subscriber
        # the P-Aborts on the wire say why
        aborts = [m for m in self.msgs if m.get('tcap.abort_element') and m['sccp.called.digits'] == INSIDE_GT]
        self.assertEqual(len(aborts), FLOOD - PEER_CAP)
        self.assertEqual({m.get('tcap.p_abortCause') for m in aborts}, {'4'})    # resourceLimitation

    def test_normal_session_served(self):
        self.assertEqual(self.normal_rec['outcome'], 'result', self.normal_rec)
        self.assertEqual(self.normal_rec['final'], 'Data: 100 MB left')

    def test_memory_bounded(self):
        grown = self.rss_max - self.rss_before
        print('RSS before %d KiB, max during %d + %d Begins %d KiB (+%d), after %d KiB' %
              (self.rss_before, FOREIGN_FLOOD, FLOOD, self.rss_max, grown, self.rss_after))
        self.assertLess(grown, 64 * 1024)


if __name__ == '__main__':
    sn.main(__doc__)
