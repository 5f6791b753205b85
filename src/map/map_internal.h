/* Internals of the MAP dialogue layer; not for MAP users. */
#pragma once

#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/timer.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/tcap/tcap.h>

#define MAP_AC_MAX	64	/* application-context identifiers we index by */
#define MAP_MAX_INVOKES	8	/* as TCAP's outstanding invokes per dialogue */
#define MAP_SAVED_MAX	256	/* octets of a request's strings kept for a re-open */

enum map_ctr {
	MAP_CTR_OPEN_TX, MAP_CTR_OPEN_RX, MAP_CTR_ACCEPT_RX, MAP_CTR_REFUSE_TX, MAP_CTR_REFUSE_RX,
	MAP_CTR_ACN_NOT_SUPPORTED, MAP_CTR_VERSION_FALLBACK, MAP_CTR_CLOSE_TX, MAP_CTR_CLOSE_RX,
	MAP_CTR_U_ABORT_TX, MAP_CTR_U_ABORT_RX, MAP_CTR_P_ABORT, MAP_CTR_SEND_FAIL,
	MAP_CTR_REQUEST_TX, MAP_CTR_INVOKE_RX, MAP_CTR_RESULT_RX, MAP_CTR_ERROR_RX, MAP_CTR_RESPONSE_TX,
	MAP_CTR_TIMEOUT, MAP_CTR_REJECT_TX, MAP_CTR_REJECT_RX, MAP_CTR_NOTICE,
	_MAP_CTR_COUNT
};

struct map_registration {
	bool used;
	uint8_t min_version, max_version;
	struct map_user user;
};

#define MAP_WATCHERS_MAX 8

struct map_instance {
	struct tcap_instance *tcap;
	struct {
		void (*available)(void *priv);
		void *priv;
	} watch[MAP_WATCHERS_MAX];
	struct sccp_user *sccp;			/* map_instance_start() */
	struct map_registration reg[MAP_AC_MAX];
	unsigned int live;
	struct rate_ctr_group *ctrg;
};

/* One of our requests while it has no final answer: what the user asked
 * (typed, so a re-open in another version can encode it again) */
struct map_request_state {
	bool used;
	int8_t user_id;			/* the invoke ID the user was given */
	int8_t tcap_id;			/* the one on the wire now */
	enum map_service svc;
	unsigned int timeout_ms;
	union map_arg arg;		/* its octet strings point into data */
	uint8_t data[MAP_SAVED_MAX];
};

enum map_dlg_state {
	MAP_ST_IDLE,		/* initiator: nothing sent yet */
	MAP_ST_INITIATED,	/* initiator: open sent, no answer yet */
	MAP_ST_OPEN_RECEIVED,	/* responder: not answered yet */
	MAP_ST_ACTIVE,
};

struct map_dialogue {
	struct map_instance *mi;
	struct osmo_fsm_inst *fi;
	struct tcap_dialogue *tdlg;	/* NULL once TCAP's dialogue is gone */
	struct map_user user;
	void *priv;
	enum map_ac ac;
	uint8_t version;
	uint8_t max_version;
	uint8_t begins;				/* Begins of our open handed to TCAP (a version fallback sends another) */
	uint32_t begin_tids[MAP_BEGINS_MAX];	/* the local TID of each */
	struct map_peer *peer;
	struct sccp_addr local, remote;		/* our address, the peer's (called, then answering) */
	bool has_refs;
	struct map_open_info refs;
	struct map_request_state *req[MAP_MAX_INVOKES];
	unsigned int busy;		/* > 0 while a user callback runs */
	bool ended;			/* no more indications: the user ended it or the last one went */
	struct osmo_timer_list abort_timer;	/* a message that could not be sent */
};

void map_ctr_inc(struct map_instance *mi, enum map_ctr ctr);

/* map_ops.c: services, operation codes, application contexts */
int32_t map_svc_opcode(enum map_service svc, enum map_ac ac, uint8_t version);
enum map_service map_opcode_svc(int32_t opcode, enum map_ac ac);
bool map_svc_in_ac(enum map_service svc, enum map_ac ac);
bool map_svc_has_result(enum map_service svc);
/* the application context a v1 peer means with the first operation of a Begin */
enum map_ac map_v1_ac_of_opcode(int32_t opcode);
bool map_ac_has_version(enum map_ac ac, uint8_t version);
int map_encode_arg(uint8_t *buf, size_t cap, enum map_service svc, const union map_arg *arg, uint8_t version);
int map_decode_arg(union map_arg *arg, enum map_service svc, const uint8_t *buf, size_t len);
int map_encode_res(uint8_t *buf, size_t cap, enum map_service svc, const union map_res *res);
int map_decode_res(union map_res *res, enum map_service svc, const uint8_t *buf, size_t len);
/* deep copy of an argument into st (its strings into st->data) */
int map_save_arg(struct map_request_state *st, enum map_service svc, const union map_arg *arg);

/* map_peer.c */
void map_peer_learn(struct map_peer *p, enum map_ac ac, uint8_t version);
struct map_peer *map_peer_next(struct map_peer *prev);
unsigned int map_svc_default_timeout_s(enum map_service svc);
extern struct osmo_tdef map_tdefs[];
/* the "map" timer number of a service (X-timers, X<svc>) */
#define MAP_TDEF_T(svc)	(-(int)(svc))

/* map_dialogue.c, for map_rx.c */
struct map_dialogue *mapd_new(struct map_instance *mi, enum map_dlg_state st);
void mapd_free_if_done(struct map_dialogue *md);
void mapd_deliver(struct map_dialogue *md, struct map_ind *ind);
void mapd_tcap_gone(struct map_dialogue *md);
struct map_request_state *mapd_request_by_tcap_id(struct map_dialogue *md, int8_t id);
void mapd_request_done(struct map_dialogue *md, struct map_request_state *st);
int mapd_put_invoke(struct map_dialogue *md, struct map_request_state *st);
int mapd_send_begin(struct map_dialogue *md);
struct tcap_dialogue *mapd_tcap_open(struct map_dialogue *md);
enum map_dlg_state mapd_state(const struct map_dialogue *md);
void mapd_state_chg(struct map_dialogue *md, enum map_dlg_state st);
/* map_rx.c: the TC-user callbacks */
void mapd_tcap_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
void mapd_tcap_l_cancel_ind(void *priv, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode);
