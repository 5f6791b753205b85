/* The SMS core: takes messages from SMPP (validation, durable store),
 * delivers them MT (SRI-for-SM, then MT-ForwardSM from the same calling GT,
 * one osmo_fsm per message), takes MO-ForwardSM from the network, and hands
 * deliver_sm (MO, delivery receipts) back to the SMPP server. Every step is
 * in the store: messages, the deliver_sm outbox, the audit trail of each
 * MAP dialogue and the billing records. */
#pragma once

#include <stdbool.h>
#include <sigway/smpp/smpp_server.h>
#include <sigway/routing/routing.h>

struct smsc;
struct store;

struct smsc *smsc_alloc(void *ctx);
/* Installs the `sms` VTY node and the show/audit commands */
void smsc_vty_init(struct smsc *smsc);

/* The SMPP server's callbacks, with the smsc as priv */
extern const struct smpp_server_ops smsc_smpp_ops;

/* Wires the core to its neighbours, serves shortMsgMO-Relay and
 * shortMsgAlert on the routing's MAP instance, and loads what the store
 * holds (messages to deliver, deliver_sm to send). The routing's calling
 * address is the calling GT of every dialogue and the SC address. */
int smsc_start(struct smsc *smsc, struct store *st, struct smpp_server *smpp, struct routing *routing);
void smsc_free(struct smsc *smsc);
/* Orderly stop: no new delivery attempts start; returns the messages still
 * in a MAP dialogue (run the loop until 0, or a deadline) */
unsigned int smsc_drain(struct smsc *smsc);
/* Deliveries wait while link_up(data) says the SS7 network is not there */
void smsc_set_link_check(struct smsc *smsc, bool (*link_up)(void *data), void *data);

