/* The SCCP connectionless layer: routing (GT translation), the local SSN
 * registry, segmentation/reassembly and UDTS/XUDTS returns. It sits on an
 * MTP SAP given as function pointers (libosmo-sigtran in the daemons, a fake
 * in unit tests) and serves SCCP users (TCAP instances) per SSN. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sigway/sccp/sccp_sap.h>
#include <sigway/sccp/sccp_codec.h>

struct sccp_layer;
struct sccp_user;

/* MTP-TRANSFER.req towards the network: raw SCCP bytes to a DPC */
struct sccp_mtp_down {
	int (*transfer_req)(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len);
	void *priv;
};

/* One GT translation rule: a called GT that starts with `prefix` (and matches
 * tt/np when those are set) goes to `dpc`, optionally rewritten. */
struct sccp_gtt_rule {
	char prefix[SCCP_GT_DIGITS_MAX + 1];
	int tt;			/* -1: any */
	int np;			/* -1: any */
	uint32_t dpc;
	int new_ri;		/* -1: keep, else enum sccp_routing_ind */
	int new_ssn;		/* -1: keep */
	char replace[SCCP_GT_DIGITS_MAX + 1];	/* "" keep; else replaces the prefix */
	bool has_replace;
};

/* Rate counter indexes of the layer (see sccp_layer.c for descriptions) */
enum sccp_ctr {
	SCCP_CTR_RX_UDT, SCCP_CTR_RX_XUDT, SCCP_CTR_RX_UDTS, SCCP_CTR_RX_XUDTS,
	SCCP_CTR_TX_UDT, SCCP_CTR_TX_XUDT, SCCP_CTR_TX_UDTS, SCCP_CTR_TX_XUDTS,
	SCCP_CTR_RX_DELIVERED, SCCP_CTR_RELAYED, SCCP_CTR_SEGMENTS_TX, SCCP_CTR_REASSEMBLED,
	SCCP_CTR_DROP_MALFORMED, SCCP_CTR_DROP_GT_TOO_LONG,
	SCCP_CTR_DROP_NO_TRANSLATION, SCCP_CTR_DROP_UNEQUIPPED, SCCP_CTR_DROP_HOP_COUNTER,
	SCCP_CTR_DROP_REASSEMBLY, SCCP_CTR_REASSEMBLY_TIMEOUT, SCCP_CTR_TX_FAIL, SCCP_CTR_DROP_LOOP,
	SCCP_CTR_DROP_RELAY_DENIED, SCCP_CTR_DROP_REASM_PER_CALLING,
	/* management (sccp_mgmt.c) */
	SCCP_CTR_RX_SSA, SCCP_CTR_RX_SSP, SCCP_CTR_RX_SST, SCCP_CTR_RX_SCMG_OTHER,
	SCCP_CTR_TX_SSA, SCCP_CTR_TX_SSP, SCCP_CTR_TX_SST,
	SCCP_CTR_DROP_SCMG_MALFORMED, SCCP_CTR_DROP_SCMG_TABLE_FULL,
	SCCP_CTR_DROP_SS_PROHIBITED, SCCP_CTR_DROP_PC_PAUSED, SCCP_CTR_DROP_LOCAL_PROHIBITED,
	SCCP_CTR_MTP_PAUSE, SCCP_CTR_MTP_RESUME, SCCP_CTR_MTP_STATUS,
	_SCCP_CTR_COUNT
};

struct sccp_layer *sccp_layer_alloc(void *ctx, const struct sccp_mtp_down *down);
void sccp_layer_free(struct sccp_layer *layer);
/* Replaces the MTP down-SAP (the transport is bound after the config is read) */
void sccp_layer_set_mtp_down(struct sccp_layer *layer, const struct sccp_mtp_down *down);

/* Configuration (also reachable from the VTY, see sccp_vty.h) */
void sccp_layer_set_local_pc(struct sccp_layer *layer, uint32_t pc);
uint32_t sccp_layer_local_pc(const struct sccp_layer *layer);
int sccp_layer_add_local_gt(struct sccp_layer *layer, const char *prefix);
int sccp_layer_del_local_gt(struct sccp_layer *layer, const char *prefix);
int sccp_layer_add_gtt(struct sccp_layer *layer, const struct sccp_gtt_rule *rule);
int sccp_layer_del_gtt(struct sccp_layer *layer, const char *prefix, int tt, int np);
/* Largest SCCP message handed to MTP (Q.703 SIF 272 less the routing label) */
void sccp_layer_set_max_msg_size(struct sccp_layer *layer, unsigned int octets);
void sccp_layer_set_reassembly_timeout(struct sccp_layer *layer, unsigned int seconds);
/* Reassemblies in progress from one calling address at most: a peer sending
 * first segments cannot fill the table for everybody (default 16) */
void sccp_layer_set_reassembly_per_calling(struct sccp_layer *layer, unsigned int n);
unsigned int sccp_layer_reassembly_per_calling(const struct sccp_layer *layer);
/* Relay: a message from the network for a GT that is not ours is translated
 * and sent on only when its called GT starts with an allowed prefix. None by
 * default: a gateway is not a transit node for anybody's traffic. */
int sccp_layer_add_relay(struct sccp_layer *layer, const char *prefix);
int sccp_layer_del_relay(struct sccp_layer *layer, const char *prefix);
const char *sccp_layer_relay_get(const struct sccp_layer *layer, unsigned int i);
void sccp_layer_set_always_xudt(struct sccp_layer *layer, bool on);
void sccp_layer_set_hop_counter(struct sccp_layer *layer, uint8_t hops);

/* Finds the rule for a called address; NULL if none. Exposed for tests and VTY. */
const struct sccp_gtt_rule *sccp_layer_gtt_lookup(const struct sccp_layer *layer,
						  const struct sccp_addr *called);
bool sccp_layer_gt_is_local(const struct sccp_layer *layer, const char *digits);

/* MTP-TRANSFER.ind: one SCCP message from the network. Returns 0 when the
 * message was handled (delivered, relayed, returned or counted as a drop). */
int sccp_layer_rx_mtp(struct sccp_layer *layer, uint32_t opc, uint32_t dpc, uint8_t sls,
		      const uint8_t *data, size_t len);

/* SCCP users, one per local SSN */
struct sccp_user *sccp_user_bind(struct sccp_layer *layer, uint8_t ssn,
				 const struct sccp_user_ops *ops, void *priv);
void sccp_user_unbind(struct sccp_user *user);
/* N-UNITDATA.req. Returns 0, or a negative errno when the message is not
 * sent: -EINVAL (bad request), -EHOSTUNREACH (no GT translation),
 * -ENETUNREACH (the destination point code is inaccessible: MTP-PAUSE),
 * -EHOSTDOWN (the called subsystem there, or its SCCP, is prohibited),
 * -EMSGSIZE, or what MTP refused with. No N-NOTICE follows a refusal: the
 * caller learns it here, before it keeps any state waiting for an answer. */
int sccp_user_unitdata_req(struct sccp_user *user, const struct sccp_unitdata *ud);
/* The down-SAP a TCAP instance uses for this user */
struct sccp_sap_down sccp_user_sap_down(struct sccp_user *user);
uint8_t sccp_user_ssn(const struct sccp_user *user);
bool sccp_layer_ssn_bound(const struct sccp_layer *layer, uint8_t ssn);
/* Sets the context handed to the user's callbacks */
void sccp_user_set_priv(struct sccp_user *user, void *priv);

/* Sends bytes as they are to a DPC, bypassing the encoder: for tests that
 * must put malformed SCCP on the wire. */
int sccp_layer_send_raw(struct sccp_layer *layer, uint32_t dpc, const uint8_t *data, size_t len);

/* ------------------------------------------ SCCP management (Q.714 5) */

/* Q.714 T(stat.info): seconds between two SSTs to a prohibited remote
 * subsystem (default 30) */
void sccp_layer_set_sst_interval(struct sccp_layer *layer, unsigned int seconds);
unsigned int sccp_layer_sst_interval(const struct sccp_layer *layer);
/* Nodes told (SSP, SSA) when a local subsystem changes state: the configured
 * concerned point codes, and every node that sent that subsystem a message
 * within the traffic window (seconds; 0: only the configured ones) */
int sccp_layer_add_concerned_pc(struct sccp_layer *layer, uint32_t pc);
int sccp_layer_del_concerned_pc(struct sccp_layer *layer, uint32_t pc);
unsigned int sccp_layer_concerned_pc_count(const struct sccp_layer *layer);
uint32_t sccp_layer_concerned_pc_get(const struct sccp_layer *layer, unsigned int i);
void sccp_layer_set_concerned_window(struct sccp_layer *layer, unsigned int seconds);
unsigned int sccp_layer_concerned_window(const struct sccp_layer *layer);

/* Marks a local subsystem prohibited (SSP to the concerned nodes; messages
 * for it are returned with "subsystem failure", SSTs for it stay unanswered)
 * or allowed (SSA to the concerned nodes). Returns how many nodes were told,
 * or -EINVAL for SSN 0 or 1. */
int sccp_layer_set_local_ss(struct sccp_layer *layer, uint8_t ssn, bool allowed);
bool sccp_layer_local_ss_allowed(const struct sccp_layer *layer, uint8_t ssn);

/* What the layer knows of a remote subsystem / signalling point */
bool sccp_layer_remote_ss_allowed(const struct sccp_layer *layer, uint32_t pc, uint8_t ssn);
bool sccp_layer_pc_accessible(const struct sccp_layer *layer, uint32_t pc);

/* MTP-PAUSE.ind, MTP-RESUME.ind, MTP-STATUS.ind (Q.714 5.2) from the MTP SAP */
void sccp_layer_mtp_pause(struct sccp_layer *layer, uint32_t pc);
void sccp_layer_mtp_resume(struct sccp_layer *layer, uint32_t pc);
/* cause: Q.704 user part unavailability cause; any other value (libosmo-
 * sigtran 2.2 uses 3 for congestion) is counted and ignored */
enum sccp_mtp_status_cause {
	SCCP_MTP_CAUSE_UNKNOWN = 0,
	SCCP_MTP_CAUSE_UNEQUIPPED = 1,		/* unequipped remote user */
	SCCP_MTP_CAUSE_INACCESSIBLE = 2,	/* inaccessible remote user */
};
void sccp_layer_mtp_status(struct sccp_layer *layer, uint32_t pc, unsigned int cause);

/* One remote subsystem, for the VTY */
struct sccp_remote_ss_info {
	uint32_t pc;
	uint8_t ssn;
	bool pc_paused;		/* the point code is inaccessible */
	bool prohibited;
	unsigned int for_s;	/* seconds in the current state */
	unsigned int sst_sent;	/* SSTs sent since it became prohibited */
};
void sccp_layer_for_each_remote_ss(struct sccp_layer *layer,
				   void (*cb)(void *arg, const struct sccp_remote_ss_info *info), void *arg);
/* Remote point codes MTP reported inaccessible */
void sccp_layer_for_each_paused_pc(struct sccp_layer *layer, void (*cb)(void *arg, uint32_t pc), void *arg);

/* Counters and introspection */
uint64_t sccp_layer_ctr(const struct sccp_layer *layer, enum sccp_ctr ctr);
struct rate_ctr_group *sccp_layer_ctrg(struct sccp_layer *layer);

/* Iteration for the VTY */
unsigned int sccp_layer_gtt_count(const struct sccp_layer *layer);
const struct sccp_gtt_rule *sccp_layer_gtt_get(const struct sccp_layer *layer, unsigned int i);
unsigned int sccp_layer_local_gt_count(const struct sccp_layer *layer);
const char *sccp_layer_local_gt_get(const struct sccp_layer *layer, unsigned int i);
unsigned int sccp_layer_max_msg_size(const struct sccp_layer *layer);
unsigned int sccp_layer_reassembly_timeout(const struct sccp_layer *layer);
bool sccp_layer_always_xudt(const struct sccp_layer *layer);
uint8_t sccp_layer_hop_counter(const struct sccp_layer *layer);
/* Calls cb for each bound user */
void sccp_layer_for_each_user(struct sccp_layer *layer,
			      void (*cb)(void *arg, uint8_t ssn, const void *priv), void *arg);
