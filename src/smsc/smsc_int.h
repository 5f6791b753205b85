/* Internals of the SMS core, shared by its files */
#pragma once

#include <stdint.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/timer.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/routing/routing.h>
#include <sigway/sccp/sccp_addr.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/sms/sms_split.h>
#include <sigway/smsc/smsc.h>
#include <sigway/smpp/smpp_pdu.h>

#define SMSC_MAX_PARTS		255	/* the most concatenated parts 23.040 can number (accounts: max-parts) */
#define SMSC_DEFAULT_PARTS	16	/* an account's max-parts unless configured */
#define SMSC_MSG_ID_LEN		24
#define SMSC_BILL_REF_LEN	96	/* a submit_multi's id, a slash and the destination */

enum smsc_ctr {
	SMSC_CTR_SUBMIT_ACCEPTED, SMSC_CTR_SUBMIT_REJECTED, SMSC_CTR_MT_DELIVERED, SMSC_CTR_MT_RETRY,
	SMSC_CTR_MT_FAILED, SMSC_CTR_MT_EXPIRED, SMSC_CTR_SRI_SENT, SMSC_CTR_FSM_SENT, SMSC_CTR_REPORT_SENT,
	SMSC_CTR_ALERT_RX, SMSC_CTR_MO_ACCEPTED, SMSC_CTR_MO_REJECTED, SMSC_CTR_DELIVER_SENT,
	SMSC_CTR_DELIVER_DONE, SMSC_CTR_MT_HELD,
	SMSC_CTR_MO_FOREIGN, SMSC_CTR_MO_WRONG_SC, SMSC_CTR_ALERT_FOREIGN, SMSC_CTR_MO_PARTS_FULL,
	SMSC_CTR_MT_DELETED, SMSC_CTR_MT_REPLACED,
};

struct smsc_cfg {
	unsigned int max_in_flight;
	unsigned int retry_min_s, retry_max_s;
	unsigned int default_validity_s, max_validity_s;
	unsigned int mo_reassembly_timeout_s;	/* then the parts go as they are */
	unsigned int mo_parts_max;		/* parts waiting for the rest, overall */
	unsigned int mo_parts_max_per_src;	/* ... per originator */
	unsigned int outbox_expiry_s;		/* deliver_sm nobody took by then are dropped */
	/* store limits (smsc_db.c, smsc_submit.c; doc/security.md) */
	unsigned int max_queued;		/* messages not final at once; beyond, ESME_RMSGQFUL */
	unsigned int retention_s;		/* finished messages, audit, outbox rows kept; 0: for ever */
	/* national SMPP destination numbers (TON 2, a leading 0) get this
	 * country code (doc/numbering.md's normaliser); "": they are refused */
	char country_code[4];
};

struct smsc {
	struct smsc_cfg cfg;
	struct routing *routing;		/* operators, routes, SRI-for-SM, our calling address */
	struct store *store;
	struct smpp_server *smpp;
	/* MT */
	struct llist_head queue;		/* struct sms_mt waiting for a slot */
	struct llist_head waiting;		/* struct sms_mt in back-off (alerts restart them) */
	unsigned int in_flight;
	/* while the SS7 link is down nothing starts (a pump timer looks again) */
	bool (*link_up)(void *data);
	void *link_data;
	struct osmo_timer_list pump_timer;
	bool draining;				/* stopping: nothing new starts */
	/* deliver_sm outbox */
	struct osmo_timer_list outbox_timer;	/* every second: retries, accounts that bound */
	struct osmo_timer_list outbox_fast_timer;	/* soon: new rows, room in a window */
	/* outbox rows sent and not answered, or answered and their update not
	 * committed yet: never sent (again) meanwhile (struct outbox_entry) */
	struct llist_head *outbox_hash;
	struct llist_head outbox_settled;	/* answered, waiting for the commit, oldest first */
	unsigned int outbox_entries;
	uint32_t outbox_gen;			/* the answers one commit covers */
	bool outbox_gen_waits;			/* a commit callback covers outbox_gen */
	unsigned int outbox_ticks;
	struct llist_head outbox_cursors;	/* struct outbox_cursor: per account */
	struct rate_ctr_group *ctrg;
	int64_t mo_parts;			/* rows in mo_parts (counted at start, kept up to date) */
	/* store limits (smsc_db.c) */
	unsigned int n_pending;			/* messages not final (each an sms_mt) */
	bool purge_backlog;			/* the last purge left rows due */
	/* destinations with messages not final (struct smsc_dest, smsc_lane.c) */
	struct llist_head *dest_hash;
	unsigned int n_dests;
};

/* One destination MSISDN with messages not final: they go one at a time,
 * in submission order (the lane), with concatenation references of their
 * own. A message is in the lane once it is due or was attempted; a message
 * scheduled for later is not (it holds nobody up). The first of the lane
 * holds the turn: queued, in a dialogue, or waiting for its retry or an
 * alert; the others wait behind it (BEHIND). */
struct smsc_dest {
	struct llist_head hash;
	struct smsc *smsc;
	char msisdn[21];
	struct llist_head lane;			/* struct sms_mt, by id */
	struct llist_head msgs;			/* every message of it not final (dest_entry) */
	struct sms_mt *busy;			/* queued or in a dialogue */
	unsigned int refs;			/* messages not final */
	uint16_t next_ref;			/* concatenation reference */
};

/* One MT message from the store, while it is not final */
struct sms_mt {
	struct llist_head list;			/* smsc->queue or ->waiting */
	struct smsc *smsc;
	struct osmo_fsm_inst *fi;
	int64_t id;
	char msg_id[SMSC_MSG_ID_LEN];		/* the row id: FSM, audit trail */
	char esme_id[SMSC_MSG_ID_LEN];		/* the id the ESME got (a submit_multi's for all its rows) */
	char bill_ref[SMSC_BILL_REF_LEN];	/* esme_id, or esme_id/MSISDN for a submit_multi */
	int64_t group_id;			/* submit_multi: its id; 0 */
	char account[16];
	char service_type[6];
	struct smpp_address src, dst;
	uint8_t data_coding, esm_class, protocol_id, registered_delivery;
	uint8_t dc0;				/* what data_coding 0 meant for its account */
	uint8_t *payload;
	size_t payload_len;
	uint16_t sar_ref;
	uint8_t sar_total, sar_seq;
	int64_t submit_ms, expiry_ms;
	int64_t start_delay_ms;			/* scheduled delivery, from the commit on */
	int64_t next_ms;			/* when its timer (schedule, back-off) runs out */
	struct osmo_timer_list timer;		/* waiting: its next attempt, or its validity's end */
	int timer_kind;
	unsigned int attempts;
	int last_err;				/* network error of the last attempt (receipts) */
	bool last_try;				/* the attempt at the end of the validity */
	bool held;				/* a request ends it (cancel, replace): out of delivery until its commit */
	/* the destination: its order and concatenation references */
	struct smsc_dest *dest;
	struct llist_head dest_entry;		/* in dest->msgs */
	struct llist_head lane;
	bool in_lane;
	int32_t concat_ref;			/* ours (16-bit), -1: none yet */
	/* the parts as TPDUs, built once */
	uint8_t n_parts;
	uint8_t parts_done;
	uint8_t **tpdu;
	uint8_t *tpdu_len;
	struct operator *op;
	uint8_t version;			/* MAP version the SRI-for-SM of this attempt ended in */
	/* this attempt */
	struct routing_sri *sri_q;		/* the SRI-for-SM in progress */
	struct map_sri_sm_res sri;
	struct smsc_dlg *dlg;			/* the MT-ForwardSM dialogue in progress */
	bool hlr_will_alert;			/* informServiceCentre: our address is in the MWD */
	bool held_by_network;			/* the last attempt could not be sent at all */
};

/* What a message is made of, as the SMS-DELIVER TPDUs will carry it */
struct smsc_content {
	const struct smpp_address *src;
	uint8_t data_coding, dc0, esm_class, protocol_id;
	const uint8_t *payload;
	size_t len;
	uint16_t sar_ref;
	uint8_t sar_total, sar_seq;
	unsigned int max_parts;
	int64_t submit_ms;
};

enum smsc_encode_err {
	SMSC_ENC_DCS = -1,		/* a data_coding (or PID with it) we do not send */
	SMSC_ENC_CONTENT = -2,		/* bad content, or more parts than allowed */
	SMSC_ENC_SOURCE = -3,		/* the originator cannot be coded */
	SMSC_ENC_NOMEM = -4,
};

/* smsc_encode.c: the SMS-DELIVER TPDUs of a message, under ctx (each part a
 * talloc child); ref: our concatenation reference (16-bit), used when we
 * split it. Returns the number of parts or an smsc_encode_err. With tpdu
 * NULL it only checks that the message can be sent. */
int smsc_encode(void *ctx, const struct smsc_content *c, uint16_t ref, uint8_t ***tpdu, uint8_t **tpdu_len);

enum smsc_dlg_kind { SMSC_DLG_FSM, SMSC_DLG_REPORT, SMSC_DLG_MO, SMSC_DLG_ALERT };

/* Why an attempt failed: what the MAP layer reported, or a reason of our own */
enum smsc_reason {
	SMSC_R_MAP,		/* map: an error, refusal or abort */
	SMSC_R_NO_ROUTE,
	SMSC_R_ENCODE,
	SMSC_R_PROTOCOL,	/* an answer we cannot use */
	SMSC_R_EXPIRED,		/* validity period over */
	SMSC_R_NO_LINK,		/* could not start a dialogue */
};

struct smsc_fail {
	enum smsc_reason reason;
	struct map_err map;
};

/* Every MAP dialogue of the core has one of these as its priv: the audit
 * record of the dialogue as it happens */
struct smsc_dlg {
	enum smsc_dlg_kind kind;
	struct smsc *smsc;
	struct sms_mt *mt;			/* FSM; NULL once the message went away */
	struct map_dialogue *md;		/* NULL once the dialogue is over */
	char msg_id[SMSC_MSG_ID_LEN];
	char msisdn[21];
	char calling_gt[SCCP_GT_DIGITS_MAX + 1];	/* as the dialogue went out */
	char called_gt[SCCP_GT_DIGITS_MAX + 1];
	char answer_gt[SCCP_GT_DIGITS_MAX + 1];		/* who answered; "" no answer */
	uint32_t otid;
	char dtid[12];
	int64_t start_ms;
	/* FSM: this message's outcome so far */
	bool part_ok;
	struct smsc_fail fail;
	/* MO: the invoke to answer once the message is stored */
	int8_t invoke_id;
	enum map_service svc;
};

/* MT FSM events */
enum sms_mt_event {
	MT_EV_START,		/* a slot is free: ask the HLR */
	MT_EV_SRI_RESULT,	/* data: struct routing_sri_result */
	MT_EV_FSM_RESULT,	/* a part was accepted; data: non-NULL when the dialogue is still open */
	MT_EV_ERROR,		/* data: struct smsc_fail */
	MT_EV_RETRY,		/* alertServiceCentre */
};

extern struct osmo_fsm sms_mt_fsm;

/* smsc_db.c: the core's tables */
int smsc_db_init(struct store *st);
int64_t smsc_db_insert_message(struct store *st, const char *account, const struct smpp_pdu *p, uint8_t dc0,
			       const uint8_t *payload, size_t len, int64_t submit_ms, int64_t expiry_ms,
			       int64_t next_ms, int64_t group_id);
/* a submit_multi's first row gets the group id it gave (its own id) */
int smsc_db_set_group(struct store *st, int64_t id);
/* the concatenation reference we gave a message */
void smsc_db_message_ref(struct smsc *smsc, struct sms_mt *mt);
/* a request (cancel_sm, replace_if_present) ends it: in that request's commit */
int smsc_db_message_deleted(struct smsc *smsc, struct sms_mt *mt);
/* ... and the request was refused after all, in the same transaction */
void smsc_db_message_undeleted(struct smsc *smsc, struct sms_mt *mt);
int smsc_db_load_pending(struct smsc *smsc);
void smsc_db_message_final(struct smsc *smsc, struct sms_mt *mt, uint8_t state, int err);
void smsc_db_message_retry(struct smsc *smsc, struct sms_mt *mt, int64_t next_ms, int err);
void smsc_db_message_progress(struct smsc *smsc, struct sms_mt *mt);
/* an sms_mt counted in n_pending while it lives */
struct sms_mt *smsc_db_mt_alloc(struct smsc *smsc);
/* a row just inserted whose submit is refused after all (no memory): final */
void smsc_db_message_drop(struct smsc *smsc, int64_t id);
/* one batch of the retention purge; called every second by the outbox timer */
void smsc_db_purge(struct smsc *smsc, unsigned int tick);
int smsc_db_message_replace(struct smsc *smsc, struct sms_mt *mt, const uint8_t *payload, size_t len,
			    uint8_t registered_delivery, int64_t expiry_ms, int64_t next_ms);
/* esme_id and bill_ref from id, group_id and the destination */
void smsc_mt_set_ids(struct sms_mt *mt);
void smsc_db_audit(struct smsc *smsc, const struct smsc_dlg *d, const char *step, const char *outcome);

/* smsc_mt.c */
struct sms_mt *sms_mt_alloc(struct smsc *smsc);
/* the message goes to its destination's lane (mt->dst set) */
int sms_mt_set_dest(struct sms_mt *mt);
/* its next attempt after ms (0: due now; it goes when its turn comes) */
void sms_mt_wait(struct sms_mt *mt, int64_t ms);
/* a request ends it once that request commits: out of delivery until then */
void sms_mt_hold(struct sms_mt *mt);
/* not in a MAP dialogue, not held: cancel_sm, replace_sm, replace_if_present may act */
bool sms_mt_idle(const struct sms_mt *mt);
/* the request committed (final: DELETED, with its receipt) or not (back in delivery) */
void sms_mt_held_done(struct sms_mt *mt, bool deleted);
void smsc_pump(struct smsc *smsc);
void smsc_alert(struct smsc *smsc, const char *msisdn);
/* SCCP can reach a destination again: what could not be sent goes now */
void smsc_network_available(void *priv);
/* smsc_lane.c: destinations, their order and concatenation references */
struct smsc_dest *smsc_dest_get(struct smsc *smsc, const char *msisdn);
struct smsc_dest *smsc_dest_find(struct smsc *smsc, const char *msisdn);
void smsc_dest_put(struct smsc_dest *d);
void smsc_lane_join(struct sms_mt *mt);
void smsc_lane_leave(struct sms_mt *mt);
struct sms_mt *smsc_lane_first(struct smsc_dest *d);
void smsc_lanes_init(struct smsc *smsc);
struct operator *smsc_route(struct smsc *smsc, const char *msisdn);
/* failures: "absentSubscriberSM", "no route", ...; temporary or not; the
 * network error code of a receipt (the MAP error, 0 for our own reasons) */
const char *smsc_fail_str(const struct smsc_fail *f, char *buf, size_t len);
bool smsc_fail_temporary(const struct smsc_fail *f);
int smsc_fail_network_error(const struct smsc_fail *f);

/* smsc_submit.c */
void smsc_smpp_request(void *priv, const struct smpp_request *req);
/* a destination address as the routing knows it (international digits),
 * or an SMPP status */
uint32_t smsc_normalise_dest(struct smsc *smsc, const struct smpp_address *in, struct smpp_address *out);

/* smsc_outbox.c: deliver_sm (MO, receipts) */
int smsc_outbox_add(struct smsc *smsc, const char *account, const struct smpp_pdu *p, const char *kind);
void smsc_outbox_receipt(struct smsc *smsc, const struct sms_mt *mt, uint8_t state, int err);
/* registered_delivery bit 4: a deliver_sm (esm_class intermediate, ENROUTE)
 * after an attempt that failed for a while (the message waits for a retry) */
void smsc_outbox_intermediate(struct smsc *smsc, const struct sms_mt *mt, int err);
/* an MO's GSM 7-bit text as an account whose data_coding 0 is dc0 reads it */
void smsc_mo_recode(struct smpp_pdu *p, uint8_t dc0, uint8_t *buf, size_t buflen);
void smsc_outbox_init(struct smsc *smsc);
void smsc_outbox_receiver_up(void *priv, const struct smpp_account *account);
void smsc_outbox_deliver_resp(void *priv, uint64_t token, uint32_t status);

/* smsc_mo.c */
void smsc_mo_forward_sm(struct smsc *smsc, struct map_dialogue *md, int8_t invoke_id, enum map_service svc,
			const struct map_forward_sm_arg *a);
void smsc_mo_expire_parts(struct smsc *smsc);
int smsc_mo_init(struct smsc *smsc);

/* time formats */
int smpp_time_parse(const char *s, int64_t now_ms, int64_t *out_ms);	/* 0, -1 bad; "" leaves *out_ms */
