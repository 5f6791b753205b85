// SMPP load from npm `smpp` clients (tests/smpp/node): S binds, each keeping
// W submit_sm outstanding, N messages in all. Prints one JSON object:
// accepted rate, submit_sm_resp latency percentiles, and (with receipts)
// the time until the last delivery receipt.
//   node smpp_load.js '{"port":2775,"system_id":"demo","password":"demo","sessions":2,
//                       "count":20000,"window":100,"schedule":"","receipts":false}'
'use strict';
const path = require('path');
const smpp = require(path.join(__dirname, '..', '..', 'tests', 'smpp', 'node', 'node_modules', 'smpp'));

const o = JSON.parse(process.argv[2]);
const sessions = o.sessions || 1, window = o.window || 100, count = o.count || 10000;
let sent = 0, answered = 0, ok = 0, failed = 0, receipts = 0, t0 = 0, tAnswered = 0, bound = 0;
const latencies = [];

function done() {
  const now = process.hrtime.bigint();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0;
  const secs = Number(tAnswered - t0) / 1e9;
  process.stdout.write(JSON.stringify({ count, ok, failed, seconds: secs, rate: ok / secs,
    p50_us: pct(0.5), p99_us: pct(0.99), receipts,
    receipt_seconds: o.receipts ? Number(now - t0) / 1e9 : null }) + '\n');
  process.exit(0);
}

function maybeDone() {
  if (answered === count && (!o.receipts || receipts >= ok)) done();
}

function pump(s) {
  while (s.inflight < window && sent < count) {
    const i = sent++;
    s.inflight++;
    const ts = process.hrtime.bigint();
    s.submit_sm({ source_addr: '4000', source_addr_ton: 1, source_addr_npi: 1,
                  destination_addr: String(491700000000 + (i % 1000000)), dest_addr_ton: 1, dest_addr_npi: 1,
                  short_message: 'load ' + i, registered_delivery: o.receipts ? 1 : 0,
                  schedule_delivery_time: o.schedule || '' }, (pdu) => {
      latencies.push(Number((process.hrtime.bigint() - ts) / 1000n));
      s.inflight--;
      answered++;
      if (pdu.command_status === 0) ok++; else failed++;
      if (answered === count) tAnswered = process.hrtime.bigint();
      pump(s);
      maybeDone();
    });
  }
}

const all = [];
for (let k = 0; k < sessions; k++) {
  const s = smpp.connect({ host: o.host || '127.0.0.1', port: o.port });
  s.inflight = 0;
  s.on('deliver_sm', (pdu) => { s.send(pdu.response()); receipts++; maybeDone(); });
  s.on('error', (e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
  s.on('connect', () => s.bind_transceiver({ system_id: o.system_id || 'demo', password: o.password || 'demo' }, (pdu) => {
    if (pdu.command_status !== 0) { process.stderr.write('bind refused\n'); process.exit(1); }
    // everyone starts together, once all are bound
    if (++bound === sessions) {
      t0 = process.hrtime.bigint();
      for (const x of all) pump(x);
    }
  }));
  all.push(s);
}

