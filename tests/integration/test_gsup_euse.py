#!/usr/bin/env python3
"""USSD over GSUP with a real OsmoHLR (issue 12 item 3).

A real osmo-hlr (contrib/config/osmo-hlr-euse.cfg: `euse sigway-00-...`,
`ussd route prefix *123 external sigway-00-...`, its own sqlite DB with a
subscriber provisioned over its VTY), our test application on the GSUP
transport as that EUSE (tests/gsup/sigway-test-euse, a fixed menu), and our
MSC-side GSUP peer (tests/gsup/msc_peer.py) dialling mobile-originated USSD.
tshark captures the GSUP port; its GSUP dissector (with gsm_map for
SS_INFO) must show each session pass MSC -> HLR -> EUSE and back, the menus
coming back and the session ending, and the error paths: no route, the
application's error, the EUSE down (then up again), a subscriber who hangs
up (the EUSE's guard timer), a wrong port (the EUSE's back-off).

OsmoHLR's ports are fixed (GSUP 4222, VTY 4258, CTRL 4259): run it in a network namespace of its
own (`unshare -n`, see doc/HACKING.md).

usage: test_gsup_euse.py BUILD_DIR
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, 'tests', 'gsup'))
import sigway_net as sn  # noqa: E402
import msc_peer as mp  # noqa: E402

BUILD = None
GSUP_PORT = 4222
HLR_VTY_PORT = 4258     # osmo-hlr 1.5 ignores a port in `line vty` / `bind`
IMSI = '262420000000001'
MSISDN = '4917012345'
EUSE_NAME = 'EUSE-sigway-00-00-00-00-00-00'
ERR_SS_NOT_AVAILABLE, ERR_SYSTEM_FAILURE, ERR_UNEXPECTED_DATA = 18, 34, 36
# OsmoHLR 1.5 takes a component without a USSD operation code (a ReturnError
# or Reject from the EUSE) for structured SS and answers the MSC with this
ERR_FACILITY_NOT_SUPPORTED = 21


class OsmoHlrEuse(unittest.TestCase):
    """One osmo-hlr, one EUSE, one capture for the whole class; the tests run in
    name order and the last one reads the capture."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='sigway-gsup-')
        cls.procs = {}
        cls.exits = {}
        cls.sessions = {}       # name -> (session id, transcript, code)
        try:
            cls.start_all()
        except BaseException:
            for name in ('osmo-hlr', 'euse'):
                print('---- %s.log\n%s' % (name, cls.log(name)), file=sys.stderr)
            cls.tearDownClass()
            raise

    @classmethod
    def start_all(cls):
        try:
            socket.create_connection(('127.0.0.1', GSUP_PORT), timeout=0.5).close()
            raise RuntimeError('something listens on %d already: run this in `unshare -n`' % GSUP_PORT)
        except OSError:
            pass
        cls.ports = {k: sn.free_port() for k in ('euse_vty', 'bad_vty')}
        cls.pcap = os.path.join(cls.tmp, 'gsup.pcap')
        cls.start('tshark', ['tshark', '-i', 'lo', '-f', 'tcp port %d' % GSUP_PORT, '-w', cls.pcap])
        cls.wait_log('tshark', r'Capturing on')
        db = os.path.join(cls.tmp, 'hlr.db')
        subprocess.run(['osmo-hlr-db-tool', '-l', db, 'create'], check=True, capture_output=True)
        cls.start('osmo-hlr', ['osmo-hlr', '-c', cls.hlr_config(), '-l', db])
        cls.wait_port(GSUP_PORT)
        cls.wait_port(HLR_VTY_PORT)
        vty = sn.Vty(HLR_VTY_PORT)
        vty.cmd('subscriber imsi %s create' % IMSI)
        vty.cmd('subscriber imsi %s update msisdn %s' % (IMSI, MSISDN))
        cls.subscriber = vty.cmd('show subscriber imsi %s' % IMSI)
        vty.close()
        cls.start_euse()

    @classmethod
    def tearDownClass(cls):
        for name in list(cls.procs):
            cls.stop(name)
        if not os.environ.get('SIGWAY_KEEP_TMP'):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------ processes
    @classmethod
    def hlr_config(cls):
        with open(os.path.join(TOP, 'contrib', 'config', 'osmo-hlr-euse.cfg')) as f:
            text = f.read()
        path = os.path.join(cls.tmp, 'osmo-hlr.cfg')
        with open(path, 'w') as f:
            f.write(text)
        return path

    @classmethod
    def euse_config(cls, name, vty_port, remote_port=GSUP_PORT):
        with open(os.path.join(TOP, 'contrib', 'config', 'sigway-test-euse.cfg')) as f:
            text = f.read()
        text = text.replace('bind 127.0.0.1 4290', 'bind 127.0.0.1 %d' % vty_port)
        text = text.replace('remote-port 4222', 'remote-port %d' % remote_port)
        # a subscriber who hangs up is noticed within seconds, not 30
        text = text.replace('session-guard-timeout 30', 'session-guard-timeout 3')
        path = os.path.join(cls.tmp, name + '.cfg')
        with open(path, 'w') as f:
            f.write(text)
        return path

    @classmethod
    def start(cls, name, argv):
        if name in cls.procs:
            raise RuntimeError('%s runs already' % name)
        # a restarted program keeps its earlier log
        path = os.path.join(cls.tmp, name + '.log')
        logf = open(path, 'a')
        cls.procs[name] = (subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, cwd=cls.tmp), logf)

    @classmethod
    def start_euse(cls):
        exe = os.path.join(BUILD, 'tests', 'gsup', 'sigway-test-euse')
        cls.start('euse', [exe, '-c', cls.euse_config('euse', cls.ports['euse_vty'])])
        cls.wait_log('euse', r'HLR link up', count=cls.log('euse').count('HLR link up') + 1)

    @classmethod
    def stop(cls, name):
        p, logf = cls.procs.pop(name)
        if p.poll() is None:
            p.send_signal(signal.SIGINT if name == 'tshark' else signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        logf.close()
        if cls.exits.get(name, 0) == 0:
            cls.exits[name] = p.returncode

    @classmethod
    def log(cls, name):
        try:
            with open(os.path.join(cls.tmp, name + '.log'), errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    @classmethod
    def wait_log(cls, name, pattern, timeout=15, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(re.findall(pattern, cls.log(name))) >= count:
                return
            p = cls.procs[name][0]
            if p.poll() is not None:
                raise RuntimeError('%s exited (%s):\n%s' % (name, p.returncode, cls.log(name)))
            time.sleep(0.1)
        raise TimeoutError('%s: no "%s" in its log:\n%s' % (name, pattern, cls.log(name)))

    @staticmethod
    def wait_port(port, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError('nothing listens on %d' % port)

    # ------------------------------------------------------------ sessions
    def session(self, name, code, answers=(), abandon=False, **expect):
        """One MO USSD session from the MSC peer; its expectations must hold"""
        peer = mp.MscPeer('127.0.0.1', GSUP_PORT)
        sid = mp.fresh_session_id()
        try:
            t = mp.run_session(peer, IMSI, sid, code, answers, abandon)
        finally:
            peer.close()
        self.sessions[name] = (sid, t, code)
        problems = mp.check(t, **expect)
        self.assertEqual(problems, [], json.dumps(t, indent=1, ensure_ascii=False))
        return sid, t

    def test_0_provisioned(self):
        self.assertIn(IMSI, self.subscriber)
        self.assertIn(MSISDN, self.subscriber)

    def test_1_one_round(self):
        self.session('one_round', '*123*4#', expect_text='Code 4', expect_menus=0)

    def test_2_menu(self):
        self.session('menu', '*123#', ['1'], expect_text='Balance: 42.00', expect_menus=1)

    def test_2b_vty(self):
        """The EUSE's VTY: `show gsup` (link, sessions, counters) and its config node"""
        vty = sn.Vty(self.ports['euse_vty'])
        show = vty.cmd('show gsup')
        config = vty.cmd('show running-config')
        vty.close()
        self.assertIn('HLR 127.0.0.1:%d as %s: up' % (GSUP_PORT, EUSE_NAME), show)
        self.assertIn('sessions: 0 of 100', show)
        self.assertRegex(show, r'sessions handed to the USSD core:\s+2\b')
        self.assertRegex(show, r'HLR accepted us:\s+1\b')
        for line in ('gsup', ' remote-ip 127.0.0.1', ' remote-port %d' % GSUP_PORT, ' name sigway',
                     ' max-sessions 100', ' session-guard-timeout 3', ' reconnect-backoff 1 8', ' keepalive 20 10'):
            self.assertIn('\n' + line + '\n', '\n' + config.replace('\r', '') + '\n')

    def test_3_three_rounds(self):
        self.session('three_rounds', '*123#', ['2', '1'], expect_text='Data: 100 MB left', expect_menus=2)
        self.session('free_text', '*123#', ['3', 'Hello from Osmocom'],
                     expect_text='You typed: Hello from Osmocom', expect_menus=2)

    def test_4_application_error(self):
        """The application's ReturnError ends the session; OsmoHLR 1.5 turns it
        into facilityNotSupported on its way to the MSC (see test_9)"""
        self.session('app_error', '*123*9#', expect_error=ERR_FACILITY_NOT_SUPPORTED)

    def test_5_no_route(self):
        """No route for the code: OsmoHLR answers itself, the EUSE sees nothing"""
        self.session('no_route', '*999#', expect_error=ERR_SS_NOT_AVAILABLE)

    def test_6_hang_up(self):
        """The subscriber hangs up (END without SS_INFO): OsmoHLR tells the EUSE
        nothing, the EUSE's guard timer ends the session"""
        sid, t = self.session('hang_up', '*123#', abandon=True, expect_menus=1)
        self.assertEqual([m['state'] for m in t if m['dir'] == 'tx'], ['BEGIN', 'END'])
        self.wait_log('euse', r'session %s/0x%08x ended: aborted, guard timeout' % (IMSI, sid), timeout=10)

    def test_7_euse_down_and_back(self):
        """EUSE down: OsmoHLR answers systemFailure; the EUSE reconnects and serves again"""
        self.stop('euse')
        self.assertEqual(self.exits['euse'], 0, self.log('euse'))
        self.session('euse_down', '*123#', expect_error=ERR_SYSTEM_FAILURE)
        self.start_euse()
        self.session('euse_back', '*123*5#', expect_text='Code 5')

    def test_8_wrong_port_backoff(self):
        """An EUSE pointed at a port that is no GSUP port (the HLR's VTY) drops
        each connection with a clear log and waits longer each time"""
        exe = os.path.join(BUILD, 'tests', 'gsup', 'sigway-test-euse')
        self.start('bad', [exe, '-c', self.euse_config('bad', self.ports['bad_vty'], HLR_VTY_PORT)])
        self.wait_log('bad', r'next attempt in 4 s', timeout=15)
        self.stop('bad')
        log = self.log('bad')
        self.assertRegex(log, r'IPA frame of \d+ octets \(limit 1024\), dropping the link')
        waits = [int(w) for w in re.findall(r'next attempt in (\d+) s', log)]
        self.assertEqual(waits[:3], [1, 2, 4], log)
        self.assertNotIn('HLR link up', log)
        self.assertEqual(self.exits['bad'], 0, log)

    # ------------------------------------------------------------ the capture
    def gsup_messages(self):
        """Every GSUP message in the capture: leg (msc>hlr, hlr>euse, euse>hlr,
        hlr>msc), type, session id and state, the component's operation or
        error code, the USSD text, the IEs present"""
        self.stop('tshark')
        self.assertEqual(self.exits['tshark'], 0)
        out = subprocess.run(['tshark', '-n', '-r', self.pcap, '-d', 'tcp.port==%d,gsm_ipa' % GSUP_PORT,
                              '-Y', 'gsm_ipa', '-T', 'json', '--no-duplicate-keys'],
                             capture_output=True, text=True, check=True).stdout
        euse_streams = set()
        msgs = []
        for pkt in json.loads(out or '[]'):
            layers = pkt['_source']['layers']
            stream = layers['tcp']['tcp.stream']
            from_hlr = layers['tcp']['tcp.srcport'] == str(GSUP_PORT)
            if EUSE_NAME in json.dumps(layers):
                euse_streams.add(stream)    # the ID_RESP of our EUSE
            self.assertNotIn('_ws.malformed', json.dumps(pkt))
            maps = sn._as_list(layers.get('gsm_map'))
            for i, g in enumerate(sn._as_list(layers.get('gsup'))):
                d = {}
                sn._flatten(g, d)
                if i < len(maps):
                    sn._flatten(maps[i], d)
                d['stream'] = stream
                d['from_hlr'] = from_hlr
                d['ieis'] = re.findall(r'"gsup.ie.iei": "(\d+)"', json.dumps(g))
                msgs.append(d)
        for d in msgs:
            side = 'euse' if d['stream'] in euse_streams else 'msc'
            d['leg'] = 'hlr>' + side if d['from_hlr'] else side + '>hlr'
        return msgs

    def legs(self, msgs, sid):
        """The session's messages as (leg, type, state, operation or error, text)"""
        out = []
        for d in msgs:
            if int(d.get('gsup.session_id', '-1'), 0) != sid:
                continue
            text = d.get('gsm_map.ussd_string')
            if text and text.endswith('\r'):
                text = text[:-1]    # the 7-bit padding <CR> of 23.038 6.1.2.3.1, shown by Wireshark
            out.append((d['leg'], int(d['gsup.msg_type']), int(d['gsup.session_state']),
                        int(d.get('gsm_old.localValue', -1)), text))
        return out

    def test_9_capture(self):
        """tshark's GSUP dissector: every session went MSC -> HLR -> EUSE and back"""
        msgs = self.gsup_messages()
        req, res = mp.PROC_SS_REQUEST, mp.PROC_SS_RESULT
        BEGIN, CONT, END = mp.BEGIN, mp.CONTINUE, mp.END
        sid, _, _ = self.sessions['three_rounds']
        menu = 'Menu\n1 Balance\n2 Options\n3 Echo'
        options = 'Options\n1 Data\n2 Voice'
        self.assertEqual(self.legs(msgs, sid), [
            ('msc>hlr', req, BEGIN, 59, '*123#'),
            ('hlr>euse', req, BEGIN, 59, '*123#'),
            ('euse>hlr', res, CONT, 60, menu),
            ('hlr>msc', res, CONT, 60, menu),
            ('msc>hlr', req, CONT, 60, '2'),
            ('hlr>euse', req, CONT, 60, '2'),
            ('euse>hlr', res, CONT, 60, options),
            ('hlr>msc', res, CONT, 60, options),
            ('msc>hlr', req, CONT, 60, '1'),
            ('hlr>euse', req, CONT, 60, '1'),
            ('euse>hlr', res, END, 59, 'Data: 100 MB left'),
            ('hlr>msc', res, END, 59, 'Data: 100 MB left'),
        ])
        # OsmoHLR passes the IMSI, never the MSISDN (IE 0x08)
        to_euse = [d for d in msgs if d['leg'] == 'hlr>euse']
        self.assertTrue(to_euse)
        for d in to_euse:
            self.assertIn('1', d['ieis'])
            self.assertNotIn('8', d['ieis'])
        sid, _, _ = self.sessions['one_round']
        self.assertEqual(self.legs(msgs, sid), [
            ('msc>hlr', req, BEGIN, 59, '*123*4#'), ('hlr>euse', req, BEGIN, 59, '*123*4#'),
            ('euse>hlr', res, END, 59, 'Code 4'), ('hlr>msc', res, END, 59, 'Code 4')])
        # the application's error leaves the EUSE as a ReturnError in an END;
        # OsmoHLR 1.5 hands the MSC facilityNotSupported instead
        sid, _, _ = self.sessions['app_error']
        self.assertEqual(self.legs(msgs, sid)[2:], [
            ('euse>hlr', res, END, ERR_UNEXPECTED_DATA, None),
            ('hlr>msc', res, END, ERR_FACILITY_NOT_SUPPORTED, None)])
        # no route and EUSE down: the HLR answers, nothing reaches an EUSE
        for name, err in (('no_route', ERR_SS_NOT_AVAILABLE), ('euse_down', ERR_SYSTEM_FAILURE)):
            sid, _, code = self.sessions[name]
            self.assertEqual(self.legs(msgs, sid), [
                ('msc>hlr', req, BEGIN, 59, code), ('hlr>msc', res, END, err, None)], name)
        # the hang-up reached the HLR only
        sid, _, _ = self.sessions['hang_up']
        self.assertEqual([l[0] for l in self.legs(msgs, sid)], ['msc>hlr', 'hlr>euse', 'euse>hlr', 'hlr>msc', 'msc>hlr'])

    def test_zz_clean_exit(self):
        """Every process of ours ends cleanly (the ASan build aborts on an invalid access)"""
        if 'euse' in self.procs:
            self.stop('euse')
        self.assertEqual(self.exits.get('euse'), 0, self.log('euse'))
        self.assertNotRegex(self.log('euse'), r'AddressSanitizer|LeakSanitizer|runtime error')
        self.assertIn('ended: final', self.log('euse'))


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__.split('\n\n')[-1], file=sys.stderr)
        sys.exit(2)
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
