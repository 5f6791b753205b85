"""The test network: a real osmo-stp and two of our processes on free loopback
ports, with a tshark capture of the SS7 traffic. Standard library only.

The network has two places, each a point code with its AS behind osmo-stp
(whose IPA "point-code override dpc" makes each reach exactly the other):
the gateway's (PC 0.0.2, GT 491720000099) and the simulated network's
(PC 0.0.3, HLR 491710000001, MSC 491710000002). In the gateway's place runs
sigwayd or the test peer (`testpeer`, tests/peer); in the network's place
sigway-netsim or the test peer with the network's point code and GTs
(`netpeer`, sending from the MSC's GT). swap() changes what runs in a place
within one run.

    with Network(build_dir, gateway='testpeer') as net:
        net.run_test("test-dialogue basic-end 491710000001")
        net.swap('gateway', 'sigwayd')      # same STP, same netsim
        ...
        pdus = net.decoded()      # every SCCP message seen on the wire, by tshark
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = os.path.join(TOP, 'contrib', 'config')
ESME_JS = os.path.join(TOP, 'tests', 'smpp', 'node', 'esme.js')

HLR_GT = '491710000001'
MSC_GT = '491710000002'
GW_GT = '491720000099'
PC_GW, PC_NETSIM = 2, 3

# what can run in each place: executable in the build, config in contrib/config,
# key of its VTY port
PROGRAMS = {
    'sigwayd': ('src/sigwayd/sigwayd', 'sigwayd.cfg', 'gw_vty'),
    'testpeer': ('tests/peer/sigway-testpeer', 'testpeer.cfg', 'tp_vty'),
    'netsim': ('src/netsim/sigway-netsim', 'netsim.cfg', 'ns_vty'),
    'netpeer': ('tests/peer/sigway-testpeer', 'testpeer-network.cfg', 'np_vty'),
}
PLACES = {'gateway': ('sigwayd', 'testpeer'), 'network': ('netsim', 'netpeer')}
PEERS = ('testpeer', 'netpeer')


_ports_given = set()


def free_port():
    """A TCP port free on 127.0.0.1 now, below the kernel's ephemeral range:
    a port the kernel handed out (bind to 0) may be given again to some
    process's outgoing connection before ours binds it"""
    low = 32768
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    rng = random.Random()
    while True:
        port = rng.randrange(10000, max(10001, low))
        if port in _ports_given:
            continue
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
        _ports_given.add(port)
        return port


def counter(text, name, missing=None):
    """A counter's value in a `show ... statistics` text, by its description;
    missing None: a counter not in the text fails the test"""
    m = re.search(r'%s:\s+(\d+)' % re.escape(name), text)
    if m:
        return int(m.group(1))
    if missing is None:
        raise AssertionError('no "%s" in:\n%s' % (name, text))
    return missing


def http(method, url, body=None, headers=None, timeout=60):
    """One HTTP request by urllib: (status, text, headers), an error status too"""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def rss_kib(pid):
    """A process's resident memory now, KiB"""
    with open('/proc/%d/status' % pid) as f:
        return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))


def cpu_times(pid):
    """(user, system) CPU seconds a process used so far"""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    tck = os.sysconf('SC_CLK_TCK')
    return int(fields[11]) / tck, int(fields[12]) / tck


class Vty:
    """A telnet VTY session (libosmovty speaks plain text after its banner)."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        self._read_prompt()
        self.cmd('enable')

    def _read_prompt(self):
        buf = b''
        deadline = time.time() + 10
        while time.time() < deadline:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('VTY closed')
            buf += chunk
            # a prompt, "name# " or "name(config-x)# ", alone on the buffer's last line
            # (after the banner's telnet options); output such as " route *100#
            # application" may end a chunk with "# " too
            tail = buf[buf.rfind(b'\n') + 1:]
            if len(tail) < 160 and re.search(rb'(?<![ -~])[\w.-]+(\([\w.-]+\))?[>#] $', tail):
                return buf.decode(errors='replace')
        raise TimeoutError('no VTY prompt')

    def cmd(self, line):
        self.sock.sendall(line.encode() + b'\r\n')
        out = self._read_prompt()
        lines = out.replace('\r', '').split('\n')
        # drop the echoed command and the prompt(s)
        return '\n'.join(l for l in lines[1:] if l.strip() and not re.match(r'^\S+[#>] ?$', l))

    def close(self):
        self.sock.close()


class Network:
    def __init__(self, build_dir, netsim_extra='', capture=True, quiet=False, wrapper=(), sigwayd_extra='',
                 gateway='sigwayd', network='netsim', peer_extra='', sigwayd_env=None):
        if gateway not in PLACES['gateway'] or network not in PLACES['network']:
            raise ValueError('gateway: one of %s, network: one of %s' % (PLACES['gateway'], PLACES['network']))
        self.build_dir = build_dir
        self.wrapper = list(wrapper)     # e.g. valgrind in front of our daemons
        self.extra = {'sigwayd': sigwayd_extra, 'netsim': netsim_extra, 'testpeer': peer_extra,
                      'netpeer': peer_extra}
        self.place = {'gateway': gateway, 'network': network}
        self.capture = capture
        # variables set (a value) or removed (None) in sigwayd's environment
        self.sigwayd_env = dict(sigwayd_env or {})
        self.level = 'error' if quiet else 'notice'
        self.procs = {}
        self.exit_codes = {}
        self.tmp = tempfile.mkdtemp(prefix='sigway-net-')
        self.ports = {k: free_port() for k in ('ipa', 'stp_vty', 'smpp')}
        self.ports.update({p[2]: free_port() for p in PROGRAMS.values()})
        self.db = os.path.join(self.tmp, 'sigway.db')
        self.pcap = os.path.join(self.tmp, 'ss7.pcap')
        self._vty = {}
        self._retired = 0

    # ------------------------------------------------------------ config
    def _config(self, name, vty_port, extra='', ours=True):
        with open(os.path.join(CONFIGS, name)) as f:
            text = f.read()
        text = re.sub(r'(\n bind 127\.0\.0\.1) \d+', r'\1 %d' % vty_port, text)
        text = re.sub(r' 5000( 0 ipa)?\n', lambda m: ' %d%s\n' % (self.ports['ipa'], m.group(1) or ''), text)
        # the harness waits for DSS7's "SS7 link up", so that category stays at notice
        text = text.replace('logging level set-all notice', 'logging level set-all %s%s' % (
            self.level, '\n logging level ss7 notice' if ours else ''))
        text = text.replace(' local-port 2775\n', ' local-port %d\n' % self.ports['smpp'])
        text += extra
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def _start(self, name, argv, log, env=None):
        logf = open(os.path.join(self.tmp, log), 'w')
        # None: the test's own environment (ASAN_OPTIONS and all); {} would be an empty one
        env = {k: v for k, v in dict(os.environ, **env).items() if v is not None} if env else None
        self.procs[name] = (subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, cwd=self.tmp, env=env),
                            logf)

    def log(self, name):
        with open(os.path.join(self.tmp, name + '.log'), errors='replace') as f:
            return f.read()

    def logs(self, name):
        """Every log of a program in this run, the earlier runs (swap) first"""
        old = sorted((f for f in os.listdir(self.tmp) if re.match(r'%s\.\d+\.log$' % re.escape(name), f)),
                     key=lambda f: int(f.split('.')[-2]))
        texts = []
        for f in old + ([name + '.log'] if os.path.exists(os.path.join(self.tmp, name + '.log')) else []):
            with open(os.path.join(self.tmp, f), errors='replace') as fh:
                texts.append(fh.read())
        return texts

    def _wait_log(self, name, pattern, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.log(name)):
                return
            p = self.procs[name][0]
            if p.poll() is not None:
                raise RuntimeError('%s exited (%s):\n%s' % (name, p.returncode, self.log(name)))
            time.sleep(0.1)
        raise TimeoutError('%s: no "%s" in its log:\n%s' % (name, pattern, self.log(name)))

    # ------------------------------------------------------------- start
    def start(self):
        stp_cfg = self._config('osmo-stp.cfg', self.ports['stp_vty'], ours=False)
        if self.capture:
            # one leg of every message: what the clients send to the STP (the STP's
            # copy of a segmented XUDT carries the same local reference, and
            # tshark would reassemble segments of both legs into one); a 64 MiB
            # kernel buffer, so a flood's burst is not dropped while tshark waits
            # for a CPU
            self._start('tshark', ['tshark', '-i', 'lo', '-B', '64', '-f', 'tcp dst port %d or tcp port %d' % (
                                       self.ports['ipa'], self.ports['smpp']),
                                   '-w', self.pcap], 'tshark.log')
            self._wait_log('tshark', r'Capturing on')
        self._start('osmo-stp', ['osmo-stp', '-c', stp_cfg], 'osmo-stp.log')
        self._wait_for_port(self.ports['ipa'])
        for name in (self.place['network'], self.place['gateway']):
            self._launch(name)
        for name in (self.place['network'], self.place['gateway']):
            self._wait_log(name, r'SS7 link up', self._start_timeout())
        # the STP needs a moment after ASP-UP before it routes to both
        time.sleep(0.5)
        return self

    def _start_timeout(self):
        return 60 if self.wrapper else 15

    def _launch(self, name):
        exe, cfg, port = PROGRAMS[name]
        path = self._config(cfg, self.ports[port], self.extra[name])
        if name == 'sigwayd':
            self.gw_cfg = path
        self._start(name, self.wrapper + [os.path.join(self.build_dir, exe), '-c', path], name + '.log',
                    self.sigwayd_env if name == 'sigwayd' else None)

    def _wait_for_port(self, port, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError('nothing listens on %d' % port)

    def _stop_proc(self, name, sig=signal.SIGTERM):
        """Stops one of our processes; its exit status goes to exit_codes (the
        first failure of a name is kept) and its log to NAME.N.log"""
        v = self._vty.pop(name, None)
        if v:
            try:
                v.close()
            except OSError:
                pass
        p, logf = self.procs.pop(name)
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=60 if self.wrapper else 10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.exit_codes.get(name, 0) == 0:
            self.exit_codes[name] = p.returncode
        logf.close()
        self._retired += 1
        os.rename(os.path.join(self.tmp, name + '.log'), os.path.join(self.tmp, '%s.%d.log' % (name, self._retired)))
        return p.returncode

    def swap(self, place, name):
        """Stops what runs in a place ('gateway' or 'network'; SIGTERM, an
        orderly stop) and starts `name` there, on the same osmo-stp, beside the
        same process in the other place. Returns the stopped one's exit status."""
        if name not in PLACES[place]:
            raise ValueError('%s cannot run in the %s place' % (name, place))
        rc = self._stop_proc(self.place[place])
        self.place[place] = name
        self._launch(name)
        self._wait_log(name, r'SS7 link up', self._start_timeout())
        time.sleep(0.5)
        return rc

    def vty(self, which):
        """A VTY session with one of our processes, by name (sigwayd, netsim,
        testpeer, netpeer)"""
        if which not in self._vty:
            self._vty[which] = Vty(self.ports[PROGRAMS[which][2]])
        return self._vty[which]

    def gw(self, line):
        """A command to what runs in the gateway's place"""
        return self.vty(self.place['gateway']).cmd(line)

    def ns(self, line):
        """A command to what runs in the network's place"""
        return self.vty(self.place['network']).cmd(line)

    def peer_name(self):
        for name in (self.place['gateway'], self.place['network']):
            if name in PEERS:
                return name
        raise RuntimeError('no test peer in this network (%s)' % self.place)

    def peer_bench(self, kind, count, window, gt=HLR_GT, timeout=600):
        """The test peer's `bench KIND` to gt, until it finished; its rate. A
        dialogue lost or failed, or no end within timeout s, raises."""
        self.peer('bench %s %s count %d window %d' % (kind, gt, count, window))
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = self.peer('show bench')
            if 'finished' in out:
                f = out.split()
                vals = dict(zip(f[3::2], f[4::2]))
                if int(vals['failed']) or int(vals['done']) != count:
                    raise RuntimeError('bench lost dialogues: ' + out)
                return float(vals['rate'])
            time.sleep(0.05)
        raise TimeoutError('bench ' + kind)

    def peer(self, line):
        """A command to the test peer (the one in the gateway's place when both run)"""
        return self.vty(self.peer_name()).cmd(line)

    def kill_sigwayd(self, sig=signal.SIGKILL):
        """kill -9 (default): no shutdown code runs, as in a crash or a power cut of
        the process; SIGTERM: an orderly stop. Returns the exit status."""
        p, logf = self.procs.pop('sigwayd')
        p.send_signal(sig)
        p.wait(timeout=60)
        logf.close()
        os.rename(os.path.join(self.tmp, 'sigwayd.log'), os.path.join(self.tmp, 'sigwayd-killed.log'))
        v = self._vty.pop('sigwayd', None)
        if v:
            v.close()
        return p.returncode

    def restart_sigwayd(self):
        self._launch('sigwayd')
        self._wait_log('sigwayd', r'SS7 link up', self._start_timeout())
        time.sleep(0.5)

    def alive(self, name):
        return self.procs[name][0].poll() is None

    def wait_test(self, test_id, timeout=10):
        """Waits until test N of the test peer finished; returns its line."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.peer('show test-dialogues').splitlines():
                parts = line.split(' ', 3)
                if parts[0] == str(test_id) and parts[2] != 'running':
                    return line
            time.sleep(0.1)
        raise TimeoutError('test %d did not finish' % test_id)

    def run_test(self, line, timeout=10):
        """Runs a test command of the test peer; returns its result line"""
        out = self.peer(line)
        m = re.search(r'test (\d+) started', out)
        if not m:
            raise RuntimeError('%s: %s' % (line, out))
        return self.wait_test(int(m.group(1)), timeout)

    def esme(self, plan, timeout=60):
        """Runs the npm `smpp` ESME (tests/smpp/node/esme.js) with a plan
        (see there); returns its events as dicts."""
        out = subprocess.run(['node', ESME_JS, self._plan_file(plan)], capture_output=True, text=True,
                             timeout=timeout).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith('{')]

    def esme_start(self, plan):
        """The same ESME in the background (Popen; its stdout has the events)"""
        return subprocess.Popen(['node', ESME_JS, self._plan_file(plan)], stdout=subprocess.PIPE, text=True)

    def _plan_file(self, plan):
        plan = dict({'port': self.ports['smpp'], 'system_id': 'demo', 'password': 'demo'}, **plan)
        fd, path = tempfile.mkstemp(prefix='plan-', suffix='.json', dir=self.tmp)
        with os.fdopen(fd, 'w') as f:
            json.dump(plan, f)
        return '@' + path

    def billing(self):
        """The billing records, exported by sigway-billing as JSON lines"""
        out = subprocess.run([os.path.join(self.build_dir, 'src/billing/sigway-billing'), 'export', '--db', self.db,
                              '--format', 'jsonl'], capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    def audit(self, msisdn):
        """sigway-audit's report for an MSISDN: (exit status, text)"""
        p = subprocess.run([os.path.join(self.build_dir, 'src/audit/sigway-audit'), '--db', self.db, msisdn],
                           capture_output=True, text=True)
        return p.returncode, p.stdout

    def smpp_decoded(self):
        """Every SMPP PDU in the capture, decoded by tshark: a flat dict of
        its fields each, with 'malformed' and the TCP source port"""
        pdus = []
        for pkt in self._tshark_json('tcp.port==%d,smpp' % self.ports['smpp'], 'smpp'):
            layers = pkt['_source']['layers']
            malformed = _has_key(pkt, '_ws.malformed')
            for layer in _as_list(layers.get('smpp')):
                d = {'frame': int(layers['frame']['frame.number']), 'srcport': int(layers['tcp']['tcp.srcport']),
                     'dstport': int(layers['tcp']['tcp.dstport']), 'malformed': malformed}
                _flatten(layer, d)
                pdus.append(d)
        return pdus

    def smpp_raw_pdus(self):
        """Every SMPP PDU of the capture as bytes, cut from each TCP direction's
        byte stream by command_length: (source port, destination port, bytes) in order"""
        self.stop_capture()
        out = subprocess.run(['tshark', '-n', '-r', self.pcap, '-Y', 'tcp.port==%d && tcp.len>0' % self.ports['smpp'],
                              '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.dstport',
                              '-e', 'tcp.payload'],
                             capture_output=True, text=True, check=True).stdout
        streams, order = {}, []
        for line in out.splitlines():
            stream, port, dport, payload = line.split('\t')
            key = (stream, int(port), int(dport))
            if key not in streams:
                streams[key] = b''
                order.append(key)
            streams[key] += bytes.fromhex(payload.replace(':', ''))
        pdus = []
        for key in order:
            data = streams[key]
            while len(data) >= 16:
                n = int.from_bytes(data[:4], 'big')
                if n < 16 or n > len(data):
                    break       # a deliberately broken length: the rest is not PDUs
                pdus.append((key[1], key[2], data[:n]))
                data = data[n:]
        return pdus

    def smpp34_judge(self):
        """Each captured PDU decoded by libsmpp34 (the strict second decoder) and
        by ours: dicts port, dport, command_id, seq, libsmpp34 ('ok' or its error), ours (0 or -status)"""
        pdus = self.smpp_raw_pdus()
        tool = os.path.join(self.build_dir, 'tests/smpp/smpp34_check')
        # libsmpp34 leaks on some TLVs (why it is not our production codec): no leak check here
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0')
        out = subprocess.run([tool], input=''.join(p.hex() + '\n' for _, _, p in pdus), capture_output=True,
                             text=True, check=True, env=env).stdout.splitlines()
        res = []
        for (port, dport, _), line in zip(pdus, out):
            cmd, seq, rest = line.split(' ', 2)
            lib, ours = rest.rsplit(' ours=', 1)
            res.append({'port': port, 'dport': dport, 'command_id': cmd, 'seq': int(seq),
                        'libsmpp34': lib.split('=', 1)[1], 'ours': int(ours)})
        return res

    # ----------------------------------------------------------- capture
    def stop_capture(self):
        if 'tshark' in self.procs:
            p, logf = self.procs.pop('tshark')
            time.sleep(0.5)     # let the last segments reach the capture
            p.send_signal(signal.SIGINT)
            p.wait(timeout=10)
            logf.close()

    def _tshark_json(self, decode_as, display_filter):
        """The packets of the (stopped) capture tshark's JSON shows for a filter"""
        self.stop_capture()
        # a TCP segment of a flood carries hundreds of messages: tshark's
        # default depth (500 layers a frame) would cut the rest of it off
        out = subprocess.run(['tshark', '-n', '-r', self.pcap, '-o', 'gui.max_tree_depth:20000'] +
                             [a for d in _as_list(decode_as) for a in ('-d', d)] + ['-Y', display_filter,
                              '-T', 'json', '--no-duplicate-keys'], capture_output=True, text=True, check=True).stdout
        return json.loads(out or '[]')

    def decoded(self):
        """Every SCCP message in the capture as a flat dict of tshark fields
        (first occurrence of each field name; lists for repeated ones)."""
        msgs = []
        # TCAP on the gsmSCF's subsystem too (USSD `ssn 147`): tshark knows
        # it only when the other side is on a subsystem it knows
        for pkt in self._tshark_json(['tcp.port==%d,gsm_ipa' % self.ports['ipa'], 'sccp.ssn==147,tcap'], 'sccp'):
            layers = pkt['_source']['layers']
            sccps = _as_list(layers.get('sccp'))
            tcaps = _as_list(layers.get('tcap'))
            maps = _as_list(layers.get('gsm_map'))
            smss = _as_list(layers.get('gsm_sms'))
            malformed = _has_key(pkt, '_ws.malformed')     # once a frame: a flood's carries thousands
            for i, s in enumerate(sccps):
                d = {'frame': int(layers['frame']['frame.number']),
                     'time': float(layers['frame']['frame.time_relative'])}
                _flatten(s, d)
                # a TCAP layer per SCCP message that carries TCAP, in order
                if i < len(tcaps):
                    _flatten(tcaps[i], d)
                if i < len(maps):
                    _flatten(maps[i], d)
                    # the TPDU inside, when this message carries one
                    if smss and _has_key(maps[i], 'gsm_map.sm.sm_RP_UI'):
                        _flatten(smss.pop(0), d)
                d['malformed'] = malformed
                msgs.append(d)
        return msgs

    # -------------------------------------------------------------- stop
    def stop(self):
        for v in self._vty.values():
            try:
                v.close()
            except OSError:
                pass
        self._vty = {}
        self.stop_capture()
        ours = [self.place['gateway'], self.place['network']]
        for name in ours + [n for n in list(self.procs) if n not in ours + ['osmo-stp']] + ['osmo-stp']:
            if name not in self.procs:
                continue
            p, logf = self.procs.pop(name)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=60 if self.wrapper else 10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if self.exit_codes.get(name, 0) == 0:
                self.exit_codes[name] = p.returncode
            logf.close()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.dump_logs()
            self.stop()
            raise

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.dump_logs()
        self.stop()
        if exc[0] is None and not os.environ.get('SIGWAY_KEEP_TMP'):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def dump_logs(self):
        for name in ('osmo-stp',) + tuple(PROGRAMS):
            for i, text in enumerate(self.logs(name)):
                print('----- %s log %d (%s) -----\n%s' % (name, i + 1, self.tmp, text[-4000:]))


def _as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def _has_key(obj, key):
    """Whether key names a field anywhere in tshark's JSON obj. Walked, not
    serialised: a flood's frame is tens of MB of JSON, and under meson's
    MALLOC_PERTURB_ every buffer json.dumps() grows is cleared again"""
    todo = [obj]
    while todo:
        o = todo.pop()
        if isinstance(o, dict):
            if key in o:
                return True
            todo.extend(v for v in o.values() if isinstance(v, (dict, list)))
        elif isinstance(o, list):
            todo.extend(v for v in o if isinstance(v, (dict, list)))
    return False


def _flatten(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and not (isinstance(v, list) and v and isinstance(v[0], str)):
                if k not in out and not k.endswith('_tree') and isinstance(v, dict):
                    out.setdefault(k, True)
                _flatten(v, out)
            else:
                out.setdefault(k, v)
    elif isinstance(obj, list):
        for v in obj:
            _flatten(v, out)


class UssdSessions:
    """What the USSD tests read back (a mix-in of their NetworkTestCase):
    the gateway's session log rows, netsim's record of a dialled session
    (cls.ns: netsim's VTY) and the TCAP messages of a session's dialogue in
    the capture"""

    @classmethod
    def rows(cls):
        db = sqlite3.connect('file:%s?mode=ro' % cls.net.db, uri=True, timeout=10)
        db.row_factory = sqlite3.Row
        with db:
            return [dict(r) for r in db.execute('SELECT * FROM ussd_sessions ORDER BY start_ms, rowid')]

    @classmethod
    def wait_rows(cls, n, timeout=20):
        """the session log once it has n rows"""
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = cls.rows()
            if len(rows) >= n:
                return rows
            time.sleep(0.1)
        raise TimeoutError('%d session log rows, %d expected' % (len(cls.rows()), n))

    @classmethod
    def ussd_dial(cls, msisdn, code, script=(), command='ussd-dial'):
        """netsim's subscriber dials the gateway's GT; the session's number"""
        words = ' script ' + ' '.join(script) if script else ''
        out = cls.ns.cmd('%s %s %s %s%s' % (command, msisdn, GW_GT, code, words))
        m = re.search(r'ussd session (\d+)', out)
        if not m:
            raise RuntimeError(out)
        return int(m.group(1))

    @classmethod
    def netsim_session(cls, n, timeout=20):
        """netsim's record of dialled session n once it ended (or after timeout)"""
        deadline = time.time() + timeout
        while True:
            rec = json.loads(cls.ns.cmd('show ussd session %d' % n))
            if rec['outcome'] != 'running' or time.time() > deadline:
                return rec
            time.sleep(0.1)

    def dialogue_of(self, row):
        """The TCAP messages of a session log row's dialogue, in order"""
        tids = {t for t in (row['tid'], row['remote_tid']) if t}
        return [m for m in self.msgs
                if tids & {m.get('tcap.otid', '').replace(':', ''), m.get('tcap.dtid', '').replace(':', '')}]

    @staticmethod
    def kind(m):
        for k in ('begin', 'continue', 'end', 'abort'):
            if m.get('tcap.%s_element' % k):
                return k
        return '?'


class NetworkTestCase(unittest.TestCase):
    """A test class that runs its traffic once (run_all) on one test network,
    with the capture decoded into cls.msgs; the daemons must then exit
    cleanly (LeakSanitizer or a crash at exit fails the class)."""
    build = None

    @classmethod
    def run_all(cls):
        raise NotImplementedError

    def assert_both_decoders_take_all(self, judged):
        """judged: Network.smpp34_judge() of the run"""
        self.assertGreater(len(judged), 10)
        for p in judged:
            with self.subTest(p=p):
                self.assertEqual(p['ours'], 0)
                self.assertEqual(p['libsmpp34'], 'ok')

    @classmethod
    def captured(cls, msgs):
        return msgs

    network_args = {}

    @classmethod
    def setUpClass(cls):
        cls.net = Network(cls.build, **cls.network_args).__enter__()
        try:
            cls.run_all()
            cls.msgs = cls.captured(cls.net.decoded())
        except BaseException:
            cls.net.dump_logs()
            cls.net.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)
        bad = {k: v for k, v in cls.net.exit_codes.items() if k != 'osmo-stp' and v != 0}
        if bad:
            raise AssertionError('daemons exited with %s' % bad)


def main(doc):
    """A test script's entry: `script.py BUILD_DIR [unittest arguments]`; the
    usage (the docstring's last paragraph) when the build directory is missing"""
    if len(sys.argv) < 2:
        print(doc.split('\n\n')[-1], file=sys.stderr)
        sys.exit(2)
    NetworkTestCase.build = os.path.abspath(sys.argv.pop(1))
    unittest.main(module='__main__', verbosity=2)
