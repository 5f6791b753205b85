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
/* N-UNITDATA.req. Returns 0, or a negative errno; when the message cannot be
 * routed the user also gets an N-NOTICE with the return cause if it asked for
 * return on error. */
int sccp_user_unitdata_req(struct sccp_user *user, const struct sccp_unitdata *ud);
/* The down-SAP a TCAP instance uses for this user */
struct sccp_sap_down sccp_user_sap_down(struct sccp_user *user);
uint8_t sccp_user_ssn(const struct sccp_user *user);
/* Sets the context handed to the user's callbacks */
void sccp_user_set_priv(struct sccp_user *user, void *priv);

/* Sends bytes as they are to a DPC, bypassing the encoder: for tests that
 * must put malformed SCCP on the wire. */
int sccp_layer_send_raw(struct sccp_layer *layer, uint32_t dpc, const uint8_t *data, size_t len);

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
