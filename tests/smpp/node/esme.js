// An ESME built on the npm `smpp` package (not ours), driven by a JSON plan:
//   node esme.js '{"port":2775,"system_id":"demo","password":"demo","bind":"transceiver",
//                  "version":52,"submits":[{"destination_addr":"49...","short_message":"hi"}],
//                  "window":10,"receipts":1,"mo":0,"timeout":20000}'
// Prints one JSON object per line: bind_resp, submit_sm_resp (with index and
// latency), deliver_sm (receipts and MO, with their TLVs), then done. Every
// event carries t_ms, the milliseconds since the ESME started, and epoch_ms.
//   "intermediates": wait for this many intermediate notifications (deliver_sm
//             with esm_class 0x20), as "receipts" waits for receipts;
//   "deliver_delay_ms": answer each deliver_sm this late (a slow ESME);
//   "deliver_no_answer": never answer one;
//   "multis": submit_multi requests (fields as submit_sm, "dest_address": [...]),
//             each answered by a "submit_multi_resp" event;
//   "unbind_with_submits": the submits and then unbind in the same tick
//             (one write when the socket takes them at once); the run ends
//             when the SMSC closes the connection.
'use strict';
const smpp = require('smpp');

// the plan inline, or @FILE for long ones
const arg = process.argv[2];
const plan = JSON.parse(arg.startsWith('@') ? require('fs').readFileSync(arg.slice(1), 'utf8') : arg);
const t0 = Date.now();
const out = (o) => {
  const now = Date.now();
  process.stdout.write(JSON.stringify(Object.assign(o, { t_ms: now - t0, epoch_ms: now })) + '\n');
};
const session = smpp.connect({ host: plan.host || '127.0.0.1', port: plan.port });
let receipts = 0, intermediates = 0, mo = 0, answered = 0, sent = 0, inflight = 0;
// {"hex": "..."} in a plan stands for raw octets (a Buffer: sent as they are)
const raw = (v) => (v && typeof v === 'object' && typeof v.hex === 'string') ? Buffer.from(v.hex, 'hex') : v;
const submits = (plan.submits || []).map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, raw(v)])));
const multis = (plan.multis || []).map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, raw(v)])));
const window = plan.window || 10;
let finished = false;

function finish(reason) {
  if (finished) return;
  finished = true;
  out({ event: 'done', reason, receipts, intermediates, mo, answered });
  if (plan.unbind === false) { session.destroy(); process.exit(0); }
  session.unbind(() => { session.close(); process.exit(0); });
  setTimeout(() => process.exit(0), 2000);
}

// "receipt_ids": wait until a receipt for each of these message ids came
const waitIds = new Set(plan.receipt_ids || []);

// "ops": after the submits, one at a time: {"op": "query_sm"|"cancel_sm"|"replace_sm",
// "args": {...}, "message_id_of": <index of a submit>} -> an "<op>_resp" event each
const ops = plan.ops || [];
const ids = {};
let opsDone = 0;

function runOps() {
  if (opsDone === ops.length) { maybeDone(); return; }
  const o = ops[opsDone];
  const args = Object.fromEntries(Object.entries(o.args || {}).map(([k, v]) => [k, raw(v)]));
  if (o.message_id_of !== undefined) args.message_id = ids[o.message_id_of] || 'unknown';
  session[o.op](args, (pdu) => {
    out({ event: o.op + '_resp', index: opsDone, status: pdu.command_status, message_state: pdu.message_state,
          final_date: pdu.final_date, error_code: pdu.error_code });
    opsDone++;
    runOps();
  });
}

function maybeDone() {
  if (answered === submits.length + multis.length && opsDone === ops.length && receipts >= (plan.receipts || 0) &&
      intermediates >= (plan.intermediates || 0) && mo >= (plan.mo || 0) && waitIds.size === 0)
    finish('complete');
}

// "submit_interval_ms": one submit at a time, this far apart (a client
// that keeps submitting through a test's attack), else as the window allows
let paced = false;
function pump() {
  if (plan.submit_interval_ms) {
    if (paced || inflight || sent >= submits.length) return;
    paced = true;
    setTimeout(() => { paced = false; send(); }, sent ? plan.submit_interval_ms : 0);
    return;
  }
  while (inflight < window && sent < submits.length) send();
}

function sendMulti(i) {
  session.submit_multi(multis[i], (pdu) => {
    answered++;
    out({ event: 'submit_multi_resp', index: i, status: pdu.command_status, message_id: pdu.message_id,
          unsuccess: (pdu.unsuccess_sme || []).map((u) => ({ destination_addr: u.destination_addr,
                                                              status: u.error_status_code })) });
    maybeDone();
  });
}

function send() {
  const i = sent++;
  const t0 = process.hrtime.bigint();
  inflight++;
  session.submit_sm(submits[i], (pdu) => {
    inflight--;
    answered++;
    out({ event: 'submit_sm_resp', index: i, status: pdu.command_status, message_id: pdu.message_id,
          latency_us: Number((process.hrtime.bigint() - t0) / 1000n) });
    ids[i] = pdu.message_id;
    pump();
    if (answered === submits.length && ops.length && opsDone === 0) runOps();
    maybeDone();
  });
}

session.on('deliver_sm', (pdu) => {
  const sm = pdu.short_message || {};
  const text = Buffer.isBuffer(sm.message) ? sm.message.toString('latin1') : (sm.message || '');
  const ev = { event: 'deliver_sm', esm_class: pdu.esm_class, source_addr: pdu.source_addr,
               destination_addr: pdu.destination_addr, data_coding: pdu.data_coding, text,
               udh: sm.udh ? sm.udh.map((b) => Buffer.from(b).toString('hex')) : undefined,
               receipted_message_id: pdu.receipted_message_id, message_state: pdu.message_state,
               network_error_code: pdu.network_error_code ? Buffer.from(pdu.network_error_code).toString('hex') : undefined,
               message_payload: pdu.message_payload ? (pdu.message_payload.message || pdu.message_payload).toString() : undefined };
  out(ev);
  const answer = () => {
    session.send(pdu.response({ command_status: plan.deliver_status || 0 }));
    if (pdu.esm_class & 0x04) { receipts++; waitIds.delete(pdu.receipted_message_id); }
    else if ((pdu.esm_class & 0x3c) === 0x20) intermediates++;   // intermediate delivery notification
    else mo++;
    maybeDone();
  };
  if (plan.deliver_no_answer) return;
  if (plan.deliver_delay_ms) setTimeout(answer, plan.deliver_delay_ms); else answer();
});
// the SMSC's enquire_link after a quiet while (npm smpp leaves it to us)
session.on('enquire_link', (pdu) => session.send(pdu.response()));
session.on('error', (e) => { out({ event: 'error', message: String(e) }); finish('error'); });
session.on('close', () => finish('closed'));

session.on('connect', () => {
  const bind = { system_id: plan.system_id, password: plan.password, interface_version: plan.version || 0x34 };
  const fn = { transceiver: 'bind_transceiver', transmitter: 'bind_transmitter', receiver: 'bind_receiver' }[plan.bind || 'transceiver'];
  session[fn](bind, (pdu) => {
    out({ event: 'bind_resp', status: pdu.command_status, system_id: pdu.system_id,
          sc_interface_version: pdu.sc_interface_version });
    if (pdu.command_status !== 0) { finish('bind refused'); return; }
    if (plan.unbind_with_submits) {
      // every submit, then unbind, before the event loop runs again
      while (sent < submits.length) send();
      session.unbind((r) => out({ event: 'unbind_resp', status: r.command_status }));
      return;
    }
    for (let i = 0; i < multis.length; i++) sendMulti(i);
    pump();
    if (!submits.length && ops.length) runOps();
    maybeDone();
  });
});
setTimeout(() => finish('timeout'), plan.timeout || 20000);
