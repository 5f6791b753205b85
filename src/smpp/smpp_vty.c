/* VTY of the SMPP server: the `smpp` node (listening address, timers) with
 * one `account` node per ESME, and `show smpp`. */

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
	struct smpp_account *a;
	llist_for_each_entry(a, &srv->accounts, list)
		if (!strcmp(a->system_id, system_id))
			return a;
	return NULL;
}

static struct cmd_node smpp_node = { SIGWAY_SMPP_NODE, "%s(config-smpp)# ", 1 };
static struct cmd_node account_node = { SIGWAY_SMPP_ACCOUNT_NODE, "%s(config-smpp-account)# ", 1 };

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

DEFUN(cfg_account, cfg_account_cmd, "account NAME", "Configure an ESME account\n" "system_id, up to 15 characters\n")
{
	if (strlen(argv[0]) > 15) {
		vty_out(vty, "%% a system_id has at most 15 characters%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct smpp_account *a = smpp_account_find(g_srv, argv[0]);
	if (!a) {
		a = talloc_zero(g_srv, struct smpp_account);
		snprintf(a->system_id, sizeof(a->system_id), "%s", argv[0]);
		a->window = 10;
		a->max_binds = 8;
		llist_add_tail(&a->list, &g_srv->accounts);
	}
	vty->index = a;
	vty->node = SIGWAY_SMPP_ACCOUNT_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_password, cfg_password_cmd, "password PASSWORD", "Bind password\n" "Up to 8 characters\n")
{
	struct smpp_account *a = vty->index;
	if (strlen(argv[0]) > 8) {
		vty_out(vty, "%% an SMPP password has at most 8 characters%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(a->password, sizeof(a->password), "%s", argv[0]);
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
	struct smpp_account *a;
	llist_for_each_entry(a, &srv->accounts, list) {
		vty_out(vty, " account %s%s", a->system_id, VTY_NEWLINE);
		vty_out(vty, "  password %s%s", a->password, VTY_NEWLINE);
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
	}
	return CMD_SUCCESS;
}

static const char *const state_names[] = { "open", "transmitter", "receiver", "transceiver" };

DEFUN(show_smpp, show_smpp_cmd, "show smpp", SHOW_STR "SMPP binds and counters\n")
{
	struct smpp_session *s;
	llist_for_each_entry(s, &g_srv->sessions, list)
		vty_out(vty, "bind %u %s %s %s in-flight %u outstanding %u%s", s->id, s->peer,
			s->account ? s->account->system_id : "-", state_names[s->state], s->in_flight,
			s->n_outstanding, VTY_NEWLINE);
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
	install_element(SIGWAY_SMPP_NODE, &cfg_account_cmd);
	install_node(&account_node, NULL);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_password_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_ip_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_window_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_throughput_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_max_binds_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_mo_route_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_mo_reassemble_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_source_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_allow_destination_cmd);
	install_element_ve(&show_smpp_cmd);
}
