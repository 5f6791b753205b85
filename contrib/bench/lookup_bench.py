#!/usr/bin/env python3
"""Benchmark (not a test) of the number lookup, on loopback. In one run:

 (a) lookups per second through sigwayd's HTTP API (a load client with
     keep-alive connections and many requests in flight: GET /v1/lookup/{number}
     one a request, and POST /v1/lookup with --batch numbers a request; the
     client is wrk (Debian's package, contrib/bench/lookup_load.lua) where
     installed, else a Node.js one, --client to choose),
     each one SRI-for-SM through osmo-stp to sigway-netsim's HLR,
     next to the TCAP Begin/End round-trip rate of the same network: each
     round the test peer (tests/peer) takes sigwayd's place for `bench tcap`,
     then sigwayd comes back on the same STP and netsim for the lookups (as
     smpp_bench.py does). One lookup is one dialogue: the target is >= 70 %.
     With each rate, what it cost: CPU time per lookup (per dialogue) of every
     process, from /proc, and the share of the wall time sigwayd spent on a
     CPU and waiting for one (runnable: /proc/PID/schedstat); and the latency
     of a lookup with 1 in flight and with --in-flight, as the client saw it;
 (b) the memory of a bulk job of 1,000,000 numbers (text/plain): sigwayd's
     RSS before, at its peak while the numbers are checked and stored, and
     while the job runs (sampled every 0.5 s), then the job is cancelled.

usage: contrib/bench/lookup_bench.py [BUILD_DIR] [--rounds N] [--client wrk|node] [--seconds S]
                                     [--count N] [--in-flight N] [--bulk N] [--bulk-seconds S]
Build with --buildtype=release (the demo build, build/) for figures worth recording.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

KEY = 'benchkey-0123456789abcdef-secret'

# N lookups, C requests in flight over keep-alive connections, B numbers a request (1: GET
# /v1/lookup/{number}, more: POST /v1/lookup); prints {"done", "failed", "seconds", "rate"}
LOAD_JS = r'''
const http = require('http');
const [port, key, count, inflight, base, batch] = process.argv.slice(1).map((v, i) => i === 1 ? v : Number(v));
const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
let next = 0, done = 0, failed = 0, first = null;
const lat = [];
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
function finish() {
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  const pct = (q) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] : 0;
  console.log(JSON.stringify({ done, failed, first, seconds: s, rate: done / s, p50: pct(0.5), p99: pct(0.99),
                                cpu_us: cpu.user + cpu.system }));
  agent.destroy();
}
function answered(res, body, n, sent) {
  lat.push(Number(process.hrtime.bigint() - sent) / 1e6);
  let results = [];
  try {
    const j = JSON.parse(body);
    results = batch > 1 ? j.results : [j];
  } catch (e) { /* counted below */ }
  const bad = res.statusCode !== 200 ? n : n - results.filter((r) => r.status === 'CONNECTED').length;
  if (bad && !first) first = { status: res.statusCode, body: body.slice(0, 600) };
  failed += bad;
  done += n;
  if (done >= count) finish(); else one();
}
function one() {
  if (next >= count) return;
  const n = Math.min(batch, count - next);
  const numbers = Array.from({ length: n }, (_, i) => String(base + next + i));
  next += n;
  const headers = { 'X-API-Key': key };
  const opts = { host: '127.0.0.1', port, agent, headers, method: batch > 1 ? 'POST' : 'GET',
                 path: batch > 1 ? '/v1/lookup' : '/v1/lookup/' + numbers[0] };
  const body = batch > 1 ? JSON.stringify({ to: numbers }) : null;
  if (body) headers['Content-Type'] = 'application/json';
  const sent = process.hrtime.bigint();
  const req = http.request(opts, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { text += c; });
    res.on('end', () => answered(res, text, n, sent));
  });
  req.on('error', (e) => {
    if (!first) first = { error: String(e) };
    failed += n;
    done += n;
    if (done >= count) finish(); else one();
  });
  req.end(body || undefined);
}
for (let i = 0; i < inflight; i++) one();
'''


TCK = os.sysconf('SC_CLK_TCK')


def cpu_s(pid):
    """CPU seconds (user + system) a process used so far"""
    return sum(sn.cpu_times(pid))


def sched_s(pid):
    """(seconds on a CPU, seconds runnable waiting for one) of all its threads"""
    on = wait = 0
    for t in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/schedstat' % (pid, t)) as f:
            a = f.read().split()
        on += int(a[0])
        wait += int(a[1])
    return on / 1e9, wait / 1e9


def procs_of(net, names):
    return {n: p[0].pid for n, p in net.procs.items() if n in names}


def costs(pids, before, after, n):
    """microseconds of CPU per item of each process"""
    return {name: 1e6 * (after[name] - before[name]) / n for name in pids}


def lookups(port, count, inflight, base, batch=1, net=None):
    """the load; with net, the CPU per lookup of each process and sigwayd's scheduling"""
    pids = procs_of(net, ('sigwayd', 'osmo-stp', 'netsim')) if net else {}
    c0 = {name: cpu_s(pid) for name, pid in pids.items()}
    s0 = sched_s(pids['sigwayd']) if net else None
    p = subprocess.run(['node', '-e', LOAD_JS, str(port), KEY, str(count), str(inflight), str(base), str(batch)],
                       capture_output=True, text=True, timeout=900)
    if p.returncode:
        raise RuntimeError(p.stderr)
    r = json.loads(p.stdout)
    if r['failed']:
        raise RuntimeError('lookups failed: %s' % r)
    if net:
        r['us'] = costs(pids, c0, {name: cpu_s(pid) for name, pid in pids.items()}, count)
        r['us']['node'] = r['cpu_us'] / count     # its own count: from its first request to its last answer
        s1 = sched_s(pids['sigwayd'])
        # over the client's time from its first request to its last answer
        r['sigwayd_on_cpu'] = (s1[0] - s0[0]) / r['seconds']
        r['sigwayd_runnable'] = (s1[1] - s0[1]) / r['seconds']
    return r


def wrk_ms(text):
    """a wrk latency ("812.00us", "12.34ms", "1.02s") in ms"""
    for unit, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * f
    raise ValueError(text)


UNUSABLE = ('... answered with a MAP error', '... not answered in time', '... refused, aborted or not usable',
            'lookups not sent (SS7 link down, no resources): not billed', 'numbers no operator routes: not sent')


def unusable_answers(net):
    """lookups that did not end with an IMSI and an MSC, from sigwayd's counters"""
    text = net.gw('show lookup')
    return sum(sn.counter(text, name) for name in UNUSABLE)


def lookups_wrk(port, seconds, inflight, base, batch=1, net=None):
    """The load by wrk (Debian's, C, one thread: it costs a few us of CPU a
    request, where Node costs as much as sigwayd): inflight keep-alive
    connections, one request in flight on each, for seconds; what lookups()
    returns"""
    pids = procs_of(net, ('sigwayd', 'osmo-stp', 'netsim')) if net else {}
    c0 = {name: cpu_s(pid) for name, pid in pids.items()}
    s0 = sched_s(pids['sigwayd']) if net else None
    env = dict(os.environ, KEY=KEY, BATCH=str(batch), BASE=str(base))
    bad_before = unusable_answers(net) if net else 0
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)     # wrk's own CPU: what it adds once reaped
    t0 = time.time()
    p = subprocess.Popen(['wrk', '-t1', '-c%d' % inflight, '-d%ds' % seconds, '--latency', '--timeout', '10s',
                          '-s', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lookup_load.lua'),
                          'http://127.0.0.1:%d' % port], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    out, err = p.communicate(timeout=seconds + 120)
    wall = time.time() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode or 'Non-2xx' in out or 'Socket errors' in out:
        raise RuntimeError('wrk: %s %s' % (out, err))
    if net and unusable_answers(net) != bad_before:
        raise RuntimeError('lookups not answered with an IMSI:\n%s' % net.gw('show lookup'))
    m = re.search(r'(\d+) requests in ([\d.]+)s', out)
    requests, secs = int(m.group(1)), float(m.group(2))
    n = requests * batch
    lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)$', out, re.M))
    r = {'done': n, 'failed': 0, 'seconds': secs, 'rate': n / secs, 'p50': wrk_ms(lat['50']),
         'p99': wrk_ms(lat['99'])}
    if net:
        r['us'] = costs(pids, c0, {name: cpu_s(pid) for name, pid in pids.items()}, n)
        r['us']['wrk'] = 1e6 * (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / n
        s1 = sched_s(pids['sigwayd'])
        r['sigwayd_on_cpu'] = (s1[0] - s0[0]) / wall
        r['sigwayd_runnable'] = (s1[1] - s0[1]) / wall
    return r


def tcap_rate_cpu(net, count, window):
    """The TCAP reference with the CPU per dialogue of each process (the test peer in sigwayd's place)"""
    net.swap('gateway', 'testpeer')
    pids = procs_of(net, ('testpeer', 'osmo-stp', 'netsim'))
    c0 = {name: cpu_s(pid) for name, pid in pids.items()}
    rate = net.peer_bench('tcap', count, window)
    us = costs(pids, c0, {name: cpu_s(pid) for name, pid in pids.items()}, count)
    net.swap('gateway', 'sigwayd')
    return rate, us


def api(port, method, path, body=None, ctype='text/plain'):
    req = urllib.request.Request('http://127.0.0.1:%d%s' % (port, path), data=body, method=method,
                                 headers={'X-API-Key': KEY, 'Content-Type': ctype})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def bulk_rss(net, port, n, seconds):
    """(b): RSS of sigwayd around a bulk job of n numbers"""
    pid = net.procs['sigwayd'][0].pid
    body = ''.join('4917%09d\n' % i for i in range(n)).encode()
    before = sn.rss_kib(pid)
    samples = []
    import threading
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append((time.time(), sn.rss_kib(pid)))
            time.sleep(0.5)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.time()
    job = api(port, 'POST', '/v1/lookup/jobs', body)
    accepted = time.time() - t0
    while api(port, 'GET', '/v1/lookup/jobs/' + job['id'])['state'] == 'loading':
        time.sleep(0.5)
    loaded = time.time() - t0
    time.sleep(seconds)
    st = api(port, 'GET', '/v1/lookup/jobs/' + job['id'])
    stop.set()
    t.join()
    api(port, 'DELETE', '/v1/lookup/jobs/' + job['id'])
    running = [kb for ts, kb in samples if ts - t0 > loaded + 1]
    # every 5 s of the run: flat when memory does not grow with the numbers done
    every5 = [kb for ts, kb in samples if ts - t0 > loaded][::10]
    return {'before_kb': before, 'peak_kb': max(kb for _, kb in samples), 'running_kb': running[-1] if running else 0,
            'running_max_kb': max(running) if running else 0, 'accepted_s': accepted, 'stored_s': loaded,
            'done_when_sampled': st['done'], 'body_bytes': len(body), 'every5': every5}


def load():
    with open('/proc/loadavg') as f:
        return f.read().split()[0]


def fmt_us(us):
    return ', '.join('%s %.1f' % (name, v) for name, v in sorted(us.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build', nargs='?', default=os.path.join(TOP, 'build'))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--count', type=int, default=20000, help='lookups per round of (a)')
    ap.add_argument('--in-flight', type=int, default=200)
    ap.add_argument('--batch', type=int, default=20, help='numbers per POST of the batched run of (a)')
    ap.add_argument('--bulk', type=int, default=1000000, help='numbers of the job of (b); 0: no (b)')
    ap.add_argument('--bulk-seconds', type=int, default=20, help='how long (b) watches the job run')
    ap.add_argument('--client', choices=('wrk', 'node'), default='wrk' if shutil.which('wrk') else 'node',
                    help='the load client of (a): wrk (Debian package, C) or Node.js')
    ap.add_argument('--seconds', type=int, default=8, help='how long wrk loads each run of (a)')
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    port = sn.free_port()
    extra = ('http\n local-port %d\n limit pending 100000\n limit connections 4000\n limit connections-per-ip 4000\n'
             'account bench\n api-key %s\n'
             'lookup\n max-in-flight 2000\n job window 500\n' % (port, KEY))
    with sn.Network(args.build, capture=False, quiet=True, sigwayd_extra=extra,
                    netsim_extra='netsim\n hlr implicit-subscribers 4917\n') as net:
        lookups(port, 1000, 50, 4917100000000)         # warm up: connections, the store
        tcap, rate, batched, one = [], [], [], []
        for i in range(args.rounds):
            tcap.append(tcap_rate_cpu(net, 20000, 200))
            if args.client == 'wrk':
                one.append(lookups_wrk(port, 3, 1, 4917400000000 + i * 1000000, net=net))
                rate.append(lookups_wrk(port, args.seconds, args.in_flight, 4917200000000 + i * 10000000, net=net))
                batched.append(lookups_wrk(port, args.seconds, max(1, args.in_flight // args.batch),
                                           4917300000000 + i * 10000000, args.batch, net=net))
            else:
                one.append(lookups(port, 500, 1, 4917400000000 + i * 1000, net=net))
                rate.append(lookups(port, args.count, args.in_flight, 4917200000000 + i * args.count, net=net))
                batched.append(lookups(port, args.count, max(1, args.in_flight // args.batch),
                                       4917300000000 + i * args.count, args.batch, net=net))
            print('tcap round trips %.0f/s; lookups through the API: %.0f/s one a request (%d in flight),'
                  ' %.0f/s %d a request; load %s' % (tcap[-1][0], rate[-1]['rate'], args.in_flight,
                                                     batched[-1]['rate'], args.batch, load()))
            print('  CPU us per dialogue: %s' % fmt_us(tcap[-1][1]))
            for name, r in (('one a request', rate[-1]), ('%d a request' % args.batch, batched[-1])):
                print('  CPU us per lookup, %s: %s; sigwayd on a CPU %.0f%%, runnable waiting for one %.0f%%'
                      ' of the time; latency p50 %.1f ms p99 %.1f ms' % (
                          name, fmt_us(r['us']), 100 * r['sigwayd_on_cpu'], 100 * r['sigwayd_runnable'],
                          r['p50'], r['p99']))
            print('  1 in flight: %.0f/s, latency p50 %.2f ms p99 %.2f ms' % (one[-1]['rate'], one[-1]['p50'],
                                                                             one[-1]['p99']))
        bulk = bulk_rss(net, port, args.bulk, args.bulk_seconds) if args.bulk else None

    m_tcap = statistics.median(t[0] for t in tcap)
    m_rate = statistics.median(r['rate'] for r in rate)
    m_batch = statistics.median(r['rate'] for r in batched)
    print()
    print('load client: %s' % args.client)
    print('(a) lookups %.0f/s (one a request) and %.0f/s (%d a request) vs TCAP round trips %.0f/s:'
          ' %.0f%% and %.0f%% (target >= 70%%)' % (m_rate, m_batch, args.batch, m_tcap, 100 * m_rate / m_tcap,
                                                   100 * m_batch / m_tcap))
    m_us = {name: statistics.median(t[1][name] for t in tcap) for name in tcap[0][1]}
    print('    CPU us per TCAP dialogue (medians): %s; total %.0f' % (fmt_us(m_us), sum(m_us.values())))
    for name, rs in (('one a request', rate), ('%d a request' % args.batch, batched)):
        m_us = {p: statistics.median(r['us'][p] for r in rs) for p in rs[0]['us']}
        print('    CPU us per lookup, %s (medians): %s; total %.0f; sigwayd on a CPU %.0f%%, waiting for one %.0f%%'
              % (name, fmt_us(m_us), sum(m_us.values()), 100 * statistics.median(r['sigwayd_on_cpu'] for r in rs),
                 100 * statistics.median(r['sigwayd_runnable'] for r in rs)))
    print('    latency with 1 in flight: p50 %.2f ms, p99 %.2f ms (medians of the rounds)' % (
        statistics.median(r['p50'] for r in one), statistics.median(r['p99'] for r in one)))
    if bulk:
        print('(b) job of %d numbers (%d bytes of text/plain): accepted in %.1f s, stored in %.1f s;'
              ' RSS %d KiB before, peak %d KiB, %d KiB (max %d) while it ran (%d done after %d s)' % (
                  args.bulk, bulk['body_bytes'], bulk['accepted_s'], bulk['stored_s'], bulk['before_kb'],
                  bulk['peak_kb'], bulk['running_kb'], bulk['running_max_kb'], bulk['done_when_sampled'],
                  args.bulk_seconds))
        print('    RSS every 5 s while it ran (KiB): %s; the store\'s page cache alone may take 32 MiB'
              ' (cache_size)' % ' '.join(str(kb) for kb in bulk['every5']))


if __name__ == '__main__':
    main()
