/* SMPP v3.4 server: one smpp_session per TCP connection, each on its own
 * osmo_fd (see smpp_server.h). Whatever a peer can make us hold is bounded
 * (doc/security.md): connections overall, per source address and not yet
 * bound (the oldest of those goes first), the time to bind, the PDU size
 * before a bind, and the output queued per session: above it the session's
 * input pauses, so TCP pushes back on the peer, and a session that stays
 * above it is closed. The process keeps fds in reserve for the rest of the
 * gateway (VTY, store, SS7), and a failing accept() never spins. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include <sigway/smpp/smpp_server.h>
#include "smpp_server_int.h"

static const struct rate_ctr_desc smpp_ctr_desc[] = {
	[SMPP_CTR_BINDS] = { "bind:accepted", "binds accepted" },
	[SMPP_CTR_BIND_REJECTED] = { "bind:rejected", "binds refused" },
	[SMPP_CTR_RX_PDU] = { "pdu:rx", "PDUs received" },
	[SMPP_CTR_TX_PDU] = { "pdu:tx", "PDUs sent" },
	[SMPP_CTR_RX_MALFORMED] = { "pdu:rx_malformed", "PDUs that could not be decoded" },
	[SMPP_CTR_SUBMIT] = { "submit:rx", "submit_sm and data_sm received" },
	[SMPP_CTR_THROTTLED] = { "submit:throttled", "answered ESME_RTHROTTLED" },
	[SMPP_CTR_WINDOW_FULL] = { "submit:window_full", "answered ESME_RMSGQFUL (window full)" },
	[SMPP_CTR_DELIVER] = { "deliver:tx", "deliver_sm sent" },
	[SMPP_CTR_DELIVER_FAILED] = { "deliver:failed", "deliver_sm answered with an error or not at all" },
	[SMPP_CTR_RESP_TIMEOUT] = { "deliver:timeout", "deliver_sm without an answer in time" },
	[SMPP_CTR_CONN_ACCEPTED] = { "conn:accepted", "connections accepted" },
	[SMPP_CTR_CONN_REFUSED] = { "conn:refused_max", "connections closed at once: max-connections reached" },
	[SMPP_CTR_CONN_REFUSED_IP] = { "conn:refused_ip", "connections closed at once: max-connections-per-ip reached" },
	[SMPP_CTR_CONN_REFUSED_FD] = { "conn:refused_fd", "connections closed at once: the fd reserve reached" },
	[SMPP_CTR_CONN_EVICTED] = { "conn:evicted", "unbound connections closed for a newer one (max-unbound)" },
	[SMPP_CTR_ACCEPT_FAILED] = { "conn:accept_failed", "accept() failed (no fd, no memory)" },
	[SMPP_CTR_BIND_TIMEOUT] = { "conn:bind_timeout", "connections closed: no bind within bind-timeout" },
	[SMPP_CTR_READ_PAUSED] = { "conn:input_paused", "times a session's input paused: its output was backed up" },
	[SMPP_CTR_OUTPUT_STALLED] = { "conn:output_stalled", "sessions closed: output backed up longer than response-timeout" },
	[SMPP_CTR_AUTH_BACKOFF] = { "bind:backoff", "binds refused unchecked: address or account in back-off" },
	[SMPP_CTR_AUTH_QUEUED] = { "bind:queued", "binds that waited for the password check budget" },
	[SMPP_CTR_UNBOUND_OVERSIZE] = { "pdu:unbound_oversize", "PDUs too long for a session not bound (closed)" },
	[SMPP_CTR_DELIVER_LATE] = { "deliver:late_answer", "deliver_sm answered after response-timeout (taken)" },
	[SMPP_CTR_BAD_HEADER] = { "pdu:bad_header", "requests with a sequence number outside 1..0x7FFFFFFF (generic_nack)" },
};
static const struct rate_ctr_group_desc smpp_ctrg_desc = {
	"smpp", "SMPP server", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(smpp_ctr_desc), smpp_ctr_desc,
};

static void session_destroy(struct smpp_session *s);
static void session_process_rx(struct smpp_session *s);
static void unbind_when_answered(struct smpp_session *s);

int64_t smpp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void smpp_ctr_inc(struct smpp_server *srv, enum smpp_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(srv->ctrg, c));
}

/* a deliver_sm of ours is over (answered, timed out, or its bind going):
 * the SMS core learns its status */
static void outstanding_done(struct smpp_session *s, struct smpp_outstanding *o, uint32_t status)
{
	uint64_t token = o->token;
	llist_del(&o->list);
	talloc_free(o);
	s->n_outstanding--;
	if (status != ESME_ROK)
		smpp_ctr_inc(s->srv, SMPP_CTR_DELIVER_FAILED);
	s->srv->ops->deliver_resp(s->srv->priv, token, status);
	unbind_when_answered(s);
}

/* answers every deliver_sm of a session as failed (it is going away); those
 * already reported as not answered in time are forgotten */
static void fail_outstanding(struct smpp_session *s)
{
	struct smpp_outstanding *o, *tmp;
	llist_for_each_entry_safe(o, tmp, &s->outstanding, list)
		outstanding_done(s, o, ESME_RSYSERR);
	llist_for_each_entry_safe(o, tmp, &s->late, list) {
		llist_del(&o->list);
		talloc_free(o);
	}
	s->n_late = 0;
}

static int64_t late_keep_ms(const struct smpp_server *srv)
{
	int64_t ms = srv->response_timeout_s * 1000LL * SMPP_LATE_KEEP_FACTOR;
	return ms > 60000 ? ms : 60000;
}

/* No answer within response-timeout: the core hears so (it retries later)
 * and the deliver_sm leaves the window, but a late answer still finds it
 * for a while: a slow ESME does not get the same PDU again and again */
static void expire_outstanding(struct smpp_session *s, int64_t now_ms)
{
	struct smpp_outstanding *o, *tmp;
	llist_for_each_entry_safe(o, tmp, &s->late, list) {
		if (now_ms - o->sent_ms < late_keep_ms(s->srv) && s->n_late <= 4 * s->account->window)
			break;	/* in sending order */
		llist_del(&o->list);
		talloc_free(o);
		s->n_late--;
	}
	llist_for_each_entry_safe(o, tmp, &s->outstanding, list) {
		if (now_ms - o->sent_ms < s->srv->response_timeout_s * 1000LL)
			break;	/* in sending order */
		smpp_ctr_inc(s->srv, SMPP_CTR_RESP_TIMEOUT);
		uint64_t token = o->token;
		llist_del(&o->list);
		llist_add_tail(&o->list, &s->late);
		s->n_late++;
		s->n_outstanding--;
		smpp_ctr_inc(s->srv, SMPP_CTR_DELIVER_FAILED);
		s->srv->ops->deliver_resp(s->srv->priv, token, SMPP_DELIVER_NO_ANSWER);
	}
}

/* ------------------------------------------------------------ addresses */

/* the connection count of an address (created with no connections yet) */
static struct smpp_ip_count *ip_count(struct smpp_server *srv, const char *ip)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (const char *c = ip; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	struct llist_head *bucket = &srv->ip_buckets[h % SMPP_IP_BUCKETS];
	struct smpp_ip_count *ipc;
	llist_for_each_entry(ipc, bucket, list)
		if (!strcmp(ipc->ip, ip))
			return ipc;
	ipc = talloc_zero(srv, struct smpp_ip_count);
	if (!ipc)
		return NULL;
	snprintf(ipc->ip, sizeof(ipc->ip), "%s", ip);
	llist_add(&ipc->list, bucket);
	return ipc;
}

static void ip_count_put(struct smpp_ip_count *ipc)
{
	if (!ipc->sessions) {
		llist_del(&ipc->list);
		talloc_free(ipc);
	}
}

/* ------------------------------------------------------------ input and output */

static size_t output_max(const struct smpp_session *s)
{
	return s->state == SMPP_SESS_OPEN ? SMPP_UNBOUND_OUTPUT_MAX : s->srv->lim.max_output;
}

/* Input is taken while nothing holds it: a bind being decided, the
 * session closing, or output above the bound (until half of it drained) */
static bool may_read(const struct smpp_session *s)
{
	return !s->closing && !s->bind && !s->output_paused;
}

static void update_fd(struct smpp_session *s)
{
	s->ofd.when = (may_read(s) ? OSMO_FD_READ : 0) | (s->tx_bytes ? OSMO_FD_WRITE : 0);
}

/* Writes what the socket takes now. Returns false when the session is gone
 * (written out while closing, or the peer is gone). */
static bool session_write(struct smpp_session *s)
{
	while (!llist_empty(&s->txq)) {
		struct msgb *m = llist_first_entry(&s->txq, struct msgb, list);
		ssize_t n = send(s->ofd.fd, msgb_data(m), msgb_length(m), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			LOGP_LIMITED(&s->srv->log_closed, "%s: cannot send (%s), closing\n", s->peer, strerror(errno));
			session_destroy(s);
			return false;
		}
		s->tx_bytes -= (size_t)n;
		if ((size_t)n < msgb_length(m)) {
			msgb_pull(m, (unsigned int)n);
			break;
		}
		llist_del(&m->list);
		msgb_free(m);
	}
	if (s->closing && llist_empty(&s->txq)) {
		session_destroy(s);
		return false;
	}
	/* drained to half the bound: take input again, starting with what
	 * is buffered already (the peer may be waiting for its answers) */
	if (s->output_paused && s->tx_bytes <= output_max(s) / 2) {
		s->output_paused = false;
		s->over_since_ms = 0;
		session_process_rx(s);
	}
	update_fd(s);
	return true;
}

/* Queues an encoded PDU; the socket takes it when it is writable, after
 * this tick (so the PDUs of a tick leave together) */
int smpp_session_send(struct smpp_session *s, const struct smpp_pdu *p)
{
	uint8_t buf[SMPP_PDU_MAX];
	int len = smpp_encode(buf, sizeof(buf), p);
	if (len < 0) {
		LOGP(DSMPP, LOGL_ERROR, "%s: cannot encode %s: %d\n", s->peer, smpp_cmd_name(p->command_id), len);
		return len;
	}
	struct msgb *m = llist_empty(&s->txq) ? NULL : llist_last_entry(&s->txq, struct msgb, list);
	if (!m || msgb_tailroom(m) < len) {
		/* a bound session's answers of a tick fit one buffer; one not bound needs little */
		unsigned int size = s->state == SMPP_SESS_OPEN ? 512 : 8192;
		m = msgb_alloc(len > (int)size ? (unsigned int)len : size, "smpp-tx");
		if (!m)
			return -ENOMEM;
		msgb_enqueue(&s->txq, m);
	}
	memcpy(msgb_put(m, len), buf, len);
	s->tx_bytes += (size_t)len;
	LOGP(DSMPP, LOGL_DEBUG, "%s: tx %s seq %u status 0x%x\n", s->peer, smpp_cmd_name(p->command_id),
	     p->sequence_number, p->command_status);
	smpp_ctr_inc(s->srv, SMPP_CTR_TX_PDU);
	if (!s->output_paused && s->tx_bytes > output_max(s)) {
		/* a peer that does not read: stop reading it */
		s->output_paused = true;
		s->over_since_ms = smpp_now_ms();
		smpp_ctr_inc(s->srv, SMPP_CTR_READ_PAUSED);
	}
	update_fd(s);
	return 0;
}

static void send_header(struct smpp_session *s, uint32_t cmd, uint32_t status, uint32_t seq)
{
	struct smpp_pdu p = { .command_id = cmd, .command_status = status, .sequence_number = seq };
	smpp_session_send(s, &p);
}

static uint32_t next_seq(struct smpp_session *s)
{
	s->seq = s->seq >= 0x7fffffff ? 1 : s->seq + 1;
	return s->seq;
}

/* No more input; the session goes once its output is written (or after
 * response-timeout, when the peer does not take it). Never frees it at
 * once: the caller may be reading its PDUs. */
void smpp_session_close_after_output(struct smpp_session *s)
{
	if (!s->closing) {
		s->closing = true;
		s->closing_ms = smpp_now_ms();
		fail_outstanding(s);
	}
	update_fd(s);
	if (!s->tx_bytes)
		osmo_timer_schedule(&s->timer, 0, 0);
}

void smpp_session_resume(struct smpp_session *s)
{
	update_fd(s);
	session_process_rx(s);
}

/* ------------------------------------------------------------ binds */

static bool rx_reserve(struct smpp_session *s, size_t need);

void smpp_session_bound(struct smpp_session *s, struct smpp_account *a)
{
	struct smpp_server *srv = s->srv;
	struct smpp_bind_req *b = s->bind;
	struct smpp_pdu r = { .command_id = b->command_id | SMPP_RESP, .command_status = ESME_ROK,
			      .sequence_number = b->seq };
	snprintf(r.system_id, sizeof(r.system_id), "%s", srv->system_id);
	s->multi = talloc_zero(s, struct smpp_multi_storage);
	/* a bound session reads a window of PDUs at once */
	if (!s->multi || !rx_reserve(s, SMPP_BOUND_RX_SIZE)) {
		r.command_status = ESME_RSYSERR;
		smpp_session_send(s, &r);
		smpp_session_close_after_output(s);
		return;
	}
	/* 3.4 and later binds learn our version; a 3.3 ESME gets no TLV */
	if (b->interface_version >= 0x34) {
		r.tlv.present = SMPP_TLV_SC_INTERFACE_VERSION;
		r.tlv.sc_interface_version = 0x34;
	}
	s->account = a;
	a->binds++;
	s->interface_version = b->interface_version;
	s->state = b->command_id == SMPP_BIND_TRANSMITTER ? SMPP_SESS_TX :
		   b->command_id == SMPP_BIND_RECEIVER ? SMPP_SESS_RX : SMPP_SESS_TRX;
	srv->n_unbound--;
	s->ipc->unbound--;
	if (s->state != SMPP_SESS_TX)
		a->receivers++;
	LOGP_LIMITED(&srv->log_conn, "%s: bound as '%s' (%s, version 0x%02x)\n", s->peer, a->system_id,
		     smpp_cmd_name(b->command_id), b->interface_version);
	smpp_ctr_inc(srv, SMPP_CTR_BINDS);
	talloc_free(s->bind);
	s->bind = NULL;
	smpp_session_send(s, &r);
	if (s->state != SMPP_SESS_TX && srv->ops->receiver_up)
		srv->ops->receiver_up(srv->priv, a);
	smpp_session_resume(s);
}

static void on_bind(struct smpp_session *s, const struct smpp_pdu *p)
{
	if (s->state != SMPP_SESS_OPEN) {
		struct smpp_pdu r = { .command_id = p->command_id | SMPP_RESP, .command_status = ESME_RALYBND,
				      .sequence_number = p->sequence_number };
		snprintf(r.system_id, sizeof(r.system_id), "%s", s->srv->system_id);
		smpp_session_send(s, &r);
		return;
	}
	struct smpp_bind_req *b = talloc_zero(s, struct smpp_bind_req);
	if (!b) {
		send_header(s, p->command_id | SMPP_RESP, ESME_RSYSERR, p->sequence_number);
		smpp_session_close_after_output(s);
		return;
	}
	b->command_id = p->command_id;
	b->seq = p->sequence_number;
	b->interface_version = p->interface_version;
	memcpy(b->system_id, p->system_id, sizeof(b->system_id));
	memcpy(b->password, p->password, sizeof(b->password));
	/* the input waits until the bind is decided */
	s->bind = b;
	update_fd(s);
	smpp_auth_bind(s);
}

/* ------------------------------------------------------------ requests */

/* token bucket per account: `throughput` per second, one second of burst;
 * takes up to n tokens, returns how many it took */
static unsigned int throttle_take(struct smpp_account *a, unsigned int n)
{
	if (!a->throughput)
		return n;
	int64_t now = smpp_now_ms();
	a->tokens += (now - a->tokens_ms) * a->throughput / 1000.0;
	a->tokens_ms = now;
	if (a->tokens > a->throughput)
		a->tokens = a->throughput;
	unsigned int have = a->tokens < 1 ? 0 : (unsigned int)a->tokens;
	unsigned int k = n < have ? n : have;
	a->tokens -= k;
	return k;
}

static bool may_submit(const struct smpp_session *s)
{
	return s->state == SMPP_SESS_TX || s->state == SMPP_SESS_TRX;
}

/* a submit_multi counts once per destination in the window */
static void multi_weight_add(struct smpp_session *s, uint32_t seq, unsigned int weight)
{
	struct smpp_multi_weight *w = talloc_zero(s, struct smpp_multi_weight);
	if (!w)
		return;		/* it counts as one then */
	w->seq = seq;
	w->weight = weight;
	llist_add_tail(&w->list, &s->multi_weights);
}

static unsigned int multi_weight_take(struct smpp_session *s, uint32_t seq)
{
	struct smpp_multi_weight *w;
	llist_for_each_entry(w, &s->multi_weights, list) {
		if (w->seq == seq) {
			unsigned int n = w->weight;
			llist_del(&w->list);
			talloc_free(w);
			return n;
		}
	}
	return 1;
}

static void on_request(struct smpp_session *s, const struct smpp_pdu *p)
{
	uint32_t resp = p->command_id | SMPP_RESP;
	if (!may_submit(s)) {
		send_header(s, resp, ESME_RINVBNDSTS, p->sequence_number);
		return;
	}
	struct smpp_request req = { .session_id = s->id, .account = s->account, .pdu = p, .peer = s->peer,
				    .interface_version = s->interface_version, .max_dests = 1,
				    .over_status = ESME_ROK };
	unsigned int n = 1;
	bool is_submit = p->command_id == SMPP_SUBMIT_SM || p->command_id == SMPP_DATA_SM ||
			 p->command_id == SMPP_SUBMIT_MULTI;
	if (p->command_id == SMPP_SUBMIT_MULTI && p->number_of_dests > 1)
		n = p->number_of_dests;
	if (is_submit) {
		rate_ctr_add(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_SUBMIT), n);
		unsigned int room = s->account->window > s->in_flight ? s->account->window - s->in_flight : 0;
		if (!room) {
			smpp_ctr_inc(s->srv, SMPP_CTR_WINDOW_FULL);
			send_header(s, resp, ESME_RMSGQFUL, p->sequence_number);
			return;
		}
		unsigned int k = throttle_take(s->account, n < room ? n : room);
		if (!k) {
			smpp_ctr_inc(s->srv, SMPP_CTR_THROTTLED);
			send_header(s, resp, ESME_RTHROTTLED, p->sequence_number);
			return;
		}
		/* submit_multi: the destinations beyond the window or the tokens
		 * are refused one by one in its answer */
		req.max_dests = k;
		if (k < n) {
			req.over_status = k == room ? ESME_RMSGQFUL : ESME_RTHROTTLED;
			smpp_ctr_inc(s->srv, k == room ? SMPP_CTR_WINDOW_FULL : SMPP_CTR_THROTTLED);
		}
		if (p->command_id == SMPP_SUBMIT_MULTI && k > 1)
			multi_weight_add(s, p->sequence_number, k);
		s->in_flight += k;
	} else {
		s->in_flight++;
	}
	s->srv->ops->request(s->srv->priv, &req);
}

/* unbind_resp once every request before the unbind is answered and the
 * ESME answered the deliver_sm it had then (or response-timeout passed),
 * then the session closes */
static void unbind_when_answered(struct smpp_session *s)
{
	if (s->stopping && !s->closing && (!s->n_outstanding ||
					   smpp_now_ms() - s->stopping_ms >= s->srv->response_timeout_s * 1000LL)) {
		smpp_session_close_after_output(s);
		return;
	}
	if (!s->unbinding || s->closing)
		return;
	if ((s->in_flight || s->n_outstanding) && smpp_now_ms() - s->unbind_ms < s->srv->response_timeout_s * 1000LL)
		return;
	send_header(s, SMPP_UNBIND | SMPP_RESP, ESME_ROK, s->unbind_seq);
	smpp_session_close_after_output(s);
}

/* a deliver_sm we sent was answered */
static void on_deliver_resp(struct smpp_session *s, const struct smpp_pdu *p)
{
	struct smpp_outstanding *o;
	llist_for_each_entry(o, &s->outstanding, list) {
		if (o->seq == p->sequence_number) {
			outstanding_done(s, o, p->command_status);
			return;
		}
	}
	llist_for_each_entry(o, &s->late, list) {
		if (o->seq == p->sequence_number) {
			uint64_t token = o->token;
			llist_del(&o->list);
			talloc_free(o);
			s->n_late--;
			smpp_ctr_inc(s->srv, SMPP_CTR_DELIVER_LATE);
			s->srv->ops->deliver_resp(s->srv->priv, token, p->command_status);
			return;
		}
	}
	LOGP_LIMITED(&s->srv->log_bad_pdu, "%s: %s for unknown sequence %u\n", s->peer,
		     smpp_cmd_name(p->command_id), p->sequence_number);
}

static void on_pdu(struct smpp_session *s, const struct smpp_pdu *p)
{
	/* after its unbind an ESME only answers (3.4 2.9): requests are refused;
	 * the same while the server stops */
	if ((s->unbinding || s->stopping) && !SMPP_IS_RESP(p->command_id)) {
		send_header(s, p->command_id | SMPP_RESP, ESME_RINVBNDSTS, p->sequence_number);
		return;
	}
	switch (p->command_id) {
	case SMPP_BIND_TRANSMITTER: case SMPP_BIND_RECEIVER: case SMPP_BIND_TRANSCEIVER:
		on_bind(s, p);
		break;
	case SMPP_ENQUIRE_LINK:
		send_header(s, SMPP_ENQUIRE_LINK | SMPP_RESP, ESME_ROK, p->sequence_number);
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP:
		break;
	case SMPP_UNBIND:
		LOGP_LIMITED(&s->srv->log_closed, "%s: unbind\n", s->peer);
		/* the answers owed go first, both ways */
		s->unbinding = true;
		s->unbind_seq = p->sequence_number;
		s->unbind_ms = smpp_now_ms();
		unbind_when_answered(s);
		break;
	case SMPP_UNBIND | SMPP_RESP:
		smpp_session_close_after_output(s);
		break;
	case SMPP_SUBMIT_SM: case SMPP_DATA_SM: case SMPP_SUBMIT_MULTI:
	case SMPP_QUERY_SM: case SMPP_CANCEL_SM: case SMPP_REPLACE_SM:
		on_request(s, p);
		break;
	case SMPP_DELIVER_SM | SMPP_RESP: case SMPP_DATA_SM | SMPP_RESP:
		on_deliver_resp(s, p);
		break;
	case SMPP_GENERIC_NACK:
		LOGP_LIMITED(&s->srv->log_bad_pdu, "%s: generic_nack 0x%x for seq %u\n", s->peer, p->command_status,
			     p->sequence_number);
		on_deliver_resp(s, p);
		break;
	default:
		/* a PDU an SMSC does not take (deliver_sm, outbind, a response we
		 * did not ask for): SMPP 3.4 3.3 wants generic_nack */
		if (SMPP_IS_RESP(p->command_id))
			break;
		send_header(s, SMPP_GENERIC_NACK, ESME_RINVCMDID, p->sequence_number);
		break;
	}
}

/* Answers a PDU that did not decode (never an answer: no answer to an answer) */
static void on_bad_pdu(struct smpp_session *s, const struct smpp_pdu *p, int status)
{
	smpp_ctr_inc(s->srv, SMPP_CTR_RX_MALFORMED);
	LOGP_LIMITED(&s->srv->log_bad_pdu, "%s: bad %s seq %u: %s\n", s->peer, smpp_cmd_name(p->command_id),
		     p->sequence_number, smpp_status_name(status));
	if (SMPP_IS_RESP(p->command_id))
		return;
	bool is_bind = p->command_id == SMPP_BIND_TRANSMITTER || p->command_id == SMPP_BIND_RECEIVER ||
		       p->command_id == SMPP_BIND_TRANSCEIVER;
	if (is_bind && s->state == SMPP_SESS_OPEN) {
		/* a bind we cannot read fails like any other (one answer for
		 * every failure): its system_id is empty, no account has it */
		struct smpp_pdu empty = { .command_id = p->command_id, .sequence_number = p->sequence_number };
		on_bind(s, &empty);
		return;
	}
	if (is_bind) {
		/* bound already: the answer still names us (strict ESMEs insist) */
		struct smpp_pdu r = { .command_id = p->command_id | SMPP_RESP, .command_status = status,
				      .sequence_number = p->sequence_number };
		snprintf(r.system_id, sizeof(r.system_id), "%s", s->srv->system_id);
		smpp_session_send(s, &r);
		return;
	}
	bool known = status != ESME_RINVCMDID && status != ESME_RINVCMDLEN;
	send_header(s, known ? p->command_id | SMPP_RESP : SMPP_GENERIC_NACK, status, p->sequence_number);
}

/* SMPP 3.4 3.2: a request's sequence_number is 1..0x7FFFFFFF. One outside
 * is not taken: a bind fails like any other, anything else gets
 * generic_nack (3.4 has no status for it: ESME_RUNKNOWNERR) */
static bool header_ok(struct smpp_session *s, const struct smpp_pdu *p)
{
	if (SMPP_IS_RESP(p->command_id) || (p->sequence_number >= 1 && p->sequence_number <= 0x7fffffff))
		return true;
	smpp_ctr_inc(s->srv, SMPP_CTR_BAD_HEADER);
	LOGP_LIMITED(&s->srv->log_bad_pdu, "%s: %s with sequence number %u refused\n", s->peer,
		     smpp_cmd_name(p->command_id), p->sequence_number);
	bool is_bind = p->command_id == SMPP_BIND_TRANSMITTER || p->command_id == SMPP_BIND_RECEIVER ||
		       p->command_id == SMPP_BIND_TRANSCEIVER;
	if (is_bind && s->state == SMPP_SESS_OPEN) {
		struct smpp_pdu empty = { .command_id = p->command_id, .sequence_number = p->sequence_number };
		on_bind(s, &empty);
		return false;
	}
	send_header(s, SMPP_GENERIC_NACK, ESME_RUNKNOWNERR, p->sequence_number);
	return false;
}

/* ------------------------------------------------------------ stream */

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* a command_length that cannot be right: nothing after it can be trusted */
static void bad_length(struct smpp_session *s, const uint8_t *h, size_t avail, uint32_t len)
{
	LOGP_LIMITED(&s->srv->log_bad_pdu, "%s: invalid command_length %u, closing\n", s->peer, len);
	/* the sequence number, when the header is there, tells the ESME which PDU */
	send_header(s, SMPP_GENERIC_NACK, ESME_RINVCMDLEN, avail >= SMPP_HEADER_LEN ? be32(h + 12) : 0);
	smpp_session_close_after_output(s);
}

static bool rx_reserve(struct smpp_session *s, size_t need)
{
	if (s->rx_cap >= need)
		return true;
	uint8_t *rx = talloc_realloc_size(s, s->rx, need);
	if (!rx)
		return false;
	s->rx = rx;
	s->rx_cap = need;
	return true;
}

/* The whole PDUs in the input buffer, as long as input is taken */
static void session_process_rx(struct smpp_session *s)
{
	/* a bind decided while its PDUs are processed: this loop goes on */
	if (s->in_rx)
		return;
	s->in_rx = true;
	size_t off = 0;
	while (may_read(s) && s->rx_len - off >= 4) {
		const uint8_t *h = s->rx + off;
		size_t avail = s->rx_len - off;
		uint32_t len = be32(h);
		uint32_t max = s->state == SMPP_SESS_OPEN ? SMPP_UNBOUND_PDU_MAX : SMPP_PDU_MAX;
		if (len < SMPP_HEADER_LEN || len > max) {
			if (len >= SMPP_HEADER_LEN && len <= SMPP_PDU_MAX)
				smpp_ctr_inc(s->srv, SMPP_CTR_UNBOUND_OVERSIZE);
			bad_length(s, h, avail, len);
			break;
		}
		if (avail < len)
			break;
		struct smpp_pdu p;
		uint32_t cmd = avail >= 8 ? be32(h + 4) : 0;
		int rc;
		smpp_ctr_inc(s->srv, SMPP_CTR_RX_PDU);
		if (cmd == SMPP_SUBMIT_MULTI && !s->multi) {
			/* not bound: no storage for its list, and no need to read it */
			memset(&p, 0, sizeof(p));
			p.command_id = cmd;
			p.sequence_number = be32(h + 12);
			rc = 0;
		} else {
			rc = smpp_decode(&p, h, len, s->multi);
		}
		off += len;
		LOGP(DSMPP, LOGL_DEBUG, "%s: rx %s seq %u\n", s->peer, smpp_cmd_name(p.command_id), p.sequence_number);
		if (rc < 0)
			on_bad_pdu(s, &p, -rc);
		else if (header_ok(s, &p))
			on_pdu(s, &p);
	}
	if (off) {
		memmove(s->rx, s->rx + off, s->rx_len - off);
		s->rx_len -= off;
	}
	/* room for the PDU begun (its length is checked above) */
	if (!s->closing && s->rx_len >= 4 && be32(s->rx) > s->rx_cap && !rx_reserve(s, be32(s->rx))) {
		LOGP(DSMPP, LOGL_ERROR, "%s: no memory for a PDU of %u octets, closing\n", s->peer, be32(s->rx));
		smpp_session_close_after_output(s);
	}
	s->in_rx = false;
}

/* Returns false when the session is gone */
static bool session_read(struct smpp_session *s)
{
	if (!may_read(s) || s->rx_len == s->rx_cap)
		return true;	/* held since the poll (a full buffer is never left so) */
	ssize_t n = read(s->ofd.fd, s->rx + s->rx_len, s->rx_cap - s->rx_len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		LOGP_LIMITED(&s->srv->log_closed, "%s: connection closed\n", s->peer);
		session_destroy(s);
		return false;
	}
	s->rx_len += (size_t)n;
	s->last_rx_ms = smpp_now_ms();
	session_process_rx(s);
	return true;
}

static int session_fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct smpp_session *s = ofd->data;
	if ((what & OSMO_FD_READ) && !session_read(s))
		return 0;
	if (what & OSMO_FD_WRITE)
		session_write(s);
	return 0;
}

/* once a second: the bind timeout, a peer that does not take its output,
 * deliver_sm without an answer, enquire_link when a bind was quiet */
static void session_timer_cb(void *data)
{
	struct smpp_session *s = data;
	struct smpp_server *srv = s->srv;
	int64_t now = smpp_now_ms();
	int64_t resp_ms = srv->response_timeout_s * 1000LL;
	if (s->closing) {
		if (!s->tx_bytes) {
			session_destroy(s);
			return;
		}
		if (now - s->closing_ms > resp_ms) {
			LOGP_LIMITED(&srv->log_closed, "%s: output not taken while closing, closed\n", s->peer);
			session_destroy(s);
			return;
		}
		osmo_timer_schedule(&s->timer, 1, 0);
		return;
	}
	if (s->state == SMPP_SESS_OPEN && now - s->connected_ms > srv->lim.bind_timeout_s * 1000LL) {
		smpp_ctr_inc(srv, SMPP_CTR_BIND_TIMEOUT);
		LOGP_LIMITED(&srv->log_closed, "%s: no bind within %u s, closing\n", s->peer, srv->lim.bind_timeout_s);
		session_destroy(s);
		return;
	}
	if (s->output_paused && now - s->over_since_ms > resp_ms) {
		smpp_ctr_inc(srv, SMPP_CTR_OUTPUT_STALLED);
		LOGP_LIMITED(&srv->log_closed, "%s: %zu octets of output not taken for %u s, closing\n", s->peer,
			     s->tx_bytes, srv->response_timeout_s);
		session_destroy(s);
		return;
	}
	if (s->state != SMPP_SESS_OPEN)
		expire_outstanding(s, now);
	unbind_when_answered(s);
	if (s->closing) {
		if (!osmo_timer_pending(&s->timer))
			osmo_timer_schedule(&s->timer, 1, 0);
		return;
	}
	if (s->state != SMPP_SESS_OPEN) {
		if (s->enquire_sent_ms && now - s->enquire_sent_ms > resp_ms && s->last_rx_ms < s->enquire_sent_ms) {
			LOGP_LIMITED(&srv->log_closed, "%s: no answer to enquire_link, closing\n", s->peer);
			session_destroy(s);
			return;
		}
		if (now - s->last_rx_ms > srv->enquire_link_s * 1000LL &&
		    (!s->enquire_sent_ms || s->last_rx_ms > s->enquire_sent_ms)) {
			s->enquire_sent_ms = now;
			send_header(s, SMPP_ENQUIRE_LINK, ESME_ROK, next_seq(s));
		}
	}
	osmo_timer_schedule(&s->timer, 1, 0);
}

static int session_destructor(struct smpp_session *s)
{
	struct smpp_server *srv = s->srv;
	osmo_timer_del(&s->timer);
	smpp_auth_forget(s);
	if (s->ofd.fd >= 0) {
		osmo_fd_unregister(&s->ofd);
		close(s->ofd.fd);
		s->ofd.fd = -1;
	}
	msgb_queue_free(&s->txq);
	s->tx_bytes = 0;
	/* the SMS core learns of the deliver_sm lost; nothing may go to this session now */
	s->closing = true;
	fail_outstanding(s);
	if (s->account) {
		if (s->account->binds)
			s->account->binds--;
		if (s->state != SMPP_SESS_TX && s->account->receivers)
			s->account->receivers--;
	}
	if (s->state == SMPP_SESS_OPEN) {
		srv->n_unbound--;
		s->ipc->unbound--;
	}
	srv->n_sessions--;
	s->ipc->sessions--;
	ip_count_put(s->ipc);
	llist_del(&s->list);
	return 0;
}

static void session_destroy(struct smpp_session *s)
{
	talloc_free(s);
}

/* ------------------------------------------------------------ accept */

static void peer_name(const struct sockaddr_storage *ss, char *ip, size_t ipsz, unsigned int *port)
{
	*port = 0;
	snprintf(ip, ipsz, "?");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, ip, ipsz);
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, ipsz);
		*port = ntohs(sin6->sin6_port);
	}
}

/* An fd at or above the process limit less the reserve is given back at
 * once: the VTY, the store and the SS7 links keep their fds */
static bool fd_in_reserve(const struct smpp_server *srv, int fd)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	return (rlim_t)fd + srv->lim.fd_reserve >= rl.rlim_cur;
}

/* Which connection not bound yet goes first for a new one: one whose bind
 * was refused (its answer only waits for the delay), then one that sent
 * nothing yet, then the others (a bind being checked, a PDU begun) */
static int evict_class(const struct smpp_session *s)
{
	if (s->bind && osmo_timer_pending(&s->auth_timer))
		return 0;
	return !s->bind && !s->rx_len ? 1 : 2;
}

/* A connection not bound yet goes for the new one: among the oldest few,
 * the first class above; in it, the one whose address holds the most such
 * connections (a flood from few addresses closes its own first); then the
 * oldest. A client that sends its bind at once is rarely the one. */
static void evict_unbound(struct smpp_server *srv)
{
	struct smpp_session *s, *victim = NULL;
	int victim_class = 3;
	unsigned int seen = 0;
	llist_for_each_entry(s, &srv->sessions, list) {
		if (s->state != SMPP_SESS_OPEN)
			continue;
		int c = evict_class(s);
		if (c < victim_class || (c == victim_class && s->ipc->unbound > victim->ipc->unbound)) {
			victim = s;
			victim_class = c;
		}
		if (++seen >= SMPP_EVICT_CANDIDATES)
			break;
	}
	if (!victim)
		return;
	smpp_ctr_inc(srv, SMPP_CTR_CONN_EVICTED);
	LOGP_LIMITED(&srv->log_refused, "%s: not bound, closed for a newer connection (max-unbound %u)\n",
		     victim->peer, srv->lim.max_unbound);
	session_destroy(victim);
}

static void accept_one(struct smpp_server *srv, int fd, const struct sockaddr_storage *ss)
{
	char ip[48];
	unsigned int port;
	enum smpp_ctr refused = SMPP_CTR_CONN_ACCEPTED;
	const char *why = NULL;
	peer_name(ss, ip, sizeof(ip), &port);
	struct smpp_ip_count *ipc = ip_count(srv, ip);
	if (!ipc) {
		refused = SMPP_CTR_ACCEPT_FAILED;
		why = "no memory";
	} else if (fd_in_reserve(srv, fd)) {
		refused = SMPP_CTR_CONN_REFUSED_FD;
		why = "the fd reserve is reached";
	} else if (srv->n_sessions >= srv->lim.max_connections) {
		refused = SMPP_CTR_CONN_REFUSED;
		why = "max-connections reached";
	} else if (ipc->sessions >= srv->lim.max_per_ip) {
		refused = SMPP_CTR_CONN_REFUSED_IP;
		why = "max-connections-per-ip reached";
	}
	if (why) {
		smpp_ctr_inc(srv, refused);
		LOGP_LIMITED(&srv->log_refused, "%s:%u: connection closed at once: %s\n", ip, port, why);
		close(fd);
		if (ipc)
			ip_count_put(ipc);
		return;
	}
	/* counted before an eviction, so a flooding address sees its own go */
	ipc->sessions++;
	ipc->unbound++;
	if (srv->n_unbound >= srv->lim.max_unbound)
		evict_unbound(srv);
	struct smpp_session *s = talloc_zero(srv, struct smpp_session);
	uint8_t *rx = s ? talloc_size(s, SMPP_UNBOUND_PDU_MAX) : NULL;
	if (!rx) {
		talloc_free(s);
		goto fail;
	}
	s->srv = srv;
	s->rx = rx;
	s->rx_cap = SMPP_UNBOUND_PDU_MAX;
	INIT_LLIST_HEAD(&s->txq);
	INIT_LLIST_HEAD(&s->outstanding);
	INIT_LLIST_HEAD(&s->late);
	INIT_LLIST_HEAD(&s->multi_weights);
	INIT_LLIST_HEAD(&s->auth_entry);
	snprintf(s->ip, sizeof(s->ip), "%s", ip);
	snprintf(s->peer, sizeof(s->peer), "%s:%u", ip, port);
	osmo_fd_setup(&s->ofd, fd, OSMO_FD_READ, session_fd_cb, s, 0);
	if (osmo_fd_register(&s->ofd) < 0) {
		talloc_free(s);
		goto fail;
	}
	s->ipc = ipc;
	s->id = ++srv->last_session_id;
	s->connected_ms = s->last_rx_ms = smpp_now_ms();
	llist_add_tail(&s->list, &srv->sessions);
	srv->n_sessions++;
	srv->n_unbound++;
	talloc_set_destructor(s, session_destructor);
	osmo_timer_setup(&s->timer, session_timer_cb, s);
	osmo_timer_schedule(&s->timer, 1, 0);
	smpp_ctr_inc(srv, SMPP_CTR_CONN_ACCEPTED);
	LOGP(DSMPP, LOGL_DEBUG, "%s: connected\n", s->peer);
	return;
fail:
	close(fd);
	smpp_ctr_inc(srv, SMPP_CTR_ACCEPT_FAILED);
	ipc->sessions--;
	ipc->unbound--;
	ip_count_put(ipc);
}

static void listen_timer_cb(void *data)
{
	struct smpp_server *srv = data;
	if (srv->listen_ofd.fd >= 0)
		srv->listen_ofd.when = OSMO_FD_READ;
}

/* accept() failed for want of something the next try will not have either:
 * listening pauses a moment instead of spinning */
static void listen_pause(struct smpp_server *srv)
{
	srv->listen_ofd.when = 0;
	osmo_timer_schedule(&srv->listen_timer, 0, 100 * 1000);
}

static int listen_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct smpp_server *srv = ofd->data;
	/* a bounded number per round: the sessions' input is served too */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(ofd->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(srv, fd, &ss);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		smpp_ctr_inc(srv, SMPP_CTR_ACCEPT_FAILED);
		LOGP_LIMITED(&srv->log_refused, "accept: %s\n", strerror(errno));
		if ((errno == EMFILE || errno == ENFILE) && srv->spare_fd >= 0) {
			/* out of fds: the spare one takes the connection off the
			 * queue to close it, else it would wake us up forever */
			close(srv->spare_fd);
			fd = accept(ofd->fd, NULL, NULL);
			if (fd >= 0)
				close(fd);
			srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		listen_pause(srv);
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------ API */

static struct smpp_session *session_by_id(struct smpp_server *srv, uint32_t id)
{
	struct smpp_session *s;
	llist_for_each_entry(s, &srv->sessions, list)
		if (s->id == id)
			return s;
	return NULL;
}

int smpp_server_respond(struct smpp_server *srv, uint32_t session_id, uint32_t request_command_id,
			uint32_t sequence_number, struct smpp_pdu *resp)
{
	struct smpp_session *s = session_by_id(srv, session_id);
	if (!s)
		return -ENOTCONN;
	unsigned int weight = request_command_id == SMPP_SUBMIT_MULTI ? multi_weight_take(s, sequence_number) : 1;
	s->in_flight = s->in_flight > weight ? s->in_flight - weight : 0;
	resp->command_id = request_command_id | SMPP_RESP;
	resp->sequence_number = sequence_number;
	int rc = smpp_session_send(s, resp);
	unbind_when_answered(s);
	return rc;
}

int smpp_server_deliver(struct smpp_server *srv, const char *system_id, struct smpp_pdu *pdu, uint64_t token)
{
	struct smpp_session *s, *best = NULL;
	bool any = false;
	/* the least loaded receiver of the account that takes its output */
	llist_for_each_entry(s, &srv->sessions, list) {
		if (!s->account || strcmp(s->account->system_id, system_id) || s->closing || s->unbinding || s->stopping ||
		    (s->state != SMPP_SESS_RX && s->state != SMPP_SESS_TRX))
			continue;
		any = true;
		if (!s->output_paused && s->n_outstanding < s->account->window &&
		    (!best || s->n_outstanding < best->n_outstanding))
			best = s;
	}
	if (!best)
		return any ? -EBUSY : -ENOTCONN;
	struct smpp_outstanding *o = talloc_zero(best, struct smpp_outstanding);
	if (!o)
		return -ENOMEM;
	pdu->sequence_number = next_seq(best);
	int rc = smpp_session_send(best, pdu);
	if (rc < 0) {
		talloc_free(o);
		return rc;
	}
	o->seq = pdu->sequence_number;
	o->token = token;
	o->sent_ms = smpp_now_ms();
	llist_add_tail(&o->list, &best->outstanding);
	best->n_outstanding++;
	smpp_ctr_inc(srv, SMPP_CTR_DELIVER);
	return 0;
}

const struct smpp_account *smpp_server_account(struct smpp_server *srv, const char *system_id)
{
	return smpp_account_find(srv, system_id);
}

bool smpp_server_receiver_bound(struct smpp_server *srv, const char *system_id)
{
	const struct smpp_account *a = smpp_account_find(srv, system_id);
	return a && a->receivers;
}

void smpp_server_foreach_receiver_account(struct smpp_server *srv,
					  void (*cb)(void *data, const struct smpp_account *a), void *data)
{
	struct account *acc = NULL;
	while ((acc = accounts_next(srv->accounts, acc)))
		if (acc->smpp.receivers)
			cb(data, &acc->smpp);
}

const struct smpp_account *smpp_server_mo_account(struct smpp_server *srv, const char *dest)
{
	const struct smpp_account *best = NULL;
	size_t best_len = 0;
	struct account *acc = NULL;
	while ((acc = accounts_next(srv->accounts, acc))) {
		const struct smpp_account *a = &acc->smpp;
		for (unsigned int i = 0; i < a->n_mo_routes; i++) {
			size_t n = strlen(a->mo_route[i]);
			if (n > best_len && !strncmp(dest, a->mo_route[i], n)) {
				best = a;
				best_len = n;
			}
		}
	}
	return best;
}

static void log_limits_init(struct smpp_server *srv)
{
	/* per kind: a burst of lines, then one summary per 10 s */
	sigway_log_limit_init(&srv->log_conn, DSMPP, LOGL_NOTICE, "binds", 50, 10000);
	sigway_log_limit_init(&srv->log_refused, DSMPP, LOGL_NOTICE, "connections refused", 10, 10000);
	sigway_log_limit_init(&srv->log_bind_fail, DSMPP, LOGL_NOTICE, "failed binds", 10, 10000);
	sigway_log_limit_init(&srv->log_bad_pdu, DSMPP, LOGL_NOTICE, "bad PDUs", 20, 10000);
	sigway_log_limit_init(&srv->log_closed, DSMPP, LOGL_NOTICE, "closed connections", 20, 10000);
}

static void log_limits_stop(struct smpp_server *srv)
{
	sigway_log_limit_stop(&srv->log_conn);
	sigway_log_limit_stop(&srv->log_refused);
	sigway_log_limit_stop(&srv->log_bind_fail);
	sigway_log_limit_stop(&srv->log_bad_pdu);
	sigway_log_limit_stop(&srv->log_closed);
}

struct smpp_server *smpp_server_alloc(void *ctx, struct accounts *accts, const struct smpp_server_ops *ops,
				      void *priv)
{
	struct smpp_server *srv = talloc_zero(ctx, struct smpp_server);
	if (!srv)
		return NULL;
	srv->ops = ops;
	srv->priv = priv;
	srv->accounts = accts;
	INIT_LLIST_HEAD(&srv->sessions);
	snprintf(srv->system_id, sizeof(srv->system_id), "sigway");
	snprintf(srv->local_ip, sizeof(srv->local_ip), "127.0.0.1");
	srv->enquire_link_s = 30;
	srv->response_timeout_s = 10;
	srv->lim = (struct smpp_limits)SMPP_LIMIT_DEFAULTS;
	srv->ip_buckets = talloc_array(srv, struct llist_head, SMPP_IP_BUCKETS);
	if (!srv->ip_buckets) {
		talloc_free(srv);
		return NULL;
	}
	for (unsigned int i = 0; i < SMPP_IP_BUCKETS; i++)
		INIT_LLIST_HEAD(&srv->ip_buckets[i]);
	srv->listen_ofd.fd = -1;
	srv->spare_fd = -1;
	osmo_timer_setup(&srv->listen_timer, listen_timer_cb, srv);
	log_limits_init(srv);
	srv->ctrg = rate_ctr_group_alloc(srv, &smpp_ctrg_desc, 0);
	srv->auth = smpp_auth_alloc(srv);
	if (!srv->ctrg || !srv->auth) {
		rate_ctr_group_free(srv->ctrg);
		smpp_auth_free(srv->auth);
		talloc_free(srv);
		return NULL;
	}
	return srv;
}

int smpp_server_start(struct smpp_server *srv)
{
	if (!srv->local_port)
		return 0;
	int fd = osmo_sock_init2(AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP, srv->local_ip, srv->local_port, NULL, 0,
				 OSMO_SOCK_F_BIND | OSMO_SOCK_F_NONBLOCK);
	/* the kernel's buffers of each connection (inherited from here) are
	 * bounded too: what a peer that does not read makes us hold shows in
	 * our output queue soon, not after megabytes of autotuned buffer */
	int buf = SMPP_SOCKET_BUFFER;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	/* a longer queue than the library's 10: a burst of connects is taken
	 * (and, over the limits, closed) instead of waiting for SYN retries */
	if (fd < 0 || listen(fd, 128) < 0) {
		LOGP(DSMPP, LOGL_ERROR, "cannot listen on %s:%u\n", srv->local_ip, srv->local_port);
		if (fd >= 0)
			close(fd);
		return -EADDRINUSE;
	}
	osmo_fd_setup(&srv->listen_ofd, fd, OSMO_FD_READ, listen_cb, srv, 0);
	if (osmo_fd_register(&srv->listen_ofd) < 0) {
		close(fd);
		srv->listen_ofd.fd = -1;
		return -EIO;
	}
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	LOGP(DSMPP, LOGL_NOTICE, "SMPP server on %s:%u\n", srv->local_ip, srv->local_port);
	return 0;
}

void smpp_server_stop(struct smpp_server *srv)
{
	struct smpp_session *s, *tmp;
	osmo_timer_del(&srv->listen_timer);
	if (srv->listen_ofd.fd >= 0) {
		osmo_fd_unregister(&srv->listen_ofd);
		close(srv->listen_ofd.fd);
		srv->listen_ofd.fd = -1;
	}
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	srv->spare_fd = -1;
	/* answers already given still leave: a session with some closes once
	 * they are written (the loop must run), the others at once; one with
	 * deliver_sm not answered yet reads their answers first (else an ESME
	 * that got a receipt would get it again after the restart) */
	llist_for_each_entry_safe(s, tmp, &srv->sessions, list) {
		if (s->closing)
			continue;
		if (s->n_outstanding && !s->stopping) {
			s->stopping = true;
			s->stopping_ms = smpp_now_ms();
			continue;
		}
		smpp_session_close_after_output(s);
	}
}

unsigned int smpp_server_binds(struct smpp_server *srv)
{
	return srv->n_sessions;
}

void smpp_server_free(struct smpp_server *srv)
{
	struct smpp_session *s, *tmp;
	smpp_server_stop(srv);
	llist_for_each_entry_safe(s, tmp, &srv->sessions, list)
		session_destroy(s);
	log_limits_stop(srv);
	smpp_auth_free(srv->auth);
	rate_ctr_group_free(srv->ctrg);
	talloc_free(srv);
}
