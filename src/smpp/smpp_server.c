/* SMPP v3.4 server: sessions on libosmo-netif streams (see smpp_server.h).
 * One smpp_session per TCP connection; its talloc context holds the
 * receive buffer and the deliver_sm waiting for an answer. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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
#include <osmocom/netif/stream.h>
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
};
static const struct rate_ctr_group_desc smpp_ctrg_desc = {
	"smpp", "SMPP server", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(smpp_ctr_desc), smpp_ctr_desc,
};

static void session_close(struct smpp_session *s);

static int64_t smpp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
		rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_DELIVER_FAILED));
	s->srv->ops->deliver_resp(s->srv->priv, token, status);
}

/* answers every deliver_sm of a session as failed (it is going away) */
static void fail_outstanding(struct smpp_session *s)
{
	struct smpp_outstanding *o, *tmp;
	llist_for_each_entry_safe(o, tmp, &s->outstanding, list)
		outstanding_done(s, o, ESME_RSYSERR);
}

static void expire_outstanding(struct smpp_session *s, int64_t now_ms)
{
	struct smpp_outstanding *o, *tmp;
	llist_for_each_entry_safe(o, tmp, &s->outstanding, list) {
		if (now_ms - o->sent_ms < s->srv->response_timeout_s * 1000LL)
			break;	/* in sending order */
		rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_RESP_TIMEOUT));
		outstanding_done(s, o, ESME_RSYSERR);
	}
}


/* ------------------------------------------------------------ sending */

static void session_flush(struct smpp_session *s)
{
	if (s->tx && s->conn) {
		osmo_stream_srv_send(s->conn, s->tx);
		s->tx = NULL;
	}
}

static void flush_timer_cb(void *data)
{
	struct smpp_server *srv = data;
	struct smpp_session *s;
	llist_for_each_entry(s, &srv->sessions, list)
		session_flush(s);
}

/* Appends the PDU to the session's batch; the batch goes out in one write
 * after this tick, so an ESME with a window gets its answers together (one
 * write per tick instead of one per PDU) */
static int session_send(struct smpp_session *s, const struct smpp_pdu *p)
{
	uint8_t buf[SMPP_PDU_MAX];
	int len = smpp_encode(buf, sizeof(buf), p);
	if (len < 0) {
		LOGP(DSMPP, LOGL_ERROR, "%s: cannot encode %s: %d\n", s->peer, smpp_cmd_name(p->command_id), len);
		return len;
	}
	if (s->tx && msgb_tailroom(s->tx) < len)
		session_flush(s);
	/* 8 KiB holds a window of answers; a larger PDU gets a buffer of its own
	 * (msgb_alloc clears what it allocates: no 64 KiB per flush) */
	if (!s->tx)
		s->tx = msgb_alloc(len > 8192 ? len : 8192, "smpp-tx");
	if (!s->tx)
		return -ENOMEM;
	memcpy(msgb_put(s->tx, len), buf, len);
	LOGP(DSMPP, LOGL_DEBUG, "%s: tx %s seq %u status 0x%x\n", s->peer, smpp_cmd_name(p->command_id),
	     p->sequence_number, p->command_status);
	if (!osmo_timer_pending(&s->srv->flush_timer))
		osmo_timer_schedule(&s->srv->flush_timer, 0, 0);
	rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_TX_PDU));
	return 0;
}

static void send_header(struct smpp_session *s, uint32_t cmd, uint32_t status, uint32_t seq)
{
	struct smpp_pdu p = { .command_id = cmd, .command_status = status, .sequence_number = seq };
	session_send(s, &p);
}

static uint32_t next_seq(struct smpp_session *s)
{
	s->seq = s->seq >= 0x7fffffff ? 1 : s->seq + 1;
	return s->seq;
}

/* ------------------------------------------------------------ binds */

static bool ip_allowed(const struct smpp_account *a, const char *ip)
{
	if (!a->n_allow_ip)
		return true;
	for (unsigned int i = 0; i < a->n_allow_ip; i++)
		if (!strcmp(a->allow_ip[i], ip))
			return true;
	return false;
}

static uint32_t bind_check(struct smpp_session *s, const struct smpp_pdu *p, struct smpp_account **out)
{
	if (s->state != SMPP_SESS_OPEN)
		return ESME_RALYBND;
	struct smpp_account *a = smpp_account_find(s->srv, p->system_id);
	if (!a)
		return ESME_RINVSYSID;
	if (strcmp(a->password, p->password))
		return ESME_RINVPASWD;
	if (!ip_allowed(a, s->ip) || a->binds >= a->max_binds)
		return ESME_RBINDFAIL;
	*out = a;
	return ESME_ROK;
}

static void on_bind(struct smpp_session *s, const struct smpp_pdu *p)
{
	struct smpp_account *a = NULL;
	uint32_t status = bind_check(s, p, &a);
	struct smpp_pdu r = { .command_id = p->command_id | SMPP_RESP, .command_status = status,
			      .sequence_number = p->sequence_number };
	snprintf(r.system_id, sizeof(r.system_id), "%s", s->srv->system_id);
	if (status != ESME_ROK) {
		LOGP(DSMPP, LOGL_NOTICE, "%s: %s as '%s' refused: %s\n", s->peer, smpp_cmd_name(p->command_id),
		     p->system_id, smpp_status_name(status));
		rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_BIND_REJECTED));
		session_send(s, &r);
		return;
	}
	/* 3.4 and later binds learn our version; a 3.3 ESME gets no TLV */
	if (p->interface_version >= 0x34) {
		r.tlv.present = SMPP_TLV_SC_INTERFACE_VERSION;
		r.tlv.sc_interface_version = 0x34;
	}
	s->account = a;
	a->binds++;
	s->interface_version = p->interface_version;
	s->state = p->command_id == SMPP_BIND_TRANSMITTER ? SMPP_SESS_TX :
		   p->command_id == SMPP_BIND_RECEIVER ? SMPP_SESS_RX : SMPP_SESS_TRX;
	LOGP(DSMPP, LOGL_NOTICE, "%s: bound as '%s' (%s, version 0x%02x)\n", s->peer, a->system_id,
	     smpp_cmd_name(p->command_id), p->interface_version);
	rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_BINDS));
	session_send(s, &r);
	if (s->state != SMPP_SESS_TX && s->srv->ops->receiver_up)
		s->srv->ops->receiver_up(s->srv->priv, a);
}

/* ------------------------------------------------------------ requests */

/* token bucket per account: `throughput` per second, one second of burst */
static bool throttle_take(struct smpp_account *a)
{
	if (!a->throughput)
		return true;
	int64_t now = smpp_now_ms();
	a->tokens += (now - a->tokens_ms) * a->throughput / 1000.0;
	a->tokens_ms = now;
	if (a->tokens > a->throughput)
		a->tokens = a->throughput;
	if (a->tokens < 1)
		return false;
	a->tokens -= 1;
	return true;
}

static bool may_submit(const struct smpp_session *s)
{
	return s->state == SMPP_SESS_TX || s->state == SMPP_SESS_TRX;
}

static void on_request(struct smpp_session *s, const struct smpp_pdu *p)
{
	uint32_t resp = p->command_id | SMPP_RESP;
	if (!may_submit(s)) {
		send_header(s, resp, ESME_RINVBNDSTS, p->sequence_number);
		return;
	}
	bool is_submit = p->command_id == SMPP_SUBMIT_SM || p->command_id == SMPP_DATA_SM ||
			 p->command_id == SMPP_SUBMIT_MULTI;
	if (is_submit) {
		rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_SUBMIT));
		if (s->in_flight >= s->account->window) {
			rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_WINDOW_FULL));
			send_header(s, resp, ESME_RMSGQFUL, p->sequence_number);
			return;
		}
		if (!throttle_take(s->account)) {
			rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_THROTTLED));
			send_header(s, resp, ESME_RTHROTTLED, p->sequence_number);
			return;
		}
	}
	s->in_flight++;
	struct smpp_request req = { .session_id = s->id, .account = s->account, .pdu = p, .peer = s->peer,
				    .interface_version = s->interface_version };
	s->srv->ops->request(s->srv->priv, &req);
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
	LOGP(DSMPP, LOGL_NOTICE, "%s: %s for unknown sequence %u\n", s->peer, smpp_cmd_name(p->command_id),
	     p->sequence_number);
}

static void on_pdu(struct smpp_session *s, const struct smpp_pdu *p)
{
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
		send_header(s, SMPP_UNBIND | SMPP_RESP, ESME_ROK, p->sequence_number);
		LOGP(DSMPP, LOGL_NOTICE, "%s: unbind\n", s->peer);
		s->closing = true;
		break;
	case SMPP_UNBIND | SMPP_RESP:
		s->closing = true;
		break;
	case SMPP_SUBMIT_SM: case SMPP_DATA_SM: case SMPP_SUBMIT_MULTI:
	case SMPP_QUERY_SM: case SMPP_CANCEL_SM: case SMPP_REPLACE_SM:
		on_request(s, p);
		break;
	case SMPP_DELIVER_SM | SMPP_RESP: case SMPP_DATA_SM | SMPP_RESP:
		on_deliver_resp(s, p);
		break;
	case SMPP_GENERIC_NACK:
		LOGP(DSMPP, LOGL_NOTICE, "%s: generic_nack 0x%x for seq %u\n", s->peer, p->command_status,
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
	rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_RX_MALFORMED));
	LOGP(DSMPP, LOGL_NOTICE, "%s: bad %s seq %u: %s\n", s->peer, smpp_cmd_name(p->command_id),
	     p->sequence_number, smpp_status_name(status));
	if (SMPP_IS_RESP(p->command_id))
		return;
	bool known = status != ESME_RINVCMDID && status != ESME_RINVCMDLEN;
	send_header(s, known ? p->command_id | SMPP_RESP : SMPP_GENERIC_NACK, status, p->sequence_number);
}

/* ------------------------------------------------------------ stream */

static int session_read_cb(struct osmo_stream_srv *conn)
{
	struct smpp_session *s = osmo_stream_srv_get_data(conn);
	int fd = osmo_stream_srv_get_ofd(conn)->fd;
	ssize_t n = read(fd, s->rx + s->rx_len, SMPP_PDU_MAX - s->rx_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		LOGP(DSMPP, LOGL_NOTICE, "%s: connection closed\n", s->peer);
		session_close(s);
		return -EBADF;
	}
	s->rx_len += (size_t)n;
	s->last_rx_ms = smpp_now_ms();
	size_t off = 0;
	while (!s->closing) {
		int len = smpp_frame_len(s->rx + off, s->rx_len - off);
		if (len == 0)
			break;
		if (len < 0) {
			/* the length cannot be trusted: nothing after it can */
			LOGP(DSMPP, LOGL_NOTICE, "%s: invalid command_length, closing\n", s->peer);
			/* the sequence number, when the header is there, tells the ESME which PDU */
			uint32_t seq = 0;
			if (s->rx_len - off >= SMPP_HEADER_LEN) {
				const uint8_t *h = s->rx + off + 12;
				seq = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
			}
			send_header(s, SMPP_GENERIC_NACK, ESME_RINVCMDLEN, seq);
			s->closing = true;
			break;
		}
		struct smpp_pdu p;
		int rc = smpp_decode(&p, s->rx + off, (size_t)len, s->multi);
		off += (size_t)len;
		rate_ctr_inc(rate_ctr_group_get_ctr(s->srv->ctrg, SMPP_CTR_RX_PDU));
		LOGP(DSMPP, LOGL_DEBUG, "%s: rx %s seq %u\n", s->peer, smpp_cmd_name(p.command_id), p.sequence_number);
		if (rc < 0)
			on_bad_pdu(s, &p, -rc);
		else
			on_pdu(s, &p);
	}
	memmove(s->rx, s->rx + off, s->rx_len - off);
	s->rx_len -= off;
	if (s->closing) {
		fail_outstanding(s);
		session_flush(s);
		osmo_stream_srv_set_flush_and_destroy(conn);
	}
	return 0;
}

static int session_closed_cb(struct osmo_stream_srv *conn)
{
	struct smpp_session *s = osmo_stream_srv_get_data(conn);
	if (s) {
		s->conn = NULL;
		talloc_free(s);
	}
	return 0;
}

static void session_close(struct smpp_session *s)
{
	struct osmo_stream_srv *conn = s->conn;
	osmo_stream_srv_destroy(conn);	/* closed_cb frees s */
}

/* enquire_link when the ESME was quiet; close when it stays quiet */
static void session_timer_cb(void *data)
{
	struct smpp_session *s = data;
	struct smpp_server *srv = s->srv;
	int64_t now = smpp_now_ms();
	expire_outstanding(s, now);
	if (s->enquire_sent_ms && now - s->enquire_sent_ms > srv->response_timeout_s * 1000LL &&
	    s->last_rx_ms < s->enquire_sent_ms) {
		LOGP(DSMPP, LOGL_NOTICE, "%s: no answer to enquire_link, closing\n", s->peer);
		session_close(s);
		return;
	}
	if (now - s->last_rx_ms > srv->enquire_link_s * 1000LL &&
	    (!s->enquire_sent_ms || s->last_rx_ms > s->enquire_sent_ms)) {
		s->enquire_sent_ms = now;
		send_header(s, SMPP_ENQUIRE_LINK, ESME_ROK, next_seq(s));
	}
	osmo_timer_schedule(&s->timer, 1, 0);
}

static int session_destructor(struct smpp_session *s)
{
	osmo_timer_del(&s->timer);
	msgb_free(s->tx);
	fail_outstanding(s);
	if (s->account && s->account->binds)
		s->account->binds--;
	llist_del(&s->list);
	return 0;
}

static int accept_cb(struct osmo_stream_srv_link *link, int fd)
{
	struct smpp_server *srv = osmo_stream_srv_link_get_data(link);
	struct smpp_session *s = talloc_zero(srv, struct smpp_session);
	s->srv = srv;
	s->id = ++srv->last_session_id;
	s->rx = talloc_size(s, SMPP_PDU_MAX);
	s->multi = talloc_zero(s, struct smpp_multi_storage);
	INIT_LLIST_HEAD(&s->outstanding);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[8] = "";
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &sin->sin_addr, s->ip, sizeof(s->ip));
			snprintf(port, sizeof(port), "%u", ntohs(sin->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &sin6->sin6_addr, s->ip, sizeof(s->ip));
			snprintf(port, sizeof(port), "%u", ntohs(sin6->sin6_port));
		}
	}
	snprintf(s->peer, sizeof(s->peer), "%s:%s", s->ip, port);
	/* conn is not a child of s: the library frees it after closed_cb freed s */
	s->conn = osmo_stream_srv_create(srv, link, fd, session_read_cb, session_closed_cb, s);
	if (!s->conn) {
		talloc_free(s);
		close(fd);
		return -ENOMEM;
	}
	llist_add_tail(&s->list, &srv->sessions);
	talloc_set_destructor(s, session_destructor);
	s->last_rx_ms = smpp_now_ms();
	osmo_timer_setup(&s->timer, session_timer_cb, s);
	osmo_timer_schedule(&s->timer, 1, 0);
	LOGP(DSMPP, LOGL_INFO, "%s: connected\n", s->peer);
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
	if (!s || !s->conn)
		return -ENOTCONN;
	if (s->in_flight)
		s->in_flight--;
	resp->command_id = request_command_id | SMPP_RESP;
	resp->sequence_number = sequence_number;
	return session_send(s, resp);
}

int smpp_server_deliver(struct smpp_server *srv, const char *system_id, struct smpp_pdu *pdu, uint64_t token)
{
	struct smpp_session *s, *best = NULL;
	bool any = false;
	/* the least loaded receiver of the account */
	llist_for_each_entry(s, &srv->sessions, list) {
		if (!s->account || strcmp(s->account->system_id, system_id) || s->closing ||
		    (s->state != SMPP_SESS_RX && s->state != SMPP_SESS_TRX))
			continue;
		any = true;
		if (s->n_outstanding < s->account->window && (!best || s->n_outstanding < best->n_outstanding))
			best = s;
	}
	if (!best)
		return any ? -EBUSY : -ENOTCONN;
	pdu->sequence_number = next_seq(best);
	int rc = session_send(best, pdu);
	if (rc < 0)
		return rc;
	struct smpp_outstanding *o = talloc_zero(best, struct smpp_outstanding);
	o->seq = pdu->sequence_number;
	o->token = token;
	o->sent_ms = smpp_now_ms();
	llist_add_tail(&o->list, &best->outstanding);
	best->n_outstanding++;
	rate_ctr_inc(rate_ctr_group_get_ctr(srv->ctrg, SMPP_CTR_DELIVER));
	return 0;
}

bool smpp_server_receiver_bound(struct smpp_server *srv, const char *system_id)
{
	struct smpp_session *s;
	llist_for_each_entry(s, &srv->sessions, list)
		if (s->account && !strcmp(s->account->system_id, system_id) &&
		    (s->state == SMPP_SESS_RX || s->state == SMPP_SESS_TRX))
			return true;
	return false;
}

const struct smpp_account *smpp_server_mo_account(struct smpp_server *srv, const char *dest)
{
	const struct smpp_account *a, *best = NULL;
	size_t best_len = 0;
	llist_for_each_entry(a, &srv->accounts, list) {
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

struct smpp_server *smpp_server_alloc(void *ctx, const struct smpp_server_ops *ops, void *priv)
{
	struct smpp_server *srv = talloc_zero(ctx, struct smpp_server);
	srv->ops = ops;
	srv->priv = priv;
	INIT_LLIST_HEAD(&srv->accounts);
	INIT_LLIST_HEAD(&srv->sessions);
	snprintf(srv->system_id, sizeof(srv->system_id), "sigway");
	snprintf(srv->local_ip, sizeof(srv->local_ip), "127.0.0.1");
	srv->enquire_link_s = 30;
	srv->response_timeout_s = 10;
	srv->ctrg = rate_ctr_group_alloc(srv, &smpp_ctrg_desc, 0);
	osmo_timer_setup(&srv->flush_timer, flush_timer_cb, srv);
	return srv;
}

int smpp_server_start(struct smpp_server *srv)
{
	if (!srv->local_port)
		return 0;
	srv->link = osmo_stream_srv_link_create(srv);
	osmo_stream_srv_link_set_addr(srv->link, srv->local_ip);
	osmo_stream_srv_link_set_port(srv->link, srv->local_port);
	osmo_stream_srv_link_set_nodelay(srv->link, true);
	osmo_stream_srv_link_set_data(srv->link, srv);
	osmo_stream_srv_link_set_accept_cb(srv->link, accept_cb);
	if (osmo_stream_srv_link_open(srv->link) < 0) {
		LOGP(DSMPP, LOGL_ERROR, "cannot listen on %s:%u\n", srv->local_ip, srv->local_port);
		return -EADDRINUSE;
	}
	LOGP(DSMPP, LOGL_NOTICE, "SMPP server on %s:%u\n", srv->local_ip, srv->local_port);
	return 0;
}

void smpp_server_stop(struct smpp_server *srv)
{
	struct smpp_session *s, *tmp;
	if (srv->link)
		osmo_stream_srv_link_destroy(srv->link);
	srv->link = NULL;
	/* answers already given still leave: a bind with some closes once
	 * they are written (the loop must run), the others at once */
	llist_for_each_entry_safe(s, tmp, &srv->sessions, list) {
		if (s->closing)
			continue;
		s->closing = true;
		fail_outstanding(s);
		if (s->tx) {
			session_flush(s);
			osmo_stream_srv_set_flush_and_destroy(s->conn);
		} else {
			session_close(s);
		}
	}
}

unsigned int smpp_server_binds(struct smpp_server *srv)
{
	unsigned int n = 0;
	struct smpp_session *s;
	llist_for_each_entry(s, &srv->sessions, list)
		n++;
	return n;
}

void smpp_server_free(struct smpp_server *srv)
{
	osmo_timer_del(&srv->flush_timer);
	smpp_server_stop(srv);
	rate_ctr_group_free(srv->ctrg);
	talloc_free(srv);
}
