#!/usr/bin/env python3
"""Foundation end to end: the test peer (tests/peer, in sigwayd's place:
same point code and GT) <-> osmo-stp (IPA) <-> sigway-netsim.
Every dialogue is captured on the wire and judged by tshark's decode.

usage: test_ss7_foundation.py BUILD_DIR
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None


def tcap_kind(m):
    for k in ('begin', 'continue', 'end', 'abort'):
        if m.get('tcap.%s_element' % k):
            return k
    return None


def wire(msgs):
    """One entry per message: each is captured twice (client->STP, STP->client)."""
    seen, out = set(), []
    for m in msgs:
        key = (m.get('sccp.message_type'), m.get('tcap.otid'), m.get('tcap.dtid'), tcap_kind(m),
               m.get('sccp.called.digits'), m.get('sccp.calling.digits'), m.get('sccp.called.ssn'),
               str(m.get('gsm_old.localValue')))
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def dialogue(msgs, otid):
    """The messages of the dialogue our Begin with this OTID opened."""
    out, peer = [], None
    for m in msgs:
        if tcap_kind(m) == 'begin' and m.get('tcap.otid') == otid:
            out.append(m)
        elif m.get('tcap.dtid') == otid:
            out.append(m)
            peer = peer or m.get('tcap.otid')
        elif peer and m.get('tcap.dtid') == peer:
            out.append(m)
    return out


def tid_of(line):
    return '%s:%s:%s:%s' % tuple(line.split('0x')[-1][i:i + 2] for i in range(0, 8, 2))


class Foundation(sn.NetworkTestCase):
    network_args = {'gateway': 'testpeer'}

    @classmethod
    def captured(cls, msgs):
        return wire(msgs)

    @classmethod
    def run_all(cls):
        cls.results = {}
        net, r = cls.net, cls.results
        r['basic'] = net.run_test('test-dialogue basic-end ' + sn.HLR_GT)
        r['continue'] = net.run_test('test-dialogue continue ' + sn.HLR_GT)
        r['abort'] = net.run_test('test-dialogue user-abort ' + sn.HLR_GT)
        # the HLR now refuses shortMsgGateway v3 and proposes v2
        ns = net.vty('netsim')
        for line in ('configure terminal', 'netsim', 'hlr sms-gateway-max-version 2', 'end'):
            ns.cmd(line)
        r['fallback'] = net.run_test('test-dialogue acn-fallback ' + sn.HLR_GT)
        r['udts'] = net.run_test('test-udt-return %s 99' % sn.HLR_GT)
        # a TCAP Continue for a transaction netsim never had, inside a well-formed UDT
        # to the HLR's GT: netsim must answer with a P-Abort unrecognizedTransactionID
        udt = bytes([0x09, 0x81, 0x03, 0x0e, 0x19,
                     0x0b, 0x12, 0x06, 0x00, 0x12, 0x04, 0x94, 0x71, 0x01, 0x00, 0x00, 0x10,
                     0x0b, 0x12, 0x08, 0x00, 0x12, 0x04, 0x94, 0x71, 0x02, 0x00, 0x00, 0x99,
                     0x0e, 0x65, 0x0c, 0x48, 0x04, 0xca, 0xfe, 0x00, 0x01, 0x49, 0x04, 0x00, 0x00, 0x00, 0x07])
        r['raw_unknown_tid'] = net.peer('test-send-raw %d %s' % (sn.PC_NETSIM, udt.hex()))
        # an XUDT whose called GT has 33 digits: dropped and counted, never a crash
        called = bytes([0x12, 0x06, 0x00, 0x11, 0x04]) + bytes([0x21] * 16) + bytes([0xf1])
        calling = bytes([0x42, 0x08])
        data = bytes([0x01, 0xaa])
        lc = len(called)
        # pointers are relative to their own octet (3, 4, 5): called at 7, calling at 8+lc, data at 11+lc
        xudt = bytes([0x11, 0x81, 0x0f, 7 - 3, (8 + lc) - 4, (11 + lc) - 5, 0]) + \
            bytes([lc]) + called + bytes([len(calling)]) + calling + data
        r['raw_long_gt'] = net.peer('test-send-raw %d %s' % (sn.PC_NETSIM, xudt.hex()))
        time.sleep(0.5)
        r['netsim_sccp'] = net.ns('show sccp statistics')
        r['peer_running'] = net.peer('show running-config')
        r['peer_users'] = net.peer('show sccp users')
        r['after_bad'] = net.run_test('test-dialogue acn-fallback ' + sn.HLR_GT)

    # ------------------------------------------------------------------
    def test_all_ok_and_clean_on_the_wire(self):
        for name in ('basic', 'continue', 'abort', 'fallback', 'udts', 'after_bad'):
            self.assertIn(' ok ', self.results[name], name)
        self.assertTrue(self.msgs, 'nothing captured')
        # the only frames tshark may call malformed are the 33-digit GT we injected
        bad = [m for m in self.msgs if m['malformed']]
        self.assertFalse([m['frame'] for m in bad if len(m.get('sccp.called.digits', '')) <= 32],
                         'tshark: malformed frames')

    def test_sigway_decode_reads_the_capture(self):
        """sigway-decode reads the capture tshark wrote (pcapng, with its options and
        statistics block) and finds the SCCP messages tshark finds, frame by frame"""
        with open(self.net.pcap, 'rb') as f:
            self.assertEqual(f.read(4), b'\x0a\x0d\x0d\x0a', 'tshark writes pcapng')
        p = subprocess.run([os.path.join(self.build, 'src', 'decode', 'sigway-decode'), self.net.pcap],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ''))
        ours = sorted(json.loads(line)['frame'] for line in p.stdout.splitlines())
        self.assertEqual(ours, sorted(m['frame'] for m in self.net.decoded()))
        self.assertGreater(len(ours), 10)

    def test_begin_end_with_result(self):
        d = dialogue(self.msgs, tid_of(self.results['basic']))
        self.assertEqual([tcap_kind(m) for m in d], ['begin', 'end'])
        begin, end = d
        self.assertEqual(begin['sccp.message_type'], '0x09')
        self.assertEqual(begin['sccp.called.digits'], sn.HLR_GT)
        self.assertEqual(begin['sccp.called.ssn'], '6')
        self.assertEqual(begin['sccp.calling.digits'], sn.GW_GT)
        self.assertEqual(begin['sccp.calling.ssn'], '8')
        self.assertEqual(begin['tcap.application_context_name'], '0.4.0.0.1.0.20.3')
        self.assertEqual(begin['gsm_old.localValue'], '45')
        self.assertEqual(end['tcap.dtid'], begin['tcap.otid'])
        self.assertEqual(end['tcap.result'], '0')                     # AARE accepted
        self.assertEqual(end['tcap.application_context_name'], '0.4.0.0.1.0.20.3')
        self.assertTrue(end.get('gsm_old.returnResultLast_element'))
        self.assertEqual(end['sccp.calling.digits'], sn.HLR_GT)

    def test_begin_continue_continue_end(self):
        d = dialogue(self.msgs, tid_of_from_wire(self.msgs, '0.4.0.0.1.0.19.2', 0))
        self.assertEqual([tcap_kind(m) for m in d], ['begin', 'continue', 'continue', 'end'])
        begin, cont1, cont2, end = d
        self.assertEqual(cont1['tcap.dtid'], begin['tcap.otid'])
        self.assertEqual(cont1['tcap.result'], '0')
        self.assertEqual(cont1['gsm_old.localValue'], '60')           # unstructuredSS-Request
        self.assertEqual(cont2['tcap.otid'], begin['tcap.otid'])
        self.assertEqual(cont2['tcap.dtid'], cont1['tcap.otid'])
        self.assertEqual(end['tcap.dtid'], begin['tcap.otid'])
        self.assertEqual(end['gsm_old.localValue'], '59')             # processUSS result

    def test_user_abort(self):
        d = dialogue(self.msgs, tid_of_from_wire(self.msgs, '0.4.0.0.1.0.19.2', 1))
        self.assertEqual([tcap_kind(m) for m in d], ['begin', 'continue', 'abort'])
        abort = d[2]
        self.assertEqual(abort['tcap.dtid'], d[1]['tcap.otid'])
        self.assertEqual(abort['tcap.abort_source'], '0')             # ABRT from the user

    def test_refused_acn_fallback(self):
        begins = [m for m in self.msgs if tcap_kind(m) == 'begin' and m.get('gsm_old.localValue') == '45']
        v3 = [m for m in begins if m['tcap.application_context_name'] == '0.4.0.0.1.0.20.3']
        v2 = [m for m in begins if m['tcap.application_context_name'] == '0.4.0.0.1.0.20.2']
        self.assertTrue(v2, 'no retry with v2')
        # v3 Begins: basic-end (accepted), then two refused after the HLR went to v2
        self.assertEqual(len(v3), 3)
        refused = dialogue(self.msgs, v3[1]['tcap.otid'])
        self.assertEqual([tcap_kind(m) for m in refused], ['begin', 'abort'])
        abort = refused[1]
        self.assertEqual(abort['tcap.result'], '1')                   # reject-permanent
        self.assertEqual(abort['tcap.dialogue_service_user'], '2')    # ACN not supported
        self.assertEqual(abort['tcap.application_context_name'], '0.4.0.0.1.0.20.2')
        retry = dialogue(self.msgs, v2[0]['tcap.otid'])
        self.assertEqual([tcap_kind(m) for m in retry], ['begin', 'end'])
        self.assertEqual(retry[1]['tcap.result'], '0')

    def test_route_on_gt(self):
        # every dialogue message is routed on GT (RI 0, GTI 4) end to end: our
        # SCCP translated the GTs, osmo-stp only routed on point codes
        tcap_msgs = [m for m in self.msgs if tcap_kind(m)]
        self.assertTrue(tcap_msgs)
        for m in tcap_msgs:
            self.assertEqual(m['sccp.called.ri'], '0x00')
            self.assertEqual(m['sccp.called.gti'], '0x04')

    def test_udts_for_unknown_ssn(self):
        udts = [m for m in self.msgs if m['sccp.message_type'] == '0x0a']
        self.assertEqual(len(udts), 1)
        self.assertEqual(udts[0]['sccp.return_cause'], '0x04')        # unequipped user
        self.assertEqual(udts[0]['sccp.called.digits'], sn.GW_GT)
        self.assertIn('cause 4', self.results['udts'])

    def test_p_abort_unknown_transaction(self):
        aborts = [m for m in self.msgs if m.get('tcap.dtid') == 'ca:fe:00:01']
        self.assertEqual(len(aborts), 1)
        self.assertEqual(aborts[0]['tcap.p_abortCause'], '1')         # unrecognizedTransactionID

    def test_bad_gt_dropped_and_counted(self):
        self.assertTrue(self.net.alive('netsim'))
        line = [l for l in self.results['netsim_sccp'].splitlines() if 'over 32 digits' in l][0]
        self.assertEqual(int(re.search(r'(\d+) \(', line).group(1)), 1, line)


    def test_vty_config_written_back_and_users_listed(self):
        cfg = self.results['peer_running']
        self.assertIn('sccp', cfg)
        self.assertIn(' local-gt 49172000', cfg)
        self.assertIn(' gtt 4917100000 dpc 0.0.3', cfg)
        self.assertIn(' calling-gt %s' % sn.GW_GT, cfg)
        # two users on the one SCCP layer: the TCAP test user and the raw echo user
        self.assertIn('SSN 8 bound', self.results['peer_users'])
        self.assertIn('SSN 250 bound', self.results['peer_users'])


def tid_of_from_wire(msgs, acn, index):
    begins = [m for m in msgs if tcap_kind(m) == 'begin' and m.get('tcap.application_context_name') == acn]
    return begins[index]['tcap.otid']


class CheckConfig(unittest.TestCase):
    def test_m3ua_production_config_parses(self):
        cfg = os.path.join(sn.CONFIGS, 'sigwayd-m3ua.cfg')
        p = subprocess.run([os.path.join(BUILD, 'src/sigwayd/sigwayd'), '-c', cfg, '--check-config'],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn('configuration OK', p.stdout)

    def test_broken_config_is_refused(self):
        p = subprocess.run([os.path.join(BUILD, 'src/sigwayd/sigwayd'), '-c', '/dev/null', '--check-config'],
                           capture_output=True, text=True, timeout=30)
        # empty parses, but a gateway without its node would serve nothing: refused, and said why
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("a 'gateway' node with 'calling-gt' and 'database'", p.stderr)
        bad = os.path.join(sn.tempfile.mkdtemp(), 'bad.cfg')
        with open(bad, 'w') as f:
            f.write('sccp\n gtt 123 dpc\n')
        p = subprocess.run([os.path.join(BUILD, 'src/sigwayd/sigwayd'), '-c', bad, '--check-config'],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)


if __name__ == '__main__':
    BUILD = sn.NetworkTestCase.build = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
