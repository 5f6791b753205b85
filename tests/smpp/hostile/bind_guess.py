#!/usr/bin/env python3
"""Hostile SMPP client: password guessing. Each bind attempt reports the
status, how long the answer took and whether the server closed the
connection after it; `guess` runs many in parallel for a while. The server
must answer every failure alike (status and timing), close the connection,
and slow a guessing address and a guessed account down.

    bind_guess.py PORT SYSTEM_ID [--src ADDR] [--parallel N] [--seconds S]
prints a JSON summary of the attempts.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smpp_wire as w  # noqa: E402


def attempt(port, system_id, password, src='127.0.0.1', raw=None, timeout=10.0):
    """One bind (as a transmitter: nothing is delivered to it) on a new
    connection: dict status (None: no answer), seconds, closed (the server
    closed the connection after its answer), second_bind (the answer to a
    second bind on the same connection, if any)"""
    s = w.connect(port, src=src, timeout=timeout)
    try:
        t0 = time.time()
        s.sendall(raw if raw is not None else w.bind(system_id, password, cmd=w.BIND_TRANSMITTER))
        try:
            r = w.read_pdu(s)
        except socket.timeout:
            r = None
        res = {'status': r[1] if r else None, 'seconds': time.time() - t0}
        if r and r[1] == 0:
            s.sendall(w.pdu(w.UNBIND, 2))
            res['closed'] = False
            return res
        # try again on the same connection, as a guesser would
        try:
            s.sendall(w.bind(system_id, password + 'x', seq=2))
            r2 = w.read_pdu(s)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            r2 = None
        res['second_bind'] = r2[1] if r2 else None
        res['closed'] = w.closed_by_peer(s, 3.0)
        return res
    finally:
        s.close()


def guess(port, system_id, src='127.0.0.9', parallel=10, seconds=5.0):
    """Guesses from `parallel` connections at once for `seconds`; returns
    the attempts made and their statuses"""
    out = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def worker(k):
        n = 0
        while time.time() < stop:
            try:
                r = attempt(port, system_id, 'g%d-%d' % (k, n), src=src, timeout=seconds + 5)
            except OSError as e:
                r = {'status': None, 'error': str(e)}
            n += 1
            with lock:
                out.append(r)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {'attempts': len(out), 'statuses': sorted({r.get('status') for r in out}, key=str),
            'accepted': len([r for r in out if r.get('status') == 0]), 'seconds': seconds}


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('port', type=int)
    ap.add_argument('system_id')
    ap.add_argument('--src', default='127.0.0.9')
    ap.add_argument('--parallel', type=int, default=10)
    ap.add_argument('--seconds', type=float, default=5)
    a = ap.parse_args()
    print(json.dumps(guess(a.port, a.system_id, a.src, a.parallel, a.seconds)))
