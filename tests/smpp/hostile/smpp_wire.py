"""SMPP 3.4 on the wire for the hostile clients: PDUs built and read by hand
(standard library only), on sockets that may come from any loopback source
address (127.0.0.0/8 is all local, so one host plays many attackers)."""

import socket
import struct

GENERIC_NACK = 0x80000000
BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK, SUBMIT_MULTI = 0x04, 0x05, 0x06, 0x15, 0x21
RESP = 0x80000000

ESME_ROK, ESME_RBINDFAIL, ESME_RMSGQFUL, ESME_RTHROTTLED = 0x00, 0x0D, 0x14, 0x58
ESME_RX_T_APPN = 0x64


def pdu(cmd, seq, body=b'', status=0):
    return struct.pack('>IIII', 16 + len(body), cmd, status, seq) + body


def cstr(s, limit=None):
    b = s.encode('latin1') if isinstance(s, str) else bytes(s)
    return (b if limit is None else b[:limit]) + b'\0'


def bind(system_id, password, seq=1, cmd=BIND_TRANSCEIVER, version=0x34):
    return pdu(cmd, seq, cstr(system_id) + cstr(password) + cstr('') + bytes([version, 0, 0]) + cstr(''))


def enquire_link(seq):
    return pdu(ENQUIRE_LINK, seq)


def submit_sm(seq, dest, text=b'hostile', source='4000', rd=0, schedule=''):
    text = text.encode() if isinstance(text, str) else text
    body = (cstr('') + bytes([1, 1]) + cstr(source) + bytes([1, 1]) + cstr(dest) + bytes([0, 0, 0]) +
            cstr(schedule) + cstr('') + bytes([rd, 0, 0, 0, len(text)]) + text)
    return pdu(SUBMIT_SM, seq, body)


def submit_multi(seq, dests, text=b'to many', source='4000'):
    body = cstr('') + bytes([1, 1]) + cstr(source) + bytes([len(dests)])
    for d in dests:
        body += bytes([1, 1, 1]) + cstr(d)
    body += bytes([0, 0, 0]) + cstr('') + cstr('') + bytes([0, 0, 0, 0, len(text)]) + text
    return pdu(SUBMIT_MULTI, seq, body)


def deliver_sm_resp(seq, status=0):
    return pdu(DELIVER_SM | RESP, seq, b'' if status else b'\0', status)


def connect(port, src='127.0.0.1', timeout=5.0, rcvbuf=None):
    """A TCP connection to the SMPP port from a chosen loopback address"""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.connect(('127.0.0.1', port))
    return s


def read_pdu(sock):
    """(command_id, command_status, sequence_number, body) or None when the
    peer closed; socket.timeout propagates"""
    def read(n):
        buf = b''
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    hdr = read(16)
    if hdr is None:
        return None
    length, cmd, status, seq = struct.unpack('>IIII', hdr)
    body = read(length - 16) if length > 16 else b''
    if body is None:
        return None
    return cmd, status, seq, body


def unsuccess_list(body):
    """The (address, error_status_code) list of a submit_multi_resp body"""
    i = body.index(b'\0') + 1          # message_id
    n = body[i]
    i += 1
    out = []
    for _ in range(n):
        i += 2                         # ton, npi
        end = body.index(b'\0', i)
        addr = body[i:end].decode()
        i = end + 1
        out.append((addr, struct.unpack('>I', body[i:i + 4])[0]))
        i += 4
    return out


def closed_by_peer(sock, timeout=5.0):
    """True when the peer closes (EOF or reset) within timeout, reading
    and dropping whatever it still sends"""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
