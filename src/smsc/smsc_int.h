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

#define SMSC_MAX_PARTS		16	/* longest message: 16 concatenated parts */
#define SMSC_MSG_ID_LEN		24

enum smsc_ctr {
	SMSC_CTR_SUBMIT_ACCEPTED, SMSC_CTR_SUBMIT_REJECTED, SMSC_CTR_MT_DELIVERED, SMSC_CTR_MT_RETRY,
	SMSC_CTR_MT_FAILED, SMSC_CTR_MT_EXPIRED, SMSC_CTR_SRI_SENT, SMSC_CTR_FSM_SENT, SMSC_CTR_REPORT_SENT,
	SMSC_CTR_ALERT_RX, SMSC_CTR_MO_ACCEPTED, SMSC_CTR_MO_REJECTED, SMSC_CTR_DELIVER_SENT,
	SMSC_CTR_DELIVER_DONE, SMSC_CTR_MT_HELD,
	SMSC_CTR_MO_FOREIGN, SMSC_CTR_MO_WRONG_SC, SMSC_CTR_ALERT_FOREIGN, SMSC_CTR_MO_PARTS_FULL,
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
	struct llist_head outbox_busy;		/* struct outbox_busy: ids being sent */
	unsigned int outbox_ticks;
	struct llist_head outbox_cursors;	/* struct outbox_cursor: per account */
	struct rate_ctr_group *ctrg;
	int64_t mo_parts;			/* rows in mo_parts (counted at start, kept up to date) */
	/* store limits (smsc_db.c) */
	unsigned int n_pending;			/* messages not final (each an sms_mt) */
	bool purge_backlog;			/* the last purge left rows due */
};

/* One MT message from the store, while it is not final */
struct sms_mt {
	struct llist_head list;			/* smsc->queue or ->waiting */
	struct smsc *smsc;
	struct osmo_fsm_inst *fi;
	int64_t id;
	char msg_id[SMSC_MSG_ID_LEN];
	char account[16];
	struct smpp_address src, dst;
	uint8_t data_coding, esm_class, protocol_id, registered_delivery;
	uint8_t *payload;
	size_t payload_len;
	uint16_t sar_ref;
	uint8_t sar_total, sar_seq;
	int64_t submit_ms, expiry_ms;
	int64_t start_delay_ms;			/* scheduled delivery, from the commit on */
	unsigned int attempts;
	/* the parts as TPDUs, built once */
	uint8_t n_parts;
	uint8_t parts_done;
	uint8_t *tpdu[SMSC_MAX_PARTS];
	uint8_t tpdu_len[SMSC_MAX_PARTS];
	struct operator *op;
	uint8_t version;			/* MAP version the SRI-for-SM of this attempt ended in */
	/* this attempt */
	struct routing_sri *sri_q;		/* the SRI-for-SM in progress */
	struct map_sri_sm_res sri;
	struct smsc_dlg *dlg;			/* the MT-ForwardSM dialogue in progress */
	bool hlr_will_alert;			/* informServiceCentre: our address is in the MWD */
	bool held_by_network;			/* the last attempt could not be sent at all */
};

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
	MT_EV_RETRY,		/* back-off timer, or alertServiceCentre */
};

extern struct osmo_fsm sms_mt_fsm;

/* smsc_db.c: the core's tables */
int smsc_db_init(struct store *st);
int64_t smsc_db_insert_message(struct store *st, const char *account, const struct smpp_pdu *p,
			       const uint8_t *payload, size_t len, int64_t submit_ms, int64_t expiry_ms,
			       int64_t next_ms);
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
void smsc_db_audit(struct smsc *smsc, const struct smsc_dlg *d, const char *step, const char *outcome);

/* smsc_mt.c */
struct sms_mt *sms_mt_alloc(struct smsc *smsc);
void sms_mt_enqueue(struct sms_mt *mt);
/* back-off: queued again after ms (0: now) */
void sms_mt_wait(struct sms_mt *mt, int64_t ms);
void smsc_pump(struct smsc *smsc);
void smsc_alert(struct smsc *smsc, const char *msisdn);
/* SCCP can reach a destination again: what could not be sent goes now */
void smsc_network_available(void *priv);
struct operator *smsc_route(struct smsc *smsc, const char *msisdn);
/* failures: "absentSubscriberSM", "no route", ...; temporary or not; the
 * network error code of a receipt (the MAP error, 0 for our own reasons) */
const char *smsc_fail_str(const struct smsc_fail *f, char *buf, size_t len);
bool smsc_fail_temporary(const struct smsc_fail *f);
int smsc_fail_network_error(const struct smsc_fail *f);

/* smsc_submit.c */
void smsc_smpp_request(void *priv, const struct smpp_request *req);

/* smsc_outbox.c: deliver_sm (MO, receipts) */
int smsc_outbox_add(struct smsc *smsc, const char *account, const struct smpp_pdu *p, const char *kind);
void smsc_outbox_receipt(struct smsc *smsc, const struct sms_mt *mt, uint8_t state, int err);
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
