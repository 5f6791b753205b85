#!/usr/bin/env python3
"""Hostile SMPP client: a flood of TCP connections from many source
addresses (127.0.3.x) that never bind and are held open. The server must
cap them (overall, per address, those not bound), close the idle ones after
its bind timeout, never spin when it runs out of fds, and keep serving
others.

    conn_flood.py PORT [--attempts N] [--sources N] [--hold N]
prints a JSON summary: attempts, connects that completed, connections the
server closed (at once or later), the most held open at one time.
"""

import argparse
import json
import os
import resource
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def run(port, attempts=10000, sources=200, hold=5000, wave=100, src_net='127.0.3.', on_wave=None):
    """hold: at most this many of ours open at once (the oldest are closed
    beyond it); on_wave(stats) is called between waves"""
    limit = raise_fd_limit(hold + wave + 256)
    hold = min(hold, limit - wave - 256)
    open_socks = {}          # fd -> socket, oldest first
    st = {'attempts': 0, 'connected': 0, 'failed': 0, 'closed_by_server': 0, 'peak_open': 0}
    poller = select.poll()
    hup = select.POLLRDHUP | select.POLLHUP | select.POLLERR

    def drop(fd):
        poller.unregister(fd)
        open_socks.pop(fd).close()

    t0 = time.time()
    while st['attempts'] < attempts:
        connecting = {}
        for i in range(min(wave, attempts - st['attempts'])):
            n = st['attempts'] + i
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind(('%s%d' % (src_net, 1 + n % sources), 0))
            s.connect_ex(('127.0.0.1', port))
            connecting[s.fileno()] = s
            poller.register(s, select.POLLOUT | hup)
        st['attempts'] += len(connecting)
        # this wave's connects complete (or fail) within a moment; the
        # server closing one of ours shows as a hang-up, no reading needed
        deadline = time.time() + 2
        while time.time() < deadline:
            events = poller.poll(20)
            for fd, ev in events:
                s = connecting.pop(fd, None)
                if s is None:
                    if fd in open_socks:
                        st['closed_by_server'] += 1
                        drop(fd)
                    continue
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    st['failed'] += 1
                    poller.unregister(fd)
                    s.close()
                    continue
                st['connected'] += 1
                open_socks[fd] = s
                poller.modify(fd, hup)
            if not connecting and not events:
                break
        for fd, s in connecting.items():
            st['failed'] += 1
            poller.unregister(fd)
            s.close()
        while len(open_socks) > hold:
            drop(next(iter(open_socks)))
        st['peak_open'] = max(st['peak_open'], len(open_socks))
        if on_wave:
            on_wave(dict(st, open=len(open_socks)))
    for fd, _ in poller.poll(200):
        if fd in open_socks:
            st['closed_by_server'] += 1
            drop(fd)
    st['open_at_end'] = len(open_socks)
    st['seconds'] = round(time.time() - t0, 2)
    st['sockets'] = list(open_socks.values())   # the caller may hold them longer, then close them
    return st


def close_all(st):
    for s in st.pop('sockets', []):
        s.close()


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('port', type=int)
    ap.add_argument('--attempts', type=int, default=10000)
    ap.add_argument('--sources', type=int, default=200)
    ap.add_argument('--hold', type=int, default=5000)
    a = ap.parse_args()
    res = run(a.port, a.attempts, a.sources, a.hold)
    close_all(res)
    print(json.dumps(res))
