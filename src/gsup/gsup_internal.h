/* Inside the GSUP transport: the IPA client (ipa_client.c), the EUSE
 * sessions (euse.c) and their counters. Unit tests and the fuzzer use the
 * functions below to drive one layer without the other. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <osmocom/vty/command.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/gsup/euse.h>

/* Every input has a limit. An IPA frame carries at most this much: a GSUP
 * USSD message is IMSI + session + SS_INFO (<= 255) and a few octets more;
 * a longer frame ends the connection (a stream cannot be resynchronised). */
#define IPA_MAX_PAYLOAD		1024
#define IPA_TX_QUEUE_MAX	1024	/* messages waiting for the socket */
#define IPA_IDENTIFY_TIMEOUT_S	10	/* TCP up to the HLR's acceptance */
#define EUSE_SS_INFO_MAX	255	/* the GSUP IE length is one octet */
#define EUSE_COMPONENT_MAX	129	/* what OsmoHLR 1.5 parses: a short-form length */

enum euse_ctr {
	EUSE_CTR_LINK_UP,
	EUSE_CTR_LINK_DOWN,
	EUSE_CTR_CONNECT_FAIL,
	EUSE_CTR_REJECTED,
	EUSE_CTR_RX_FRAME_TOO_LONG,
	EUSE_CTR_RX_IPA_UNKNOWN,
	EUSE_CTR_RX_MSG,
	EUSE_CTR_RX_MALFORMED,
	EUSE_CTR_RX_UNEXPECTED,
	EUSE_CTR_RX_BAD_SS_INFO,
	EUSE_CTR_RX_UNKNOWN_SESSION,
	EUSE_CTR_RX_HLR_ERROR,
	EUSE_CTR_TX_MSG,
	EUSE_CTR_TX_FAILED,
	EUSE_CTR_SESS_BEGIN,
	EUSE_CTR_SESS_REFUSED_LIMIT,
	EUSE_CTR_SESS_REFUSED_CORE,
	EUSE_CTR_SESS_END_APP,
	EUSE_CTR_SESS_END_NET,
	EUSE_CTR_SESS_ABORT,
	EUSE_CTR_SESS_TIMEOUT,
};

/* ------------------------------------------------------------ IPA client */

struct ipa_client_cfg {
	char remote_ip[64];
	uint16_t remote_port;
	char unit_name[EUSE_NAME_MAX + 32];	/* "EUSE-NAME-00-00-00-00-00-00" */
	unsigned int backoff_min_s, backoff_max_s;
	unsigned int ping_interval_s, pong_timeout_s;
};

struct ipa_client_ops {
	void (*up)(void *priv);		/* the HLR accepted our identity */
	void (*down)(void *priv);	/* a link that was up is gone */
	void (*rx_gsup)(void *priv, const uint8_t *data, size_t len);
};

enum ipa_client_state {
	IPA_CLI_WAIT_RECONNECT,
	IPA_CLI_CONNECTING,	/* TCP handshake */
	IPA_CLI_IDENTIFYING,	/* waiting for ID_GET, then for the HLR to echo our ID_ACK */
	IPA_CLI_UP,
};

extern const struct value_string ipa_client_state_names[];

struct ipa_client {
	struct ipa_client_cfg cfg;
	const struct ipa_client_ops *ops;
	void *priv;
	struct rate_ctr_group *ctrg;	/* the EUSE's (enum euse_ctr) */
	enum ipa_client_state state;
	struct osmo_fd ofd;
	struct osmo_timer_list reconnect_timer;
	struct osmo_timer_list state_timer;	/* identify timeout, then PING / PONG */
	unsigned int backoff_s;		/* the next wait before reconnecting */
	int64_t up_since;		/* s, osmo_gettimeofday() */
	bool got_id_get;		/* what to blame when the HLR closes on us */
	bool pong_pending;
	uint8_t rx[3 + IPA_MAX_PAYLOAD];
	size_t rx_len;
	struct llist_head tx_queue;	/* msgb */
	unsigned int tx_queued;
};

/* Allocates and connects (ctrg may be NULL). */
struct ipa_client *ipa_client_alloc(void *ctx, const struct ipa_client_cfg *cfg,
				    const struct ipa_client_ops *ops, void *priv, struct rate_ctr_group *ctrg);
/* The same without connecting: ipa_client_feed() then drives it (tests, fuzzing). */
struct ipa_client *ipa_client_alloc_unconnected(void *ctx, const struct ipa_client_cfg *cfg,
						const struct ipa_client_ops *ops, void *priv,
						struct rate_ctr_group *ctrg);
void ipa_client_free(struct ipa_client *cli);
/* Bytes from the stream: frames are cut and handled. Returns 0, or a
 * negative errno when the stream cannot go on (the caller drops it). */
int ipa_client_feed(struct ipa_client *cli, const uint8_t *buf, size_t len);
/* One GSUP message (IPA OSMO extension 0x05). -ENOTCONN unless up, -ENOBUFS. */
int ipa_client_send_gsup(struct ipa_client *cli, const uint8_t *data, size_t len);

/* ------------------------------------------------------------ EUSE */

typedef int (*euse_tx_fn)(void *tx_priv, const uint8_t *data, size_t len);

struct euse {
	struct euse_cfg cfg;
	const struct euse_ops *ops;
	void *priv;
	struct ipa_client *link;	/* NULL when tx is a test's */
	euse_tx_fn tx;
	void *tx_priv;
	bool up;
	struct llist_head sessions;
	unsigned int n_sessions;
	struct rate_ctr_group *ctrg;
};

/* An EUSE whose GSUP goes to tx instead of an HLR (tests, fuzzing); it
 * counts as linked up. */
struct euse *euse_alloc_with_tx(void *ctx, const struct euse_cfg *cfg, const struct euse_ops *ops,
				void *priv, euse_tx_fn tx, void *tx_priv);
/* One GSUP message from the HLR. */
void euse_rx_gsup(struct euse *e, const uint8_t *data, size_t len);
/* The link went away: every session ends with EUSE_ABORT_LINK_DOWN. */
void euse_link_down(struct euse *e);
/* `show gsup` stops showing e (euse_stop) */
void euse_vty_forget(struct euse *e);
