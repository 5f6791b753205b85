#!/usr/bin/env node
// A USSD application in the REST/JSON flavour (doc/ussd-gateway-api.md),
// for the tests, the demo and the benchmark: Node.js standard library only.
//
// usage: json_app.js PORT LOGFILE [GATEWAY_PUSH_URL PUSH_KEY]
//
// The gateway calls POST /ussd/session/{id}/start and /response, PUT /end.
// What the subscriber dialled after the service code ("optional") picks a
// behaviour:
//   (none)  main menu: 1 Balance | 2 Options (1 Data, 2 Voice) | 3 Echo (free text)
//   1       the balance at once (a session of one round)
//   6       six rounds: five menus "Step N of 6", then the final text
//   3       three rounds quickly (the benchmark): menu, menu, final
//   68/69   a final text of 128 / 129 GSM 7-bit characters (the GSUP path's limit)
//   70      56 UCS2 characters (the GSUP path's limit)
//   71/72   a final text of 182 / 183 GSM 7-bit characters
//   73/74   80 / 81 UCS2 (Cyrillic) characters
//   75/76   91 / 92 euro signs (extension characters: 182 / 184 septets)
//   77      non-Latin menu, then the answer echoed
//   81      never answers (the gateway's application timeout)
//   82      answers invalid JSON      83  HTTP 500
//   84      refuses (responseExitCode 400)   85  a 20 KB answer
//   86      a menu, then never answers the subscriber's answer
//   87      a menu, then the next menu 4 s late
// Push sessions' answers get "Thanks, you answered X" (X=9: one more menu).
// POST /admin/push {"msisdn","type","text"} pushes through the gateway with
// this application's key and answers what the gateway said.
// Every request is logged to LOGFILE as one JSON line.
'use strict';
const http = require('http');
const fs = require('fs');

const [port, logfile, pushUrl, pushKey] = process.argv.slice(2);
const sessions = new Map();
// no log file (the benchmark): not even a write to /dev/null per request
const log = logfile && logfile !== '/dev/null' ? fs.openSync(logfile, 'a') : null;

function record(obj) {
	if (log !== null)
		fs.writeSync(log, JSON.stringify(obj) + '\n');
}

function menu(text) { return { ussdMenu: text, shouldClose: false, responseExitCode: 200, responseMessage: '' }; }
function final(text) { return { ussdMenu: text, shouldClose: true, responseExitCode: 200, responseMessage: '' }; }

const MAIN = 'Welcome\n1 Balance\n2 Options\n3 Echo';

function start(s, body) {
	const opt = body.optional || '';
	s.kind = opt;
	switch (opt) {
	case '': s.level = 'main'; return menu(MAIN);
	case '1': return final('Balance: 12.50 EUR');
	case '6': s.step = 1; return menu('Step 1 of 6\nType anything');
	case '3': s.step = 1; return menu('Bench 1\n1 Next');
	case '68': return final('A'.repeat(128));
	case '69': return final('A'.repeat(129));
	case '70': return final('Ж'.repeat(56));
	case '71': return final('A'.repeat(182));
	case '72': return final('A'.repeat(183));
	case '73': return final('Ж'.repeat(80));
	case '74': return final('Ж'.repeat(81));
	case '75': return final('€'.repeat(91));
	case '76': return final('€'.repeat(92));
	case '77': return menu('Баланс: 120 руб.\n余额 1 元\nОтвет?');
	case '81': return null;
	case '82': return 'garbage';
	case '83': return 500;
	case '84': return { responseExitCode: 400, responseMessage: 'Invalid USSD session ' + body.sessionId };
	case '85': return final('B'.repeat(20000));
	case '86': s.level = 'stall'; return menu('Answer me, I will not answer you');
	case '87': s.level = 'late'; return menu('Round 1\n1 Next');
	default: return final('Unknown option ' + opt);
	}
}

function response(s, body) {
	const t = body.text;
	if (s.push) {
		if (t === '9' && !s.again) {
			s.again = true;
			return menu('Are you sure?\n1 Yes\n2 No');
		}
		return final('Thanks, you answered ' + t);
	}
	if (s.kind === '6') {
		s.step++;
		return s.step < 6 ? menu('Step ' + s.step + ' of 6\nType anything') : final('Done after 6 rounds, last ' + t);
	}
	if (s.kind === '3') {
		s.step++;
		return s.step < 3 ? menu('Bench ' + s.step + '\n1 Next') : final('Bench done');
	}
	if (s.kind === '77')
		return final('Вы ответили: ' + t);
	switch (s.level) {
	case 'main':
		if (t === '1') return final('Balance: 12.50 EUR');
		if (t === '2') { s.level = 'options'; return menu('Options\n1 Data\n2 Voice'); }
		if (t === '3') { s.level = 'echo'; return menu('Type some text'); }
		return final('Invalid choice');
	case 'options':
		if (t === '1') return final('Data: 100 MB left');
		if (t === '2') return final('Voice: 60 min left');
		return final('Invalid choice');
	case 'echo':
		return final('You typed: ' + t);
	case 'stall':
		return null;
	case 'late':
		return { delay: 4000, answer: menu('Round 2, late') };
	}
	return final('Invalid session state');
}

function reply(res, answer) {
	if (answer === null)
		return;		// never answered: the gateway gives up
	if (answer && answer.delay)
		return setTimeout(() => reply(res, answer.answer), answer.delay);
	if (answer === 500) {
		res.writeHead(500, { 'Content-Type': 'text/plain' });
		return res.end('internal error');
	}
	const body = answer === 'garbage' ? '{"ussdMenu": "broken' : JSON.stringify(answer);
	res.writeHead(200, { 'Content-Type': 'application/json' });
	res.end(body);
}

function push(req, res, body) {
	if (!pushUrl) {
		res.writeHead(400);
		return res.end('no gateway configured');
	}
	const data = JSON.stringify(body);
	const u = new URL(pushUrl);
	const r = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
				 headers: { 'Content-Type': 'application/json', 'X-API-Key': pushKey,
					    'Content-Length': Buffer.byteLength(data) } }, (gres) => {
		let answer = '';
		gres.on('data', (c) => { answer += c; });
		gres.on('end', () => {
			try {
				const a = JSON.parse(answer);
				if (a.sessionId)
					sessions.set(a.sessionId, { push: true });
			} catch (e) { /* the gateway's error is passed on as it is */ }
			res.writeHead(gres.statusCode, { 'Content-Type': 'application/json' });
			res.end(answer);
		});
	});
	r.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
	r.end(data);
}

const server = http.createServer((req, res) => {
	let chunks = '';
	req.setEncoding('utf8');
	req.on('data', (c) => { chunks += c; });
	req.on('end', () => {
		let body = {};
		try { body = chunks ? JSON.parse(chunks) : {}; } catch (e) { body = { unparsed: chunks }; }
		record({ method: req.method, path: req.url, auth: req.headers.authorization || null, body: body });
		if (req.url === '/admin/push' && req.method === 'POST')
			return push(req, res, body);
		const m = req.url.match(/^\/ussd\/session\/([A-Za-z0-9._-]+)\/(start|response|end)$/);
		if (!m) {
			res.writeHead(404);
			return res.end();
		}
		const [, id, what] = m;
		if (what === 'end') {
			sessions.delete(id);
			return reply(res, { responseExitCode: 200, responseMessage: '' });
		}
		let s = sessions.get(id);
		if (what === 'start') {
			s = {};
			sessions.set(id, s);
			return reply(res, start(s, body));
		}
		if (!s) {
			s = { push: true };	// a push session another client of ours opened
			sessions.set(id, s);
		}
		return reply(res, response(s, body));
	});
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => {
	console.log('json app listening on ' + port);
});
