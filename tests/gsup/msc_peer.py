#!/usr/bin/env python3
"""msc_peer.py - an MSC/VLR on an OsmoHLR's GSUP port, for tests. Standard
library only; our own code, independent of sigway's C codecs.

It connects like osmo-msc does (IPA: answers ID_GET with ID_RESP + ID_ACK,
answers PINGs) and plays a subscriber's mobile-originated USSD the way
osmo-msc forwards it: PROC_SS_REQUEST with a fresh session id, BEGIN and
SS_INFO = a processUnstructuredSS-Request Invoke; each answer to a menu is a
PROC_SS_REQUEST CONTINUE with a ReturnResult to the network's USSR.

usage: msc_peer.py [--hlr HOST:PORT] --imsi IMSI [--session ID] --dial CODE
                   [--answer TEXT]... [--expect-text TEXT | --expect-error N]
                   [--expect-menus N] [--abandon]

Prints the transcript as JSON; exit status 0 when the expectations hold.
"""

import argparse
import json
import os
import socket
import struct
import sys
import time

IPA_PROTO_CCM = 0xfe
IPA_PROTO_OSMO = 0xee
IPA_EXT_GSUP = 0x05
CCM_PING, CCM_PONG, CCM_ID_GET, CCM_ID_RESP, CCM_ID_ACK = 0x00, 0x01, 0x04, 0x05, 0x06

PROC_SS_REQUEST, PROC_SS_ERROR, PROC_SS_RESULT = 0x20, 0x21, 0x22
IE_IMSI, IE_CAUSE, IE_SESSION_ID, IE_SESSION_STATE, IE_SS_INFO = 0x01, 0x02, 0x30, 0x31, 0x35
IE_MESSAGE_CLASS, CLASS_USSD = 0x0a, 3
BEGIN, CONTINUE, END = 1, 2, 3
STATE_NAMES = {BEGIN: 'BEGIN', CONTINUE: 'CONTINUE', END: 'END'}
MSGT_NAMES = {PROC_SS_REQUEST: 'PROC_SS_REQUEST', PROC_SS_ERROR: 'PROC_SS_ERROR',
              PROC_SS_RESULT: 'PROC_SS_RESULT'}

COMP_INVOKE, COMP_RESULT, COMP_ERROR, COMP_REJECT = 0xa1, 0xa2, 0xa3, 0xa4
COMP_NAMES = {COMP_INVOKE: 'invoke', COMP_RESULT: 'returnResult', COMP_ERROR: 'returnError',
              COMP_REJECT: 'reject'}
OP_PUSSR, OP_USSR, OP_USSN = 59, 60, 61
DCS_GSM7 = 0x0f

# GSM 03.38 default alphabet (no extension table: the tests' texts avoid it)
GSM7 = ('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
        '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')


# ------------------------------------------------------------ GSM 7-bit
def gsm7_pack(text):
    septets = [GSM7.index(ch) for ch in text]
    # 23.038 6.1.2.3.1: 7 spare bits at the end would read as '@': pad with CR
    if len(septets) % 8 == 7:
        septets.append(0x0d)
    out, acc, bits = bytearray(), 0, 0
    for s in septets:
        acc |= s << bits
        bits += 7
        while bits >= 8:
            out.append(acc & 0xff)
            acc >>= 8
            bits -= 8
    if bits:
        out.append(acc & 0xff)
    return bytes(out)


def gsm7_unpack(data):
    n = len(data) * 8 // 7
    acc, bits, septets, it = 0, 0, [], iter(data)
    for _ in range(n):
        if bits < 7:
            acc |= next(it) << bits
            bits += 8
        septets.append(acc & 0x7f)
        acc >>= 7
        bits -= 7
    text = ''.join(GSM7[s] for s in septets)
    if len(data) % 7 == 0 and text.endswith('\r'):
        text = text[:-1]
    return text


# ------------------------------------------------------------ BER (04.80 components)
def tlv(tag, value):
    assert len(value) < 128
    return bytes([tag, len(value)]) + value


def parse_tlvs(data):
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError('truncated TLV')
        tag, ln = data[pos], data[pos + 1]
        pos += 2
        if ln & 0x80:
            nb = ln & 0x7f
            ln = int.from_bytes(data[pos:pos + nb], 'big')
            pos += nb
        if pos + ln > len(data):
            raise ValueError('TLV runs past the end')
        out.append((tag, data[pos:pos + ln]))
        pos += ln
    return out


def ussd_arg(text, dcs=DCS_GSM7):
    return tlv(0x30, tlv(0x04, bytes([dcs])) + tlv(0x04, gsm7_pack(text)))


def invoke_pussr(invoke_id, text):
    return tlv(COMP_INVOKE, tlv(0x02, bytes([invoke_id])) + tlv(0x02, bytes([OP_PUSSR])) + ussd_arg(text))


def result_ussr(invoke_id, text):
    return tlv(COMP_RESULT, tlv(0x02, bytes([invoke_id])) +
               tlv(0x30, tlv(0x02, bytes([OP_USSR])) + ussd_arg(text)))


def decode_ussd_seq(seq, comp):
    for tag, val in parse_tlvs(seq):
        if tag == 0x04 and 'dcs' not in comp:
            comp['dcs'] = val[0]
        elif tag == 0x04:
            comp['text'] = gsm7_unpack(val) if comp['dcs'] == DCS_GSM7 else val.hex()


def decode_component(data):
    (ctype, body), = parse_tlvs(data)
    comp = {'type': COMP_NAMES.get(ctype, hex(ctype))}
    fields = parse_tlvs(body)
    if ctype in (COMP_INVOKE, COMP_RESULT, COMP_ERROR) and fields and fields[0][0] == 0x02:
        comp['invoke_id'] = fields[0][1][0]
    if ctype == COMP_INVOKE:
        comp['opcode'] = fields[1][1][0]
        if len(fields) > 2:
            decode_ussd_seq(fields[2][1], comp)
    elif ctype == COMP_RESULT and len(fields) > 1:
        inner = parse_tlvs(fields[1][1])
        comp['opcode'] = inner[0][1][0]
        if len(inner) > 1:
            decode_ussd_seq(inner[1][1], comp)
    elif ctype == COMP_ERROR:
        comp['error_code'] = fields[1][1][0]
    elif ctype == COMP_REJECT:
        comp['problem'] = [fields[1][0], fields[1][1][0]]
    return comp


# ------------------------------------------------------------ GSUP
def imsi_bcd(imsi):
    digits = [int(d) for d in imsi] + ([0xf] if len(imsi) % 2 else [])
    return bytes(digits[i] | digits[i + 1] << 4 for i in range(0, len(digits), 2))


def bcd_imsi(data):
    out = ''
    for b in data:
        for nib in (b & 0xf, b >> 4):
            if nib != 0xf:
                out += str(nib)
    return out


def gsup_encode(msg_type, imsi, session_id, state, ss_info=None):
    """As osmo-msc sends it: message class USSD (OsmoHLR wants the same
    class back in the EUSE's answers)."""
    out = bytes([msg_type]) + tlv(IE_IMSI, imsi_bcd(imsi))
    out += tlv(IE_SESSION_ID, struct.pack('>I', session_id)) + tlv(IE_SESSION_STATE, bytes([state]))
    if ss_info is not None:
        out += bytes([IE_SS_INFO, len(ss_info)]) + ss_info
    return out + tlv(IE_MESSAGE_CLASS, bytes([CLASS_USSD]))


def gsup_decode(data):
    msg = {'msg_type': MSGT_NAMES.get(data[0], hex(data[0]))}
    pos = 1
    while pos < len(data):
        iei, ln = data[pos], data[pos + 1]
        val = data[pos + 2:pos + 2 + ln]
        pos += 2 + ln
        if iei == IE_IMSI:
            msg['imsi'] = bcd_imsi(val)
        elif iei == IE_CAUSE:
            msg['cause'] = val[0]
        elif iei == IE_SESSION_ID:
            msg['session_id'] = struct.unpack('>I', val)[0]
        elif iei == IE_SESSION_STATE:
            msg['state'] = STATE_NAMES.get(val[0], val[0])
        elif iei == IE_MESSAGE_CLASS:
            msg['message_class'] = val[0]
        elif iei == IE_SS_INFO:
            msg['ss_info'] = val.hex()
            msg['component'] = decode_component(val)
    return msg


class MscPeer:
    """One GSUP connection to the HLR, identified as an MSC."""

    def __init__(self, host='127.0.0.1', port=4222, name='TESTMSC-00-00-00-00-00-00', timeout=10.0):
        self.name = name
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        self._identify()

    def close(self):
        self.sock.close()

    def _send_frame(self, proto, payload):
        self.sock.sendall(struct.pack('>HB', len(payload), proto) + payload)

    def _recv_frame(self, deadline):
        while True:
            if len(self.buf) >= 3:
                ln, proto = struct.unpack('>HB', self.buf[:3])
                if len(self.buf) >= 3 + ln:
                    payload, self.buf = self.buf[3:3 + ln], self.buf[3 + ln:]
                    return proto, payload
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError('nothing from the HLR')
            self.sock.settimeout(left)
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('HLR closed the connection')
            self.buf += chunk

    def _identify(self):
        deadline = time.time() + self.timeout
        while True:
            proto, p = self._recv_frame(deadline)
            if proto != IPA_PROTO_CCM:
                continue
            if p[0] == CCM_ID_GET:
                resp = bytearray([CCM_ID_RESP])
                for tag in p[2::2]:
                    value = {0x00: self.name, 0x01: self.name, 0x08: '0/0/0',
                             0x07: '00:00:00:00:00:00'}.get(tag, '').encode() + b'\0'
                    resp += struct.pack('>HB', len(value) + 1, tag) + value
                self._send_frame(IPA_PROTO_CCM, bytes(resp))
                self._send_frame(IPA_PROTO_CCM, bytes([CCM_ID_ACK]))
            elif p[0] == CCM_ID_ACK:
                return
            elif p[0] == CCM_PING:
                self._send_frame(IPA_PROTO_CCM, bytes([CCM_PONG]))

    def send(self, gsup):
        self._send_frame(IPA_PROTO_OSMO, bytes([IPA_EXT_GSUP]) + gsup)

    def recv(self, timeout=None):
        deadline = time.time() + (timeout or self.timeout)
        while True:
            proto, p = self._recv_frame(deadline)
            if proto == IPA_PROTO_CCM and p[:1] == bytes([CCM_PING]):
                self._send_frame(IPA_PROTO_CCM, bytes([CCM_PONG]))
            elif proto == IPA_PROTO_OSMO and p[:1] == bytes([IPA_EXT_GSUP]):
                return gsup_decode(p[1:])


_last_session_id = None


def fresh_session_id():
    """OsmoHLR keeps a failed session until its guard timer (30 s) ends and
    refuses a BEGIN with the same IMSI and id meanwhile: never reuse one.
    A counter from a start that differs between runs and processes."""
    global _last_session_id
    if _last_session_id is None:
        _last_session_id = (int(time.time() * 1000) ^ os.getpid() << 20) & 0x3fffffff
    _last_session_id = (_last_session_id + 1) & 0x7fffffff
    return _last_session_id


def run_session(peer, imsi, session_id, code, answers=(), abandon=False, timeout=10.0):
    """Dials code, answers each menu with the next of answers; returns the
    transcript (list of messages, 'dir': 'tx'/'rx')."""
    transcript = []

    def tx(msg_type, state, comp):
        transcript.append({'dir': 'tx', 'msg_type': MSGT_NAMES[msg_type], 'state': STATE_NAMES[state],
                           'component': decode_component(comp) if comp else None})
        peer.send(gsup_encode(msg_type, imsi, session_id, state, comp))

    def rx():
        while True:
            m = peer.recv(timeout)
            if m.get('imsi') == imsi and m.get('session_id') == session_id:
                m['dir'] = 'rx'
                transcript.append(m)
                return m

    tx(PROC_SS_REQUEST, BEGIN, invoke_pussr(1, code))
    answers = list(answers)
    while True:
        m = rx()
        if m['msg_type'] == 'PROC_SS_ERROR' or m.get('state') == 'END':
            return transcript
        comp = m.get('component') or {}
        if comp.get('type') == 'invoke' and comp.get('opcode') == OP_USSN:
            continue
        if abandon or not answers:
            # the subscriber hangs up: Release Complete without a facility
            tx(PROC_SS_REQUEST, END, None)
            return transcript
        tx(PROC_SS_REQUEST, CONTINUE, result_ussr(comp.get('invoke_id', 0), answers.pop(0)))


def check(transcript, expect_text=None, expect_error=None, expect_menus=None):
    """The final message is what was expected; returns a list of problems."""
    problems = []
    last = transcript[-1]
    comp = last.get('component') or {}
    menus = sum(1 for m in transcript if m['dir'] == 'rx' and m.get('state') == 'CONTINUE')
    if expect_text is not None:
        if last['dir'] != 'rx' or last.get('state') != 'END' or comp.get('type') != 'returnResult' \
                or comp.get('text') != expect_text:
            problems.append('expected the final text %r, got %r' % (expect_text, last))
    if expect_error is not None:
        if last['dir'] != 'rx' or comp.get('type') != 'returnError' or comp.get('error_code') != expect_error:
            problems.append('expected returnError %d, got %r' % (expect_error, last))
    if expect_menus is not None and menus != expect_menus:
        problems.append('expected %d menus, got %d' % (expect_menus, menus))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--hlr', default='127.0.0.1:4222')
    ap.add_argument('--imsi', required=True)
    ap.add_argument('--session', type=int)
    ap.add_argument('--dial', required=True)
    ap.add_argument('--answer', action='append', default=[])
    ap.add_argument('--abandon', action='store_true')
    ap.add_argument('--expect-text')
    ap.add_argument('--expect-error', type=int)
    ap.add_argument('--expect-menus', type=int)
    ap.add_argument('--timeout', type=float, default=10.0)
    a = ap.parse_args()
    host, port = a.hlr.rsplit(':', 1)
    peer = MscPeer(host, int(port), timeout=a.timeout)
    sid = a.session if a.session is not None else fresh_session_id()
    t = run_session(peer, a.imsi, sid, a.dial, a.answer, a.abandon, a.timeout)
    peer.close()
    problems = check(t, a.expect_text, a.expect_error, a.expect_menus)
    print(json.dumps({'session_id': sid, 'transcript': t, 'problems': problems}, indent=1, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
