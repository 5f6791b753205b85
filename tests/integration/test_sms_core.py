#!/usr/bin/env python3
"""The SMS core end to end: SMPP clients nobody here wrote (npm `smpp`) bind to
sigwayd, which delivers through a real osmo-stp to sigway-netsim's HLR and MSC.
Delivered, absent then alerted, unknown, memory full, MSC timeout, multipart,
MO (held while no receiver is bound), throttling, every validation error and
malformed PDUs; billing records, the audit command and the tshark capture of
the same run (SS7 and SMPP) are checked against each other.

usage: test_sms_core.py BUILD_DIR
"""

import os
import re
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'smpp', 'hostile'))
from smpp_wire import pdu, read_pdu  # noqa: E402

SUBSCRIBERS = {
    '491770000001': 'attached',
    '491770000002': 'absent',
    '491770000003': 'unknown',
    '491770000005': 'memory-full',
    '491770000007': 'msc-timeout',
    '491770000010': 'attached',
    '491770000012': 'attached',
}

NETSIM_EXTRA = 'netsim\n' + ''.join(
    ' subscriber %s imsi 26201%s state %s\n' % (m, m[-10:], s) for m, s in SUBSCRIBERS.items())

SIGWAYD_EXTRA = """smpp
 account throttled
  password thr
  window 100
  throughput 5
 account whole
  password whole
  mo-route 4002
  mo-reassemble
 account lonely
  password lonely
  mo-route 4003
 account narrow
  password narrow
  window 2
  allow-source 4000
  allow-source ACME*
  allow-destination 4917
sms
 timeout sri 3 mt-forward-sm 3
 retry-interval 1 2
 mo-reassembly-timeout 2
"""

MO_LONG = ('A long reply from a subscriber that does not fit into one short message, so the handset '
           'sends it as two concatenated parts, each in its own MO-ForwardSM dialogue.')
LONG_TEXT = ('This message is longer than one SMS can carry, so the gateway splits it into two parts '
             'and sends both in one MT-ForwardSM dialogue, the first with more-messages-to-send. ' * 2)[:300]


def sm(dest, text, rd=1, **kw):
    d = {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': dest,
         'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': rd}
    d.update(kw)
    return d


# (name, submit_sm fields, expected command_status)
BAD_SUBMITS = [
    ('dest TON', sm('491770000001', 'x', dest_addr_ton=9), 0x50),
    ('dest NPI', sm('491770000001', 'x', dest_addr_npi=9), 0x51),
    ('dest digits', sm('4917700x0001', 'x'), 0x0B),
    ('dest without route', sm('331234567', 'x'), 0x0B),
    ('source empty', sm('491770000001', 'x', source_addr=''), 0x0A),
    ('source alphanumeric too long', sm('491770000001', 'x', source_addr='ABCDEFGHIJKL', source_addr_ton=5), 0x0A),
    ('source TON', sm('491770000001', 'x', source_addr_ton=7), 0x48),
    ('esm_class receipt type', sm('491770000001', 'x', esm_class=0x04), 0x43),
    ('priority', sm('491770000001', 'x', priority_flag=5), 0x06),
    ('registered_delivery', sm('491770000001', 'x', rd=3), 0x07),
    ('replace_if_present', sm('491770000001', 'x', replace_if_present_flag=2), 0x54),
    ('default message id', sm('491770000001', 'x', sm_default_msg_id=3), 0x63),
    # 3.4 has no code for it: ESME_RSUBMITFAIL (a 5.0 bind gets 5.0's ESME_RINVDCS)
    ('data_coding unsupported', sm('491770000001', {'hex': '78'}, data_coding=0x05), 0x45),
    ('UCS2 odd length', sm('491770000001', {'hex': '006100'}, data_coding=0x08), 0x01),
    ('GSM 7-bit septet above 0x7f', sm('491770000001', {'hex': '41ff'}, data_coding=0x00), 0x01),
    ('too long', sm('491770000001', {'hex': ''}, message_payload={'hex': '78' * 2500}), 0x01),
    ('short_message and message_payload', sm('491770000001', {'hex': '78'}, message_payload={'hex': '79'}), 0x01),
    ('validity format', sm('491770000001', 'x', validity_period='20xx'), 0x62),
    ('validity in the past', sm('491770000001', 'x', validity_period='200101000000000+'), 0x62),
    ('schedule format', sm('491770000001', 'x', schedule_delivery_time='2613991200000000'), 0x61),
    ('sar seqnum above total', sm('491770000001', 'x', sar_msg_ref_num=7, sar_total_segments=2,
                                  sar_segment_seqnum=3), 0xC4),
]


class SmsCore(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        # 0. an MO for an account that does not bind for longer than the outbox keeps it
        for line in ('configure terminal', 'sms', 'outbox-expiry 2', 'end'):
            net.gw(line)
        ns.cmd('mo-sms 491770000001 4003 Nobody comes for this')
        # 1. one ESME, every kind of outcome; it waits for all six receipts
        cls.plan_a = [sm('491770000001', 'Hello one'), sm('491770000002', 'Hello absent'),
                      sm('491770000003', 'Hello unknown'), sm('491770000005', 'Hello memory full'),
                      sm('491770000007', 'Hello timeout'), sm('491770000001', '', message_payload=LONG_TEXT)]
        esme_a = net.esme_start({'submits': cls.plan_a, 'receipts': len(cls.plan_a), 'timeout': 60000})
        # the HLR keeps message-waiting data (SRI for the absent one,
        # reportSM-DS for memory full); then they come back
        deadline = time.time() + 20
        while time.time() < deadline:
            subs = ns.cmd('show subscribers')
            if subs.count('waiting-sc') >= 2:
                break
            time.sleep(0.2)
        cls.subs_waiting = subs
        time.sleep(3.5)         # the silent MSC's invoke timer runs out at least once
        for m in ('491770000002', '491770000005', '491770000007'):
            ns.cmd('subscriber-state %s attached' % m)
        out, _ = esme_a.communicate(timeout=90)
        cls.events_a = [sn.json.loads(l) for l in out.splitlines() if l.startswith('{')]

        # 2. SMPP 5.0 bind, taken as 3.4
        cls.events_v50 = net.esme({'version': 0x50, 'submits': [sm('491770000010', 'Hello v5')], 'receipts': 1})
        # 3. validation: each refused with its status
        cls.events_bad = net.esme({'submits': [b[1] for b in BAD_SUBMITS], 'window': 1, 'receipts': 0})
        # 4. throttling: 5/s with one second of burst
        cls.events_thr = net.esme({'system_id': 'throttled', 'password': 'thr', 'window': 30, 'receipts': 0,
                                   'submits': [sm('491770000010', 'burst %d' % i, rd=0) for i in range(30)]})
        # 4b. an account's permissions, and its window of 2
        cls.events_perm = net.esme({'system_id': 'narrow', 'password': 'narrow', 'window': 1, 'submits': [
            sm('491770000010', 'from an allowed number', rd=0),
            sm('491770000010', 'from a number not allowed', rd=0, source_addr='5555'),
            sm('491770000010', 'from an allowed name', rd=0, source_addr='ACMEBANK', source_addr_ton=5,
               source_addr_npi=0),
            sm('491600000001', 'to a prefix not allowed', rd=0)]})
        cls.events_window = net.esme({'system_id': 'narrow', 'password': 'narrow', 'window': 20,
                                      'submits': [sm('491770000010', 'w %d' % i, rd=0) for i in range(20)]})
        # 4c. query_sm, cancel_sm and replace_sm on messages scheduled an hour ahead
        later = '000000010000000R'
        cls.events_ops = net.esme({'window': 1, 'receipts': 2, 'submits': [
            sm('491770000010', 'Cancel me', schedule_delivery_time=later),
            sm('491770000010', 'Replace me', schedule_delivery_time=later),
            sm('491770000010', 'Query me', rd=0)], 'ops': [
            {'op': 'cancel_sm', 'message_id_of': 0, 'args': {'source_addr': '4000', 'source_addr_ton': 1,
                                                             'source_addr_npi': 1}},
            {'op': 'query_sm', 'message_id_of': 0, 'args': {'source_addr': '4000', 'source_addr_ton': 1,
                                                            'source_addr_npi': 1}},
            # a new schedule (1 s from now) applies; an empty one would keep the hour (issue 10 item 5)
            {'op': 'replace_sm', 'message_id_of': 1, 'args': {'source_addr': '4000', 'source_addr_ton': 1,
                                                              'source_addr_npi': 1, 'registered_delivery': 1,
                                                              'schedule_delivery_time': '000000000001000R',
                                                              'short_message': 'Replaced text'}},
            {'op': 'replace_sm', 'message_id_of': 0, 'args': {'source_addr': '4000', 'short_message': 'gone'}},
            {'op': 'cancel_sm', 'args': {'message_id': '999999', 'source_addr': '4000'}},
            {'op': 'query_sm', 'message_id_of': 2, 'args': {'source_addr': '4000', 'source_addr_ton': 1,
                                                            'source_addr_npi': 1}}]})
        # 5. binds refused, submit on a receiver
        cls.bind_bad_pw = net.esme({'password': 'wrong'})
        cls.bind_unknown = net.esme({'system_id': 'nobody'})
        cls.rx_submit = net.esme({'bind': 'receiver', 'submits': [sm('491770000001', 'x')]})
        # 6. MO while no receiver is bound: accepted and held; one to a
        # destination nobody owns is refused
        ns.cmd('mo-sms 491770000001 4000 Hello gateway')
        ns.cmd('mo-sms 491770000001 5555 Nobody owns this')
        # concatenated: two parts each; 'whole' wants them reassembled (sent last part first)
        ns.cmd('mo-sms 491770000001 4000 ' + MO_LONG)
        ns.cmd('mo-sms-reversed 491770000001 4002 ' + MO_LONG)
        # and one whose second part never comes: after the reassembly timeout the
        # first goes to 'whole' as it is, with its UDH
        ns.cmd('mo-sms-first-part 491770000005 4002 ' + MO_LONG)
        deadline = time.time() + 10
        while time.time() < deadline and len(re.findall(r'accepted|failed|error', ns.cmd('show mo-sms'))) < 7:
            time.sleep(0.2)
        cls.mo_outcomes = ns.cmd('show mo-sms')
        cls.events_mo = net.esme({'bind': 'receiver', 'mo': 3, 'timeout': 15000})
        cls.events_mo_whole = net.esme({'system_id': 'whole', 'password': 'whole', 'bind': 'receiver', 'mo': 2,
                                        'timeout': 15000})
        # an ESME that answers deliver_sm with ESME_RX_T_APPN (try later): kept and sent again
        ns.cmd('mo-sms 491770000001 4000 Try me again')
        cls.events_mo_refused = net.esme({'bind': 'receiver', 'mo': 1, 'deliver_status': 0x64, 'timeout': 15000})
        cls.events_mo_retry = net.esme({'bind': 'receiver', 'mo': 1, 'timeout': 15000})
        for line in ('configure terminal', 'sms', 'outbox-expiry 604800', 'end'):
            net.gw(line)
        cls.events_lonely = net.esme({'system_id': 'lonely', 'password': 'lonely', 'bind': 'receiver', 'mo': 1,
                                      'timeout': 3000})
        # 7. malformed PDUs on a raw socket
        cls.raw = cls.raw_session()
        # 7b. the MSC stops speaking shortMsgMT-Relay v3: the MT-ForwardSM is
        # refused, v2 proposed, and sent again as forwardSM v2
        for line in ('configure terminal', 'netsim', 'msc mt-relay-max-version 2', 'end'):
            ns.cmd(line)
        cls.events_mt_v2 = net.esme({'submits': [sm('491770000012', 'Hello MT v2')], 'receipts': 1})
        for line in ('configure terminal', 'netsim', 'msc mt-relay-max-version 3', 'end'):
            ns.cmd(line)
        # 8. the HLR stops speaking shortMsgGateway v3: refused, v2 proposed and
        # used from then on (SRI v2, forwardSM on shortMsgMT-Relay v2)
        for line in ('configure terminal', 'netsim', 'hlr sms-gateway-max-version 2', 'end'):
            ns.cmd(line)
        cls.events_v2 = net.esme({'submits': [sm('491770000010', 'Hello v2')], 'receipts': 1})
        # 9. the operator takes 20 new messages a second: 40 wait their turn, all get through
        for line in ('configure terminal', 'sms', 'operator netsim throughput 20', 'end'):
            net.gw(line)
        cls.events_op_limit = net.esme({'submits': [sm('491770000010', 'paced %d' % i) for i in range(40)],
                                        'window': 40, 'receipts': 40, 'timeout': 30000}, timeout=60)
        cls.alive_after = net.alive('sigwayd')
        cls.show_sms = net.gw('show sms')
        cls.billing = net.billing()
        cls.audits = {m: net.audit(m) for m in SUBSCRIBERS}

    @classmethod
    def raw_session(cls):
        res = {}
        s = socket.create_connection(('127.0.0.1', cls.net.ports['smpp']), timeout=5)
        s.sendall(pdu(0x09, 1, b'demo\0demo\0\0\x34\x00\x00\0'))
        res['bind'] = read_pdu(s)
        s.sendall(pdu(0x12345, 2))                       # unknown command
        res['unknown'] = read_pdu(s)
        # submit_sm whose source_addr has no NUL within 21 octets
        s.sendall(pdu(0x04, 3, b'\0' + b'\x01\x01' + b'9' * 30))
        res['bad_source'] = read_pdu(s)
        s.sendall(pdu(0x15, 4))                          # still alive: enquire_link
        res['enquire'] = read_pdu(s)
        s.sendall(struct.pack('>IIII', 8, 0x04, 0, 5))   # command_length 8: stream lost
        res['bad_length'] = read_pdu(s)
        res['closed'] = read_pdu(s) is None
        s.close()
        return res

    @classmethod
    def captured(cls, msgs):
        cls.smpp = cls.net.smpp_decoded()
        cls.smpp34 = cls.net.smpp34_judge()
        return msgs

    # ------------------------------------------------------------ helpers
    def receipts(self, events):
        return {e['receipted_message_id']: e for e in events if e['event'] == 'deliver_sm' and e['esm_class'] & 4}

    def ids(self, events):
        return {e['index']: e['message_id'] for e in events if e['event'] == 'submit_sm_resp' and e['status'] == 0}

    # ------------------------------------------------------------ tests
    def test_outcomes_and_receipts(self):
        ids, rc = self.ids(self.events_a), self.receipts(self.events_a)
        self.assertEqual(len(ids), 6, self.events_a)
        expect = {0: 'DELIVRD', 1: 'DELIVRD', 2: 'UNDELIV', 3: 'DELIVRD', 4: 'DELIVRD', 5: 'DELIVRD'}
        for i, stat in expect.items():
            r = rc.get(ids[i])
            self.assertIsNotNone(r, 'no receipt for submit %d (%s)' % (i, ids[i]))
            self.assertIn('stat:%s' % stat, r['text'])
            self.assertIn('id:%s ' % ids[i], r['text'])
            self.assertEqual(r['message_state'], 2 if stat == 'DELIVRD' else 5)
            self.assertEqual(r['source_addr'], self.plan_a[i]['destination_addr'])
        # unknown subscriber: permanent, MAP error 1 in err: and network_error_code (GSM, 1)
        self.assertIn('err:001', rc[ids[2]]['text'])
        self.assertEqual(rc[ids[2]]['network_error_code'], '030001')
        # one receipt per message, also for the two-part one
        self.assertEqual(len([e for e in self.events_a if e['event'] == 'deliver_sm']), 6)

    def test_message_waiting_data(self):
        self.assertIn('491770000002', self.subs_waiting)
        self.assertRegex(self.subs_waiting, r'491770000002 .*waiting-sc 491720000099')
        self.assertRegex(self.subs_waiting, r'491770000005 .*waiting-sc 491720000099')

    def test_v50_bind(self):
        bind = self.events_v50[0]
        self.assertEqual(bind['status'], 0)
        self.assertIn('stat:DELIVRD', list(self.receipts(self.events_v50).values())[0]['text'])

    def test_validation_errors(self):
        got = {e['index']: e['status'] for e in self.events_bad if e['event'] == 'submit_sm_resp'}
        for i, (name, _, status) in enumerate(BAD_SUBMITS):
            with self.subTest(name):
                self.assertEqual(got.get(i), status, '%s: 0x%x' % (name, got.get(i, -1)))

    def test_throttled(self):
        st = [e['status'] for e in self.events_thr if e['event'] == 'submit_sm_resp']
        self.assertEqual(len(st), 30)
        self.assertGreaterEqual(st.count(0), 5)
        self.assertGreater(st.count(0x58), 10)
        self.assertEqual(set(st), {0, 0x58})

    def test_account_permissions(self):
        st = [e['status'] for e in self.events_perm if e['event'] == 'submit_sm_resp']
        self.assertEqual(st, [0, 0x0A, 0, 0x0B])

    def test_window(self):
        st = [e['status'] for e in self.events_window if e['event'] == 'submit_sm_resp']
        self.assertEqual(len(st), 20)
        self.assertIn(0x14, st)                 # ESME_RMSGQFUL beyond 2 outstanding
        self.assertGreaterEqual(st.count(0), 2)
        self.assertEqual(set(st), {0, 0x14})

    def test_map_version_fallback(self):
        self.assertIn('stat:DELIVRD', list(self.receipts(self.events_v2).values())[0]['text'])
        self.assertRegex(self.show_sms, r'operator netsim hlr-gt \d+ map-version 2')
        # on the wire: the v3 Begin refused with v2 proposed, then v2 SRI and forwardSM (op 46) on 25.2
        acns = [(m.get('tcap.application_context_name'), m.get('gsm_old.localValue')) for m in self.msgs
                if m.get('sccp.calling.digits') == sn.GW_GT and m.get('tcap.begin_element')]
        self.assertIn(('0.4.0.0.1.0.20.2', '45'), acns)
        self.assertIn(('0.4.0.0.1.0.25.2', '46'), acns)

    def test_query_cancel_replace(self):
        ev = {e['index']: e for e in self.events_ops if e['event'].endswith('_sm_resp') and
              e['event'] != 'submit_sm_resp'}
        self.assertEqual(ev[0]['status'], 0)            # cancelled before its time
        self.assertEqual((ev[1]['status'], ev[1]['message_state']), (0, 4))     # DELETED
        self.assertEqual(ev[2]['status'], 0)            # replaced, delivered now with the new text
        self.assertEqual(ev[3]['status'], 0x13)         # a cancelled message cannot be replaced
        self.assertEqual(ev[4]['status'], 0x11)         # unknown id: ESME_RCANCELFAIL
        self.assertEqual(ev[5]['status'], 0)
        self.assertIn(ev[5]['message_state'], (1, 2))   # the third: enroute or delivered by now
        # the cancelled one (registered_delivery 1) gets its stat:DELETED receipt (issue 10 item 7)
        receipts = {e['receipted_message_id']: e['text'] for e in self.events_ops if e['event'] == 'deliver_sm'}
        ids = self.ids(self.events_ops)
        self.assertEqual(set(receipts), {ids[0], ids[1]}, self.events_ops)
        self.assertIn('stat:DELETED', receipts[ids[0]])
        self.assertIn('stat:DELIVRD', receipts[ids[1]])
        self.assertIn('text:Replaced text', receipts[ids[1]])

    def test_operator_throughput(self):
        receipts = [e for e in self.events_op_limit if e['event'] == 'deliver_sm']
        self.assertEqual(len(receipts), 40)
        self.assertTrue(all('stat:DELIVRD' in e['text'] for e in receipts))
        m = re.search(r"times the queue waited for an operator's throughput limit:\s+(\d+)", self.show_sms)
        self.assertGreater(int(m.group(1)), 0, self.show_sms)

    def test_binds_refused(self):
        # one answer for every failure, ESME_RBINDFAIL (tests/integration/test_hostile_smpp.py)
        self.assertEqual(self.bind_bad_pw[0]['status'], 0x0D)
        self.assertEqual(self.bind_unknown[0]['status'], 0x0D)
        self.assertEqual(self.rx_submit[0]['status'], 0)
        self.assertEqual([e['status'] for e in self.rx_submit if e['event'] == 'submit_sm_resp'], [0x04])

    def test_mo_held_then_delivered(self):
        self.assertRegex(self.mo_outcomes, r'491770000001 accepted')
        self.assertRegex(self.mo_outcomes, r'491770000001 .*(error|failed)')
        mo = [e for e in self.events_mo if e['event'] == 'deliver_sm']
        self.assertEqual(len(mo), 3, self.events_mo)
        self.assertEqual(mo[0]['text'], 'Hello gateway')
        self.assertEqual(mo[0]['source_addr'], '491770000001')
        self.assertEqual(mo[0]['destination_addr'], '4000')
        self.assertEqual(mo[0]['esm_class'], 0)

    def test_outbox_expiry(self):
        # accepted from the network (billed), kept 2 s for an account that never bound, dropped
        self.assertEqual([e for e in self.events_lonely if e['event'] == 'deliver_sm'], [])
        self.assertIn('deliver_sm older than 2 s dropped', self.net.log('sigwayd'))

    def test_mo_retried_after_esme_refusal(self):
        first = [e['text'] for e in self.events_mo_refused if e['event'] == 'deliver_sm']
        again = [e['text'] for e in self.events_mo_retry if e['event'] == 'deliver_sm']
        self.assertEqual(first, ['Try me again'])
        self.assertEqual(again, ['Try me again'])

    def test_mo_concatenated(self):
        # without reassembly: the two parts, each with its UDH (concatenation IE)
        parts = [e for e in self.events_mo if e['event'] == 'deliver_sm'][1:]
        self.assertEqual([p['esm_class'] & 0x40 for p in parts], [0x40, 0x40])
        self.assertEqual(''.join(p['text'] for p in parts), MO_LONG)
        # reassembled for 'whole', from parts that came last first
        whole = [e for e in self.events_mo_whole if e['event'] == 'deliver_sm' and e['source_addr'] == '491770000001']
        self.assertEqual(len(whole), 1, self.events_mo_whole)
        self.assertEqual(whole[0]['message_payload'], MO_LONG)
        self.assertEqual(whole[0]['esm_class'] & 0x40, 0)
        # the incomplete one: its first part, with the concatenation IE, after the timeout
        alone = [e for e in self.events_mo_whole if e['event'] == 'deliver_sm' and e['source_addr'] == '491770000005']
        self.assertEqual(len(alone), 1, self.events_mo_whole)
        self.assertEqual(alone[0]['esm_class'] & 0x40, 0x40)
        self.assertTrue(MO_LONG.startswith(alone[0]['text']), alone[0])
        self.assertEqual(alone[0]['udh'][0][:4], '0003')   # IEI 0, length 3

    def test_malformed_pdus(self):
        r = self.raw
        self.assertEqual(r['bind'][:2], (0x80000009, 0))
        self.assertEqual(r['unknown'][:3], (0x80000000, 0x03, 2))
        self.assertEqual(r['bad_source'][:3], (0x80000004, 0x0A, 3))
        self.assertEqual(r['enquire'][:3], (0x80000015, 0, 4))
        self.assertEqual(r['bad_length'][:2], (0x80000000, 0x02))
        self.assertTrue(r['closed'])
        self.assertTrue(self.alive_after)

    def test_billing_matches_deliveries(self):
        mt = [b for b in self.billing if b['kind'] == 'sms_mt']
        delivered = {e['receipted_message_id'] for ev in (self.events_a, self.events_v50, self.events_v2,
                                                           self.events_mt_v2, self.events_ops, self.events_op_limit)
                     for e in ev if e['event'] == 'deliver_sm' and 'stat:DELIVRD' in e['text']}
        accepted_thr = [e['message_id'] for e in self.events_thr if e['event'] == 'submit_sm_resp' and e['status'] == 0]
        self.assertEqual(len(mt), len({b['ref'] for b in mt}), 'duplicate billing records')
        # the throttled account's messages (no receipts asked) are delivered too
        delivered.add(self.ids(self.events_ops)[2])    # 'Query me': delivered, no receipt asked
        self.assertEqual({b['ref'] for b in mt if b['account'] == 'demo'}, delivered)
        self.assertNotIn(self.ids(self.events_ops)[0], {b['ref'] for b in mt})   # cancelled
        self.assertEqual({b['ref'] for b in mt if b['account'] == 'throttled'}, set(accepted_thr))
        long_id = self.ids(self.events_a)[5]
        self.assertEqual([b['units'] for b in mt if b['ref'] == long_id], [2])
        # nothing refused, nothing undelivered is billed
        undelivered = self.ids(self.events_a)[2]
        self.assertNotIn(undelivered, {b['ref'] for b in mt})
        # one per MO-ForwardSM accepted: three single ones, 2 x 2 parts and the lone first part
        self.assertEqual(len([b for b in self.billing if b['kind'] == 'sms_mo']), 8)
        # with the operator whose network handed it over (its MSC's GT in the operator's ranges)
        self.assertEqual({b['operator'] for b in self.billing if b['kind'] == 'sms_mo'}, {'netsim'})

    def test_audit_command(self):
        for msisdn, (status, text) in self.audits.items():
            with self.subTest(msisdn):
                self.assertEqual(status, 0, text)
                self.assertIn(' 0 mismatches', text)
        status, text = self.audits['491770000002']
        # the first SRI failed (absent), the later one succeeded, then the FSM
        steps = re.findall(r'(sri-for-sm|mt-forward-sm) +calling-gt (\d+) .*? \.\. \S+: (.*)', text)
        self.assertEqual(steps[0][0], 'sri-for-sm')
        self.assertIn('absentSubscriberSM', steps[0][2])
        self.assertIn('informServiceCentre: MWD set, alert expected', steps[0][2])
        self.assertEqual([s[0] for s in steps[-2:]], ['sri-for-sm', 'mt-forward-sm'])
        self.assertTrue(all(s[1] == sn.GW_GT for s in steps))

    def test_audit_row_per_begin_after_fallbacks(self):
        """A Begin refused for its version has an audit row of its own (7b: the
        MSC refuses MT-Relay v3; 8: the HLR refuses Gateway v3), and the next
        row, the dialogue that answered, names the Begin in the lower version"""
        acn = {m.get('tcap.otid', '').replace(':', ''): m.get('tcap.application_context_name')
               for m in self.msgs if m.get('tcap.begin_element')}
        self.assertIn('stat:DELIVRD', list(self.receipts(self.events_mt_v2).values())[0]['text'])
        for msisdn, step, refused_acn, then_acn in (
                ('491770000012', 'mt-forward-sm', '0.4.0.0.1.0.25.3', '0.4.0.0.1.0.25.2'),
                ('491770000010', 'sri-for-sm', '0.4.0.0.1.0.20.3', '0.4.0.0.1.0.20.2')):
            with self.subTest(step):
                rows = re.findall(r'%s +calling-gt \d+ called-gt \d+ otid (\w+) .*? \.\. \S+: (.*)' % step,
                                  self.audits[msisdn][1])
                refused = [i for i, (_, outcome) in enumerate(rows) if 'refused for its MAP version' in outcome]
                self.assertEqual(len(refused), 1, rows)
                i = refused[0]
                self.assertEqual(acn.get(rows[i][0]), refused_acn)
                self.assertEqual(acn.get(rows[i + 1][0]), then_acn)
                self.assertNotIn('refused', rows[i + 1][1])

    def test_audit_against_capture(self):
        """Every dialogue the audit names is on the wire, from the GT it says,
        and every MT-ForwardSM in the capture follows an SRI-for-SM of the
        same message from the same calling GT."""
        begins = {m.get('tcap.otid', '').replace(':', ''): m for m in self.msgs
                  if m.get('tcap.begin_element') or m.get('tcap.tid') and m.get('sccp.message_type') in ('0x09', '0x11')}
        audited = 0
        for msisdn, (_, text) in self.audits.items():
            for step, calling, otid in re.findall(r'(sri-for-sm|mt-forward-sm) +calling-gt (\d+) called-gt \d+ otid (\w+)',
                                                  text):
                m = begins.get(otid)
                self.assertIsNotNone(m, 'dialogue %s of %s not in the capture' % (otid, msisdn))
                self.assertEqual(m.get('sccp.calling.digits'), calling)
                audited += 1
        self.assertGreater(audited, 10)
        fsm_begins = [m for m in self.msgs if m.get('gsm_old.localValue') in ('44', ['44']) and m.get('tcap.otid')]
        self.assertTrue(fsm_begins)
        for m in fsm_begins:
            self.assertEqual(m.get('sccp.calling.digits'), sn.GW_GT)

    def test_inform_sc_on_the_wire(self):
        # the HLR's TC-END with absentSubscriberSM also carries informServiceCentre (op 63)
        ends = [m for m in self.msgs if m.get('sccp.calling.digits') == sn.HLR_GT and m.get('tcap.end_element')]
        self.assertTrue([m for m in ends if '63' in sn._as_list(m.get('gsm_old.localValue'))], 'no informSC')

    def test_multipart_in_one_dialogue(self):
        fsm = [m for m in self.msgs if m.get('gsm_old.localValue') in ('44', ['44'])
               and m.get('sccp.calling.digits') == sn.GW_GT]
        # one invoke in a Begin with more-messages-to-send, the next in a Continue
        mms = [m for m in fsm if 'gsm_map.sm.moreMessagesToSend_element' in m or
               any('moreMessagesToSend' in k for k in m)]
        self.assertTrue(mms, 'no MT-ForwardSM with more-messages-to-send')
        conts = [m for m in fsm if 'tcap.continue_element' in m]
        self.assertTrue(conts, 'no MT-ForwardSM in a TC-CONTINUE')

    def test_smpp_on_the_wire(self):
        self.assertGreater(len(self.smpp), 50)
        self.assertEqual([p for p in self.smpp if p['malformed'] and p['srcport'] != self.net.ports['smpp']
                          and p.get('smpp.command_id') not in ('0x00012345', '0x00000004')], [])
        ours = [p for p in self.smpp if p['srcport'] == self.net.ports['smpp']]
        self.assertFalse([p for p in ours if p['malformed']], 'a PDU of ours tshark calls malformed')
        ids = {p.get('smpp.message_id') for p in ours if p.get('smpp.command_id') == '0x80000004'}
        for mid in self.ids(self.events_a).values():
            self.assertIn(mid, ids)
        receipts = {p.get('smpp.receipted_message_id') for p in ours if p.get('smpp.command_id') == '0x00000005'}
        for mid in self.ids(self.events_a).values():
            self.assertIn(mid, receipts)

    def test_libsmpp34_second_decoder(self):
        """Every PDU of the run, both directions, through libsmpp34 (strict SMPP
        3.4) and ours. libsmpp34 takes every PDU we sent. A client PDU it
        refuses is one we refused too (validation error, broken PDU), or the
        SMPP 5.0 bind we accept as 3.4 on purpose, or a negative response
        without a body (which libsmpp34 does not take)."""
        port = self.net.ports['smpp']
        self.assertGreater(len(self.smpp34), 100)
        answers = {(p['dport'], p['seq']): p for p in self.smpp34 if p['port'] == port}
        for p in self.smpp34:
            with self.subTest(p=p):
                if p['port'] == port:
                    self.assertEqual(p['libsmpp34'], 'ok')
                    self.assertEqual(p['ours'], 0)
                elif p['libsmpp34'] != 'ok':
                    answer = answers.get((p['port'], p['seq']))
                    bind_v50 = p['command_id'] == '0x00000009' and 'interface_version:50(Invalid' in p['libsmpp34']
                    refused = answer is not None and answer['command_id'] != '0x80000009' and \
                        self.status_of(answer) != 0
                    # a negative deliver_sm_resp without a body (SMPP 3.4 allows it; libsmpp34 wants message_id)
                    bodyless_error = int(p['command_id'], 16) & 0x80000000 and \
                        'command_length:00000010(OK)' in p['libsmpp34'] and 'command_status:00000000' not in p['libsmpp34']
                    self.assertTrue(bind_v50 or refused or bodyless_error or p['ours'] != 0,
                                    'libsmpp34 refuses a PDU we took')
        self.assertTrue({'0x80000004', '0x00000005', '0x80000009'} <= {p['command_id'] for p in self.smpp34
                                                                         if p['port'] == port})

    def status_of(self, answer):
        """command_status of one of our answers, from the tshark decode of the run"""
        for d in self.smpp:
            if d['srcport'] == self.net.ports['smpp'] and d['dstport'] == answer['dport'] and \
                    d.get('smpp.sequence_number') == str(answer['seq']) and d.get('smpp.command_id') == answer['command_id']:
                return int(d.get('smpp.command_status', '0'), 16)
        return None

    def test_counters(self):
        m = re.search(r'messages the MSC accepted:\s+(\d+)', self.show_sms)
        self.assertIsNotNone(m, self.show_sms)
        self.assertEqual(int(m.group(1)), len([b for b in self.billing if b['kind'] == 'sms_mt']))


if __name__ == '__main__':
    SmsCore.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
