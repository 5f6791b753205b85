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

Twice: USSD on the MSC's subsystem (8), and on the gsmSCF's (`ussd / ssn 147`,
a MAP instance of its own), the floods addressed to 147. There the P-Aborts and
refusals counted by tshark from SSN 147 match sigwayd's counters of its `ussd`
instance, nothing is billed for the foreign flood, an SMS (MT via SMPP, SSN 8)
is delivered in the middle of the flood, and the per-peer cap holds for both
subsystems together: while the inside GT holds its share on 147, its Begins to
SSN 8 get the P-Abort too.

usage: test_ussd_flood.py BUILD_DIR    (SIGWAY_FLOOD=N: Begins from inside, default 5000;
                                        SIGWAY_PEER_CAP=N: the per-peer cap, default 300)
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
# the cap the assertions expect; SIGWAY_PEER_CAP configures another one (a
# broken limit, to see the test fail)
PEER_CAP = 300
CONFIGURED_CAP = int(os.environ.get('SIGWAY_PEER_CAP', PEER_CAP))
SMS_COUNT = 30
CROSS_FLOOD = 100               # the inside GT's Begins to SSN 8 while it holds its share on 147
LIMIT_PEER = "Begins refused: the peer's GT prefix has its limit of live dialogues"
JSON_PORT = sn.free_port()
INSIDE_GT = '491710000077'      # in the operator's network-gt range, answers reach netsim's attacker
FOREIGN_GT = '882350000002'
SUB = '491770000001'
GSMSCF_SSN, MSC_SSN = 147, 8
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
""" % (CONFIGURED_CAP, JSON_PORT)

NETSIM_EXTRA = """sccp
 local-gt 88235
"""


def tcap_instance(stats, name):
    """One instance's part of `show tcap statistics`"""
    m = re.search(r'TCAP instance %s:.*?(?=TCAP instance |\Z)' % name, stats, re.S)
    if not m:
        raise AssertionError('no TCAP instance %s in:\n%s' % (name, stats))
    return m.group(0)


class FloodRun:
    """The floods against one network; ssn: where the gateway serves USSD,
    instance: its MAP/TCAP instance's name in the show commands"""
    ssn = MSC_SSN
    instance = 'gateway'

    @classmethod
    def flood(cls, n, from_gt, to_ssn=None):
        cmd = 'attack begin-flood %d from-gt %s to-gt %s' % (n, from_gt, sn.GW_GT)
        out = cls.ns.cmd(cmd + (' to-ssn %d' % to_ssn if to_ssn else ''))
        if 'flooding' not in out:
            raise AssertionError(out)

    @classmethod
    def wait_flood(cls):
        deadline = time.time() + 300
        while time.time() < deadline:
            cls.rss_max = max(cls.rss_max, sn.rss_kib(cls.pid))
            if 'flood-left 0' in cls.ns.cmd('show attack'):
                return
            time.sleep(0.2)
        raise TimeoutError('the flood did not end')

    @classmethod
    def before_inside_flood(cls):
        """What else runs through the inside flood (started just before it)"""

    @classmethod
    def after_inside_flood(cls):
        """More traffic once the inside flood ended, before the statistics"""

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.ns = ns = net.vty('netsim')
        to_ssn = cls.ssn if cls.ssn != MSC_SSN else None
        app = subprocess.Popen(['node', os.path.join(TOP, 'tests', 'ussdgw', 'apps', 'json_app.js'),
                                str(JSON_PORT), os.path.join(net.tmp, 'json_app.log')])
        try:
            net._wait_for_port(JSON_PORT)
            cls.pid = net.procs['sigwayd'][0].pid
            # warm up: the HTTP connections, the first sessions
            n = int(re.search(r'ussd session (\d+)', ns.cmd('ussd-dial %s %s *100*1# script 1' %
                                                             (SUB, sn.GW_GT))).group(1))
            time.sleep(1)
            cls.rss_before = cls.rss_max = sn.rss_kib(cls.pid)
            cls.flood(FOREIGN_FLOOD, FOREIGN_GT, to_ssn)
            cls.wait_flood()
            time.sleep(1)
            cls.after_foreign = net.gw('show ussd')
            cls.billing_after_foreign = [b for b in net.billing() if b['kind'] == 'ussd_session']
            cls.before_inside_flood()
            cls.flood(FLOOD, INSIDE_GT, to_ssn)
            time.sleep(0.5)
            # a subscriber behind the real MSC, in the middle of the flood
            cls.normal = int(re.search(r'ussd session (\d+)', ns.cmd(
                'ussd-dial %s %s *100# script 2 1' % (SUB, sn.GW_GT))).group(1))
            cls.wait_flood()
            time.sleep(2)
            cls.rss_after = sn.rss_kib(cls.pid)
            cls.normal_rec = json.loads(ns.cmd('show ussd session %d' % cls.normal))
            cls.after_inside_flood()
            cls.tcap = net.gw('show tcap statistics')
            cls.map = net.gw('show map statistics')
            cls.show = net.gw('show ussd')
            cls.attack = ns.cmd('show attack')
            cls.billing = [b for b in net.billing() if b['kind'] == 'ussd_session']
        finally:
            app.terminate()
            app.wait(timeout=10)

    def from_gateway_to(self, gt, ssn=None):
        """The messages sigwayd sent to gt, from subsystem ssn (default: USSD's)"""
        ssn = self.ssn if ssn is None else ssn
        return [m for m in self.msgs if m.get('sccp.called.digits') == gt and
                m.get('sccp.calling.digits') == sn.GW_GT and int(m.get('sccp.calling.ssn', 0)) == ssn]

    def test_foreign_flood_refused_before_any_session(self):
        self.assertEqual(sn.counter(self.after_foreign, "dialogues refused: from a GT of no operator's network",
                                    missing=0), FOREIGN_FLOOD)
        self.assertEqual(sn.counter(self.after_foreign, 'requests to applications', missing=0), 2)   # the warm-up only
        self.assertEqual(len(self.billing_after_foreign), 1)       # the warm-up only
        # on the wire: one refusal (a TC-ABORT, not a P-Abort) for each Begin, from the subsystem called
        refusals = self.from_gateway_to(FOREIGN_GT)
        self.assertEqual(len(refusals), FOREIGN_FLOOD)
        self.assertEqual({sn.UssdSessions.kind(m) for m in refusals}, {'abort'})
        self.assertFalse([m for m in refusals if 'tcap.p_abortCause' in m])

    def test_inside_flood_capped_per_peer(self):
        refused = sn.counter(tcap_instance(self.tcap, self.instance), LIMIT_PEER, missing=0)
        sessions = sn.counter(self.show, 'sessions the network opened over MAP', missing=0)
        # the warm-up and the normal session, then the flood's first PEER_CAP
        self.assertEqual(sessions, 2 + PEER_CAP, self.show)
        self.assertEqual(refused, FLOOD - PEER_CAP, self.tcap)
        self.assertRegex(self.show, r'sessions %d of' % PEER_CAP)     # they wait for their subscriber
        # the P-Aborts on the wire say why
        aborts = [m for m in self.from_gateway_to(INSIDE_GT) if m.get('tcap.abort_element')]
        self.assertEqual(len(aborts), FLOOD - PEER_CAP)
        self.assertEqual({m.get('tcap.p_abortCause') for m in aborts}, {'4'})    # resourceLimitation
        # billed: the warm-up, the normal session and the sessions under the cap
        self.assertEqual(len(self.billing), 2 + PEER_CAP)

    def test_normal_session_served(self):
        self.assertEqual(self.normal_rec['outcome'], 'result', self.normal_rec)
        self.assertEqual(self.normal_rec['final'], 'Data: 100 MB left')

    def test_memory_bounded(self):
        grown = self.rss_max - self.rss_before
        print('RSS before %d KiB, max during %d + %d Begins %d KiB (+%d), after %d KiB' %
              (self.rss_before, FOREIGN_FLOOD, FLOOD, self.rss_max, grown, self.rss_after))
        self.assertLess(grown, 64 * 1024)


class UssdFlood(FloodRun, sn.NetworkTestCase):
    """USSD on the MSC's subsystem (8), shared with the SMS core"""
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA, 'netsim_extra': NETSIM_EXTRA}


class UssdFloodGsmScf(FloodRun, sn.NetworkTestCase):
    """`ussd / ssn 147`: USSD's MAP instance on the gsmSCF's subsystem, the
    floods addressed there; the SMS core stays on SSN 8"""
    ssn = GSMSCF_SSN
    instance = 'ussd'
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA.replace('ussd\n', 'ussd\n ssn 147\n'),
                    'netsim_extra': NETSIM_EXTRA + 'netsim\n ussd-gateway-ssn 147\n'}

    @classmethod
    def before_inside_flood(cls):
        # MT SMS through SSN 8 from an SMPP client, one every 100 ms, before,
        # through and after the flood on 147 (it lasts about a second)
        sm = {'source_addr': '4000', 'destination_addr': SUB, 'short_message': 'during the flood',
              'registered_delivery': 1}
        cls.esme = cls.net.esme_start({'submits': [sm] * SMS_COUNT, 'submit_interval_ms': 100,
                                       'receipts': SMS_COUNT, 'timeout': 120000})
        deadline = time.time() + 30
        while 'parts accepted: 0' in cls.ns.cmd('show mt-sms') and time.time() < deadline:
            time.sleep(0.05)

    @classmethod
    def after_inside_flood(cls):
        out, _ = cls.esme.communicate(timeout=180)
        cls.esme_events = [json.loads(line) for line in out.splitlines() if line.startswith('{')]
        # the inside GT holds its share on 147: its Begins to SSN 8 (where the
        # SMS core and the MAP-level refusal of USSD are) count against the same cap
        cls.flood(CROSS_FLOOD, INSIDE_GT, MSC_SSN)
        cls.wait_flood()
        time.sleep(1)

    def test_inside_flood_capped_per_peer(self):
        super().test_inside_flood_capped_per_peer()
        # sigwayd's own counters of the 147 instance match the capture
        ussd = tcap_instance(self.tcap, 'ussd')
        on_wire = [m for m in self.from_gateway_to(INSIDE_GT) if m.get('tcap.abort_element')]
        self.assertEqual(sn.counter(ussd, LIMIT_PEER), len(on_wire))
        self.assertEqual(sn.counter(ussd, 'P-Aborts sent'), len(on_wire))
        self.assertEqual(sn.counter(ussd, 'Begin received'), FOREIGN_FLOOD + FLOOD + 2)
        self.assertRegex(ussd, r'TCAP instance ussd: live dialogues %d,' % PEER_CAP)

    def test_cap_shared_with_ssn_8(self):
        """One peer's share, not one per subsystem (the fix of the shared TCAP limits)"""
        gw = tcap_instance(self.tcap, 'gateway')
        self.assertEqual(sn.counter(gw, LIMIT_PEER), CROSS_FLOOD, self.tcap)
        self.assertEqual(sn.counter(gw, 'P-Aborts sent'), CROSS_FLOOD)
        on_8 = [m for m in self.from_gateway_to(INSIDE_GT, MSC_SSN)]
        self.assertEqual(len(on_8), CROSS_FLOOD)
        self.assertEqual({m.get('tcap.p_abortCause') for m in on_8}, {'4'})    # resourceLimitation
        self.assertRegex(gw, r'live dialogues 0, against its limits %d' % PEER_CAP)

    def test_foreign_flood_refused_before_any_session(self):
        super().test_foreign_flood_refused_before_any_session()
        ussd = tcap_instance(self.tcap, 'ussd')
        # the refusals are TC-U-ABORTs (no P-Abort), counted by the 147 instance
        self.assertGreaterEqual(sn.counter(ussd, 'Abort sent'), FOREIGN_FLOOD)
        self.assertEqual(sn.counter(self.show, "dialogues refused: from a GT of no operator's network"),
                         FOREIGN_FLOOD)

    def test_sms_on_ssn_8_during_the_flood(self):
        receipts = [e for e in self.esme_events if e.get('event') == 'deliver_sm' and e.get('esm_class', 0) & 4]
        self.assertEqual(len(receipts), SMS_COUNT, self.esme_events)
        for r in receipts:
            self.assertIn('stat:DELIVRD', r['text'])
        # every MT-ForwardSM left from SSN 8
        mt = [m for m in self.msgs if m.get('sccp.calling.digits') == sn.GW_GT and
              sn.UssdSessions.kind(m) == 'begin' and
              m.get('tcap.application_context_name', '').startswith('0.4.0.0.1.0.25.')]
        self.assertEqual(len(mt), SMS_COUNT)
        self.assertEqual({int(m['sccp.calling.ssn']) for m in mt}, {MSC_SSN})
        # they went on before and after the flood on 147 (its first Begin to the
        # gateway's last answer) without a pause longer than a loaded machine explains
        flood = [m['time'] for m in self.msgs if GSMSCF_SSN in (int(m.get('sccp.called.ssn', 0)),
                                                                int(m.get('sccp.calling.ssn', 0)))
                 and INSIDE_GT in (m.get('sccp.calling.digits'), m.get('sccp.called.digits'))]
        times = [m['time'] for m in mt]
        gap = max(b - a for a, b in zip(times, times[1:]))
        print('the flood on 147 %.3f to %.3f s; MT-ForwardSM on 8 %.3f to %.3f s, longest pause %.3f s' %
              (min(flood), max(flood), times[0], times[-1], gap))
        self.assertLess(times[0], min(flood))
        self.assertGreater(times[-1], max(flood))
        self.assertLess(gap, 3.0)

if __name__ == '__main__':
    sn.main(__doc__)
