/* Internals shared by the files of the SCCP layer; not for its users. */
#pragma once

#include <osmocom/core/hashtable.h>
#include <osmocom/core/linuxlist.h>
#include <sigway/sccp/sccp_layer.h>

/* Q.703: the SIF carries at most 272 octets, 4 of them the routing label */
#define SCCP_DEFAULT_MAX_MSG	268
/* what we ever encode in one message; a configured size may only go below */
#define SCCP_MAX_MSG_LIMIT	2048
#define SCCP_MAX_LOCAL_GT	64
#define SCCP_MAX_SEGMENTS	16
#define SCCP_MAX_RELAY		64	/* relay allow-list entries */
/* management tables: bounded, whatever the network sends */
#define SCCP_MAX_REMOTE_SP	1024	/* remote point codes */
#define SCCP_MAX_REMOTE_SS	4096	/* remote (point code, SSN) */
#define SCCP_MAX_CONCERNED	32	/* configured concerned point codes */
#define SCCP_MAX_RECENT		64	/* nodes that sent a local SSN traffic */
#define SCCP_DEFAULT_SST_S	30
#define SCCP_DEFAULT_WINDOW_S	3600

/* A node that sent one of our subsystems a message */
struct sccp_recent_peer {
	uint32_t opc;
	uint8_t ssn;
	bool used;
	int64_t last_rx_s;	/* monotonic seconds */
	int64_t last_ssp_s;	/* response-method SSP sent, for its rate limit */
};

struct sccp_user {
	struct sccp_layer *layer;
	uint8_t ssn;
	struct sccp_user_ops ops;
	void *priv;
};

struct sccp_layer {
	struct sccp_mtp_down down;
	uint32_t local_pc;
	char local_gt[SCCP_MAX_LOCAL_GT][SCCP_GT_DIGITS_MAX + 1];
	unsigned int n_local_gt;
	struct sccp_gtt_rule *gtt;	/* talloc array, longest prefix first */
	unsigned int n_gtt;
	unsigned int max_msg_size;
	unsigned int reasm_timeout_s;
	bool always_xudt;
	uint8_t hop_counter;
	uint32_t next_local_ref;
	uint8_t next_sls;
	struct sccp_user *users[256];
	/* reassembly in progress */
	struct llist_head reasm_list;
	unsigned int reasm_count, reasm_max;
	unsigned int reasm_max_per_calling;	/* one calling address cannot take the whole table */
	/* relay: only messages whose called GT starts with one of these */
	char relay_allow[SCCP_MAX_RELAY][SCCP_GT_DIGITS_MAX + 1];
	unsigned int n_relay_allow;
	size_t reasm_bytes, reasm_max_bytes;
	struct rate_ctr_group *ctrg;
	/* management (sccp_mgmt.c) */
	DECLARE_HASHTABLE(remote_sp, 8);	/* struct sccp_rsp by point code */
	unsigned int n_remote_sp, n_remote_ss;
	bool local_prohibited[256];
	uint32_t concerned[SCCP_MAX_CONCERNED];
	unsigned int n_concerned;
	struct sccp_recent_peer recent[SCCP_MAX_RECENT];
	unsigned int sst_interval_s, concerned_window_s;
};

void sccp_ctr_inc(struct sccp_layer *layer, enum sccp_ctr ctr);
int sccp_mtp_send(struct sccp_layer *layer, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len);
void sccp_return_msg(struct sccp_layer *layer, const struct sccp_msg *orig, uint32_t opc,
		     uint8_t sls, enum sccp_return_cause cause);
void sccp_deliver_local(struct sccp_layer *layer, const struct sccp_msg *m,
			uint32_t opc, uint32_t dpc, uint8_t sls);
void sccp_gtt_apply(const struct sccp_gtt_rule *r, struct sccp_addr *called);

/* management: sccp_mgmt.c */
void sccp_mgmt_init(struct sccp_layer *layer);
void sccp_mgmt_flush(struct sccp_layer *layer);
/* 0 when a message may go to (dpc, called SSN); else -ENETUNREACH or
 * -EHOSTDOWN, counted. record: start tracking the subsystem (our own sends). */
int sccp_mgmt_tx_check(struct sccp_layer *layer, uint32_t dpc, const struct sccp_addr *called, bool record);
/* a message for SSN 1 */
void sccp_mgmt_rx(struct sccp_layer *layer, const struct sccp_msg *m, uint32_t opc, uint8_t sls);
/* a message for a bound local SSN: false when that subsystem is prohibited
 * (then returned and answered per Q.714) */
bool sccp_mgmt_local_rx(struct sccp_layer *layer, const struct sccp_msg *m, uint32_t opc, uint8_t sls);

void sccp_reasm_rx(struct sccp_layer *layer, const struct sccp_msg *m,
		   uint32_t opc, uint32_t dpc, uint8_t sls);
void sccp_reasm_flush(struct sccp_layer *layer);
