#!/usr/bin/env python3
"""SCCP management end to end through osmo-stp: netsim's HLR subsystem (SSN 6)
goes out of service and comes back while an npm `smpp` ESME submits messages
to sigwayd. Nothing may go to the HLR while it is prohibited, every message is
delivered afterwards, and each is billed exactly once.

A. broadcast: netsim sends SSP to its concerned node (sigwayd); sigwayd stops
   sending SRI-for-SM, tests the subsystem with an SST every second (no
   answer), and starts again on the SSA netsim broadcasts when it is allowed.
B. response method: netsim tells nobody (no concerned node); sigwayd's SRI
   comes back as a UDTS "subsystem failure" with an SSP; when the HLR is
   allowed again (silently), sigwayd's next SST is answered with SSA.

usage: test_sccp_mgmt.py BUILD_DIR
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

MSISDN = '491770000001'
# IPA carries no routing label: an IPA client takes the OPC of what it receives
# from its AS's "point-code override dpc" (0 when unset). Set it, so that each
# side sees the other's real point code, as over M3UA.
NETSIM_EXTRA = """netsim
 subscriber %s imsi 262010000000001 state attached
cs7 instance 0
 as netsim ipa
  point-code override dpc 0.0.2
sccp
 concerned-point-code 0.0.2
""" % MSISDN
# an SST every second; a refused send would be retried only after 20 s: what
# sends it earlier is the subsystem coming back (N-STATE to the MAP layer)
SIGWAYD_EXTRA = """cs7 instance 0
 as sigwayd ipa
  point-code override dpc 0.0.3
sccp
 subsystem-test-interval 1
sms
 retry-interval 20 40
"""
RESUME_WITHIN = 10      # seconds from "allowed" to the last receipt
N_A, N_B = 5, 3


def sm(text):
    return {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': MSISDN,
            'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': 1}


# the counters this test reads, by the description 'show sccp statistics' prints
COUNTERS = {
    'rx:ssa': 'SCMG subsystem allowed received', 'rx:ssp': 'SCMG subsystem prohibited received',
    'rx:sst': 'SCMG subsystem status test received', 'tx:ssa': 'SCMG subsystem allowed sent',
    'tx:ssp': 'SCMG subsystem prohibited sent', 'tx:sst': 'SCMG subsystem status test sent',
    'drop:scmg_malformed': 'SCMG message dropped: malformed or a return',
    'drop:ss_prohibited': 'Not sent: remote subsystem (or its SCCP) prohibited',
    'drop:local_prohibited': 'Received for a prohibited local subsystem', 'tx:udts': 'UDTS sent',
}


def counters(text):
    """'show sccp statistics' as {counter name: value}"""
    by_desc = {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r'^(.+?):\s+(\d+) \(', text, re.M)}
    return {name: by_desc[desc] for name, desc in COUNTERS.items()}


class SccpManagement(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}

    def test_held_messages_go_when_allowed(self):
        # not after the 20 s back-off: as soon as the subsystem is allowed again
        self.assertLess(self.resume_a, RESUME_WITHIN)
        self.assertLess(self.resume_b, RESUME_WITHIN)

    @classmethod
    def wait_remote_state(cls, state, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = cls.net.gw('show sccp subsystems')
            if re.search(r'PC 0\.0\.3\s+SSN 6\s+%s' % state, out):
                return out
            time.sleep(0.1)
        raise AssertionError('HLR subsystem never %s in sigwayd:\n%s' % (state, out))

    @classmethod
    def submit_and_wait_acks(cls, texts):
        """An ESME in the background; returns it with its events once every
        submit_sm got its response (the rest comes with communicate())"""
        p = cls.net.esme_start({'submits': [sm(t) for t in texts], 'receipts': len(texts), 'timeout': 60000})
        events = []
        while len([e for e in events if e['event'] == 'submit_sm_resp']) < len(texts):
            line = p.stdout.readline()
            if not line:
                break
            if line.startswith('{'):
                events.append(json.loads(line))
        return p, events

    @staticmethod
    def finish(p, events):
        out, _ = p.communicate(timeout=90)
        return events + [json.loads(l) for l in out.splitlines() if l.startswith('{')]

    @classmethod
    def run_all(cls):
        net = cls.net
        # 0. the path works
        cls.events_0 = net.esme({'submits': [sm('before')], 'receipts': 1})

        # A. prohibited with SSP to the concerned node, allowed with SSA
        cls.told_a = net.ns('sccp local-subsystem 6 prohibited')
        cls.gw_prohibited_a = cls.wait_remote_state('prohibited')
        p, ev = cls.submit_and_wait_acks(['while prohibited %d' % i for i in range(N_A)])
        cls.acked_a_before_allowed = list(ev)
        time.sleep(3.5)          # SSTs every second, retries refused
        cls.stats_gw_during_a = counters(net.gw('show sccp statistics'))
        net.ns('sccp local-subsystem 6 allowed')
        t_allowed = time.time()
        cls.gw_allowed_a = cls.wait_remote_state('allowed')
        cls.events_a = cls.finish(p, ev)
        cls.resume_a = time.time() - t_allowed

        # B. nobody told: the SRI comes back, with an SSP (the response method);
        # the subsystem comes back silently and sigwayd's SST finds it
        for line in ('configure terminal', 'sccp', 'no concerned-point-code 0.0.2', 'concerned-traffic-window 0',
                     'end'):
            net.ns(line)
        cls.told_b = net.ns('sccp local-subsystem 6 prohibited')
        p, ev = cls.submit_and_wait_acks(['returned %d' % i for i in range(N_B)])
        cls.gw_prohibited_b = cls.wait_remote_state('prohibited')
        time.sleep(2.5)
        cls.told_b_allowed = net.ns('sccp local-subsystem 6 allowed')
        t_allowed = time.time()
        cls.gw_allowed_b = cls.wait_remote_state('allowed')
        cls.events_b = cls.finish(p, ev)
        cls.resume_b = time.time() - t_allowed

        cls.stats_gw = counters(net.gw('show sccp statistics'))
        cls.stats_ns = counters(net.ns('show sccp statistics'))
        cls.ns_subsystems = net.ns('show sccp subsystems')
        cls.billing = net.billing()

    @classmethod
    def captured(cls, msgs):
        """The harness' SCCP messages, with the SCMG fields tshark puts in
        their own 'sccpmg' layer added to each management message"""
        by_frame = {}
        for pkt in cls.net._tshark_json('tcp.port==%d,gsm_ipa' % cls.net.ports['ipa'], 'sccpmg'):
            layers = pkt['_source']['layers']
            by_frame[int(layers['frame']['frame.number'])] = sn._as_list(layers.get('sccpmg'))
        for m in msgs:
            if m.get('sccp.called.ssn') == '1' and by_frame.get(m['frame']):
                sn._flatten(by_frame[m['frame']].pop(0), m)
        return msgs

    # ------------------------------------------------------------ SMPP
    def ids(self, events):
        return [e['message_id'] for e in events if e['event'] == 'submit_sm_resp' and e['status'] == 0]

    def delivered(self, events):
        return {e['receipted_message_id'] for e in events if e['event'] == 'deliver_sm' and 'stat:DELIVRD' in e['text']}

    def test_accepted_while_prohibited(self):
        acks = [e for e in self.acked_a_before_allowed if e['event'] == 'submit_sm_resp']
        self.assertEqual([e['status'] for e in acks], [0] * N_A)

    def test_every_message_delivered(self):
        for events, n in ((self.events_0, 1), (self.events_a, N_A), (self.events_b, N_B)):
            with self.subTest(n=n):
                ids = self.ids(events)
                self.assertEqual(len(ids), n, events)
                self.assertEqual(self.delivered(events), set(ids))
                self.assertEqual(len([e for e in events if e['event'] == 'deliver_sm']), n)

    def test_billed_once_each(self):
        mt = [b['ref'] for b in self.billing if b['kind'] == 'sms_mt']
        self.assertEqual(len(mt), len(set(mt)), 'duplicate billing records')
        self.assertEqual(set(mt), set(self.ids(self.events_0) + self.ids(self.events_a) + self.ids(self.events_b)))

    # ------------------------------------------------------------ state
    def test_states_on_the_vty(self):
        self.assertIn('1 node(s) told', self.told_a)
        self.assertIn('0 node(s) told', self.told_b)
        self.assertIn('0 node(s) told', self.told_b_allowed)
        self.assertRegex(self.gw_prohibited_a, r'PC 0\.0\.3\s+SSN 6\s+prohibited')
        self.assertRegex(self.ns_subsystems, r'SSN 6\s+allowed\s+bound')

    def test_counters(self):
        gw, ns = self.stats_gw, self.stats_ns
        # refused while prohibited: one attempt, of the destination's first message
        # (the others wait behind it, one message at a time per destination; it waits
        # for the subsystem to come back, not for a retry storm)
        self.assertEqual(self.stats_gw_during_a['drop:ss_prohibited'], 1)
        self.assertGreaterEqual(self.stats_gw_during_a['tx:sst'], 2)
        self.assertEqual(gw['rx:ssp'], ns['tx:ssp'])
        self.assertGreaterEqual(gw['rx:ssp'], 2)
        self.assertGreaterEqual(gw['rx:ssa'], 2)
        self.assertEqual(gw['rx:ssa'], ns['tx:ssa'])
        self.assertEqual(ns['rx:sst'], gw['tx:sst'])
        self.assertGreaterEqual(ns['drop:local_prohibited'], 1)
        self.assertGreaterEqual(ns['tx:udts'], 1)
        self.assertEqual(gw['drop:scmg_malformed'], 0)

    # --------------------------------------------------------- capture
    def scmg(self, kind, sender_pc):
        return [m for m in self.msgs if m.get('sccpmg.message_type') == kind and m.get('sccp.calling.pc') == str(sender_pc)]

    def sris_to_hlr(self, after, before):
        return [m for m in self.msgs if after < m['frame'] < before and m.get('sccp.calling.digits') == sn.GW_GT
                and m.get('sccp.called.digits') == sn.HLR_GT]

    def test_scmg_decoded_by_tshark(self):
        scmg = [m for m in self.msgs if 'sccpmg.message_type' in m]
        self.assertGreater(len(scmg), 5)
        for m in scmg:
            with self.subTest(frame=m['frame']):
                self.assertFalse(m['malformed'])
                self.assertEqual(m.get('sccp.called.ssn'), '1')
                self.assertEqual(m.get('sccp.calling.ssn'), '1')
                self.assertEqual(m.get('sccpmg.ssn'), '6')
                self.assertEqual(m.get('sccpmg.pc'), '3')

    def windows(self):
        """(SSP frame, SSA frame) of phase A and of phase B, as netsim sent them"""
        ssp, ssa = self.scmg('0x02', 3), self.scmg('0x01', 3)
        a_start = ssp[0]['frame']
        a_end = min(m['frame'] for m in ssa if m['frame'] > a_start)
        b_start = min(m['frame'] for m in ssp if m['frame'] > a_end)
        b_end = min(m['frame'] for m in ssa if m['frame'] > b_start)
        return (a_start, a_end), (b_start, b_end)

    def test_phase_a_nothing_sent_while_prohibited(self):
        (start, end), _ = self.windows()
        self.assertEqual(self.sris_to_hlr(start, end), [])
        # tested every second, never answered
        ssts = [m for m in self.scmg('0x03', 2) if start < m['frame'] < end]
        self.assertGreaterEqual(len(ssts), 3)
        # and after the SSA the messages went
        self.assertTrue(self.sris_to_hlr(end, 1 << 30))

    def test_phase_b_returned_then_sst_answered(self):
        _, (start, end) = self.windows()
        # the SRI that provoked the SSP came back as a UDTS "subsystem failure"
        udts = [m for m in self.msgs if m.get('sccp.message_type') == '0x0a' and m['frame'] <= start
                and m.get('sccp.return_cause') == '0x03']
        self.assertTrue(udts)
        # the SRIs already under way when the SSP came may still cross it; from
        # sigwayd's first SST on (one interval after it took the SSP) none goes
        ssts = [m for m in self.scmg('0x03', 2) if start < m['frame'] < end]
        self.assertGreaterEqual(len(ssts), 2)
        self.assertLessEqual(len(self.sris_to_hlr(start, end)), N_B - 1)
        self.assertEqual(self.sris_to_hlr(ssts[0]['frame'], end), [])
        # the SSA answers an SST: the last management message before it
        before = [m for m in self.msgs if 'sccpmg.message_type' in m and m['frame'] < end]
        self.assertEqual(before[-1].get('sccpmg.message_type'), '0x03')
        self.assertEqual(before[-1].get('sccp.calling.pc'), '2')
        self.assertTrue(self.sris_to_hlr(end, 1 << 30))

if __name__ == '__main__':
    SccpManagement.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
