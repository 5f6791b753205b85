#!/usr/bin/env python3
"""Interop with Debian's Perl SMPP library Net::SMPP (libnet-smpp-perl) as
the ESME of sigwayd: tests/smpp/perl/esme.pl binds as a transceiver, submits
three short messages and one whose text travels in message_payload, takes
their delivery receipts and an MO from the simulated network, answers every
deliver_sm and unbinds; billing and the tshark decode of the same SMPP
traffic are checked against what the ESME saw. A bind with a wrong password
is refused.

usage: test_net_smpp.py BUILD_DIR
"""

import json
import os
import re
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

ESME_PL = os.path.join(sn.TOP, 'tests', 'smpp', 'perl', 'esme.pl')

SUBSCRIBERS = ['491770000001', '491770000002', '491770000003']
NETSIM_EXTRA = 'netsim\n mt-log mt.log\n' + ''.join(
    ' subscriber %s imsi 26201%s state attached\n' % (m, m[-10:]) for m in SUBSCRIBERS)

SHORT = [(m, 'Hello from Net::SMPP %d' % (i + 1)) for i, m in enumerate(SUBSCRIBERS)]
LONG_DEST = '491770000002'
MO_TEXT = 'Hello perl'

RECEIPT_RE = re.compile(r'^id:(\d+) sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} '
                        r'stat:DELIVRD err:000 text:')


def parse(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


class NetSmpp(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA}

    @classmethod
    def esme_argv(cls, *args):
        return ['perl', ESME_PL, '--port', str(cls.net.ports['smpp']), '--system-id', 'demo'] + list(args)

    @classmethod
    def run_all(cls):
        net = cls.net
        argv = cls.esme_argv('--password', 'demo', '--mode', 'transceiver', '--receipts', '4', '--mo', '1',
                             '--timeout', '60', '--long', LONG_DEST)
        for dest, text in SHORT:
            argv += ['--submit', '%s:%s' % (dest, text)]
        errpath = os.path.join(net.tmp, 'esme-stderr.log')
        with open(errpath, 'w') as err:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        # the ESME ends itself after --timeout, but its (synchronous) bind
        # has no timeout of its own
        watchdog = threading.Timer(120, p.kill)
        watchdog.start()
        # the MO once the ESME is bound, so it goes to a live session; all
        # its output through the same buffered reader
        first = p.stdout.readline()
        if first.startswith('{') and json.loads(first).get('status') == 0:
            cls.mo_out = net.ns('mo-sms 491770000001 4000 %s' % MO_TEXT)
        out = first + p.stdout.read()
        cls.rc = p.wait(timeout=30)
        watchdog.cancel()
        p.stdout.close()
        with open(errpath) as f:
            cls.stderr = f.read()
        cls.events = parse(out)

        bad = subprocess.run(cls.esme_argv('--password', 'wrong', '--timeout', '10'), capture_output=True,
                             text=True, timeout=30)
        cls.bad_pw = parse(bad.stdout)
        cls.bad_pw_stderr = bad.stderr
        cls.alive_after = net.alive('sigwayd')
        cls.billing = net.billing()
        # what the simulated MSC handed to the handsets: IMSI, text of each part
        with open(os.path.join(net.tmp, 'mt.log')) as f:
            cls.mt_log = [tuple(line.rstrip('\n').split('\t', 1)) for line in f]

    @classmethod
    def captured(cls, msgs):
        cls.smpp = cls.net.smpp_decoded()
        cls.smpp34 = cls.net.smpp34_judge()
        return msgs

    # ------------------------------------------------------------ helpers
    def of(self, kind):
        return [e for e in self.events if e['event'] == kind]

    def ids(self):
        return {e['index']: e['message_id'] for e in self.of('submit_sm_resp') if e['status'] == 0}

    def sent(self):
        return {e['index']: e for e in self.of('submit_sm')}

    def receipts(self):
        return [e for e in self.of('deliver_sm') if e['esm_class'] & 0x3c == 0x04]

    # ------------------------------------------------------------ tests
    def test_session(self):
        self.assertEqual(self.rc, 0, self.stderr)
        self.assertEqual(self.of('bind_resp')[0]['status'], 0, self.events)
        self.assertEqual(self.of('bind_resp')[0]['system_id'], 'sigway')
        done = self.of('done')
        self.assertEqual(len(done), 1, self.events)
        self.assertEqual(done[0]['reason'], 'complete', self.events)
        self.assertEqual([e['status'] for e in self.of('unbind_resp')], [0], self.events)
        self.assertEqual(self.of('generic_nack') + self.of('unexpected') + self.of('error'), [])
        # Net::SMPP warns about TLVs it cannot place and about broken streams
        self.assertNotRegex(self.stderr, r'Unknown tag|premature eof|error reading|Too short', self.stderr)

    def test_submits_accepted(self):
        resps = self.of('submit_sm_resp')
        self.assertEqual(sorted(e['index'] for e in resps), [0, 1, 2, 3], self.events)
        self.assertEqual([e['status'] for e in resps], [0] * 4, self.events)
        ids = self.ids()
        for mid in ids.values():
            self.assertRegex(mid, r'^\d+$')
        self.assertEqual(len(set(ids.values())), 4)

    def test_receipts(self):
        ids = self.ids()
        dests = [d for d, _ in SHORT] + [LONG_DEST]
        rc = self.receipts()
        self.assertEqual(len(rc), 4, self.events)
        by_id = {r.get('receipted_message_id'): r for r in rc}
        self.assertEqual(set(by_id), set(ids.values()), rc)
        for i, mid in ids.items():
            r = by_id[mid]
            with self.subTest(index=i):
                m = RECEIPT_RE.match(r['text'])
                self.assertIsNotNone(m, r['text'])
                self.assertEqual(m.group(1), mid)
                self.assertEqual(r['message_state'], 2)
                self.assertEqual(r['esm_class'], 0x04)
                self.assertEqual(r['source_addr'], dests[i])
                self.assertEqual(r['destination_addr'], '4000')
                # the first 20 characters of the message
                self.assertEqual(r['text'][m.end():], self.sent()[i]['text'][:20])
        # the two-part message has one receipt
        self.assertEqual(len(self.of('deliver_sm')), 5, self.events)

    def test_texts_reach_the_handsets(self):
        """What Net::SMPP sent in short_message and in message_payload is
        what the MSC got, the long one in two parts."""
        sent = self.sent()
        self.assertEqual(len(sent), 4, self.events)
        self.assertEqual([sent[i]['message_payload'] for i in range(4)], [False, False, False, True])
        self.assertEqual(len(sent[3]['text']), 300)
        imsi = {m: '26201' + m[-10:] for m in SUBSCRIBERS}
        got = {}
        for sub, text in self.mt_log:
            got.setdefault(sub, []).append(text)
        self.assertEqual(len(self.mt_log), 5, self.mt_log)
        for i in range(3):
            self.assertIn(sent[i]['text'], got.get(imsi[sent[i]['destination_addr']], []))
        parts = [t for t in got.get(imsi[LONG_DEST], []) if t != sent[1]['text']]
        self.assertEqual(len(parts), 2, self.mt_log)
        self.assertEqual(''.join(parts), sent[3]['text'])

    def test_mo(self):
        self.assertNotRegex(getattr(self, 'mo_out', ''), r'(?i)error|unknown|fail')
        mo = [e for e in self.of('deliver_sm') if e['esm_class'] & 0x3c == 0]
        self.assertEqual(len(mo), 1, self.events)
        got = mo[0]['text'] or mo[0].get('message_payload')
        self.assertEqual(got, MO_TEXT)
        self.assertEqual(mo[0]['source_addr'], '491770000001')
        self.assertEqual(mo[0]['destination_addr'], '4000')
        self.assertEqual(mo[0]['esm_class'], 0)
        self.assertNotIn('receipted_message_id', mo[0])

    def test_billing(self):
        ids = self.ids()
        mt = [b for b in self.billing if b['kind'] == 'sms_mt']
        self.assertEqual(sorted(b['ref'] for b in mt), sorted(ids.values()), self.billing)
        units = {b['ref']: b['units'] for b in mt}
        self.assertEqual(units[ids[3]], 2)
        for i in range(3):
            self.assertEqual(units[ids[i]], 1)
        self.assertTrue(all(b['account'] == 'demo' for b in mt))
        self.assertEqual(len([b for b in self.billing if b['kind'] == 'sms_mo']), 1, self.billing)

    def test_wrong_password(self):
        self.assertEqual(self.bad_pw[0]['event'], 'bind_resp', self.bad_pw)
        self.assertEqual(self.bad_pw[0]['status'], 0x0D)    # ESME_RBINDFAIL, as every failed bind
        self.assertEqual(self.bad_pw[-1]['reason'], 'bind refused')
        self.assertTrue(self.alive_after)

    def test_libsmpp34_second_decoder(self):
        """libsmpp34 (strict SMPP 3.4) and our codec both decode every PDU of
        the run, the client's and ours"""
        self.assert_both_decoders_take_all(self.smpp34)

    def test_smpp_on_the_wire(self):
        """tshark decodes every PDU of both sides; the ESME's PDUs are what
        the events say, and every deliver_sm has its deliver_sm_resp."""
        self.assertGreater(len(self.smpp), 10)
        self.assertEqual([p for p in self.smpp if p['malformed']], [], 'a PDU tshark calls malformed')
        gw = self.net.ports['smpp']
        ours = [p for p in self.smpp if p['srcport'] == gw]
        theirs = [p for p in self.smpp if p['srcport'] != gw]
        submits = [p for p in theirs if p.get('smpp.command_id') == '0x00000004']
        self.assertEqual(len(submits), 4)
        payload = [p for p in submits if 'smpp.message_payload' in p]
        self.assertEqual(len(payload), 1, submits)
        self.assertEqual(int(payload[0].get('smpp.sm_length', 0)), 0)
        # deliver_sm from sigwayd and the ESME's answers, by sequence number
        deliver = {p['smpp.sequence_number'] for p in ours if p.get('smpp.command_id') == '0x00000005'}
        answered = {p['smpp.sequence_number'] for p in theirs if p.get('smpp.command_id') == '0x80000005'
                    and int(p.get('smpp.command_status', '1'), 0) == 0}
        self.assertEqual(len(deliver), 5)
        self.assertEqual(deliver, answered)
        ids = {p.get('smpp.message_id') for p in ours if p.get('smpp.command_id') == '0x80000004'}
        self.assertEqual(ids, set(self.ids().values()))
        cmds = [p.get('smpp.command_id') for p in self.smpp]
        self.assertIn('0x00000006', cmds)       # unbind
        self.assertIn('0x80000006', cmds)       # unbind_resp
        refused = [p for p in ours if p.get('smpp.command_id') == '0x80000009'
                   and int(p.get('smpp.command_status', '0'), 0) == 0x0D]
        self.assertEqual(len(refused), 1)


if __name__ == '__main__':
    NetSmpp.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
