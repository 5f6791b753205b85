#!/usr/bin/env python3
"""Interop with Kannel (Debian's bearerbox + smsbox) as the ESME of sigwayd:
Kannel binds as a transceiver, three MT messages go in through its HTTP
sendsms interface, and the delivery receipts and one MO message come out of
Kannel to HTTP URLs served by this test. The billing records and the tshark
capture of the SMPP link are checked against what Kannel reported.

usage: test_kannel.py BUILD_DIR
"""

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BEARERBOX = '/usr/sbin/bearerbox'
SMSBOX = '/usr/sbin/smsbox'

ACCOUNT, PASSWORD, SHORT_CODE = 'kannel', 'kannel', '4001'
MT_DESTS = ['491770000001', '491770000002', '491770000003']
MO_SENDER, MO_TEXT = '491770000001', 'Hello kannel'

NETSIM_EXTRA = 'netsim\n' + ''.join(
    ' subscriber %s imsi 26201%s state attached\n' % (m, m[-10:]) for m in MT_DESTS)

SIGWAYD_EXTRA = """smpp
 account %s
  password %s
  window 50
  mo-route %s
""" % (ACCOUNT, PASSWORD, SHORT_CODE)

ADMIN_PASSWORD = 'admin-secret'
SENDSMS_USER, SENDSMS_PASSWORD = 'tester', 'tester-secret'

# smsc group: msg-id-type 0 = the submit_sm_resp message_id and the id of the
# receipt are both decimal numbers (bit 0x01: resp in hex, bit 0x02: receipt
# in hex; unset, Kannel would compare them as opaque strings)
KANNEL_CONF = """\
group = core
admin-port = {admin}
admin-password = {admin_password}
status-password = {admin_password}
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox}
box-allow-ip = "127.0.0.1"
log-file = "{tmp}/bearerbox.log"
log-level = 0
access-log = "{tmp}/bearerbox-access.log"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = sigway
host = 127.0.0.1
port = {smpp}
transceiver-mode = true
smsc-username = "{account}"
smsc-password = "{password}"
system-type = "kannel"
interface-version = 34
msg-id-type = 0
enquire-link-interval = 30
max-pending-submits = 10
reconnect-delay = 1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms}
log-file = "{tmp}/smsbox.log"
log-level = 0
access-log = "{tmp}/smsbox-access.log"

group = sendsms-user
username = "{user}"
password = "{user_password}"

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:{http}/mo?from=%p&to=%P&text=%a"
max-messages = 0
"""


class Recorder(http.server.ThreadingHTTPServer):
    """The URLs Kannel calls: /mo (sms-service get-url) and /dlr (dlr-url)"""
    daemon_threads = True

    def __init__(self):
        super().__init__(('127.0.0.1', 0), RecorderHandler)
        self.lock = threading.Lock()
        self.requests = []       # (path, {name: value})

    def got(self, path):
        with self.lock:
            return [q for p, q in self.requests if p == path]


class RecorderHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        with self.server.lock:
            self.server.requests.append((url.path, query))
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def http_get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors='replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors='replace')


def wait_for(what, cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise TimeoutError(what)


def int0(x):
    return int(x, 0) if isinstance(x, str) else int(x)


class Kannel(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}
    kannel = {}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.http = Recorder()
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        cls.kports = {k: sn.free_port() for k in ('admin', 'smsbox', 'sendsms')}
        conf = os.path.join(net.tmp, 'kannel.conf')
        with open(conf, 'w') as f:
            f.write(KANNEL_CONF.format(tmp=net.tmp, smpp=net.ports['smpp'], http=cls.http.server_address[1],
                                       account=ACCOUNT, password=PASSWORD, admin_password=ADMIN_PASSWORD,
                                       user=SENDSMS_USER, user_password=SENDSMS_PASSWORD, **cls.kports))
        try:
            cls.start_box('bearerbox', BEARERBOX, conf)
            cls.status = wait_for('bearerbox: the SMSC never came online', cls.smsc_online, 20)
            cls.start_box('smsbox', SMSBOX, conf)
            net._wait_for_port(cls.kports['sendsms'], 15)
            # smsbox is connected to bearerbox once the status page lists it
            wait_for('smsbox never connected to bearerbox',
                     lambda: 'smsbox' in cls.admin('status.txt')[1].split('Box connections:')[-1], 15)

            # MT: three messages through smsbox's sendsms, receipts asked
            cls.sendsms = []
            cls.t_mt = time.time()
            for n, dest in enumerate(MT_DESTS):
                cls.sendsms.append(http_get(cls.sendsms_url(n, dest, 'Hello from Kannel %d' % n)))
            cls.dlrs = cls.wait_dlrs(len(MT_DESTS), 20)
            cls.t_dlr = time.time() - cls.t_mt

            # MO: a subscriber texts the short code routed to the kannel account
            cls.mo_out = net.ns('mo-sms %s %s %s' % (MO_SENDER, SHORT_CODE, MO_TEXT))
            try:
                cls.mo = wait_for('no MO at the get-url', lambda: cls.http.got('/mo'), 20)
            except TimeoutError:
                cls.mo = []
            cls.show_mo = net.ns('show mo-sms')
            # the billing records are written once the ESME took the MO
            try:
                cls.billing = wait_for('billing', lambda: (lambda b: b if len(
                    [r for r in b if r['kind'] == 'sms_mo']) >= 1 and len(
                    [r for r in b if r['kind'] == 'sms_mt']) >= len(MT_DESTS) else None)(net.billing()), 10)
            except TimeoutError:
                cls.billing = net.billing()
        except BaseException:
            for name in ('bearerbox', 'smsbox'):
                print('----- %s log (%s) -----\n%s' % (name, net.tmp, cls.box_log(name)[-6000:]))
            raise
        finally:
            cls.stop_boxes()

    # ---------------------------------------------------------- Kannel
    @classmethod
    def start_box(cls, name, binary, conf):
        out = open(os.path.join(cls.net.tmp, name + '.out'), 'w')
        cls.kannel[name] = (subprocess.Popen([binary, conf], stdout=out, stderr=subprocess.STDOUT,
                                             cwd=cls.net.tmp), out)

    @classmethod
    def stop_boxes(cls):
        cls.box_exit = {}
        for name in ('smsbox', 'bearerbox'):
            if name not in cls.kannel:
                continue
            p, out = cls.kannel.pop(name)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    cls.box_exit[name] = 'killed after 30 s'
                    out.close()
                    continue
            cls.box_exit[name] = p.returncode
            out.close()

    @classmethod
    def admin(cls, page):
        try:
            return http_get('http://127.0.0.1:%d/%s?password=%s' % (cls.kports['admin'], page, ADMIN_PASSWORD))
        except OSError as e:
            return 0, str(e)

    @classmethod
    def smsc_online(cls):
        p = cls.kannel['bearerbox'][0]
        if p.poll() is not None:
            raise RuntimeError('bearerbox exited (%s):\n%s' % (p.returncode, cls.box_log('bearerbox')[-4000:]))
        status, text = cls.admin('status.txt')
        return text if status == 200 and 'sigway' in text and 'online' in text.split('SMSC connections:')[-1] \
            else None

    @classmethod
    def box_log(cls, name):
        try:
            with open(os.path.join(cls.net.tmp, name + '.log'), errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    @classmethod
    def sendsms_url(cls, n, dest, text):
        http_port = cls.http.server_address[1]
        # %d: the DLR type, %A: the SMSC's receipt text, %F: the SMSC's message id
        dlr_url = 'http://127.0.0.1:%d/dlr?n=%d&type=%%d&reply=%%A&fid=%%F' % (http_port, n)
        q = urllib.parse.urlencode({'username': SENDSMS_USER, 'password': SENDSMS_PASSWORD, 'from': SHORT_CODE,
                                    'to': '+' + dest, 'text': text, 'dlr-mask': 3, 'dlr-url': dlr_url})
        return 'http://127.0.0.1:%d/cgi-bin/sendsms?%s' % (cls.kports['sendsms'], q)

    @classmethod
    def wait_dlrs(cls, count, timeout):
        """The final DLRs (type 1 delivered, 2 failed, 16 rejected) by message number"""
        def final():
            got = {}
            for q in cls.http.got('/dlr'):
                if q.get('type') in ('1', '2', '16'):
                    got.setdefault(q['n'], q)
            return got if len(got) >= count else None
        try:
            return wait_for('DLRs', final, timeout)
        except TimeoutError:
            return {q['n']: q for q in cls.http.got('/dlr')}

    @classmethod
    def captured(cls, msgs):
        cls.smpp = cls.net.smpp_decoded()
        cls.smpp34 = cls.net.smpp34_judge()
        return msgs

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.http.server_close()
        super().tearDownClass()

    def diag(self):
        return '\n----- bearerbox log -----\n%s' % self.box_log('bearerbox')[-6000:]

    # ---------------------------------------------------------- helpers
    def pdus(self, command_id, ours=None):
        port = self.net.ports['smpp']
        return [p for p in self.smpp if p.get('smpp.command_id') == command_id and
                (ours is None or (p['srcport'] == port) == ours)]

    def submit_ids(self):
        return [p.get('smpp.message_id') for p in self.pdus('0x80000004', ours=True)
                if int0(p.get('smpp.command_status', '0')) == 0]

    # ------------------------------------------------------------ tests
    def test_sendsms_accepted(self):
        for n, (status, body) in enumerate(self.sendsms):
            with self.subTest(n):
                self.assertEqual(status, 202, body)
                self.assertIn('Accepted', body)

    def test_delivered_receipts(self):
        self.assertEqual(sorted(self.dlrs), [str(n) for n in range(len(MT_DESTS))],
                         '%s%s' % (self.http.got('/dlr'), self.diag()))
        ids = self.submit_ids()
        for n, q in self.dlrs.items():
            with self.subTest(n):
                self.assertEqual(q['type'], '1', q)
                self.assertRegex(q['reply'], r'^id:\d+ sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} '
                                             r'stat:DELIVRD err:000 text:')
                # Kannel matched the receipt to our submit_sm_resp id
                self.assertIn(q['fid'], ids)
                self.assertIn('id:%s ' % q['fid'], q['reply'])
        self.assertEqual(len({q['fid'] for q in self.dlrs.values()}), len(MT_DESTS))
        # no receipt Kannel could not match
        log = self.box_log('bearerbox')
        self.assertNotRegex(log, r'(?i)got dlr but could not find message')
        self.assertNotRegex(log, r'DLR from SMSC<.*> not found')

    def test_bearerbox_took_every_pdu(self):
        log = self.box_log('bearerbox')
        self.assertNotRegex(log, r'(?i)PDU unpacking failed|Server sent garbage|generic_nack')
        self.assertEqual([l for l in log.splitlines() if ' ERROR: ' in l or ' PANIC: ' in l], [])

    def test_mo_at_get_url(self):
        self.assertEqual(len(self.mo), 1, '%s\n%s\n%s%s' % (self.mo_out, self.show_mo, self.http.requests,
                                                            self.diag()))
        q = self.mo[0]
        # Kannel writes numbers of TON international with a '+'; netsim's handset
        # sends the short code as TP-DA TON international, which sigwayd passes on
        self.assertIn(q['from'], (MO_SENDER, '+' + MO_SENDER))
        self.assertIn(q['to'], (SHORT_CODE, '+' + SHORT_CODE))
        self.assertEqual(q['text'], MO_TEXT)

    def test_billing(self):
        mt = [b for b in self.billing if b['kind'] == 'sms_mt']
        self.assertEqual(len(mt), len(MT_DESTS), self.billing)
        self.assertEqual({b['account'] for b in mt}, {ACCOUNT})
        self.assertEqual({b['ref'] for b in mt}, set(self.submit_ids()))
        self.assertEqual(len([b for b in self.billing if b['kind'] == 'sms_mo']), 1, self.billing)

    def test_libsmpp34_second_decoder(self):
        """libsmpp34 (strict SMPP 3.4) and our codec both decode every PDU of
        the run, the client's and ours"""
        self.assert_both_decoders_take_all(self.smpp34)

    def test_smpp_on_the_wire(self):
        self.assertFalse([p for p in self.smpp if p['malformed']],
                         'malformed SMPP PDUs: %s' % [p for p in self.smpp if p['malformed']])
        binds = self.pdus('0x00000009', ours=False)
        self.assertEqual(len(binds), 1)
        self.assertEqual(binds[0].get('smpp.system_id'), ACCOUNT)
        self.assertEqual([int0(p.get('smpp.command_status')) for p in self.pdus('0x80000009', ours=True)], [0])
        self.assertEqual(len(self.pdus('0x00000004', ours=False)), len(MT_DESTS))
        self.assertEqual(len(self.submit_ids()), len(MT_DESTS))
        for mid in self.submit_ids():
            self.assertRegex(mid, r'^\d+$')
        delivers = self.pdus('0x00000005', ours=True)
        # tshark splits esm_class: message type 1 (bits 2-5 = 0001) is a delivery receipt
        receipts = [p for p in delivers if int0(p.get('smpp.esm.submit.msg_type', '0')) == 1]
        self.assertEqual(len(receipts), len(MT_DESTS))
        self.assertEqual({p.get('smpp.receipted_message_id') for p in receipts}, set(self.submit_ids()))
        self.assertEqual(len(delivers) - len(receipts), 1)      # the MO
        resps = self.pdus('0x80000005', ours=False)
        self.assertEqual(len(resps), len(delivers))
        self.assertEqual({int0(p.get('smpp.command_status')) for p in resps}, {0})

    def test_kannel_exits_cleanly(self):
        self.assertEqual(self.box_exit, {'smsbox': 0, 'bearerbox': 0})


if __name__ == '__main__':
    Kannel.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
