/* External USSD Entity (EUSE) of an OsmoHLR: the GSUP transport of USSD
 * for Osmocom networks. We connect to the HLR's GSUP port (IPA), the HLR
 * routes a subscriber's USSD code to us (`ussd route prefix *123 external
 * NAME-00-00-00-00-00-00`), and the sessions it opens reach the USSD core
 * through struct euse_ops. Messages: PROC_SS_REQUEST / RESULT / ERROR with
 * SESSION_ID, SESSION_STATE (BEGIN / CONTINUE / END) and SS_INFO, which
 * carries one GSM 04.80 component (src/ussd/ussd_dtap.h).
 *
 * A session is named by the subscriber's IMSI (the HLR passes no MSISDN)
 * and the session id the MSC chose; both are handed to every callback and
 * name the session in euse_send(). A callback's imsi and component are
 * valid during the call only. The callbacks may call euse_send(), not
 * euse_stop(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/protocol/gsm_23_003.h>
#include <sigway/ussd/ussd_dtap.h>

/* The HLR knows an EUSE as "NAME-00-00-00-00-00-00" (its `euse` command);
 * on the wire that is our IPA unit name and serial number with "EUSE-" in
 * front. NAME is a single word. */
#define EUSE_NAME_MAX		32
#define EUSE_NAME_SUFFIX	"-00-00-00-00-00-00"

struct euse;

struct euse_cfg {
	bool enabled;			/* a `gsup` node was configured */
	char remote_ip[64];		/* the HLR's GSUP address */
	uint16_t remote_port;		/* 4222, OsmoHLR's GSUP port */
	char name[EUSE_NAME_MAX + 1];	/* NAME, without the suffix */
	unsigned int max_sessions;	/* concurrent; more are refused with systemFailure */
	unsigned int guard_timeout_s;	/* a session quiet this long is dropped (OsmoHLR: 30 s) */
	unsigned int reconnect_min_s;	/* back-off between connection attempts ... */
	unsigned int reconnect_max_s;	/* ... doubling up to this */
	unsigned int ping_interval_s;	/* IPA PING when the link was quiet; 0: none */
	unsigned int pong_timeout_s;	/* the link is dropped without a PONG in time */
};

void euse_cfg_defaults(struct euse_cfg *cfg);

enum euse_state {
	EUSE_CONTINUE,		/* the session goes on: an Invoke (USSR / USSN) */
	EUSE_END,		/* the last message: ReturnResult, ReturnError or Reject */
};

enum euse_abort_cause {
	EUSE_ABORT_LINK_DOWN,	/* the connection to the HLR was lost */
	EUSE_ABORT_TIMEOUT,	/* nothing happened for guard_timeout_s */
	EUSE_ABORT_HLR_ERROR,	/* the HLR answered PROC_SS_ERROR */
	EUSE_ABORT_PROTOCOL,	/* the network sent what this session cannot take */
	EUSE_ABORT_REPLACED,	/* the HLR began a new session with the same id */
	EUSE_ABORT_SHUTDOWN,	/* euse_stop() */
};

extern const struct value_string euse_abort_cause_names[];

struct euse_ops {
	/* A subscriber dialled a code the HLR routes to us: c is the
	 * processUnstructuredSS-Request Invoke (c->dcs, c->string: the code).
	 * Return 0 and answer with euse_send() now or later; *sess_priv is handed
	 * back below. A negative return refuses: the subscriber gets systemFailure. */
	int (*session_begin)(void *priv, const char *imsi, uint32_t session_id,
			     const struct ussd_component *c, void **sess_priv);
	/* The subscriber answered (usually a ReturnResult to our USSR; also a
	 * ReturnError or Reject). Answer with euse_send(). */
	void (*session_continue)(void *priv, void *sess_priv, const char *imsi, uint32_t session_id,
				 const struct ussd_component *c);
	/* The network ended the session; c is its last component or NULL. */
	void (*session_end)(void *priv, void *sess_priv, const char *imsi, uint32_t session_id,
			    const struct ussd_component *c);
	/* The session is gone without an end from the network. */
	void (*session_abort)(void *priv, void *sess_priv, const char *imsi, uint32_t session_id,
			      enum euse_abort_cause cause);
	/* optional: the HLR accepted us (up) or the link is gone */
	void (*link_changed)(void *priv, bool up);
};

/* Connects to the HLR (and keeps reconnecting). cfg is copied. */
struct euse *euse_start(void *ctx, const struct euse_cfg *cfg, const struct euse_ops *ops, void *priv);
/* Aborts the sessions (EUSE_ABORT_SHUTDOWN, callbacks run), closes the link, frees. */
void euse_stop(struct euse *e);

/* Sends c in the session. The invoke ids are ours to set: an Invoke gets a
 * fresh one, a ReturnResult / ReturnError answers the subscriber's
 * processUnstructuredSS-Request; a Reject keeps c->invoke_id. EUSE_CONTINUE
 * takes an unstructuredSS-Request / -Notify Invoke, only when the
 * subscriber's turn is over (after session_begin / session_continue).
 * EUSE_END ends the session; no callback follows.
 * Returns 0, -ENOENT (no such session), -EBUSY (waiting for the
 * subscriber), -EINVAL (component not allowed here), -EMSGSIZE (over the
 * 255 octets of SS_INFO), -ENOTCONN / -ENOBUFS (link). */
int euse_send(struct euse *e, const char *imsi, uint32_t session_id, enum euse_state state,
	      const struct ussd_component *c);
/* Ends the session with a ReturnError (GSM 04.80 error code, e.g.
 * GSM0480_ERR_CODE_SYSTEM_FAILURE) on the subscriber's request. OsmoHLR 1.5
 * hands the MSC facilityNotSupported instead of our code (it relays only
 * components with a USSD operation): a text for the subscriber goes as a
 * final ReturnResult. */
int euse_send_error(struct euse *e, const char *imsi, uint32_t session_id, uint8_t error_code);

bool euse_link_up(const struct euse *e);
unsigned int euse_sessions(const struct euse *e);

/* The `gsup` config node writes into cfg (keep it alive); `show gsup`
 * reports on the instance set with euse_vty_set_instance(). */
void euse_vty_init(struct euse_cfg *cfg);
void euse_vty_set_instance(struct euse *e);
