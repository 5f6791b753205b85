/* VTY of the SMPP server: the `smpp` node (listening address, timers,
 * limits against hostile clients) with one `account` node per ESME, and
 * `show smpp`. Passwords are kept and written as crypt(3) hashes only. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/smpp/smpp_server.h>
#include "smpp_server_int.h"

static struct smpp_server *g_srv;

struct smpp_account *smpp_account_find(struct smpp_server *srv, const char *system_id)
{
	struct account *a = accounts_find(srv->accounts, system_id);
	return a ? &a->smpp : NULL;
}

static struct cmd_node smpp_node = { SIGWAY_SMPP_NODE, "%s(config-smpp)# ", 1 };

DEFUN(cfg_smpp, cfg_smpp_cmd, "smpp", "Configure the SMPP server\n")
{
	vty->node = SIGWAY_SMPP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_local_ip, cfg_local_ip_cmd, "local-ip A.B.C.D", "Address to listen on\n" "IPv4 address\n")
{
	snprintf(g_srv->local_ip, sizeof(g_srv->local_ip), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_local_port, cfg_local_port_cmd, "local-port <1-65535>", "TCP port to listen on\n" "Port\n")
{
	g_srv->local_port = (uint16_t)atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_system_id, cfg_system_id_cmd, "system-id NAME", "Our system_id in bind responses\n" "Up to 15 characters\n")
{
	if (strlen(argv[0]) > 15) {
		vty_out(vty, "%% at most 15 characters%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(g_srv->system_id, sizeof(g_srv->system_id), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_enquire, cfg_enquire_cmd, "enquire-link-interval <1-3600>",
      "Send enquire_link when a bind was quiet this long\n" "Seconds\n")
{
	g_srv->enquire_link_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_resp_timeout, cfg_resp_timeout_cmd, "response-timeout <1-600>",
      "Time an ESME has to answer our deliver_sm and enquire_link\n" "Seconds\n")
{
	g_srv->response_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ limits (doc/security.md) */

DEFUN(cfg_max_conn, cfg_max_conn_cmd, "max-connections <1-100000>",
      "SMPP connections at once; more are closed as soon as they are accepted\n" "Connections\n")
{
	g_srv->lim.max_connections = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_conn_ip, cfg_max_conn_ip_cmd, "max-connections-per-ip <1-100000>",
      "SMPP connections from one source address at once\n" "Connections\n")
{
	g_srv->lim.max_per_ip = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_unbound, cfg_max_unbound_cmd, "max-unbound <1-100000>",
      "Connections not bound yet; beyond, the one waiting longest is closed for the new one\n" "Connections\n")
{
	g_srv->lim.max_unbound = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_bind_timeout, cfg_bind_timeout_cmd, "bind-timeout <1-600>",
      "A connection that has not bound this long after connecting is closed\n" "Seconds\n")
{
	g_srv->lim.bind_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_fd_reserve, cfg_fd_reserve_cmd, "fd-reserve <8-100000>",
      "File descriptors below the process limit that SMPP connections never take (VTY, store, SS7 keep working)\n"
      "File descriptors\n")
{
	g_srv->lim.fd_reserve = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_output, cfg_max_output_cmd, "max-output-queue <4096-16777216>",
      "Octets queued for a bind before its input pauses; a bind above it for response-timeout is closed\n"
      "Octets\n")
{
	g_srv->lim.max_output = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_auth_backoff, cfg_auth_backoff_cmd, "auth-backoff <0-1000> <1-86400>",
      "Back-off after failed binds, per source address and per account\n"
      "Failures before the first back-off\n" "Longest back-off in seconds (it doubles from 1 s)\n")
{
	g_srv->lim.auth_free = atoi(argv[0]);
	g_srv->lim.auth_backoff_max_s = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_bind_fail_delay, cfg_bind_fail_delay_cmd, "bind-failure-delay <100-10000>",
      "Every failed bind is answered this late (one timing for every cause)\n" "Milliseconds\n")
{
	g_srv->lim.auth_fail_delay_ms = atoi(argv[0]);
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ accounts */

/* The `account NAME` node is the shared accounts' (src/accounts); its
 * vty->index is the account's SMPP part, which these commands set */

static void set_hash(struct smpp_account *a, char *hash)
{
	if (a->password_hash)
		explicit_bzero(a->password_hash, strlen(a->password_hash));
	talloc_free(a->password_hash);
	a->password_hash = hash;
	a->no_password = false;
}

/* kept for older configs: the password is hashed at once and written back
 * as password-hash; the clear text is not kept */
DEFUN(cfg_password, cfg_password_cmd, "password PASSWORD",
      "Bind password (kept and written back as its hash: see password-hash)\n" "Up to 8 characters\n")
{
	struct smpp_account *a = vty->index;
	if (strlen(argv[0]) > 8) {
		vty_out(vty, "%% an SMPP password has at most 8 characters%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	char *hash = accounts_hash(account_of_smpp(a), argv[0]);
	if (!hash) {
		vty_out(vty, "%% cannot hash the password%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	set_hash(a, hash);
	return CMD_SUCCESS;
}

DEFUN(cfg_password_hash, cfg_password_hash_cmd, "password-hash HASH",
      "Bind password as a crypt(3) hash\n"
      "SHA-512 ($6$...), yescrypt ($y$...) or another method libcrypt counts as strong (mkpasswd -m sha-512)\n")
{
	struct smpp_account *a = vty->index;
	if (!accounts_hash_ok(argv[0])) {
		vty_out(vty, "%% not a crypt(3) hash of a strong method (SHA-512 '$6$', yescrypt '$y$', bcrypt '$2b$')%s",
			VTY_NEWLINE);
		return CMD_WARNING;
	}
	char *hash = talloc_strdup(account_of_smpp(a), argv[0]);
	if (!hash) {
		vty_out(vty, "%% out of memory%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	set_hash(a, hash);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_password, cfg_no_password_cmd, "no password",
      NO_STR "Binds of this account need no password: an empty one binds, any other fails\n")
{
	struct smpp_account *a = vty->index;
	set_hash(a, NULL);
	a->no_password = true;
	return CMD_SUCCESS;
}

DEFUN(cfg_allow_ip, cfg_allow_ip_cmd, "allow-ip A.B.C.D", "Accept binds of this account only from these addresses\n"
      "IPv4 address\n")
{
	struct smpp_account *a = vty->index;
	if (a->n_allow_ip >= SMPP_ALLOW_IP_MAX) {
		vty_out(vty, "%% at most %d addresses%s", SMPP_ALLOW_IP_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(a->allow_ip[a->n_allow_ip++], sizeof(a->allow_ip[0]), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_window, cfg_window_cmd, "window <1-10000>", "Outstanding requests per bind, each way\n" "Requests\n")
{
	((struct smpp_account *)vty->index)->window = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_throughput, cfg_throughput_cmd, "throughput <0-1000000>",
      "submit_sm per second over all binds (ESME_RTHROTTLED above it)\n" "Messages per second, 0: no limit\n")
{
	struct smpp_account *a = vty->index;
	a->throughput = atoi(argv[0]);
	a->tokens = a->throughput;
	return CMD_SUCCESS;
}

DEFUN(cfg_max_binds, cfg_max_binds_cmd, "max-binds <1-1000>", "Binds at once\n" "Binds\n")
{
	((struct smpp_account *)vty->index)->max_binds = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_mo_route, cfg_mo_route_cmd, "mo-route PREFIX",
      "MO messages to destinations with this prefix go to this account\n" "Short code or number prefix\n")
{
	struct smpp_account *a = vty->index;
	if (a->n_mo_routes >= SMPP_MO_ROUTES_MAX || strlen(argv[0]) > 20) {
		vty_out(vty, "%% at most %d routes of 20 digits%s", SMPP_MO_ROUTES_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(a->mo_route[a->n_mo_routes++], sizeof(a->mo_route[0]), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_allow_source, cfg_allow_source_cmd, "allow-source ADDRESS",
      "The account may send from this address only (repeat for more)\n"
      "Sender address or alphanumeric name, exact; a trailing * makes it a prefix\n")
{
	struct smpp_account *a = vty->index;
	if (a->n_allow_source >= SMPP_ALLOW_MAX || strlen(argv[0]) >= sizeof(a->allow_source[0])) {
		vty_out(vty, "%% at most %d addresses of 21 characters%s", SMPP_ALLOW_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(a->allow_source[a->n_allow_source++], sizeof(a->allow_source[0]), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_allow_destination, cfg_allow_destination_cmd, "allow-destination PREFIX",
      "The account may send to numbers with this prefix only (repeat for more)\n" "Number prefix\n")
{
	struct smpp_account *a = vty->index;
	if (a->n_allow_destination >= SMPP_ALLOW_MAX || strlen(argv[0]) >= sizeof(a->allow_destination[0])) {
		vty_out(vty, "%% at most %d prefixes of 20 digits%s", SMPP_ALLOW_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(a->allow_destination[a->n_allow_destination++], sizeof(a->allow_destination[0]), "%s", argv[0]);
	return CMD_SUCCESS;
}

bool smpp_account_may_send_from(const struct smpp_account *a, const char *source)
{
	for (unsigned int i = 0; i < a->n_allow_source; i++) {
		const char *p = a->allow_source[i];
		size_t n = strlen(p);
		if (n && p[n - 1] == '*' ? !strncmp(source, p, n - 1) : !strcmp(source, p))
			return true;
	}
	return a->n_allow_source == 0;
}

bool smpp_account_may_send_to(const struct smpp_account *a, const char *dest)
{
	for (unsigned int i = 0; i < a->n_allow_destination; i++)
		if (!strncmp(dest, a->allow_destination[i], strlen(a->allow_destination[i])))
			return true;
	return a->n_allow_destination == 0;
}

DEFUN(cfg_mo_reassemble, cfg_mo_reassemble_cmd, "mo-reassemble",
      "Deliver concatenated MO messages whole (message_payload) instead of part by part\n")
{
	((struct smpp_account *)vty->index)->mo_reassemble = true;
	return CMD_SUCCESS;
}

/* ---- message options of the SMS core (issue 10); kept with the account ---- */

DEFUN(cfg_dc0, cfg_dc0_cmd, "data-coding-0 (gsm|ia5|latin1)",
      "What data_coding 0 (the SMSC default alphabet) means in this account's messages, both ways\n"
      "GSM 03.38, one septet per octet (the default)\n" "IA5 / ASCII\n" "ISO 8859-1 (Latin-1)\n")
{
	struct smpp_account *a = vty->index;
	a->dc0 = argv[0][0] == 'g' ? SMPP_DC0_GSM : argv[0][0] == 'i' ? SMPP_DC0_IA5 : SMPP_DC0_LATIN1;
	return CMD_SUCCESS;
}

DEFUN(cfg_max_parts, cfg_max_parts_cmd, "max-parts <1-255>",
      "The longest message this account may submit, in concatenated parts (ESME_RINVMSGLEN beyond)\n"
      "Parts (default 16)\n")
{
	((struct smpp_account *)vty->index)->max_parts = atoi(argv[0]);
	return CMD_SUCCESS;
}

static const char *dc0_name(uint8_t dc0)
{
	return dc0 == SMPP_DC0_IA5 ? "ia5" : dc0 == SMPP_DC0_LATIN1 ? "latin1" : "gsm";
}

/* ---- end of message options ---- */

static int config_write_smpp(struct vty *vty)
{
	struct smpp_server *srv = g_srv;
	vty_out(vty, "smpp%s", VTY_NEWLINE);
	vty_out(vty, " system-id %s%s", srv->system_id, VTY_NEWLINE);
	vty_out(vty, " local-ip %s%s", srv->local_ip, VTY_NEWLINE);
	if (srv->local_port)
		vty_out(vty, " local-port %u%s", srv->local_port, VTY_NEWLINE);
	vty_out(vty, " enquire-link-interval %u%s", srv->enquire_link_s, VTY_NEWLINE);
	vty_out(vty, " response-timeout %u%s", srv->response_timeout_s, VTY_NEWLINE);
	const struct smpp_limits *l = &srv->lim;
	vty_out(vty, " max-connections %u%s", l->max_connections, VTY_NEWLINE);
	vty_out(vty, " max-connections-per-ip %u%s", l->max_per_ip, VTY_NEWLINE);
	vty_out(vty, " max-unbound %u%s", l->max_unbound, VTY_NEWLINE);
	vty_out(vty, " bind-timeout %u%s", l->bind_timeout_s, VTY_NEWLINE);
	vty_out(vty, " fd-reserve %u%s", l->fd_reserve, VTY_NEWLINE);
	vty_out(vty, " max-output-queue %u%s", l->max_output, VTY_NEWLINE);
	vty_out(vty, " auth-backoff %u %u%s", l->auth_free, l->auth_backoff_max_s, VTY_NEWLINE);
	vty_out(vty, " bind-failure-delay %u%s", l->auth_fail_delay_ms, VTY_NEWLINE);
	struct account *acc = NULL;
	while ((acc = accounts_next(srv->accounts, acc))) {
		struct smpp_account *a = &acc->smpp;
		vty_out(vty, " account %s%s", a->system_id, VTY_NEWLINE);
		/* never the clear text: only its hash is kept */
		if (a->password_hash)
			vty_out(vty, "  password-hash %s%s", a->password_hash, VTY_NEWLINE);
		else if (a->no_password)
			vty_out(vty, "  no password%s", VTY_NEWLINE);
		for (unsigned int i = 0; i < a->n_allow_ip; i++)
			vty_out(vty, "  allow-ip %s%s", a->allow_ip[i], VTY_NEWLINE);
		vty_out(vty, "  window %u%s", a->window, VTY_NEWLINE);
		vty_out(vty, "  throughput %u%s", a->throughput, VTY_NEWLINE);
		vty_out(vty, "  max-binds %u%s", a->max_binds, VTY_NEWLINE);
		for (unsigned int i = 0; i < a->n_mo_routes; i++)
			vty_out(vty, "  mo-route %s%s", a->mo_route[i], VTY_NEWLINE);
		if (a->mo_reassemble)
			vty_out(vty, "  mo-reassemble%s", VTY_NEWLINE);
		for (unsigned int i = 0; i < a->n_allow_source; i++)
			vty_out(vty, "  allow-source %s%s", a->allow_source[i], VTY_NEWLINE);
		for (unsigned int i = 0; i < a->n_allow_destination; i++)
			vty_out(vty, "  allow-destination %s%s", a->allow_destination[i], VTY_NEWLINE);
		/* message options */
		vty_out(vty, "  data-coding-0 %s%s", dc0_name(a->dc0), VTY_NEWLINE);
		vty_out(vty, "  max-parts %u%s", a->max_parts, VTY_NEWLINE);
		accounts_vty_write(vty, acc, "  ");
	}
	return CMD_SUCCESS;
}

static const char *const state_names[] = { "open", "transmitter", "receiver", "transceiver" };

DEFUN(show_smpp, show_smpp_cmd, "show smpp", SHOW_STR "SMPP binds and counters\n")
{
	struct smpp_session *s;
	vty_out(vty, "connections %u (not bound %u) of max-connections %u%s", g_srv->n_sessions, g_srv->n_unbound,
		g_srv->lim.max_connections, VTY_NEWLINE);
	llist_for_each_entry(s, &g_srv->sessions, list) {
		if (s->state == SMPP_SESS_OPEN)
			continue;	/* the bound ones; those not bound are counted above */
		vty_out(vty, "bind %u %s %s %s in-flight %u outstanding %u output %zu%s%s", s->id, s->peer,
			s->account->system_id, state_names[s->state], s->in_flight, s->n_outstanding, s->tx_bytes,
			s->output_paused ? " (input paused)" : "", VTY_NEWLINE);
	}
	vty_out_rate_ctr_group(vty, "", g_srv->ctrg);
	return CMD_SUCCESS;
}

void smpp_server_vty_init(struct smpp_server *srv)
{
	g_srv = srv;
	install_element(CONFIG_NODE, &cfg_smpp_cmd);
	install_node(&smpp_node, config_write_smpp);
	install_element(SIGWAY_SMPP_NODE, &cfg_local_ip_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_local_port_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_system_id_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_enquire_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_resp_timeout_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_max_conn_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_max_conn_ip_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_max_unbound_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_bind_timeout_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_fd_reserve_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_max_output_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_auth_backoff_cmd);
	install_element(SIGWAY_SMPP_NODE, &cfg_bind_fail_delay_cmd);
	accounts_vty_install_account_cmd(SIGWAY_SMPP_NODE);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_password_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_password_hash_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_no_password_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_ip_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_window_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_throughput_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_max_binds_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_mo_route_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_mo_reassemble_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_source_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_destination_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_dc0_cmd);		/* message options */
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_max_parts_cmd);
	install_element_ve(&show_smpp_cmd);
}
