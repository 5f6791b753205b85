/* Internals shared by the SMPP server's files (sessions, binds, VTY) */
#pragma once

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <sigway/common/log_guard.h>
#include <sigway/smpp/smpp_server.h>

enum smpp_ctr {
	SMPP_CTR_BINDS, SMPP_CTR_BIND_REJECTED, SMPP_CTR_RX_PDU, SMPP_CTR_TX_PDU, SMPP_CTR_RX_MALFORMED,
	SMPP_CTR_SUBMIT, SMPP_CTR_THROTTLED, SMPP_CTR_WINDOW_FULL, SMPP_CTR_DELIVER, SMPP_CTR_DELIVER_FAILED,
	SMPP_CTR_RESP_TIMEOUT,
	/* the limits against hostile clients (doc/security.md) */
	SMPP_CTR_CONN_ACCEPTED, SMPP_CTR_CONN_REFUSED, SMPP_CTR_CONN_REFUSED_IP, SMPP_CTR_CONN_REFUSED_FD,
	SMPP_CTR_CONN_EVICTED, SMPP_CTR_ACCEPT_FAILED, SMPP_CTR_BIND_TIMEOUT, SMPP_CTR_READ_PAUSED,
	SMPP_CTR_OUTPUT_STALLED, SMPP_CTR_AUTH_BACKOFF, SMPP_CTR_AUTH_QUEUED, SMPP_CTR_UNBOUND_OVERSIZE,
	SMPP_CTR_DELIVER_LATE, SMPP_CTR_BAD_HEADER,
};

enum smpp_session_state { SMPP_SESS_OPEN, SMPP_SESS_TX, SMPP_SESS_RX, SMPP_SESS_TRX };

/* Every limit of the SMPP side, with its VTY command in smpp_vty.c */
struct smpp_limits {
	unsigned int max_connections;	/* SMPP connections at once */
	unsigned int max_per_ip;	/* connections from one source address */
	unsigned int max_unbound;	/* connections not bound yet; beyond, the oldest is closed */
	unsigned int bind_timeout_s;	/* from connect to a successful bind */
	unsigned int fd_reserve;	/* fds below the process limit the SMPP side leaves alone */
	unsigned int max_output;	/* octets queued for one bind before its input pauses */
	unsigned int auth_free;		/* failed binds (per address, per account) before the back-off */
	unsigned int auth_backoff_max_s; /* longest back-off */
	unsigned int auth_fail_delay_ms; /* every failed bind is answered this late */
};

#define SMPP_LIMIT_DEFAULTS { .max_connections = 1000, .max_per_ip = 32, .max_unbound = 100, .bind_timeout_s = 10, \
			      .fd_reserve = 64, .max_output = 65536, .auth_free = 3, .auth_backoff_max_s = 300, \
			      .auth_fail_delay_ms = 1000 }

/* Before a bind only a bind, enquire_link, unbind or generic_nack can
 * come: a longer PDU is not read (generic_nack, closed), and the output
 * such a session may queue is small */
#define SMPP_UNBOUND_PDU_MAX	512
#define SMPP_UNBOUND_OUTPUT_MAX	4096
/* what a bound session reads at once (a larger PDU gets the room it needs) */
#define SMPP_BOUND_RX_SIZE	16384
/* SO_SNDBUF and SO_RCVBUF of every connection (the kernel doubles them) */
#define SMPP_SOCKET_BUFFER	131072
/* password checks (crypt) may use this much of each second of the loop */
#define SMPP_AUTH_BUDGET_MS	200
#define SMPP_AUTH_IP_SLOTS	1024

/* connections from one source address */
struct smpp_ip_count {
	struct llist_head list;		/* in its bucket of smpp_server.ip_buckets */
	char ip[48];
	unsigned int sessions, unbound;
};
#define SMPP_IP_BUCKETS		1024
/* a new connection over max-unbound closes one not yet bound among the
 * oldest this many (smpp_server.c: evict_unbound) */
#define SMPP_EVICT_CANDIDATES	64

/* failed binds from one source address */
struct smpp_auth_ip {
	char ip[48];
	unsigned int failures;
	int64_t last_ms, blocked_until_ms;
};

struct smpp_auth;

struct smpp_server {
	const struct smpp_server_ops *ops;
	void *priv;
	char system_id[16];
	char local_ip[48];
	uint16_t local_port;
	unsigned int enquire_link_s;
	unsigned int response_timeout_s;
	struct smpp_limits lim;
	struct osmo_fd listen_ofd;
	int spare_fd;			/* given up to take a connection off the queue at EMFILE */
	struct osmo_timer_list listen_timer;	/* listening again after an accept error */
	struct accounts *accounts;	/* shared with the other client APIs */
	struct llist_head sessions;	/* struct smpp_session, oldest first */
	unsigned int n_sessions, n_unbound;
	struct llist_head *ip_buckets;	/* struct smpp_ip_count by address */
	uint32_t last_session_id;
	struct rate_ctr_group *ctrg;
	struct smpp_auth *auth;
	/* repeated log lines */
	struct sigway_log_limit log_conn, log_refused, log_bind_fail, log_bad_pdu, log_closed;
};

/* a deliver_sm waiting for its answer */
struct smpp_outstanding {
	struct llist_head list;
	uint32_t seq;
	uint64_t token;
	int64_t sent_ms;
};

/* the messages a submit_multi in flight counts for in the window */
struct smpp_multi_weight {
	struct llist_head list;
	uint32_t seq;
	unsigned int weight;
};

/* a bind being decided: what the check needs of the PDU */
struct smpp_bind_req {
	uint32_t command_id, seq;
	char system_id[16];
	char password[9];
	uint8_t interface_version;
	struct smpp_account *account;	/* while its password check waits */
};

struct smpp_session {
	struct llist_head list;
	struct smpp_server *srv;
	uint32_t id;
	struct osmo_fd ofd;
	char ip[48];
	char peer[64];
	struct smpp_ip_count *ipc;	/* the sessions of its address */
	enum smpp_session_state state;
	uint8_t interface_version;
	struct smpp_account *account;
	int64_t connected_ms;
	/* input */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool in_rx;			/* its PDUs are being processed */
	bool output_paused;		/* input stopped: output over the bound */
	int64_t over_since_ms;		/* output over the bound since */
	struct smpp_multi_storage *multi;	/* allocated at the bind */
	/* output: msgbs in order, the first maybe partly written */
	struct llist_head txq;
	size_t tx_bytes;
	bool closing;			/* no more input; freed once the output is written */
	int64_t closing_ms;
	/* bind */
	struct smpp_bind_req *bind;	/* while a bind is decided or its refusal waits */
	struct llist_head auth_entry;	/* in the check queue (CPU budget used up) */
	struct osmo_timer_list auth_timer;	/* a refusal leaves late */
	/* requests and deliveries */
	uint32_t seq;
	unsigned int in_flight;		/* messages of the ESME's requests not answered yet */
	struct llist_head multi_weights;	/* struct smpp_multi_weight */
	struct llist_head outstanding;	/* our deliver_sm not answered yet */
	unsigned int n_outstanding;
	struct llist_head late;		/* ... not answered in time: a late answer still counts */
	unsigned int n_late;
	/* unbind received while requests were not answered yet: the
	 * answers go first, then unbind_resp (SMPP 3.4 4.2) */
	bool unbinding;
	uint32_t unbind_seq;
	int64_t unbind_ms;
	/* the server stops: the answers to our deliver_sm are still read
	 * (up to response-timeout), nothing new goes or is taken */
	bool stopping;
	int64_t stopping_ms;
	int64_t last_rx_ms, enquire_sent_ms;
	struct osmo_timer_list timer;
};

struct smpp_account *smpp_account_find(struct smpp_server *srv, const char *system_id);
int64_t smpp_now_ms(void);
void smpp_ctr_inc(struct smpp_server *srv, enum smpp_ctr c);

/* smpp_server.c, for the bind check */
int smpp_session_send(struct smpp_session *s, const struct smpp_pdu *p);
void smpp_session_resume(struct smpp_session *s);	/* input again (after a bind was decided) */
void smpp_session_close_after_output(struct smpp_session *s);
void smpp_session_bound(struct smpp_session *s, struct smpp_account *a);

/* smpp_auth.c: passwords and the bind check */
struct smpp_auth *smpp_auth_alloc(struct smpp_server *srv);
void smpp_auth_free(struct smpp_auth *auth);
/* (hashes of passwords for the config: accounts_hash(), accounts_hash_ok()) */
/* Decides the bind in s->bind: answers it (now when it is right, after
 * the failure delay when not) */
void smpp_auth_bind(struct smpp_session *s);
/* the session goes away: out of the check queue */
void smpp_auth_forget(struct smpp_session *s);
