/* SMPP v3.4 server (SMSC side) on the osmo_select loop: binds checked
 * against the accounts of the VTY config (hashed passwords, allow-ip,
 * back-off after failures), enquire_link, unbind, windowing and
 * per-account throughput limits; every session's input and output bounded
 * (doc/security.md lists each limit). What a bound ESME submits goes to the
 * SMS core through smpp_server_ops; the core answers with
 * smpp_server_respond() once the message is durably stored, and hands
 * deliver_sm (MO, receipts) back with smpp_server_deliver(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>
#include <sigway/accounts/accounts.h>
#include <sigway/smpp/smpp_pdu.h>

struct smpp_server;

/* A request of a bound ESME the SMS core decides on */
struct smpp_request {
	uint32_t session_id;
	const struct smpp_account *account;
	const struct smpp_pdu *pdu;
	const char *peer;		/* "ip:port" */
	uint8_t interface_version;	/* of the bind: 0x34, 0x50, ... */
	/* submit_multi: each destination counts for the window and the
	 * throughput; only the first max_dests may be taken, the rest are
	 * refused with over_status (ESME_RMSGQFUL, ESME_RTHROTTLED) */
	unsigned int max_dests;
	uint32_t over_status;
};

struct smpp_server_ops {
	/* submit_sm, data_sm, query_sm, cancel_sm, replace_sm, submit_multi:
	 * the core answers with smpp_server_respond() (now or later) */
	void (*request)(void *priv, const struct smpp_request *req);
	/* a receiver or transceiver of this account bound: pending deliveries may go */
	void (*receiver_up)(void *priv, const struct smpp_account *account);
	/* the answer to a deliver_sm we sent with this token; status
	 * ESME_RSYSERR too when the bind went away, SMPP_DELIVER_NO_ANSWER
	 * when no answer came within response-timeout. An answer that comes
	 * later (while the bind lasts, up to SMPP_LATE_KEEP_FACTOR times
	 * response-timeout) is reported too: the same token twice. */
	void (*deliver_resp)(void *priv, uint64_t token, uint32_t status);
};

/* deliver_resp's status for a deliver_sm not answered in time (no SMPP
 * command_status has this value) */
#define SMPP_DELIVER_NO_ANSWER	0xFFFFFFFFu
/* a deliver_sm not answered in time is still matched to a late answer
 * this many times response-timeout (at least 60 s) */
#define SMPP_LATE_KEEP_FACTOR	10

/* The accounts (struct smpp_account is their SMPP part, accounts.h) are
 * shared with the other client APIs */
struct smpp_server *smpp_server_alloc(void *ctx, struct accounts *accts, const struct smpp_server_ops *ops,
				      void *priv);
/* Installs the `smpp` VTY node (after accounts_vty_init(): the account
 * node is shared); call before reading the config */
void smpp_server_vty_init(struct smpp_server *srv);
/* Opens the listening socket configured; 0 when none is configured */
int smpp_server_start(struct smpp_server *srv);
/* Closes the listening socket and every bind (an orderly stop begins) */
void smpp_server_stop(struct smpp_server *srv);
/* connections still open (after a stop: those still writing their last answers) */
unsigned int smpp_server_binds(struct smpp_server *srv);
void smpp_server_free(struct smpp_server *srv);

/* Answers a request. resp carries the body (message_id, ...); its
 * command_id and sequence_number are set from the request. Returns
 * -ENOTCONN when that bind is gone (the answer is dropped). */
int smpp_server_respond(struct smpp_server *srv, uint32_t session_id, uint32_t request_command_id,
			uint32_t sequence_number, struct smpp_pdu *resp);

/* Sends a deliver_sm (or data_sm) to a receiver/transceiver of the account.
 * Returns 0 (an answer follows through deliver_resp), -ENOTCONN with no
 * such bind, -EBUSY when every bind's window is full. */
int smpp_server_deliver(struct smpp_server *srv, const char *system_id, struct smpp_pdu *pdu, uint64_t token);

/* An account by its system_id (NULL: none) */
const struct smpp_account *smpp_server_account(struct smpp_server *srv, const char *system_id);
/* The account owning a destination address for MO (longest prefix) */
const struct smpp_account *smpp_server_mo_account(struct smpp_server *srv, const char *dest);
bool smpp_server_receiver_bound(struct smpp_server *srv, const char *system_id);
/* cb for every account with a receiver or transceiver bound */
void smpp_server_foreach_receiver_account(struct smpp_server *srv,
					  void (*cb)(void *data, const struct smpp_account *a), void *data);
/* The account's permissions (allow-source, allow-destination) */
bool smpp_account_may_send_from(const struct smpp_account *a, const char *source);
bool smpp_account_may_send_to(const struct smpp_account *a, const char *dest);
