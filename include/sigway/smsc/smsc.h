/* The SMS core: takes messages from SMPP (validation, durable store),
 * delivers them MT (SRI-for-SM, then MT-ForwardSM from the same calling GT,
 * one osmo_fsm per message), takes MO-ForwardSM from the network, and hands
 * deliver_sm (MO, delivery receipts) back to the SMPP server. Every step is
 * in the store: messages, the deliver_sm outbox, the audit trail of each
 * MAP dialogue and the billing records. */
#pragma once

#include <stdbool.h>
#include <sigway/smpp/smpp_server.h>
#include <sigway/tcap/tcap.h>

struct smsc;
struct store;

struct smsc *smsc_alloc(void *ctx);
/* Installs the `sms` VTY node and the show/audit commands */
void smsc_vty_init(struct smsc *smsc);

/* The SMPP server's callbacks, with the smsc as priv */
extern const struct smpp_server_ops smsc_smpp_ops;

/* Wires the core to its neighbours and loads what the store holds
 * (messages to deliver, deliver_sm to send). own_gt is the calling GT of
 * every dialogue and the SC address. */
int smsc_start(struct smsc *smsc, struct store *st, struct smpp_server *smpp, struct tcap_instance *tcap,
	       const char *own_gt);
void smsc_free(struct smsc *smsc);
/* Orderly stop: no new delivery attempts start; returns the messages still
 * in a MAP dialogue (run the loop until 0, or a deadline) */
unsigned int smsc_drain(struct smsc *smsc);
/* Deliveries wait while link_up(data) says the SS7 network is not there */
void smsc_set_link_check(struct smsc *smsc, bool (*link_up)(void *data), void *data);

/* TCAP: a dialogue the network opened. Returns true when it is the core's
 * (alertServiceCentre, informServiceCentre, MO-ForwardSM). */
bool smsc_tcap_begin(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
/* TCAP: an indication of a dialogue whose priv the core set */
bool smsc_tcap_owns(struct smsc *smsc, void *dlg_priv);
void smsc_tcap_ind(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
void smsc_tcap_l_cancel(struct smsc *smsc, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode);
