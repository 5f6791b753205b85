/* Internals shared by the SMPP server's files (session, VTY) */
#pragma once

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/timer.h>
#include <sigway/smpp/smpp_server.h>

enum smpp_ctr {
	SMPP_CTR_BINDS, SMPP_CTR_BIND_REJECTED, SMPP_CTR_RX_PDU, SMPP_CTR_TX_PDU, SMPP_CTR_RX_MALFORMED,
	SMPP_CTR_SUBMIT, SMPP_CTR_THROTTLED, SMPP_CTR_WINDOW_FULL, SMPP_CTR_DELIVER, SMPP_CTR_DELIVER_FAILED,
	SMPP_CTR_RESP_TIMEOUT,
};

enum smpp_session_state { SMPP_SESS_OPEN, SMPP_SESS_TX, SMPP_SESS_RX, SMPP_SESS_TRX };

struct smpp_server {
	const struct smpp_server_ops *ops;
	void *priv;
	char system_id[16];
	char local_ip[48];
	uint16_t local_port;
	unsigned int enquire_link_s;
	unsigned int response_timeout_s;
	struct osmo_stream_srv_link *link;
	struct llist_head accounts;	/* struct smpp_account */
	struct llist_head sessions;	/* struct smpp_session */
	uint32_t last_session_id;
	struct rate_ctr_group *ctrg;
	/* PDUs of a tick leave in one write per session */
	struct osmo_timer_list flush_timer;
};

/* a deliver_sm waiting for its answer */
struct smpp_outstanding {
	struct llist_head list;
	uint32_t seq;
	uint64_t token;
	int64_t sent_ms;
};

struct smpp_session {
	struct llist_head list;
	struct smpp_server *srv;
	uint32_t id;
	struct osmo_stream_srv *conn;
	char ip[48];
	char peer[64];
	enum smpp_session_state state;
	uint8_t interface_version;
	struct smpp_account *account;
	bool closing;
	uint8_t *rx;
	size_t rx_len;
	struct smpp_multi_storage *multi;
	uint32_t seq;
	struct msgb *tx;		/* encoded PDUs waiting for the tick's flush */
	unsigned int in_flight;		/* requests of the ESME not answered yet */
	struct llist_head outstanding;	/* our deliver_sm not answered yet */
	unsigned int n_outstanding;
	int64_t last_rx_ms, enquire_sent_ms;
	struct osmo_timer_list timer;
};

struct smpp_account *smpp_account_find(struct smpp_server *srv, const char *system_id);
