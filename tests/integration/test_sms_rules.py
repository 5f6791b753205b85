#!/usr/bin/env python3
"""The SMS core as a demanding carrier expects it (issue 10, items 1-7, 10, 11):
npm `smpp` ESMEs (not ours) submit through sigwayd and a real osmo-stp to
sigway-netsim; what the handset got is read from the MT-ForwardSMs in the
tshark capture (gsm_sms fields) and from netsim's MSC log.

 1  validity, retry and alert: a message to an absent subscriber waits for
    the alert (or a last attempt at the end of its validity) and expires only
    when its validity is over, with the shipped back-off and a long one;
 2  alphanumeric originators: coded as GSM 7-bit (extension characters count
    twice, 11 septets at most) or refused at submit with ESME_RINVSRCADR;
 3  per destination: one message at a time, in submission order, with 16-bit
    concatenation references allocated per destination;
 4  replace_if_present_flag, 5 replace_sm's schedule, 6 submit_multi's one id,
 7  cancel_sm by source and destination and stat:DELETED receipts;
10  coding options: what data_coding 0 means per account, message classes
    (flash), SIM data download, the length limit in parts per account;
11  addresses people type ('+', '00', national), the receipt text in the
    receipt's coding, strict bind and header checks, reply path, an
    intermediate notification while a message waits for a retry, SME
    acknowledgements refused.

usage: test_sms_rules.py BUILD_DIR
"""

import collections
import json
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

# every number the tests use (netsim answers unknownSubscriber for others)
SUBS = {
    # 1: validity, retry, alert
    'V1': ('491770001001', 'absent'), 'V2': ('491770001002', 'absent'), 'V3': ('491770001003', 'unreachable'),
    # 2: alphanumeric originators
    'A1': ('491770002001', 'attached'),
    # 3: ordering and references
    'O1': ('491770003001', 'absent'), 'O2': ('491770003002', 'attached'),
    # 4, 5, 6, 7
    'R1': ('491770004001', 'attached'), 'S1': ('491770005001', 'attached'),
    'P1': ('491770006001', 'attached'), 'P2': ('491770006002', 'attached'), 'P3': ('491770006003', 'attached'),
    'C1': ('491770007001', 'attached'), 'C2': ('491770007002', 'attached'),
    # 10: coding
    'E1': ('491770010001', 'attached'), 'E2': ('491770010002', 'attached'), 'E3': ('491770010003', 'attached'),
    'E4': ('491770010004', 'absent'),
    # 11: addresses
    'N1': ('491770011001', 'attached'), 'N2': ('491770011002', 'attached'), 'N3': ('491770011003', 'attached'),
    'N4': ('491770011004', 'attached'),
}
NUM = {k: v[0] for k, v in SUBS.items()}
IMSI = {k: '26201' + v[0][-10:] for k, v in SUBS.items()}

NETSIM_EXTRA = 'netsim\n mt-log mt.log\n' + ''.join(
    ' subscriber %s imsi %s state %s\n' % (n, IMSI[k], s) for k, (n, s) in SUBS.items())

# the accounts exist in the configuration; their new message options are set
# over the VTY (run_all), so that a gateway without them still starts and each
# test fails on its own
# one account per phase that waits for receipts: a receipt goes to whichever
# receiver of its account is bound
PHASES = ('vlong', 'vshort', 'alpha', 'order', 'rip', 'repl', 'multi', 'cancel', 'coding', 'addr')
SIGWAYD_EXTRA = """smpp
""" + ''.join(' account %s\n  password %s\n  window 50\n' % (a, a) for a in PHASES) + """ account latin
  password latin
  window 50
 account ascii
  password ascii
 account short
  password short
sms
 retry-interval 30 3600
"""
ACCOUNT_OPTIONS = [('latin', 'data-coding-0 latin1'), ('ascii', 'data-coding-0 ia5'), ('short', 'max-parts 2')]

LATER = '000000010000000R'      # an hour from now
SOON = '000000000003000R'       # in 3 s


def sm(dest, text, rd=1, **kw):
    d = {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': dest,
         'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': rd}
    d.update(kw)
    return d


def hexs(b):
    return {'hex': b.hex()}


def alpha(dest, name, text, **kw):
    """from an alphanumeric originator; name: the octets of source_addr"""
    return sm(dest, text, source_addr=hexs(name), source_addr_ton=5, source_addr_npi=0, **kw)


ALNUM = [   # (source_addr octets, accepted, what the handset shows as TP-OA)
    (b'Caf\xe9', True, 'Caf\u00e9'),           # Latin-1 e-acute: in GSM 03.38
    (b'Shop[1]', True, 'Shop[1]'),              # 9 septets: [ and ] are extension characters
    (b'ACME Bank', True, 'ACME Bank'),
    (b'ABCDEFGHIJK', True, 'ABCDEFGHIJK'),      # 11 septets
    (b'Zo\xeb&Co', False, None),               # e-diaeresis is not in GSM 03.38
    (b'Shop[1][2]', False, None),               # 14 septets
    (b'{[|]}~^\\', False, None),                # 16 septets
    (b'ABCDEFGHIJ{', False, None),              # 12 septets
]

LATIN_TEXT = b'user_name@example.com $5 [promo]'
LONG_A = 'A' * 300 + ' first long'         # three parts each
LONG_B = 'B' * 300 + ' second long'
UCS2_1000 = ''.join(chr(0x0410 + i % 32) for i in range(1000))          # Cyrillic: 16 parts of 66
UCS2_1060 = ''.join(chr(0x0410 + i % 32) for i in range(1060))          # 17 parts


def bind_body(system_id=b'demo', password=b'demo', version=0x34):
    return system_id + b'\0' + password + b'\0' + b'\0' + bytes([version, 0, 0]) + b'\0'


def submit_body(dest, text):
    return (b'\0' + b'\x01\x01' + b'4000\0' + b'\x01\x01' + dest.encode() + b'\0' +
            bytes([0, 0, 0]) + b'\0' + b'\0' + bytes([0, 0, 0, 0]) + bytes([len(text)]) + text)


def num(v):
    """a tshark number field (decimal or 0x...)"""
    return int(v, 0) if isinstance(v, str) else int(v)


def events(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


class SmsRules(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}

    @classmethod
    def esme(cls, account, plan, **kw):
        return cls.net.esme(dict(plan, system_id=account, password=account), **kw)

    @classmethod
    def esme_start(cls, account, plan):
        return cls.net.esme_start(dict(plan, system_id=account, password=account))

    @classmethod
    def gw_config(cls, *lines):
        out = []
        for line in ('configure terminal',) + lines + ('end',):
            out.append(cls.net.gw(line))
        return '\n'.join(out)

    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        cls.config_out = cls.gw_config('smpp', *sum((['account %s' % a, o, 'exit'] for a, o in ACCOUNT_OPTIONS), []))
        cls.config_out += cls.gw_config('sms', 'country-code 49')

        # 1. validity: V2 with retry-interval 30 3600 and a 5-minute validity;
        # then the shipped back-off (2 60): V1 with 30 s, V3 (absent at the
        # MSC, no alert) with 20 s
        cls.v_long = cls.esme_start('vlong', {'submits': [sm(NUM['V2'], 'validity long', validity_period='000000000500000R')],
                                     'receipts': 1, 'timeout': 60000})
        time.sleep(1.5)
        cls.gw_config('sms', 'retry-interval 2 60')
        cls.v_short = cls.esme_start('vshort', {'submits': [sm(NUM['V1'], 'validity 30 s', validity_period='000000000030000R'),
                                                  sm(NUM['V3'], 'validity 20 s', validity_period='000000000020000R')],
                                      'receipts': 2, 'timeout': 60000})
        time.sleep(5)
        for k in ('V1', 'V2'):
            ns.cmd('subscriber-state %s attached' % NUM[k])

        # 2. alphanumeric originators
        cls.ev_alpha = cls.esme('alpha', {'window': 1, 'receipts': sum(1 for a in ALNUM if a[1]), 'timeout': 30000,
                                 'submits': [alpha(NUM['A1'], a[0], 'alpha %d' % i) for i, a in enumerate(ALNUM)]})

        # 3. ordering and references: two long messages and five short ones
        # to O1 while it is absent, 255 to O2 in between (the ids of the long
        # ones 256 apart: the same reference modulo 256); then it attaches
        cls.ev_order1 = cls.esme('order', {'submits': [sm(NUM['O1'], '', message_payload=LONG_A)], 'receipts': 0})
        cls.esme('order', {'submits': [sm(NUM['O2'], 'filler %d' % i, rd=0) for i in range(255)], 'window': 50,
                  'timeout': 60000}, timeout=90)
        cls.ev_order2 = cls.esme('order', {'window': 1, 'submits': [sm(NUM['O1'], '', message_payload=LONG_B)] +
                                  [sm(NUM['O1'], 'order %d' % i) for i in range(1, 6)], 'receipts': 0})
        ns.cmd('subscriber-state %s attached' % NUM['O1'])

        # 4. replace_if_present_flag
        cls.ev_rip = cls.esme('rip', {'window': 1, 'receipts': 4, 'timeout': 20000, 'submits': [
            sm(NUM['R1'], 'replace me', service_type='ABC', schedule_delivery_time=SOON),
            sm(NUM['R1'], 'replacement', service_type='ABC', replace_if_present_flag=1),
            sm(NUM['R1'], 'other service', service_type='XYZ', schedule_delivery_time=SOON),
            sm(NUM['R1'], 'nothing to replace', service_type='QQQ', replace_if_present_flag=1)]})

        # 5. replace_sm's schedule: kept when empty, applied earlier and later
        src = {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1}
        cls.ev_replace = cls.esme('repl', {'window': 1, 'timeout': 30000, 'submits': [
            sm(NUM['S1'], 'M1 old', rd=0, schedule_delivery_time=LATER),
            sm(NUM['S1'], 'M2 old', rd=0, schedule_delivery_time=LATER),
            sm(NUM['S1'], 'M3 old', rd=0, schedule_delivery_time=SOON)], 'ops': [
            {'op': 'replace_sm', 'message_id_of': 0, 'args': dict(src, short_message='M1 new')},
            {'op': 'replace_sm', 'message_id_of': 1, 'args': dict(src, short_message='M2 new',
                                                                  schedule_delivery_time=SOON)},
            {'op': 'replace_sm', 'message_id_of': 2, 'args': dict(src, short_message='M3 new',
                                                                  schedule_delivery_time=LATER)}]})
        time.sleep(6)
        cls.ev_replace_q = cls.esme('repl', {'window': 1, 'timeout': 10000, 'submits': [], 'ops': [
            {'op': 'query_sm', 'args': dict(src, message_id=cls.ids(cls.ev_replace)[i])} for i in range(3)]})

        # 6. submit_multi: one id
        cls.ev_multi = cls.esme('multi', {'receipts': 3, 'timeout': 20000, 'multis': [{
            'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'registered_delivery': 1,
            'short_message': 'to three',
            'dest_address': [{'dest_addr_ton': 1, 'dest_addr_npi': 1, 'destination_addr': NUM[k]}
                             for k in ('P1', 'P2', 'P3')]}]})
        cls.multi_id = next((e['message_id'] for e in cls.ev_multi if e['event'] == 'submit_multi_resp'), None)
        cls.ev_multi_q = cls.esme('multi', {'submits': [], 'ops': [
            {'op': 'query_sm', 'args': dict(src, message_id=cls.multi_id or 'none')}]})

        # 7. cancel_sm by source and destination
        cls.ev_cancel = cls.esme('cancel', {'window': 1, 'timeout': 20000, 'receipts': 3, 'submits': [
            sm(NUM['C1'], 'cancel all 1', schedule_delivery_time=LATER),
            sm(NUM['C1'], 'cancel all 2', schedule_delivery_time=LATER),
            sm(NUM['C1'], 'cancel all 3', schedule_delivery_time=LATER),
            sm(NUM['C2'], 'keep me', schedule_delivery_time=LATER),
            sm(NUM['C1'], 'other source', schedule_delivery_time=LATER, source_addr='4001')], 'ops': [
            {'op': 'cancel_sm', 'args': dict(src, message_id='', dest_addr_ton=1, dest_addr_npi=1,
                                             destination_addr=NUM['C1'])}] + [
            {'op': 'query_sm', 'message_id_of': i, 'args': dict(src, source_addr='4001' if i == 4 else '4000')}
            for i in range(5)] + [
            # the rest by id; cancelling one by id gives its receipt too
            {'op': 'cancel_sm', 'message_id_of': 3, 'args': src},
            {'op': 'cancel_sm', 'message_id_of': 4, 'args': dict(src, source_addr='4001')}]})
        cls.ev_cancel_rx = cls.esme('cancel', {'bind': 'receiver', 'receipts': 2, 'timeout': 8000})

        # 10. coding options
        cls.ev_latin = net.esme({'system_id': 'latin', 'password': 'latin', 'window': 1, 'receipts': 3,
                                 'timeout': 20000, 'submits': [
            sm(NUM['E1'], hexs(LATIN_TEXT), data_coding=0),
            sm(NUM['E1'], hexs(b'Caf\xe9 \xa35'), data_coding=0),
            # a UCS2 message: its receipt text in Latin-1 (data_coding 0 of this account)
            sm(NUM['E1'], hexs('Gr\u00fc\u00dfe'.encode('utf-16-be')), data_coding=8)]})
        cls.ev_ascii = net.esme({'system_id': 'ascii', 'password': 'ascii', 'window': 1, 'submits': [
            sm(NUM['E1'], hexs(b'ascii $5 [x]'), rd=0, data_coding=0),
            sm(NUM['E1'], hexs(b'not ascii \xe9'), rd=0, data_coding=0)]})
        cls.ev_coding = cls.esme('coding', {'window': 1, 'receipts': 9, 'intermediates': 1, 'timeout': 40000,
                                            'submits': [
            sm(NUM['E1'], hexs(LATIN_TEXT), data_coding=0),                    # 0: GSM 03.38 (default)
            sm(NUM['E2'], 'Flash 10', data_coding=0x10),                        # 1
            sm(NUM['E2'], 'Flash F0', data_coding=0xF0),                        # 2
            sm(NUM['E2'], 'Class 1', data_coding=0x11),                         # 3
            sm(NUM['E2'], 'Class 3', data_coding=0xF3),                         # 4
            sm(NUM['E2'], hexs(bytes.fromhex('027000001516')), data_coding=0xF6, protocol_id=0x7F),   # 5
            sm(NUM['E2'], hexs(b'\x01\x02\x03'), data_coding=0xF5),             # 6 binary class 1
            sm(NUM['E2'], hexs(b'\x01\x02\x03'), data_coding=0x04, protocol_id=0x7F, rd=0),  # 7 no class 2
            sm(NUM['E3'], {'hex': ''}, data_coding=8, message_payload=hexs(UCS2_1000.encode('utf-16-be'))),  # 8
            sm(NUM['E3'], {'hex': ''}, data_coding=8, message_payload=hexs(UCS2_1060.encode('utf-16-be'))),  # 9
            sm(NUM['E2'], 'reply path', esm_class=0x80),                        # 10
            sm(NUM['E4'], 'intermediate', rd=0x11),                             # 11: absent, waits
            sm(NUM['E2'], 'SME ack', rd=0x05)]})                                # 12
        cls.ev_short = net.esme({'system_id': 'short', 'password': 'short', 'window': 1, 'submits': [
            sm(NUM['E2'], '', rd=0, message_payload='x' * 300), sm(NUM['E2'], '', rd=0, message_payload='y' * 400)]})

        # 11. addresses people type, the receipt text in its coding
        cls.ev_addr = cls.esme('addr', {'window': 1, 'receipts': 4, 'timeout': 20000, 'submits': [
            sm('+' + NUM['N1'], 'plus'),
            sm('00' + NUM['N2'], 'double zero', dest_addr_ton=0),
            sm('0' + NUM['N3'][2:], 'national', dest_addr_ton=2),
            sm(NUM['N4'], hexs(b'Cost 5\x1b\x65'), data_coding=0)]})
        cls.raw = cls.raw_checks()

        # everything delivered that will be
        deadline = time.time() + 30
        for p in (cls.v_long, cls.v_short):
            out, _ = p.communicate(timeout=max(1, deadline - time.time()) + 30)
            if p is cls.v_long:
                cls.ev_vlong = events(out)
            else:
                cls.ev_vshort = events(out)
        time.sleep(1)
        with open(os.path.join(net.tmp, 'mt.log')) as f:
            cls.mt = [tuple(line.rstrip('\n').split('\t', 1)) for line in f]
        cls.billing = net.billing()
        cls.show_sms = net.gw('show sms')

    @classmethod
    def raw_checks(cls):
        res = {}
        port = cls.net.ports['smpp']
        # a 20-octet system_id: refused, and the answer keeps our system_id
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(pdu(0x09, 1, bind_body(system_id=b'ABCDEFGHIJKLMNOPQRS')))
            res['long_system_id'] = read_pdu(s)
        # interface_version 0x99: not a version we speak
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(pdu(0x09, 1, bind_body(version=0x99)))
            res['version_99'] = read_pdu(s)
        # sequence numbers outside 1..0x7FFFFFFF
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(pdu(0x09, 1, bind_body()))
            res['bind'] = read_pdu(s)
            s.sendall(pdu(0x15, 0))
            res['seq_0'] = read_pdu(s)
            s.sendall(pdu(0x04, 0xFFFFFFFF, submit_body(NUM['N4'], b'bad seq')))
            res['seq_max'] = read_pdu(s)
            s.sendall(pdu(0x15, 7))
            res['after'] = read_pdu(s)
            # a second bind, its system_id 20 octets: the answer still names us
            s.sendall(pdu(0x02, 8, bind_body(system_id=b'ABCDEFGHIJKLMNOPQRS')))
            res['bound_long_system_id'] = read_pdu(s)
        return res

    # ------------------------------------------------------------ helpers
    @staticmethod
    def ids(events):
        return {e['index']: e['message_id'] for e in events if e['event'] == 'submit_sm_resp' and e['status'] == 0}

    @staticmethod
    def statuses(events):
        return {e['index']: e['status'] for e in events if e['event'] == 'submit_sm_resp'}

    @staticmethod
    def receipts(events):
        return [e for e in events if e['event'] == 'deliver_sm' and e['esm_class'] & 4]

    def texts_to(self, key):
        """what netsim's MSC accepted for a subscriber, in order (one line per part)"""
        return [t for imsi, t in self.mt if imsi == IMSI[key]]

    def fsm_sms(self, key):
        """the TPDUs (gsm_sms fields) of the MT-ForwardSMs to a subscriber, in capture order"""
        return [m for m in self.msgs if m.get('gsm_sms.tp-mti') is not None and
                m.get('sccp.calling.digits') == sn.GW_GT and IMSI[key] in json.dumps(m)]

    def fsm_with_text(self, text):
        return [m for m in self.msgs if m.get('sccp.calling.digits') == sn.GW_GT and m.get('gsm_sms.sms_text') == text]

    # ------------------------------------------------------------ 1
    def test_01_config_options_exist(self):
        self.assertNotIn('%', self.config_out, self.config_out)

    def test_01_alert_before_the_validity_end(self):
        """shipped back-off (2 60), 30 s validity, the HLR will alert: the
        message waits for the alert and is delivered when the subscriber attaches"""
        rc = self.receipts(self.ev_vshort)
        v1 = [r for r in rc if r['source_addr'] == NUM['V1']]
        self.assertEqual(len(v1), 1, self.ev_vshort)
        self.assertIn('stat:DELIVRD', v1[0]['text'])
        self.assertIn('validity 30 s', self.texts_to('V1'))

    def test_01_alert_with_a_long_backoff(self):
        """retry-interval 30 3600 and a 5-minute validity: not expired at once"""
        rc = self.receipts(self.ev_vlong)
        self.assertEqual(len(rc), 1, self.ev_vlong)
        self.assertIn('stat:DELIVRD', rc[0]['text'])
        self.assertIn('validity long', self.texts_to('V2'))

    def test_01_no_early_expiry(self):
        """absent at the MSC (no alert), 20 s validity: retried, a last attempt
        at the validity end, and the EXPIRED receipt only then"""
        sub = next(e for e in self.ev_vshort if e['event'] == 'submit_sm_resp' and e['index'] == 1)
        v3 = [r for r in self.receipts(self.ev_vshort) if r['source_addr'] == NUM['V3']]
        self.assertEqual(len(v3), 1, self.ev_vshort)
        self.assertIn('stat:EXPIRED', v3[0]['text'])
        waited = (v3[0]['t_ms'] - sub['t_ms']) / 1000
        self.assertGreaterEqual(waited, 19.5, 'expired %.1f s after the submit, validity 20 s' % waited)
        self.assertLess(waited, 26)
        # the last attempt went out at the validity end: an MT-ForwardSM to V3 after 19 s
        self.assertGreaterEqual(len(self.fsm_sms('V3')), 2)

    # ------------------------------------------------------------ 2
    def test_02_alphanumeric_originators(self):
        st = self.statuses(self.ev_alpha)
        for i, (name, ok, _) in enumerate(ALNUM):
            with self.subTest(name=name):
                self.assertEqual(st.get(i), 0 if ok else 0x0A, 'source %r: status 0x%x' % (name, st.get(i, -1)))
        rc = self.receipts(self.ev_alpha)
        self.assertEqual(len(rc), sum(1 for a in ALNUM if a[1]))
        self.assertTrue(all('stat:DELIVRD' in r['text'] for r in rc), rc)

    def test_02_alphanumeric_on_the_wire(self):
        for i, (name, ok, shown) in enumerate(ALNUM):
            if not ok:
                continue
            with self.subTest(name=name):
                m = self.fsm_with_text('alpha %d' % i)
                self.assertEqual(len(m), 1)
                self.assertEqual(num(m[0].get('gsm_sms.dis_field_addr.num_type')), 5)
                self.assertEqual(m[0].get('gsm_sms.tp-oa'), shown)

    # ------------------------------------------------------------ 3
    def test_03_one_at_a_time_in_submission_order(self):
        got = self.texts_to('O1')
        self.assertEqual(len(got), 3 + 3 + 5, got)
        self.assertEqual(''.join(got[:3]), LONG_A, got)
        self.assertEqual(''.join(got[3:6]), LONG_B, got)
        self.assertEqual(got[6:], ['order %d' % i for i in range(1, 6)])

    def test_03_references_per_destination(self):
        a = self.ids(self.ev_order1)[0]
        b = self.ids(self.ev_order2)[0]
        self.assertEqual(int(b) - int(a), 256, 'precondition: the two long messages 256 ids apart')
        parts = [m for m in self.fsm_sms('O1') if m.get('gsm_sms.udh.mm.msg_id') is not None]
        self.assertEqual(len(parts), 6, parts)
        refs = [m['gsm_sms.udh.mm.msg_id'] for m in parts]
        self.assertEqual(len(set(refs[:3])), 1)
        self.assertEqual(len(set(refs[3:])), 1)
        self.assertNotEqual(refs[0], refs[3], 'two messages to one number with one reference')
        # 16-bit references (IEI 8) where the ESME did not set its own
        self.assertTrue(all('8' in sn._as_list(m.get('gsm_sms.ie_identifier')) or
                            '0x08' in sn._as_list(m.get('gsm_sms.ie_identifier')) for m in parts),
                        [m.get('gsm_sms.ie_identifier') for m in parts])

    # ------------------------------------------------------------ 4
    def test_04_replace_if_present(self):
        self.assertEqual(set(self.statuses(self.ev_rip).values()), {0})
        got = self.texts_to('R1')
        self.assertNotIn('replace me', got)
        self.assertEqual(sorted(got), sorted(['replacement', 'other service', 'nothing to replace']))
        ids = self.ids(self.ev_rip)
        billed = {b['ref'] for b in self.billing if b['kind'] == 'sms_mt'}
        self.assertNotIn(ids[0], billed)
        self.assertTrue({ids[1], ids[2], ids[3]} <= billed)
        rc = {r['receipted_message_id']: r['text'] for r in self.receipts(self.ev_rip)}
        self.assertIn('stat:DELETED', rc.get(ids[0], ''))

    # ------------------------------------------------------------ 5
    def test_05_replace_sm_schedule(self):
        st = [e['status'] for e in self.ev_replace if e['event'] == 'replace_sm_resp']
        self.assertEqual(st, [0, 0, 0])
        got = self.texts_to('S1')
        self.assertEqual(got, ['M2 new'], 'empty schedule kept, +3 s applied (earlier), +1 h applied (later)')
        q = [e['message_state'] for e in self.ev_replace_q if e['event'] == 'query_sm_resp']
        self.assertEqual(q, [1, 2, 1])
        self.assertNotIn('transition to state', self.net.log('sigwayd'))

    # ------------------------------------------------------------ 6
    def test_06_submit_multi_one_id(self):
        self.assertIsNotNone(self.multi_id, self.ev_multi)
        rc = self.receipts(self.ev_multi)
        self.assertEqual(len(rc), 3, self.ev_multi)
        self.assertEqual({r['receipted_message_id'] for r in rc}, {self.multi_id})
        self.assertTrue(all(r['text'].startswith('id:%s ' % self.multi_id) for r in rc))
        self.assertEqual({r['source_addr'] for r in rc}, {NUM['P1'], NUM['P2'], NUM['P3']})
        # billing names the id the client got, per destination
        refs = {b['ref'] for b in self.billing if b['kind'] == 'sms_mt'}
        self.assertEqual({r for r in refs if r.split('/')[0] == self.multi_id},
                         {'%s/%s' % (self.multi_id, NUM[k]) for k in ('P1', 'P2', 'P3')})
        q = [e for e in self.ev_multi_q if e['event'] == 'query_sm_resp']
        self.assertEqual((q[0]['status'], q[0]['message_state']), (0, 2))

    # ------------------------------------------------------------ 7
    def test_07_cancel_by_source_and_destination(self):
        ops = [e for e in self.ev_cancel if e['event'] in ('cancel_sm_resp', 'query_sm_resp')]
        self.assertEqual(ops[0]['status'], 0, 'cancel_sm with an empty message_id')
        self.assertEqual([e['message_state'] for e in ops[1:6]], [4, 4, 4, 1, 1])
        self.assertEqual([e['status'] for e in ops[6:]], [0, 0])
        self.assertEqual(self.texts_to('C1') + self.texts_to('C2'), [])

    def test_07_deleted_receipts(self):
        ids = self.ids(self.ev_cancel)
        rc = self.receipts(self.ev_cancel) + self.receipts(self.ev_cancel_rx)
        got = collections.Counter(r['receipted_message_id'] for r in rc)
        self.assertEqual(got, collections.Counter(ids.values()), rc)
        self.assertTrue(all('stat:DELETED' in r['text'] and r['message_state'] == 4 for r in rc), rc)

    # ------------------------------------------------------------ 10
    def test_10_data_coding_0_per_account(self):
        self.assertEqual(self.statuses(self.ev_latin), {0: 0, 1: 0, 2: 0})
        m = self.fsm_with_text(LATIN_TEXT.decode())
        self.assertEqual(len(m), 1, 'the Latin-1 account\'s text as the handset shows it')
        self.assertEqual(num(m[0].get('gsm_sms.tp-dcs')), 0)
        self.assertEqual(len(self.fsm_with_text('Caf\u00e9 \u00a35')), 1)
        # the default account: GSM 03.38 (one septet per octet)
        self.assertEqual(len(self.fsm_with_text('user\u00a7name\u00a1example.com \u00a45 \u00c4promo\u00d1')), 1)
        # IA5: ASCII only
        self.assertEqual(self.statuses(self.ev_ascii), {0: 0, 1: 0x01})
        self.assertEqual(len(self.fsm_with_text('ascii $5 [x]')), 1)

    def test_10_message_classes(self):
        st = self.statuses(self.ev_coding)
        for i, dcs in ((1, '0x10'), (2, '0xf0'), (3, '0x11'), (4, '0xf3')):
            with self.subTest(dcs=dcs):
                self.assertEqual(st.get(i), 0)
                text = self.ev_coding_text(i)
                m = self.fsm_with_text(text)
                self.assertEqual(len(m), 1, text)
                self.assertEqual(hex(num(m[0].get('gsm_sms.tp-dcs'))), dcs)

    def ev_coding_text(self, i):
        return {1: 'Flash 10', 2: 'Flash F0', 3: 'Class 1', 4: 'Class 3'}[i]

    def test_10_sim_data_download(self):
        st = self.statuses(self.ev_coding)
        self.assertEqual(st.get(5), 0)
        self.assertEqual(st.get(6), 0)
        self.assertEqual(st.get(7), 0x45, 'SIM data download without class 2')
        e2 = self.fsm_sms('E2')
        dcs_pid = {(hex(num(m['gsm_sms.tp-dcs'])), hex(num(m['gsm_sms.tp-pid']))) for m in e2
                   if m.get('gsm_sms.tp-dcs') is not None}
        self.assertIn(('0xf6', '0x7f'), dcs_pid)
        self.assertIn(('0xf5', '0x0'), dcs_pid)

    def test_10_sixteen_parts(self):
        st = self.statuses(self.ev_coding)
        self.assertEqual(st.get(8), 0, '1000 UCS2 characters: 16 parts')
        self.assertEqual(st.get(9), 0x01, '1060 UCS2 characters: 17 parts')
        self.assertEqual(len(self.texts_to('E3')), 16)
        self.assertEqual(''.join(self.texts_to('E3')), UCS2_1000)
        # an account with max-parts 2
        self.assertEqual(self.statuses(self.ev_short), {0: 0, 1: 0x01})

    def test_11_reply_path(self):
        self.assertEqual(self.statuses(self.ev_coding).get(10), 0)
        m = self.fsm_with_text('reply path')
        self.assertEqual(len(m), 1)
        self.assertTrue(num(m[0].get('gsm_sms.tp-rp')))

    def test_11_intermediate_notification(self):
        # registered_delivery 0x11: the subscriber is absent, the message
        # waits for a retry, and the ESME hears of it (SMPP 3.4 5.2.17)
        self.assertEqual(self.statuses(self.ev_coding).get(11), 0)
        inter = [e for e in self.ev_coding if e['event'] == 'deliver_sm' and e['esm_class'] == 0x20]
        self.assertEqual(len(inter), 1, inter)
        self.assertEqual(inter[0]['receipted_message_id'], self.ids(self.ev_coding)[11])
        self.assertEqual(inter[0]['message_state'], 1)         # ENROUTE
        self.assertRegex(inter[0]['text'], r'^id:\S+ sub:001 dlvrd:000 submit date:\d{10} done date:\d{10}'
                                           r' stat:ENROUTE err:\d{3} text:intermediate')
        self.assertEqual(inter[0]['source_addr'], NUM['E4'])
        # SME acknowledgements stay refused
        self.assertEqual(self.statuses(self.ev_coding).get(12), 0x07)
        # on the wire, as tshark decodes it
        wire = [p for p in self.net.smpp_decoded() if p.get('smpp.command_id') == '0x00000005'
                and p.get('smpp.receipted_message_id') == self.ids(self.ev_coding)[11]]
        self.assertEqual(len(wire), 1)
        self.assertFalse(wire[0]['malformed'])
        self.assertEqual(wire[0].get('smpp.esm.submit.msg_type'), '0x08')    # esm_class 0x20: intermediate
        self.assertEqual(wire[0].get('smpp.message_state'), '1')             # ENROUTE

    # ------------------------------------------------------------ 11
    def test_11_addresses_people_type(self):
        self.assertEqual(self.statuses(self.ev_addr), {0: 0, 1: 0, 2: 0, 3: 0})
        self.assertEqual(self.texts_to('N1'), ['plus'])
        self.assertEqual(self.texts_to('N2'), ['double zero'])
        self.assertEqual(self.texts_to('N3'), ['national'])

    def test_11_receipt_text_in_its_coding(self):
        rc = {r['receipted_message_id']: r for r in self.receipts(self.ev_addr)}
        ids = self.ids(self.ev_addr)
        # GSM 03.38 account: the euro sign as GSM codes, which npm smpp decodes
        self.assertIn('text:Cost 5\u20ac', rc[ids[3]]['text'])
        # Latin-1 account: the UCS2 text in Latin-1 octets on the wire
        raw = b''.join(p for port, _, p in self.net.smpp_raw_pdus() if port == self.net.ports['smpp'])
        self.assertIn(b'text:Gr\xfc\xdfe', raw)

    def test_11_bind_and_header_checks(self):
        r = self.raw
        cmd, status, _, body = r['long_system_id']
        self.assertEqual(cmd, 0x80000009)
        self.assertNotEqual(status, 0)
        self.assertEqual(body, b'sigway\0', 'a refused bind keeps our system_id')
        cmd, status, seq, body = r['bound_long_system_id']
        self.assertEqual((cmd, seq), (0x80000002, 8))
        self.assertNotEqual(status, 0)
        self.assertEqual(body, b'sigway\0', 'bind_resp keeps our system_id')
        self.assertEqual(r['version_99'][:2], (0x80000009, 0x0D))
        self.assertEqual(r['bind'][:2], (0x80000009, 0))
        self.assertEqual(r['seq_0'][0], 0x80000000, 'enquire_link with sequence number 0: generic_nack')
        self.assertEqual(r['seq_max'][0], 0x80000000, 'submit_sm with sequence number 0xFFFFFFFF: generic_nack')
        self.assertEqual(r['after'][:3], (0x80000015, 0, 7))

    def test_counters(self):
        # five cancelled, one replaced (replace_if_present)
        deleted = re.search(r'messages their ESME deleted \(cancel_sm, replace_if_present\):\s+(\d+)', self.show_sms)
        replaced = re.search(r'replace_if_present_flag replaced:\s+(\d+)', self.show_sms)
        self.assertEqual((int(deleted.group(1)), int(replaced.group(1))), (6, 1), self.show_sms)


if __name__ == '__main__':
    SmsRules.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
