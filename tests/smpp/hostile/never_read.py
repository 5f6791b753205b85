#!/usr/bin/env python3
"""Hostile SMPP client: connections that send enquire_link as fast as the
server takes them and never read an answer (bound or not). The server must
bound what it queues for them, stop reading them (TCP then pushes back on
us), and close them.

    never_read.py PORT [--connections N] [--bind SYSTEM_ID:PASSWORD] [--seconds S]
prints a JSON summary: octets sent, connections the server closed and when.
"""

import argparse
import errno
import json
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smpp_wire as w  # noqa: E402

CHUNK = b''.join(w.enquire_link(i + 1) for i in range(4096))    # 64 KiB of enquire_link


def run(port, connections=20, bind=None, seconds=15.0, src_net='127.0.2.', rcvbuf=4096):
    """rcvbuf: our receive buffer, small so that what the server sends piles
    up on its side at once (a large one only takes longer to fill)"""
    socks = []
    for i in range(connections):
        s = w.connect(port, src='%s%d' % (src_net, 1 + i % 250), rcvbuf=rcvbuf)
        if bind:
            s.sendall(w.bind(bind[0], bind[1]))
            resp = w.read_pdu(s)        # the only thing it ever reads
            if not resp or resp[1] != 0:
                raise RuntimeError('bind refused: %r' % (resp,))
        s.setblocking(False)
        socks.append(s)
    poller = select.poll()
    for s in socks:
        # no POLLIN: the peer closing shows without reading
        poller.register(s, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    sent = {s.fileno(): 0 for s in socks}
    closed = {}
    t0 = time.time()
    while time.time() - t0 < seconds and len(closed) < len(socks):
        for fd, ev in poller.poll(10):
            if fd not in closed:
                closed[fd] = time.time() - t0
        for s in socks:
            fd = s.fileno()
            if fd in closed:
                continue
            try:
                sent[fd] += s.send(CHUNK)
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno in (errno.EPIPE, errno.ECONNRESET):
                    closed[fd] = time.time() - t0
                else:
                    raise
    res = {'connections': len(socks), 'octets_sent': sum(sent.values()), 'closed': len(closed),
           'closed_after_s': sorted(round(v, 2) for v in closed.values()), 'seconds': round(time.time() - t0, 2)}
    for s in socks:
        s.close()
    return res


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('port', type=int)
    ap.add_argument('--connections', type=int, default=20)
    ap.add_argument('--bind', help='SYSTEM_ID:PASSWORD (bind first, then never read)')
    ap.add_argument('--seconds', type=float, default=15)
    a = ap.parse_args()
    print(json.dumps(run(a.port, a.connections, a.bind.split(':', 1) if a.bind else None, a.seconds)))
