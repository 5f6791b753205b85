/* sigway-netsim: a mobile network for tests and demos. An HLR (SRI-for-SM,
 * a USSD menu, alertServiceCentre), an MSC/VLR (MT-ForwardSM) on their own GTs,
 * driven by a subscriber table, and a raw SCCP echo. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/vty/vty.h>
#include <sigway/sccp/sccp_addr.h>
#include <sigway/ss7/ss7_stack.h>

#define NETSIM_ECHO_SSN 250

struct netsim_cfg {
	int sms_gw_max_version;			/* highest shortMsgGateway version accepted */
	int mt_relay_max_version;		/* highest shortMsgMT-Relay version the MSC accepts */
	char hlr_gt[SCCP_GT_DIGITS_MAX + 1];	/* the HLR's own GT (calling GT of what it originates) */
	char msc_gt[SCCP_GT_DIGITS_MAX + 1];	/* the default serving MSC */
	char imsi_prefix[8];			/* MCC+MNC of subscribers not in the table */
	char smsc_gt[SCCP_GT_DIGITS_MAX + 1];	/* where MO short messages go */
	uint8_t ussd_gw_ssn;			/* the USSD gateway's subsystem dials go to */
	/* what the simulated handsets answer to USSD prompts, in turn */
	char ussd_answers[8][32];
	int n_ussd_answers;
	char mt_log[256];			/* a line per accepted MT part, for tests */
	/* numbers under this prefix that are not in the table are attached
	 * subscribers (an IMSI made from the number), "": only while the table
	 * is empty */
	char implicit_prefix[16];
};

extern struct netsim_cfg netsim_cfg;

enum netsim_sub_state {
	SUB_ATTACHED,		/* SRI-for-SM answered, MT-ForwardSM accepted */
	SUB_ABSENT,		/* HLR: absentSubscriberSM; alertServiceCentre when it attaches */
	SUB_UNKNOWN,		/* HLR: unknownSubscriber */
	SUB_BARRED,		/* HLR: callBarred */
	SUB_MEMORY_FULL,	/* MSC: sm-DeliveryFailure memoryCapacityExceeded */
	SUB_UNREACHABLE,	/* MSC: absentSubscriberSM (no paging response) */
	SUB_MSC_TIMEOUT,	/* MSC: never answers */
	_SUB_STATE_COUNT
};

/* How the HLR answers SRI-for-SM for a subscriber besides its state: the
 * cases number lookups have to tell apart */
enum netsim_sri_answer {
	NETSIM_SRI_BY_STATE,	/* as the state says (default) */
	NETSIM_SRI_ERROR,	/* always the error sri_error (with its diagnostic) */
	NETSIM_SRI_SILENT,	/* never answers (the gateway's invoke timer runs out) */
};

struct netsim_sub {
	struct llist_head entry;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
	char imsi[16];				/* of another network under our number: ported */
	char msc_gt[SCCP_GT_DIGITS_MAX + 1];	/* another network's MSC: roaming */
	enum netsim_sub_state state;
	char waiting_sc[SCCP_GT_DIGITS_MAX + 1];	/* message waiting: SC to alert */
	/* the HLR's SRI-for-SM answer (netsim_hlr.c) */
	enum netsim_sri_answer sri_answer;
	uint8_t sri_error;			/* enum map_error */
	bool sri_diag_present;			/* absentSubscriberDiagnosticSM or SM failure cause */
	uint8_t sri_diag;
	unsigned int sri_delay_ms;		/* every answer this late (slow HLR) */
	/* SMS home routing (TS 23.204): an SMS router answers for the HLR with
	 * its own address as MSC and a correlation ID in the IMSI field */
	char router_gt[SCCP_GT_DIGITS_MAX + 1];
	char correlation_id[16];
};

extern struct llist_head netsim_subscribers;
extern const char *const netsim_sub_state_names[_SUB_STATE_COUNT];

struct netsim_sub *netsim_sub_find_msisdn(const char *msisdn);
struct netsim_sub *netsim_sub_find_imsi(const char *imsi);
/* State change from the VTY; an absent subscriber that attaches with a
 * message waiting makes the HLR send alertServiceCentre */
void netsim_sub_set_state(struct netsim_sub *sub, enum netsim_sub_state state);

void netsim_vty_init(void *ctx);
int netsim_hlr_start(void *ctx, struct ss7_stack *stack);
int netsim_msc_start(void *ctx, struct ss7_stack *stack);
void netsim_hlr_stop(void);
void netsim_msc_stop(void);
int netsim_echo_start(void *ctx, struct ss7_stack *stack);
void netsim_hlr_alert_sc(const struct netsim_sub *sub);
/* "absent-subscriber-sm" <-> MAP_ERR_ABSENT_SUBSCRIBER_SM, ... (-1: none) */
int netsim_sri_error_from_name(const char *name);
const char *netsim_sri_error_to_name(uint8_t code);
/* the VTY's choice of error names */
#define NETSIM_SRI_ERRORS "(unknown-subscriber|unidentified-subscriber|absent-subscriber-sm|illegal-subscriber|" \
	"teleservice-not-provisioned|illegal-equipment|call-barred|facility-not-supported|absent-subscriber|" \
	"subscriber-busy-for-mt-sms|sm-delivery-failure|message-waiting-list-full|system-failure|data-missing|" \
	"unexpected-data-value)"
/* SRI-for-SM dialogues the HLR holds (slow answers, no answer) */
unsigned int netsim_hlr_held(void);
/* alertServiceCentre for msisdn to sc from any GT (a spoofed alert) */
int netsim_hlr_alert_sc_from(const char *msisdn, const char *sc, const char *from_gt);
/* netsim_attack.c: a hostile network's tools (VTY "attack ...") */
int netsim_attack_start(void *ctx, struct ss7_stack *stack);
void netsim_attack_vty_init(void);
/* The HLR got an SRI-for-SM from the gateway at gw (TCAP TID tid): an armed
 * attacker forges the answer first */
void netsim_attack_sri_seen(const struct sccp_addr *gw, const char *tid_hex);
/* The MSC sends a subscriber's short message to the SMSC (MO-ForwardSM v3);
 * the outcome shows in "show mo-sms" */
/* Longer texts go as concatenated parts, one dialogue each: in order,
 * reversed, or only the first part (a handset that never sends the rest) */
enum netsim_mo_order { NETSIM_MO_IN_ORDER, NETSIM_MO_REVERSED, NETSIM_MO_FIRST_ONLY };
/* What a hostile network does differently (NULL: a well-behaved MSC) */
struct netsim_mo_opts {
	const char *from_gt;	/* calling GT: another network's MSC */
	const char *da_gt;	/* SM-RP-DA: another service centre */
	bool empty_oa;		/* SM-RP-OA without digits */
	bool odd_ucs2;		/* UCS2 text of an odd number of octets */
};
int netsim_msc_send_mo(const char *msisdn, const char *dest, const char *text, enum netsim_mo_order order,
		       const struct netsim_mo_opts *opts);
void netsim_msc_show_mo(struct vty *vty);
/* A part the MSC accepted: counted, and logged to mt-log when configured */
void netsim_msc_count_delivered(const char *imsi, const uint8_t *tpdu, size_t len);
void netsim_msc_show_mt(struct vty *vty);
/* netsim_ussd.c: the subscriber side of USSD. A subscriber dials a USSD
 * string: the MSC opens processUnstructuredSS-Request towards the USSD
 * gateway at gw_gt; prompts are answered from the script words (or
 * ussd-answers). Returns the session record's number or < 0. */
int netsim_ussd_dial(const char *msisdn, const char *gw_gt, const char *text);
/* The same from a phase 1 handset: processUnstructuredSS-Data (MAP v1) */
int netsim_ussd_dial_v1(const char *msisdn, const char *gw_gt, const char *text);
int netsim_ussd_dial_script(const char *msisdn, const char *gw_gt, const char *text, int n_words,
			    const char *const *words);
/* Network-initiated USSD reached the subscriber's handset (through the HLR
 * or the VLR): it answers as configured (ussd-handset) */
struct map_dialogue;
struct map_ind;
struct map_instance;
void netsim_handset_ussd(struct map_dialogue *md, const struct map_ind *ind, const char *msisdn);
bool netsim_handset_busy(const char *msisdn);
/* The VLR (SSN 7) and the dialling on the MSC's instance */
int netsim_ussd_start(void *ctx, struct ss7_stack *stack, struct map_instance *msc_map);
void netsim_ussd_stop(void);
void netsim_ussd_vty_init(void);
void netsim_ussd_show(struct vty *vty);
/* The next scripted handset answer */
const char *netsim_ussd_answer(void);
/* USSD outcomes, for "show ussd" */
void netsim_ussd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
