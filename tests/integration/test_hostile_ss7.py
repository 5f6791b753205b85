#!/usr/bin/env python3
"""A hostile SS7 network against sigwayd (issue 9, SS7 side): netsim's attack
tools ("attack ...") send what a spoofed or rogue peer sends, from foreign GTs,
through the real osmo-stp, while a normal SMPP client (npm smpp) keeps using
the gateway. Each attack must fail and the normal traffic must go on:

- forged SRI-for-SM answers (the same TID, racing the HLR, and the next TIDs
  counting up) naming a rogue MSC: dropped; the MT goes to the real MSC;
- MO-ForwardSM from a foreign MSC, for another SC, without originator, with odd
  UCS2: refused with a MAP error, nothing stored, nothing billed;
- first parts of long MO messages that never complete: bounded per originator;
- alertServiceCentre from a foreign GT: refused; the message waits for the real one;
- a flood of USSD Begins: refused on the wire, memory stays bounded.

usage: test_hostile_ss7.py BUILD_DIR     (SIGWAY_FLOOD=N: Begins in the flood, default 20000)
"""

import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

ROGUE_HLR = '882350000006'
ROGUE_MSC = '882350000008'
FOREIGN_MSC = '882350000002'
FLOOD = int(os.environ.get('SIGWAY_FLOOD', '20000'))
# RSS must show live memory: ASan's quarantine of freed blocks would hide it
os.environ['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=4'

NETSIM_EXTRA = """netsim
 subscriber 491770000001 imsi 262010000000001 state attached
 subscriber 491770000002 imsi 262010000000002 state absent
 subscriber 491770000003 imsi 262010000000003 state attached
sccp
 ! the foreign networks the attacker pretends to be: answers to them come here
 local-gt 88235
 ! long messages go in XUDT segments
 max-message-size 160
"""

SIGWAYD_EXTRA = """smpp
 account whole
  password whole
  mo-route 4002
  mo-reassemble
sccp
 ! an international carrier: foreign GTs are reachable (through the STP to netsim)
 gtt 88 dpc 0.0.3
sms
 retry-interval 60 120
 mo-reassembly-timeout 600
 mo-reassembly max-parts 1000 per-originator 20
"""


SEGMENTED_MO = 'A reply long enough that its MO-ForwardSM needs two XUDT segments on this link: it must arrive whole.'


def sm(dest, text):
    return {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': dest,
            'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': 1}


class HostileSs7(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        # a receiver bound the whole time: every receipt and MO comes to it; the
        # clients that submit bind as transmitters
        esme = net.esme_start({'bind': 'receiver', 'submits': [], 'receipts': 6, 'mo': 2, 'timeout': 240000})

        # 1. forged SRI-for-SM answers: the race on this TID and the next ones
        ns.cmd('attack forge-sri-answer from-gt %s msc-gt %s predict 3' % (ROGUE_HLR, ROGUE_MSC))
        cls.forged_mt = net.esme({'submits': [sm('491770000001', 'Your bank OTP is 493817'),
                                              sm('491770000003', 'second'), sm('491770000001', 'third'),
                                              sm('491770000003', 'fourth')],
                                  'bind': 'transmitter', 'receipts': 0, 'timeout': 60000})
        deadline = time.time() + 30
        while time.time() < deadline and 'parts accepted: 4' not in ns.cmd('show mt-sms'):
            time.sleep(0.2)
        cls.attack_after_forge = ns.cmd('show attack')

        # 2. MO the gateway must refuse; one from the real MSC in between
        ns.cmd('attack mo 50 491770000001 4000 foreign-msc %s' % FOREIGN_MSC)
        ns.cmd('attack mo 5 491770000001 4000 wrong-sc 491720000098')
        ns.cmd('attack mo 3 491770000001 4000 empty-oa 491710000002')
        ns.cmd('attack mo 3 491770000001 4000 odd-ucs2 491710000002')
        ns.cmd('mo-sms 491770000003 4000 hello from a real subscriber')
        # first XUDT segments that never complete, from a foreign GT; then a real
        # MO long enough for two segments
        ns.cmd('attack segment-flood 100 %d called-gt %s from-gt %s' % (sn.PC_GW, sn.GW_GT, FOREIGN_MSC))
        ns.cmd('mo-sms 491770000003 4000 %s' % SEGMENTED_MO)
        # a message for a GT that is not the gateway's, sent to the gateway: no relay
        ns.cmd('attack relay-probe %d called-gt %s from-gt %s' % (sn.PC_GW, sn.HLR_GT, FOREIGN_MSC))
        # 3. first parts that never complete, for an account that wants them whole
        ns.cmd('attack mo 30 491770000003 4002 parts 491710000002')
        time.sleep(2)
        cls.mo_outcomes = ns.cmd('show mo-sms')

        # 4. a spoofed alert for a subscriber whose message waits for the real one
        cls.absent = net.esme_start({'submits': [sm('491770000002', 'waiting for the alert')], 'receipts': 0,
                                     'bind': 'transmitter', 'timeout': 60000})
        deadline = time.time() + 15
        while time.time() < deadline and 'waiting-sc' not in ns.cmd('show subscribers'):
            time.sleep(0.2)
        ns.cmd('attack alert 491770000002 to-sc %s from-gt %s' % (sn.GW_GT, ROGUE_HLR))
        time.sleep(2)
        cls.sms_after_spoofed_alert = net.gw('show sms')
        ns.cmd('subscriber-state 491770000002 attached')     # the real HLR alerts
        out, _ = cls.absent.communicate(timeout=60)
        cls.absent_events = [sn.json.loads(l) for l in out.splitlines() if l.startswith('{')]

        # 5. a flood of USSD Begins nobody continues, a normal message in the middle;
        # the capture ends before it (what the checks above read, not 40,000 refusals)
        net.stop_capture()
        pid = net.procs['sigwayd'][0].pid
        cls.rss_before = sn.rss_kib(pid)
        cls.rss_max = cls.rss_before
        ns.cmd('attack begin-flood %d from-gt %s to-gt %s' % (FLOOD, FOREIGN_MSC, sn.GW_GT))
        during = net.esme_start({'submits': [sm('491770000003', 'during the flood')], 'receipts': 0,
                                 'bind': 'transmitter', 'timeout': 120000})
        deadline = time.time() + 300
        while time.time() < deadline:
            cls.rss_max = max(cls.rss_max, sn.rss_kib(pid))
            if 'flood-left 0' in ns.cmd('show attack'):
                break
            time.sleep(0.2)
        time.sleep(2)
        cls.rss_after = sn.rss_kib(pid)
        out, _ = during.communicate(timeout=120)
        cls.during_events = [sn.json.loads(l) for l in out.splitlines() if l.startswith('{')]
        cls.map_stats = net.gw('show map statistics')
        cls.sccp_stats = net.gw('show sccp statistics')
        cls.tcap_stats = net.gw('show tcap statistics')
        cls.show_sms = net.gw('show sms')
        cls.mt = ns.cmd('show mt-sms')
        out, _ = esme.communicate(timeout=240)
        cls.esme_events = [sn.json.loads(l) for l in out.splitlines() if l.startswith('{')]
        # receipts and MO go to whichever bind of the account is there: every client's together
        everything = cls.esme_events + cls.forged_mt + cls.absent_events + cls.during_events
        cls.receipts_all = [e for e in everything if e.get('event') == 'deliver_sm' and e.get('esm_class', 0) & 0x04]
        cls.mo_all = [e for e in everything if e.get('event') == 'deliver_sm' and not e.get('esm_class', 0) & 0x04]
        cls.billing = net.billing()
        with sqlite3.connect(net.db) as db:
            cls.mo_parts = db.execute('SELECT COUNT(*) FROM mo_parts').fetchone()[0]
        cls.audit = net.audit('491770000001')

    @classmethod
    def captured(cls, msgs):
        return msgs

    def test_forged_sri_answers_fail(self):
        self.assertRegex(self.attack_after_forge, r'forged-sri 4')
        # every message reached the real MSC and got its DELIVRD receipt
        ids = [e['message_id'] for e in self.forged_mt if e.get('event') == 'submit_sm_resp']
        self.assertEqual(len(ids), 4)
        for i in ids:
            rcpt = [r for r in self.receipts_all if r['receipted_message_id'] == i]
            self.assertEqual(len(rcpt), 1, i)
            self.assertIn('stat:DELIVRD', rcpt[0]['text'])
        # nothing went to the rogue MSC; the forged answers are in the capture
        begins_to_rogue = [m for m in self.msgs if m.get('tcap.begin_element') and
                           m.get('sccp.called.digits') == ROGUE_MSC]
        self.assertEqual(begins_to_rogue, [])
        forged = [m for m in self.msgs if m.get('sccp.calling.digits') == ROGUE_HLR and m.get('tcap.end_element')]
        self.assertEqual(len(forged), 4)
        # the race was dropped as an answer from the wrong origin; the predicted
        # TIDs were nobody's (unknown TID) or dropped the same way
        self.assertGreaterEqual(sn.counter(self.tcap_stats, 'Messages of a dialogue from an address that may not '
                                        'answer it (dropped)', missing=0), 1)
        # the audit shows only the real MSC, from our GT
        rc, text = self.audit
        self.assertEqual(rc, 0, text)
        self.assertNotIn(ROGUE_MSC, text)

    def test_spoofed_mo_refused_real_one_delivered(self):
        lines = self.mo_outcomes.splitlines()
        foreign = [l for l in lines if 'error 32 sm-DeliveryFailure' in l]
        self.assertGreaterEqual(len(foreign), 55)       # foreign MSC and wrong SC
        bad = [l for l in lines if 'error 36 unexpectedDataValue' in l]
        self.assertEqual(len(bad), 6)                   # no originator, odd UCS2
        self.assertEqual(sn.counter(self.show_sms,
                                    'MO-ForwardSM refused: from a GT of no operator\'s network', missing=0), 50)
        self.assertEqual(sn.counter(self.show_sms,
                                    'MO-ForwardSM refused: SM-RP-DA is not our service centre', missing=0), 5)
        # the real one reached the ESME; nothing else did
        self.assertEqual(sorted(e['text'] for e in self.mo_all), sorted(['hello from a real subscriber', SEGMENTED_MO]))
        # billed: the real MOs and the parts that were taken, nothing of the refused ones
        mo_bills = [b for b in self.billing if b['kind'] == 'sms_mo']
        self.assertEqual(len(mo_bills), 2 + 20)

    def test_segment_flood_bounded_per_calling_gt(self):
        # the flood's first segments took only their share; the real MO got through (above)
        self.assertEqual(sn.counter(self.sccp_stats, 'Segments dropped: their calling address has its share of '
                                 'reassemblies', missing=0), 100 - 16)
        self.assertIn(SEGMENTED_MO, [e['text'] for e in self.mo_all])
        segmented = [m for m in self.msgs if m.get('sccp.calling.digits') == '491710000002' and
                     'sccp.segmentation.remaining' in m]
        self.assertTrue(segmented)              # the real MO did come in segments

    def test_no_open_relay(self):
        probes = [m for m in self.msgs if m.get('sccp.calling.digits') == FOREIGN_MSC and
                  m.get('sccp.called.digits') == sn.HLR_GT]
        self.assertEqual(len(probes), 1)        # the probe itself, nothing relayed by the gateway
        self.assertEqual(sn.counter(self.sccp_stats,
                                    'Messages for a GT not ours that no relay rule allows', missing=0), 1)

    def test_mo_parts_bounded_per_originator(self):
        lines = self.mo_outcomes.splitlines()
        self.assertEqual(self.mo_parts, 20)
        self.assertEqual(len([l for l in lines if 'error 34 systemFailure' in l]), 10)
        self.assertEqual(sn.counter(self.show_sms,
                                    'MO parts refused: too many parts waiting for the rest', missing=0), 10)

    def test_spoofed_alert_refused(self):
        self.assertRegex(self.sms_after_spoofed_alert, r'waiting 1')
        self.assertEqual(sn.counter(self.show_sms,
                                    'alertServiceCentre refused: not from the subscriber\'s operator', missing=0), 1)
        ids = [e['message_id'] for e in self.absent_events if e.get('event') == 'submit_sm_resp']
        rcpt = [r for r in self.receipts_all if r['receipted_message_id'] in ids]
        self.assertEqual(len(rcpt), 1)
        self.assertIn('stat:DELIVRD', rcpt[0]['text'])

    def test_begin_flood_refused_memory_bounded(self):
        self.assertGreaterEqual(sn.counter(self.map_stats,
                                           'Dialogues refused: application context nobody serves', missing=0), FLOOD)
        self.assertRegex(self.tcap_stats, r'live dialogues 0')
        # the message submitted during the flood was delivered
        ids = [e['message_id'] for e in self.during_events if e.get('event') == 'submit_sm_resp']
        rcpt = [r for r in self.receipts_all if r['receipted_message_id'] in ids]
        self.assertEqual(len(rcpt), 1, self.during_events)
        self.assertIn('stat:DELIVRD', rcpt[0]['text'])
        # memory: refused dialogues leave nothing behind
        grown = self.rss_max - self.rss_before
        print('RSS before %d KiB, max during the flood of %d Begins %d KiB (+%d), after %d KiB' %
              (self.rss_before, FLOOD, self.rss_max, grown, self.rss_after))
        self.assertLess(grown, 64 * 1024)


if __name__ == '__main__':
    HostileSs7.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
