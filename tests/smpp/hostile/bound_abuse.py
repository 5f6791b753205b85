#!/usr/bin/env python3
"""Hostile SMPP clients with a valid bind: a submit_multi to as many
destinations as the PDU holds (one PDU, 255 messages: each must count for
the account's throughput and window), and a receiver that refuses the
deliver_sm it gets (the server must retry it, however many other accounts
hold undelivered rows).

    bound_abuse.py multi PORT SYSTEM_ID PASSWORD [--dests N]
    bound_abuse.py refuse PORT SYSTEM_ID PASSWORD [--refuse N] [--seconds S]
"""

import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smpp_wire as w  # noqa: E402


def bound(port, system_id, password, cmd=w.BIND_TRANSCEIVER, src='127.0.0.1'):
    s = w.connect(port, src=src)
    s.sendall(w.bind(system_id, password, cmd=cmd))
    r = w.read_pdu(s)
    if not r or r[1] != 0:
        raise RuntimeError('bind as %s refused: %r' % (system_id, r))
    return s


def multi(port, system_id, password, dests, count=1):
    """`count` submit_multi to `dests`, one after the other; per PDU its
    command_status and the refused destinations with their status"""
    s = bound(port, system_id, password, cmd=w.BIND_TRANSMITTER)
    out = []
    try:
        for i in range(count):
            s.sendall(w.submit_multi(10 + i, dests))
            while True:
                r = w.read_pdu(s)
                if r is None:
                    raise RuntimeError('closed')
                if r[0] == w.SUBMIT_MULTI | w.RESP:
                    break
                if r[0] == w.ENQUIRE_LINK:
                    s.sendall(w.pdu(w.ENQUIRE_LINK | w.RESP, r[2]))
            out.append({'status': r[1], 'refused': w.unsuccess_list(r[3]) if r[3] else []})
        s.sendall(w.pdu(w.UNBIND, 99))
    finally:
        s.close()
    return out


def refuse(port, system_id, password, refuse_first=1, seconds=10.0, want=None):
    """Bound as a receiver: answers the first `refuse_first` deliver_sm with
    ESME_RX_T_APPN (try later), the others with OK; returns each deliver_sm
    as (seconds since bind, its text, the status given). Stops after
    `seconds` or once `want` deliver_sm were taken."""
    s = bound(port, system_id, password, cmd=w.BIND_RECEIVER)
    got = []
    t0 = time.time()
    s.settimeout(0.5)
    try:
        while time.time() - t0 < seconds:
            try:
                r = w.read_pdu(s)
            except socket.timeout:
                continue
            if r is None:
                break
            cmd, _, seq, body = r
            if cmd == w.ENQUIRE_LINK:
                s.sendall(w.pdu(w.ENQUIRE_LINK | w.RESP, seq))
            elif cmd == w.DELIVER_SM:
                status = w.ESME_RX_T_APPN if len(got) < refuse_first else 0
                s.sendall(w.deliver_sm_resp(seq, status))
                got.append((round(time.time() - t0, 2), body[-40:].decode('latin1', 'replace'), status))
                if want is not None and len([g for g in got if g[2] == 0]) >= want:
                    break
        s.sendall(w.pdu(w.UNBIND, 99))
    except OSError:
        pass
    finally:
        s.close()
    return got


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('what', choices=('multi', 'refuse'))
    ap.add_argument('port', type=int)
    ap.add_argument('system_id')
    ap.add_argument('password')
    ap.add_argument('--dests', type=int, default=255)
    ap.add_argument('--refuse', type=int, default=1)
    ap.add_argument('--seconds', type=float, default=10)
    a = ap.parse_args()
    if a.what == 'multi':
        res = multi(a.port, a.system_id, a.password, ['4917700%05d' % i for i in range(a.dests)])
    else:
        res = refuse(a.port, a.system_id, a.password, a.refuse, a.seconds)
    print(json.dumps(res))
