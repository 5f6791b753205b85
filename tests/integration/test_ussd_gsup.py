#!/usr/bin/env python3
"""USSD over GSUP through the gateway (issue 12 item 3): a real osmo-hlr with
USSD routes to sigwayd as External USSD Entity, our MSC-side GSUP peer
(tests/gsup/msc_peer.py) dialling for a subscriber of the Osmocom network,
and the same applications as on the MAP side (the Node.js JSON app on *123,
the Python XML app on *124), with the texts OsmoHLR 1.5 can take (128 GSM 7-bit,
56 UCS2 characters: its parser drops the EUSE's link on a longer component).
tshark's GSUP dissector must show every leg
(MSC -> HLR -> EUSE -> HLR -> MSC) with the applications' menus; the session
log and the billing records must agree with the capture.

OsmoHLR's ports are fixed (GSUP 4222, VTY 4258): run it in `unshare -n`.

usage: test_ussd_gsup.py BUILD_DIR
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, 'tests', 'gsup'))
import sigway_net as sn  # noqa: E402
import msc_peer as mp  # noqa: E402

APPS = os.path.join(TOP, 'tests', 'ussdgw', 'apps')
GSUP_PORT, HLR_VTY_PORT = 4222, 4258
IMSI, MSISDN = '262420000000001', '4917012345'
JSON_PORT, XML_PORT = sn.free_port(), sn.free_port()
EUSE = 'sigway-00-00-00-00-00-00'
GW_TEXTS = {'Service error.', 'Too slow, sorry.', 'Unknown service code.', 'Busy, try later.'}

SIGWAYD_EXTRA = """ussd
 text error Service error.
 text timeout Too slow, sorry.
 text no-route Unknown service code.
 text busy Busy, try later.
 application shop flavour json
 application shop url http://127.0.0.1:%d/ussd
 application shop timeout 1500
 application shop pass-imsi yes
 application menu flavour xml
 application menu url http://127.0.0.1:%d/
 application menu timeout 1500
 route *123# application shop
 route *124# application menu
gsup
 remote-ip 127.0.0.1
 remote-port %d
 name sigway
 ! the subscriber's time to answer on this path (OsmoHLR tells no hang-up)
 session-guard-timeout 3
 reconnect-backoff 1 2
""" % (JSON_PORT, XML_PORT, GSUP_PORT)

SESSIONS = [
    ('one_round', '*123*1#', [], 'Balance: 12.50 EUR'),
    ('three_rounds', '*123#', ['2', '1'], 'Data: 100 MB left'),
    ('six_rounds', '*123*6#', ['a', 'b', 'c', 'd', 'e'], 'Done after 6 rounds, last e'),
    ('free_text', '*123#', ['3', 'Hello from Osmocom'], 'You typed: Hello from Osmocom'),
    ('ucs2', '*123*70#', [], 'Ж' * 56),
    ('gsm7_128', '*123*68#', [], 'A' * 128),
    ('gsm7_129', '*123*69#', [], 'Service error.'),
    ('ucs2_80', '*123*73#', [], 'Service error.'),
    ('xml_three_rounds', '*124#', ['2', '2'], 'Voice: 60 min left'),
    ('app_timeout', '*123*81#', [], 'Too slow, sorry.'),
    ('too_long', '*123*72#', [], 'Service error.'),
    ('no_route', '*1239#', [], 'Unknown service code.'),
    ('hang_up', '*123#', None, None),
]


def text_of(comp):
    """The USSD text of a component as msc_peer decoded it (UCS2 as hex)"""
    if comp.get('dcs') == 0x48:
        return bytes.fromhex(comp['text']).decode('utf-16-be')
    return comp.get('text')


class UssdGsup(sn.NetworkTestCase):
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.extra_procs = []
        cls.sessions = {}
        db = os.path.join(net.tmp, 'hlr.db')
        cls.gsup_pcap = os.path.join(net.tmp, 'gsup.pcap')
        cls.start('tshark', ['tshark', '-i', 'lo', '-f', 'tcp port %d' % GSUP_PORT, '-w', cls.gsup_pcap])
        deadline = time.time() + 10
        while 'Capturing on' not in net.log('tshark-gsup') and time.time() < deadline:
            time.sleep(0.1)
        subprocess.run(['osmo-hlr-db-tool', '-l', db, 'create'], check=True, capture_output=True)
        with open(os.path.join(TOP, 'contrib', 'config', 'osmo-hlr-euse.cfg')) as f:
            cfg = f.read().replace(' ussd route prefix *123 external %s' % EUSE,
                                   ' ussd route prefix *123 external %s\n ussd route prefix *124 external %s'
                                   % (EUSE, EUSE))
        with open(os.path.join(net.tmp, 'osmo-hlr.cfg'), 'w') as f:
            f.write(cfg)
        cls.start('osmo-hlr', ['osmo-hlr', '-c', os.path.join(net.tmp, 'osmo-hlr.cfg'), '-l', db])
        net._wait_for_port(HLR_VTY_PORT)
        vty = sn.Vty(HLR_VTY_PORT)
        vty.cmd('subscriber imsi %s create' % IMSI)
        vty.cmd('subscriber imsi %s update msisdn %s' % (IMSI, MSISDN))
        vty.close()
        cls.start('json', ['node', os.path.join(APPS, 'json_app.js'), str(JSON_PORT),
                           os.path.join(net.tmp, 'json_app.log')])
        cls.start('xml', ['python3', os.path.join(APPS, 'xml_app.py'), str(XML_PORT),
                          os.path.join(net.tmp, 'xml_app.log')])
        for port in (JSON_PORT, XML_PORT):
            net._wait_for_port(port)
        net._wait_log('sigwayd', r'USSD over GSUP: the HLR link is up', 20)
        cls.show_gsup = net.gw('show gsup')
        try:
            for name, code, answers, _ in SESSIONS:
                cls.session(name, code, answers)
            time.sleep(4)       # the hang-up ends by the guard timer (3 s)
            cls.show = net.gw('show ussd')
            cls.billing = [b for b in net.billing() if b['kind'] == 'ussd_session']
            with sqlite3.connect(net.db) as db:
                db.row_factory = sqlite3.Row
                cls.rows = [dict(r) for r in db.execute('SELECT * FROM ussd_sessions ORDER BY start_ms')]
            with open(os.path.join(net.tmp, 'json_app.log')) as f:
                cls.json_log = [json.loads(l) for l in f if l.strip()]
        finally:
            for name in ('json', 'xml', 'osmo-hlr', 'tshark'):
                cls.stop(name)
        cls.gsup = cls.gsup_messages()

    @classmethod
    def start(cls, name, argv):
        logf = open(os.path.join(cls.net.tmp, name + '-gsup.log' if name == 'tshark' else name + '.log'), 'w')
        cls.extra_procs.append((name, subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                                       cwd=cls.net.tmp), logf))

    @classmethod
    def stop(cls, name):
        for n, p, logf in cls.extra_procs:
            if n == name and p.poll() is None:
                p.send_signal(signal.SIGINT if name == 'tshark' else signal.SIGTERM)
                p.wait(timeout=10)
                logf.close()

    @classmethod
    def session(cls, name, code, answers):
        peer = mp.MscPeer('127.0.0.1', GSUP_PORT)
        sid = mp.fresh_session_id()
        try:
            t = mp.run_session(peer, IMSI, sid, code, answers if answers is not None else ['x'],
                               abandon=answers is None)
        finally:
            peer.close()
        cls.sessions[name] = (sid, t)

    @classmethod
    def gsup_messages(cls):
        out = subprocess.run(['tshark', '-n', '-r', cls.gsup_pcap, '-d', 'tcp.port==%d,gsm_ipa' % GSUP_PORT,
                              '-Y', 'gsm_ipa', '-T', 'json', '--no-duplicate-keys'],
                             capture_output=True, text=True, check=True).stdout
        euse_streams, msgs = set(), []
        for pkt in json.loads(out or '[]'):
            layers = pkt['_source']['layers']
            stream = layers['tcp']['tcp.stream']
            if 'EUSE-sigway-00-00-00-00-00-00' in json.dumps(layers):
                euse_streams.add(stream)
            maps = sn._as_list(layers.get('gsm_map'))
            for i, g in enumerate(sn._as_list(layers.get('gsup'))):
                d = {'malformed': '_ws.malformed' in json.dumps(pkt), 'stream': stream,
                     'from_hlr': layers['tcp']['tcp.srcport'] == str(GSUP_PORT),
                     'ieis': re.findall(r'"gsup.ie.iei": "(\d+)"', json.dumps(g))}
                sn._flatten(g, d)
                if i < len(maps):
                    sn._flatten(maps[i], d)
                msgs.append(d)
        for d in msgs:
            side = 'euse' if d['stream'] in euse_streams else 'msc'
            d['leg'] = 'hlr>' + side if d['from_hlr'] else side + '>hlr'
        return msgs

    def legs(self, sid):
        out = []
        for d in self.gsup:
            if int(d.get('gsup.session_id', '-1'), 0) != sid:
                continue
            text = d.get('gsm_map.ussd_string')
            out.append((d['leg'], int(d['gsup.msg_type']), int(d['gsup.session_state']),
                        int(d.get('gsm_old.localValue', -1)), text.rstrip('\r') if text else text))
        return out

    def row(self, name):
        sid, t = self.sessions[name]
        # the session log row of the GSUP session that began after the previous one
        names = [s[0] for s in SESSIONS]
        return self.rows[names.index(name)]

    # ------------------------------------------------------------ checks
    def test_link(self):
        self.assertIn('HLR 127.0.0.1:%d as EUSE-%s: up' % (GSUP_PORT, EUSE), self.show_gsup)

    def test_sessions_end_to_end(self):
        for name, code, answers, final in SESSIONS:
            if final is None:
                continue
            sid, t = self.sessions[name]
            last = t[-1]
            comp = last.get('component') or {}
            self.assertEqual((last['dir'], last.get('state'), comp.get('type')), ('rx', 'END', 'returnResult'), name)
            self.assertEqual(text_of(comp), final, name)
            menus = [m for m in t if m['dir'] == 'rx' and m.get('state') == 'CONTINUE']
            self.assertEqual(len(menus), len(answers), name)
        sid, t = self.sessions['three_rounds']
        menus = [m['component']['text'] for m in t if m['dir'] == 'rx' and m.get('state') == 'CONTINUE']
        self.assertEqual(menus, ['Welcome\n1 Balance\n2 Options\n3 Echo', 'Options\n1 Data\n2 Voice'])

    def test_session_log(self):
        self.assertEqual(len(self.rows), len(SESSIONS))
        for r in self.rows:
            self.assertEqual((r['transport'], r['direction'], r['imsi'], r['msisdn'], r['operator']),
                             ('gsup', 'pull', IMSI, '', 'gsup'), r)
        expect = {'one_round': ('success', 1), 'three_rounds': ('success', 3), 'six_rounds': ('success', 6),
                  'free_text': ('success', 3), 'ucs2': ('success', 1), 'xml_three_rounds': ('success', 3),
                  'gsm7_128': ('success', 1), 'gsm7_129': ('app_error', 0), 'ucs2_80': ('app_error', 0),
                  'app_timeout': ('app_timeout', 0), 'too_long': ('app_error', 0), 'no_route': ('no_route', 0),
                  'hang_up': ('user_timeout', 1)}
        for name, (status, rounds) in expect.items():
            r = self.row(name)
            self.assertEqual((r['status'], r['rounds']), (status, rounds), r)

    def test_application_got_the_imsi(self):
        """OsmoHLR passes the IMSI only: the application knows the subscriber by it (pass-imsi)"""
        starts = [l['body'] for l in self.json_log if l['path'].endswith('/start')]
        self.assertTrue(starts)
        for b in starts:
            self.assertIsNone(b['msisdn'])
            self.assertEqual(b['imsi'], IMSI)

    def test_capture(self):
        """tshark's GSUP dissector: MSC -> HLR -> EUSE and back, the application's menus"""
        req, res = mp.PROC_SS_REQUEST, mp.PROC_SS_RESULT
        BEGIN, CONT, END = mp.BEGIN, mp.CONTINUE, mp.END
        sid, _ = self.sessions['three_rounds']
        menu, options = 'Welcome\n1 Balance\n2 Options\n3 Echo', 'Options\n1 Data\n2 Voice'
        self.assertEqual(self.legs(sid), [
            ('msc>hlr', req, BEGIN, 59, '*123#'), ('hlr>euse', req, BEGIN, 59, '*123#'),
            ('euse>hlr', res, CONT, 60, menu), ('hlr>msc', res, CONT, 60, menu),
            ('msc>hlr', req, CONT, 60, '2'), ('hlr>euse', req, CONT, 60, '2'),
            ('euse>hlr', res, CONT, 60, options), ('hlr>msc', res, CONT, 60, options),
            ('msc>hlr', req, CONT, 60, '1'), ('hlr>euse', req, CONT, 60, '1'),
            ('euse>hlr', res, END, 59, 'Data: 100 MB left'), ('hlr>msc', res, END, 59, 'Data: 100 MB left'),
        ])
        sid, _ = self.sessions['ucs2']
        self.assertEqual(self.legs(sid)[-1], ('hlr>msc', res, END, 59, 'Ж' * 56))
        # OsmoHLR 1.5 takes 112 octets of string (128 GSM 7-bit characters): one more is
        # refused at the gateway, so the HLR's link stays up (a longer component would drop it)
        self.assertIn('at most 128 fit', self.row('gsm7_129')['reason'])
        self.assertIn('at most 56 fit', self.row('ucs2_80')['reason'])
        to_euse = [d for d in self.gsup if d['leg'] == 'hlr>euse']
        self.assertTrue(to_euse)
        for d in to_euse:
            self.assertNotIn('8', d['ieis'])        # no MSISDN IE towards the EUSE
        self.assertFalse([d for d in self.gsup if d['malformed']])

    def test_billing_matches_the_capture(self):
        """Billed: the sessions whose first answer from the EUSE carried the
        application's text (a menu, or a final text that is not the gateway's own)"""
        expect = set()
        for name, _, _, _ in SESSIONS:
            sid, _ = self.sessions[name]
            first = next((l for l in self.legs(sid) if l[0] == 'euse>hlr'), None)
            if first and (first[3] == 60 or (first[3] == 59 and first[4] not in GW_TEXTS)):
                expect.add(self.row(name)['id'])
        refs = [b['ref'] for b in self.billing]
        self.assertEqual(len(refs), len(set(refs)))
        self.assertEqual(sorted(refs), sorted(expect))
        for b in self.billing:
            self.assertEqual((b['operator'], b['initiator']), ('gsup', 'mobile'))


if __name__ == '__main__':
    sn.main(__doc__)
