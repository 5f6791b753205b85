/* IPA client towards an OsmoHLR's GSUP port, on the osmo_select loop.
 *
 * TCP connect (non-blocking), then the IPA CCM identity exchange as the
 * HLR's server side expects it: it sends ID_GET, we answer ID_RESP (unit
 * ID, unit name, serial number, ...) and ID_ACK; it checks our identity
 * (the serial number is the name it routes by) and closes the connection
 * if it refuses us, or echoes the ID_ACK: that echo is our "accepted".
 * Then GSUP flows in IPA OSMO-extension frames, with a PING / PONG
 * keepalive. A lost or refused connection is retried with a doubling
 * back-off. libosmocore provides the framing constants and the ID_GET
 * parser; the socket handling is ours (see doc/dependencies.md). */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/ipa.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <osmocom/gsm/tlv.h>
#include <sigway/common/logging.h>
#include "gsup_internal.h"

#define LOGIPA(cli, level, fmt, args...) \
	LOGP(DGSUP, level, "HLR %s:%u: " fmt, (cli)->cfg.remote_ip, (cli)->cfg.remote_port, ## args)

const struct value_string ipa_client_state_names[] = {
	{ IPA_CLI_WAIT_RECONNECT, "waiting to reconnect" },
	{ IPA_CLI_CONNECTING, "connecting" },
	{ IPA_CLI_IDENTIFYING, "identifying" },
	{ IPA_CLI_UP, "up" },
	{ 0, NULL }
};

static void ctr_inc(struct ipa_client *cli, enum euse_ctr c)
{
	if (cli->ctrg)
		rate_ctr_inc(rate_ctr_group_get_ctr(cli->ctrg, c));
}

static int64_t now_s(void)
{
	struct timeval tv;
	osmo_gettimeofday(&tv, NULL);	/* the clock of libosmocore's timers (tests move it) */
	return tv.tv_sec;
}

static void schedule_reconnect(struct ipa_client *cli);

/* ------------------------------------------------------------ sending */

static int enqueue(struct ipa_client *cli, struct msgb *msg)
{
	if (cli->tx_queued >= IPA_TX_QUEUE_MAX) {
		msgb_free(msg);
		return -ENOBUFS;
	}
	msgb_enqueue(&cli->tx_queue, msg);
	cli->tx_queued++;
	if (cli->ofd.fd >= 0)
		osmo_fd_write_enable(&cli->ofd);
	return 0;
}

static struct msgb *frame_alloc(void)
{
	return msgb_alloc_headroom(3 + IPA_MAX_PAYLOAD + 16, 16, "IPA tx");
}

/* a CCM message: IPA header, protocol 0xfe, message type, payload */
static int send_ccm(struct ipa_client *cli, uint8_t msg_type, const uint8_t *data, size_t len)
{
	struct msgb *msg = frame_alloc();
	if (!msg)
		return -ENOMEM;
	msgb_put_u8(msg, msg_type);
	if (len)
		memcpy(msgb_put(msg, len), data, len);
	ipa_prepend_header(msg, IPAC_PROTO_IPACCESS);
	return enqueue(cli, msg);
}

int ipa_client_send_gsup(struct ipa_client *cli, const uint8_t *data, size_t len)
{
	if (cli->state != IPA_CLI_UP)
		return -ENOTCONN;
	if (len + 1 > IPA_MAX_PAYLOAD)
		return -EMSGSIZE;
	struct msgb *msg = frame_alloc();
	if (!msg)
		return -ENOMEM;
	memcpy(msgb_put(msg, len), data, len);
	ipa_prepend_header_ext(msg, IPAC_PROTO_EXT_GSUP);
	ipa_prepend_header(msg, IPAC_PROTO_OSMO);
	return enqueue(cli, msg);
}

/* ------------------------------------------------------------ closing */

static void drop_queue(struct ipa_client *cli)
{
	struct msgb *msg;
	while ((msg = msgb_dequeue(&cli->tx_queue)))
		msgb_free(msg);
	cli->tx_queued = 0;
}

static void close_socket(struct ipa_client *cli)
{
	if (cli->ofd.fd >= 0) {
		osmo_fd_unregister(&cli->ofd);
		close(cli->ofd.fd);
		cli->ofd.fd = -1;
	}
	osmo_timer_del(&cli->state_timer);
	drop_queue(cli);
	cli->rx_len = 0;
	cli->got_id_get = false;
	cli->pong_pending = false;
}

/* The connection is over (reason already logged): tell the EUSE if it was
 * up, and try again after the back-off. A link that stayed up for a full
 * maximum back-off starts again from the minimum; a flapping one does not. */
static void link_lost(struct ipa_client *cli)
{
	bool was_up = cli->state == IPA_CLI_UP;
	close_socket(cli);
	if (was_up && now_s() - cli->up_since >= (int64_t)cli->cfg.backoff_max_s)
		cli->backoff_s = cli->cfg.backoff_min_s;
	schedule_reconnect(cli);
	if (was_up) {
		ctr_inc(cli, EUSE_CTR_LINK_DOWN);
		if (cli->ops->down)
			cli->ops->down(cli->priv);
	}
}

/* ------------------------------------------------------------ CCM */

static const char *id_tag_value(const struct ipa_client *cli, uint8_t tag)
{
	switch (tag) {
	case IPAC_IDTAG_SERNR:		/* what OsmoHLR routes by */
	case IPAC_IDTAG_UNITNAME:
		return cli->cfg.unit_name;
	case IPAC_IDTAG_UNIT:		/* OsmoHLR's IPA server insists on it */
		return "0/0/0";
	case IPAC_IDTAG_MACADDR:
		return "00:00:00:00:00:00";
	case IPAC_IDTAG_SWVERSION:
		return "sigway";
	default:
		return "";
	}
}

/* ID_RESP with every tag the ID_GET asked for: 16-bit length (tag +
 * string + NUL), tag, NUL-terminated string */
static int send_id_resp(struct ipa_client *cli, const uint8_t *req, size_t len)
{
	struct tlv_parsed tp;
	uint8_t out[IPA_MAX_PAYLOAD];
	size_t pos = 0;

	if (ipa_ccm_id_get_parse(&tp, req, len) < 0)
		return -EINVAL;
	for (unsigned int tag = 0; tag < ARRAY_SIZE(tp.lv); tag++) {
		if (!TLVP_PRESENT(&tp, tag))
			continue;
		const char *v = id_tag_value(cli, tag);
		size_t vl = strlen(v) + 1;
		if (pos + 3 + vl > sizeof(out))
			return -ENOSPC;
		out[pos++] = (uint8_t)((vl + 1) >> 8);
		out[pos++] = (uint8_t)(vl + 1);
		out[pos++] = (uint8_t)tag;
		memcpy(out + pos, v, vl);
		pos += vl;
	}
	int rc = send_ccm(cli, IPAC_MSGT_ID_RESP, out, pos);
	/* the ID_ACK that OsmoHLR echoes once it took our identity */
	return rc < 0 ? rc : send_ccm(cli, IPAC_MSGT_ID_ACK, NULL, 0);
}

static void schedule_ping(struct ipa_client *cli)
{
	if (cli->cfg.ping_interval_s)
		osmo_timer_schedule(&cli->state_timer, cli->cfg.ping_interval_s, 0);
}

static void became_up(struct ipa_client *cli)
{
	cli->state = IPA_CLI_UP;
	cli->up_since = now_s();
	osmo_timer_del(&cli->state_timer);
	schedule_ping(cli);
	ctr_inc(cli, EUSE_CTR_LINK_UP);
	LOGIPA(cli, LOGL_NOTICE, "accepted us as %s\n", cli->cfg.unit_name);
	if (cli->ops->up)
		cli->ops->up(cli->priv);
}

static int rx_ccm(struct ipa_client *cli, const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	switch (data[0]) {
	case IPAC_MSGT_PING:
		return send_ccm(cli, IPAC_MSGT_PONG, NULL, 0) == -ENOBUFS ? -ENOBUFS : 0;
	case IPAC_MSGT_PONG:
		cli->pong_pending = false;
		if (cli->state == IPA_CLI_UP)
			schedule_ping(cli);
		return 0;
	case IPAC_MSGT_ID_GET:
		cli->got_id_get = true;
		if (send_id_resp(cli, data + 1, len - 1) < 0) {
			LOGIPA(cli, LOGL_ERROR, "cannot answer its identity request\n");
			return -EINVAL;
		}
		return 0;
	case IPAC_MSGT_ID_ACK:
		if (cli->state == IPA_CLI_IDENTIFYING && cli->got_id_get)
			became_up(cli);
		return 0;
	default:
		ctr_inc(cli, EUSE_CTR_RX_IPA_UNKNOWN);
		LOGIPA(cli, LOGL_INFO, "ignoring IPA CCM message type 0x%02x\n", data[0]);
		return 0;
	}
}

static int rx_frame(struct ipa_client *cli, uint8_t proto, const uint8_t *data, size_t len)
{
	switch (proto) {
	case IPAC_PROTO_IPACCESS:
		return rx_ccm(cli, data, len);
	case IPAC_PROTO_OSMO:
		if (len >= 1 && data[0] == IPAC_PROTO_EXT_GSUP) {
			if (cli->state != IPA_CLI_UP) {
				LOGIPA(cli, LOGL_NOTICE, "GSUP before the identity exchange, ignored\n");
				return 0;
			}
			cli->ops->rx_gsup(cli->priv, data + 1, len - 1);
			return 0;
		}
		/* fall through */
	default:
		ctr_inc(cli, EUSE_CTR_RX_IPA_UNKNOWN);
		LOGIPA(cli, LOGL_INFO, "ignoring IPA protocol 0x%02x%s\n", proto,
		       proto == IPAC_PROTO_OSMO ? " (not GSUP)" : "");
		return 0;
	}
}

int ipa_client_feed(struct ipa_client *cli, const uint8_t *buf, size_t len)
{
	while (len) {
		size_t n = OSMO_MIN(len, sizeof(cli->rx) - cli->rx_len);
		memcpy(cli->rx + cli->rx_len, buf, n);
		cli->rx_len += n;
		buf += n;
		len -= n;
		size_t off = 0;
		while (cli->rx_len - off >= 3) {
			const uint8_t *h = cli->rx + off;
			size_t plen = (size_t)h[0] << 8 | h[1];
			if (plen > IPA_MAX_PAYLOAD) {
				ctr_inc(cli, EUSE_CTR_RX_FRAME_TOO_LONG);
				LOGIPA(cli, LOGL_ERROR, "IPA frame of %zu octets (limit %d), dropping the link\n",
				       plen, IPA_MAX_PAYLOAD);
				cli->rx_len = 0;
				return -EMSGSIZE;
			}
			if (cli->rx_len - off < 3 + plen)
				break;
			/* the frame handlers may free or close nothing: only enqueue and call up */
			int rc = rx_frame(cli, h[2], h + 3, plen);
			off += 3 + plen;
			if (rc < 0) {
				cli->rx_len = 0;
				return rc;
			}
		}
		memmove(cli->rx, cli->rx + off, cli->rx_len - off);
		cli->rx_len -= off;
	}
	return 0;
}

/* ------------------------------------------------------------ socket */

static void write_ready(struct ipa_client *cli)
{
	struct msgb *msg;
	while ((msg = msgb_dequeue(&cli->tx_queue))) {
		ssize_t n = send(cli->ofd.fd, msgb_data(msg), msgb_length(msg), MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			llist_add(&msg->list, &cli->tx_queue);
			return;
		}
		if (n < 0) {
			msgb_free(msg);
			cli->tx_queued--;
			LOGIPA(cli, LOGL_NOTICE, "send failed: %s\n", strerror(errno));
			link_lost(cli);
			return;
		}
		if ((size_t)n < msgb_length(msg)) {
			msgb_pull(msg, n);
			llist_add(&msg->list, &cli->tx_queue);
			return;
		}
		msgb_free(msg);
		cli->tx_queued--;
	}
	osmo_fd_write_disable(&cli->ofd);
}

static void flush_tx(struct ipa_client *cli)
{
	if (cli->ofd.fd >= 0 && cli->state != IPA_CLI_CONNECTING)
		write_ready(cli);
}

static void log_closed_by_peer(struct ipa_client *cli)
{
	switch (cli->state) {
	case IPA_CLI_UP:
		LOGIPA(cli, LOGL_NOTICE, "closed the connection\n");
		break;
	case IPA_CLI_IDENTIFYING:
		ctr_inc(cli, EUSE_CTR_REJECTED);
		if (cli->got_id_get)
			LOGIPA(cli, LOGL_ERROR, "refused our identity %s: it closed the connection "
			       "before accepting it (IPA ID_ACK)\n", cli->cfg.unit_name);
		else
			LOGIPA(cli, LOGL_ERROR, "closed the connection before asking who we are: "
			       "is this an OsmoHLR GSUP (IPA) port?\n");
		break;
	default:
		break;
	}
}

static void read_ready(struct ipa_client *cli)
{
	uint8_t buf[2048];
	ssize_t n = recv(cli->ofd.fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0)
			log_closed_by_peer(cli);
		else
			LOGIPA(cli, LOGL_NOTICE, "connection error: %s\n", strerror(errno));
		link_lost(cli);
		return;
	}
	if (ipa_client_feed(cli, buf, (size_t)n) < 0) {
		link_lost(cli);
		return;
	}
	flush_tx(cli);
}

static void connect_done(struct ipa_client *cli)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(cli->ofd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		ctr_inc(cli, EUSE_CTR_CONNECT_FAIL);
		LOGIPA(cli, LOGL_NOTICE, "cannot connect: %s\n", strerror(err));
		link_lost(cli);
		return;
	}
	int one = 1;
	setsockopt(cli->ofd.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	cli->state = IPA_CLI_IDENTIFYING;
	osmo_timer_schedule(&cli->state_timer, IPA_IDENTIFY_TIMEOUT_S, 0);
	LOGIPA(cli, LOGL_INFO, "connected, waiting for the identity exchange\n");
	if (llist_empty(&cli->tx_queue))
		osmo_fd_write_disable(&cli->ofd);
}

static int fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct ipa_client *cli = ofd->data;
	if (cli->state == IPA_CLI_CONNECTING) {
		if (what & (OSMO_FD_WRITE | OSMO_FD_READ))
			connect_done(cli);
		return 0;
	}
	if (what & OSMO_FD_READ) {
		read_ready(cli);
		if (cli->ofd.fd < 0)
			return 0;
	}
	if (what & OSMO_FD_WRITE)
		write_ready(cli);
	return 0;
}

static void try_connect(struct ipa_client *cli)
{
	int fd = osmo_sock_init2(AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP, NULL, 0, cli->cfg.remote_ip,
				 cli->cfg.remote_port, OSMO_SOCK_F_CONNECT | OSMO_SOCK_F_NONBLOCK);
	if (fd < 0) {
		ctr_inc(cli, EUSE_CTR_CONNECT_FAIL);
		LOGIPA(cli, LOGL_NOTICE, "cannot connect\n");
		schedule_reconnect(cli);
		return;
	}
	osmo_fd_setup(&cli->ofd, fd, OSMO_FD_READ | OSMO_FD_WRITE, fd_cb, cli, 0);
	if (osmo_fd_register(&cli->ofd) < 0) {
		close(fd);
		cli->ofd.fd = -1;
		schedule_reconnect(cli);
		return;
	}
	cli->state = IPA_CLI_CONNECTING;
}

static void reconnect_cb(void *data)
{
	try_connect(data);
}

static void schedule_reconnect(struct ipa_client *cli)
{
	cli->state = IPA_CLI_WAIT_RECONNECT;
	LOGIPA(cli, LOGL_INFO, "next attempt in %u s\n", cli->backoff_s);
	osmo_timer_schedule(&cli->reconnect_timer, cli->backoff_s, 0);
	cli->backoff_s = OSMO_MIN(cli->backoff_s * 2, cli->cfg.backoff_max_s);
	if (cli->backoff_s < cli->cfg.backoff_min_s)
		cli->backoff_s = cli->cfg.backoff_min_s;
}

/* identify timeout; once up, the keepalive */
static void state_timer_cb(void *data)
{
	struct ipa_client *cli = data;
	switch (cli->state) {
	case IPA_CLI_IDENTIFYING:
		ctr_inc(cli, EUSE_CTR_REJECTED);
		LOGIPA(cli, LOGL_ERROR, "%s our identity %s within %d s, dropping the connection\n",
		       cli->got_id_get ? "did not accept" : "did not ask for", cli->cfg.unit_name,
		       IPA_IDENTIFY_TIMEOUT_S);
		link_lost(cli);
		break;
	case IPA_CLI_UP:
		if (cli->pong_pending) {
			LOGIPA(cli, LOGL_NOTICE, "no IPA PONG within %u s, dropping the connection\n",
			       cli->cfg.pong_timeout_s);
			link_lost(cli);
			break;
		}
		if (send_ccm(cli, IPAC_MSGT_PING, NULL, 0) == 0) {
			cli->pong_pending = true;
			osmo_timer_schedule(&cli->state_timer, cli->cfg.pong_timeout_s, 0);
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ life */

static int cli_destructor(struct ipa_client *cli)
{
	osmo_timer_del(&cli->reconnect_timer);
	close_socket(cli);
	return 0;
}

struct ipa_client *ipa_client_alloc_unconnected(void *ctx, const struct ipa_client_cfg *cfg,
						const struct ipa_client_ops *ops, void *priv,
						struct rate_ctr_group *ctrg)
{
	struct ipa_client *cli = talloc_zero(ctx, struct ipa_client);
	if (!cli)
		return NULL;
	cli->cfg = *cfg;
	if (!cli->cfg.backoff_min_s)
		cli->cfg.backoff_min_s = 1;
	if (cli->cfg.backoff_max_s < cli->cfg.backoff_min_s)
		cli->cfg.backoff_max_s = cli->cfg.backoff_min_s;
	if (!cli->cfg.pong_timeout_s)
		cli->cfg.pong_timeout_s = 1;
	cli->ops = ops;
	cli->priv = priv;
	cli->ctrg = ctrg;
	cli->ofd.fd = -1;
	cli->backoff_s = cli->cfg.backoff_min_s;
	cli->state = IPA_CLI_IDENTIFYING;
	INIT_LLIST_HEAD(&cli->tx_queue);
	osmo_timer_setup(&cli->reconnect_timer, reconnect_cb, cli);
	osmo_timer_setup(&cli->state_timer, state_timer_cb, cli);
	talloc_set_destructor(cli, cli_destructor);
	return cli;
}

struct ipa_client *ipa_client_alloc(void *ctx, const struct ipa_client_cfg *cfg,
				    const struct ipa_client_ops *ops, void *priv, struct rate_ctr_group *ctrg)
{
	struct ipa_client *cli = ipa_client_alloc_unconnected(ctx, cfg, ops, priv, ctrg);
	if (!cli)
		return NULL;
	LOGIPA(cli, LOGL_INFO, "connecting as %s\n", cli->cfg.unit_name);
	try_connect(cli);
	return cli;
}

void ipa_client_free(struct ipa_client *cli)
{
	talloc_free(cli);
}
