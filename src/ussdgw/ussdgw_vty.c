/* The "ussd" config node (applications, routes by service code, operators'
 * USSD settings, limits, texts, timers) and the show commands. The config is
 * read before the gateway starts; applications and routes changed later
 * apply to the next sessions. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/tdef_vty.h>
#include <osmocom/vty/vty.h>
#include "ussdgw_int.h"
#include "ussd_app_int.h"

static struct cmd_node ussd_node = { SIGWAY_USSD_NODE, "%s(config-ussd)# ", 1 };

#define GW g_ussdgw

static bool name_ok(struct vty *vty, const char *n)
{
	if (*n && strlen(n) <= USSDGW_NAME_MAX &&
	    strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == strlen(n))
		return true;
	vty_out(vty, "%% a name of 1 to %d letters, digits, '-', '_' or '.'%s", USSDGW_NAME_MAX, VTY_NEWLINE);
	return false;
}

DEFUN(cfg_ussd, cfg_ussd_cmd, "ussd", "Configure the USSD gateway: applications, routes, limits\n")
{
	GW->configured = true;
	vty->node = SIGWAY_USSD_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_gw_id, cfg_gw_id_cmd, "gateway-id NAME",
      "The gateway's name in the requests to applications (JSON ussdGwId)\n" "Name\n")
{
	if (strlen(argv[0]) > USSD_APP_GW_ID_MAX) {
		vty_out(vty, "%% at most %d characters%s", USSD_APP_GW_ID_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(GW->gw_id, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_sessions, cfg_max_sessions_cmd, "max-sessions <0-1000000>",
      "Concurrent sessions at most; a session over it gets the busy text\n" "Sessions (0: no limit)\n")
{
	GW->max_sessions = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_log_retention, cfg_log_retention_cmd, "session-log retention <0-36500>",
      "The session log (sigway-audit --ussd)\n" "How long its rows are kept (the billing records stay)\n"
      "Days (0: for ever; default 90)\n")
{
	GW->log_retention_days = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_accept, cfg_accept_cmd, "accept-from (operators|any)",
      "Where the network may open USSD sessions from\n"
      "A GT of a routing operator's network (its HLR GT or network-gt ranges)\n" "Any GT\n")
{
	GW->accept = !strcmp(argv[0], "any") ? USSDGW_ACCEPT_ANY : USSDGW_ACCEPT_OPERATORS;
	return CMD_SUCCESS;
}

DEFUN(cfg_text, cfg_text_cmd, "text (busy|error|timeout|no-route) .TEXT",
      "A text the subscriber gets from the gateway itself\n"
      "Over the limit of sessions\n" "The application failed (unreachable, bad answer)\n"
      "The application or the session took too long\n" "No route for the dialled code\n"
      "The text (\\n for a line break)\n")
{
	char *text = argv_concat(argv, argc, 1);
	char *dst = !strcmp(argv[0], "busy") ? GW->text_busy : !strcmp(argv[0], "error") ? GW->text_error :
		    !strcmp(argv[0], "timeout") ? GW->text_timeout : GW->text_no_route;
	if (!text || strlen(text) > USSDGW_TEXT_CFG_MAX) {
		vty_out(vty, "%% at most %d bytes%s", USSDGW_TEXT_CFG_MAX, VTY_NEWLINE);
		talloc_free(text);
		return CMD_WARNING;
	}
	/* "\n" in the config is a line break */
	char *o = dst;
	for (const char *p = text; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			*o++ = '\n';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	talloc_free(text);
	return CMD_SUCCESS;
}

DEFUN(cfg_timer, cfg_timer_cmd, "timer ussd " OSMO_TDEF_VTY_ARG_SET,
      "Configure or show timers\n" "The USSD gateway's timers (X1 application answer, X2 session length)\n"
      OSMO_TDEF_VTY_DOC_SET)
{
	return osmo_tdef_vty_set_cmd(vty, GW->tdefs, argv);
}

DEFUN(cfg_conns, cfg_conns_cmd, "http connections-per-host <1-100000>",
      "The HTTP client of the applications\n" "Connections kept open per application host\n" "Connections\n")
{
	GW->http_conns_per_host = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_ssn, cfg_ssn_cmd, "ssn <2-254> [also-8]",
      "The SCCP subsystem USSD is served on: dialogues to it, pushes from it (at start-up)\n"
      "8: the MSC's, shared with the SMS core (the default); 147: the gsmSCF's\n"
      "Serve pulls on SSN 8 as well (while HLRs move to the new subsystem)\n")
{
	GW->ssn = atoi(argv[0]);
	GW->also_msc_ssn = argc > 1 && GW->ssn != SCCP_SSN_MSC;
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ routes, operators */

DEFUN(cfg_route, cfg_route_cmd, "route (CODE|default) application NAME",
      "Route a service code to an application (the longest code that the dialled string starts with)\n"
      "The code, e.g. *123# (matches *123#, *123*4#, *123*4*5#, ...)\n"
      "Every code no other route takes\n" "To\n" "Application name\n")
{
	char key[USSD_APP_CODE_MAX + 1] = "";
	bool def = !strcmp(argv[0], "default");
	if (!def && !ussdgw_code_key(key, sizeof(key), argv[0])) {
		vty_out(vty, "%% a service code of '*', '#' and digits starting with '*' or '#', e.g. *123#%s",
			VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (!name_ok(vty, argv[1]))
		return CMD_WARNING;
	struct ussdgw_route *r;
	llist_for_each_entry(r, &GW->routes, list)
		if (!strcmp(r->key, key))
			goto found;
	r = talloc_zero(GW, struct ussdgw_route);
	if (!r)
		return CMD_WARNING;
	llist_add_tail(&r->list, &GW->routes);
found:
	OSMO_STRLCPY_ARRAY(r->key, key);
	OSMO_STRLCPY_ARRAY(r->code, def ? "" : argv[0]);
	OSMO_STRLCPY_ARRAY(r->app, argv[1]);
	if (!ussdgw_app_find(GW, argv[1]))
		vty_out(vty, "%% application %s is not configured (yet)%s", argv[1], VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_route, cfg_no_route_cmd, "no route (CODE|default)", NO_STR "Remove a route\n" "Its code\n"
      "The default route\n")
{
	char key[USSD_APP_CODE_MAX + 1] = "";
	struct ussdgw_route *r, *tmp;
	if (strcmp(argv[0], "default") && !ussdgw_code_key(key, sizeof(key), argv[0]))
		return CMD_WARNING;
	llist_for_each_entry_safe(r, tmp, &GW->routes, list)
		if (!strcmp(r->key, key)) {
			llist_del(&r->list);
			talloc_free(r);
		}
	return CMD_SUCCESS;
}

static struct ussdgw_opcfg *opcfg_get(struct vty *vty, const char *name)
{
	if (!name_ok(vty, name))
		return NULL;
	struct ussdgw_opcfg *o = ussdgw_opcfg_find(GW, name);
	if (o)
		return o;
	o = talloc_zero(GW, struct ussdgw_opcfg);
	if (!o)
		return NULL;
	OSMO_STRLCPY_ARRAY(o->name, name);
	llist_add_tail(&o->list, &GW->opcfgs);
	return o;
}

DEFUN(cfg_op_push, cfg_op_push_cmd, "operator NAME push (hlr|sri)",
      "USSD settings of a routing operator\n" "Its name in the routing node\n"
      "How push sessions reach its subscribers\n"
      "To its HLR, with MAP-OpenInfo (the default)\n"
      "SRI-for-SM to its HLR first, then to the serving MSC/VLR\n")
{
	struct ussdgw_opcfg *o = opcfg_get(vty, argv[0]);
	if (!o)
		return CMD_WARNING;
	o->push_via = !strcmp(argv[1], "sri") ? USSDGW_PUSH_SRI : USSDGW_PUSH_HLR;
	return CMD_SUCCESS;
}

DEFUN(cfg_op_max, cfg_op_max_cmd, "operator NAME max-chars gsm7 <1-182> ucs2 <1-80>",
      "USSD settings of a routing operator\n" "Its name in the routing node\n"
      "Fewer characters per USSD string than 160 octets hold (room its signalling needs)\n"
      "GSM 7-bit\n" "Characters (extension characters count two)\n" "UCS2\n" "Characters\n")
{
	struct ussdgw_opcfg *o = opcfg_get(vty, argv[0]);
	if (!o)
		return CMD_WARNING;
	o->lim.max_gsm7 = (uint16_t)atoi(argv[1]);
	o->lim.max_ucs2 = (uint16_t)atoi(argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_gsup_max, cfg_gsup_max_cmd, "gsup max-chars gsm7 <1-182> ucs2 <1-80>",
      "Sessions over GSUP (OsmoHLR)\n"
      "Characters per USSD string (OsmoHLR 1.5 takes 128 GSM 7-bit / 56 UCS2 at most)\n"
      "GSM 7-bit\n" "Characters (extension characters count two)\n" "UCS2\n" "Characters\n")
{
	GW->gsup_lim.max_gsm7 = (uint16_t)atoi(argv[0]);
	GW->gsup_lim.max_ucs2 = (uint16_t)atoi(argv[1]);
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ applications */

/* One line per setting, as the routing node has its operators */
static struct ussdgw_app *app_get(struct vty *vty, const char *name)
{
	if (!name_ok(vty, name))
		return NULL;
	struct ussdgw_app *a = ussdgw_app_find(GW, name);
	if (a)
		return a;
	a = talloc_zero(GW, struct ussdgw_app);
	if (!a)
		return NULL;
	OSMO_STRLCPY_ARRAY(a->name, name);
	llist_add_tail(&a->list, &GW->apps);
	return a;
}

#define APP_STR "An application sessions are bridged to\n" "Its name\n"

DEFUN(cfg_app_flavour, cfg_app_flavour_cmd, "application NAME flavour (json|xml)",
      APP_STR "The API it speaks\n" "REST/JSON ({url}/session/{id}/start|response|end)\n"
      "XML <dialog> documents POSTed to {url}\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	a->flavour = !strcmp(argv[1], "xml") ? USSDGW_XML : USSDGW_JSON;
	return CMD_SUCCESS;
}

DEFUN(cfg_app_url, cfg_app_url_cmd, "application NAME url URL",
      APP_STR "Where it is\n" "http:// or https:// URL (JSON: the base of /session/...)\n")
{
	size_t n = strlen(argv[1]);
	if (n > USSDGW_URL_MAX || (strncmp(argv[1], "http://", 7) && strncmp(argv[1], "https://", 8))) {
		vty_out(vty, "%% an http:// or https:// URL of at most %d bytes%s", USSDGW_URL_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	OSMO_STRLCPY_ARRAY(a->url, argv[1]);
	/* "{base}/session/..." with a base ending in "/" would be "//session" */
	while (n > 8 && a->url[n - 1] == '/')
		a->url[--n] = '\0';
	return CMD_SUCCESS;
}

DEFUN(cfg_app_timeout, cfg_app_timeout_cmd, "application NAME timeout <0-600000>",
      APP_STR "How long its answers may take (then the subscriber gets the timeout text)\n"
      "Milliseconds (0: timer ussd X1)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	a->timeout_ms = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_app_user_timeout, cfg_app_user_timeout_cmd, "application NAME user-timeout <0-600>",
      APP_STR "How long the subscriber has to answer its menus\n"
      "Seconds (0: timer map X8, the unstructuredSS-Request invoke timer)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	a->user_timeout_s = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_app_max, cfg_app_max_cmd, "application NAME max-sessions <0-1000000>",
      APP_STR "Its concurrent sessions at most; more get the busy text\n" "Sessions (0: only the overall limit)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	a->max_sessions = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_app_auth, cfg_app_auth_cmd, "application NAME auth-header .HEADER",
      APP_STR "A header sent with every request to it\n"
      "Name: value, e.g. Authorization: Bearer abc (none: no header)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	char *h = argv_concat(argv, argc, 1);
	if (!a || !h)
		goto bad;
	if (!strcmp(h, "none")) {
		a->auth_header[0] = '\0';
		talloc_free(h);
		return CMD_SUCCESS;
	}
	if (strlen(h) > USSDGW_HEADER_MAX || !strchr(h, ':') || strpbrk(h, "\r\n"))
		goto bad;
	OSMO_STRLCPY_ARRAY(a->auth_header, h);
	talloc_free(h);
	return CMD_SUCCESS;
bad:
	vty_out(vty, "%% 'Name: value', at most %d bytes%s", USSDGW_HEADER_MAX, VTY_NEWLINE);
	talloc_free(h);
	return CMD_WARNING;
}

DEFUN(cfg_app_push_key, cfg_app_push_key_cmd, "application NAME push-key KEY",
      APP_STR "It may push: the API key of its push requests (POST /ussd/push)\n"
      "The key, 8 to 127 characters (none: it may not push)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	size_t n = strlen(argv[1]);
	if (!a)
		return CMD_WARNING;
	if (!strcmp(argv[1], "none")) {
		a->push_key[0] = '\0';
		return CMD_SUCCESS;
	}
	if (n < 8 || n > USSDGW_KEY_MAX) {
		vty_out(vty, "%% 8 to %d characters%s", USSDGW_KEY_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct ussdgw_app *other = ussdgw_app_by_key(GW, argv[1]);
	if (other && other != a) {
		vty_out(vty, "%% application %s has this key%s", other->name, VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(a->push_key, argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_app_imsi, cfg_app_imsi_cmd, "application NAME pass-imsi (yes|no)",
      APP_STR "Tell it the subscriber's IMSI (JSON imsi, XML destinationReference)\n"
      "Yes\n" "No (the default)\n")
{
	struct ussdgw_app *a = app_get(vty, argv[0]);
	if (!a)
		return CMD_WARNING;
	a->pass_imsi = !strcmp(argv[1], "yes");
	return CMD_SUCCESS;
}

DEFUN(cfg_no_app, cfg_no_app_cmd, "no application NAME", NO_STR "Remove an application (it keeps its live sessions)\n"
      "Its name\n")
{
	struct ussdgw_app *a = ussdgw_app_find(GW, argv[0]);
	if (!a)
		return CMD_WARNING;
	if (a->n_sessions) {
		vty_out(vty, "%% it has %u live sessions%s", a->n_sessions, VTY_NEWLINE);
		return CMD_WARNING;
	}
	llist_del(&a->list);
	talloc_free(a);
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ writing */

static void write_text(struct vty *vty, const char *name, const char *text)
{
	vty_out(vty, " text %s ", name);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			vty_out(vty, "\\n");
		else
			vty_out(vty, "%c", *p);
	}
	vty_out(vty, "%s", VTY_NEWLINE);
}

static int config_write_ussd(struct vty *vty)
{
	struct ussdgw_app *a;
	struct ussdgw_route *r;
	struct ussdgw_opcfg *o;
	if (!GW->configured)
		return CMD_SUCCESS;
	vty_out(vty, "ussd%s", VTY_NEWLINE);
	vty_out(vty, " gateway-id %s%s", GW->gw_id, VTY_NEWLINE);
	vty_out(vty, " max-sessions %u%s", GW->max_sessions, VTY_NEWLINE);
	vty_out(vty, " session-log retention %u%s", GW->log_retention_days, VTY_NEWLINE);
	vty_out(vty, " accept-from %s%s", GW->accept == USSDGW_ACCEPT_ANY ? "any" : "operators", VTY_NEWLINE);
	vty_out(vty, " http connections-per-host %u%s", GW->http_conns_per_host, VTY_NEWLINE);
	vty_out(vty, " ssn %u%s%s", GW->ssn, GW->also_msc_ssn ? " also-8" : "", VTY_NEWLINE);
	vty_out(vty, " gsup max-chars gsm7 %u ucs2 %u%s", ussd_app_max_gsm7(&GW->gsup_lim),
		ussd_app_max_ucs2(&GW->gsup_lim), VTY_NEWLINE);
	write_text(vty, "busy", GW->text_busy);
	write_text(vty, "error", GW->text_error);
	write_text(vty, "timeout", GW->text_timeout);
	write_text(vty, "no-route", GW->text_no_route);
	osmo_tdef_vty_write(vty, GW->tdefs, " timer ussd ");
	llist_for_each_entry(o, &GW->opcfgs, list) {
		vty_out(vty, " operator %s push %s%s", o->name, o->push_via == USSDGW_PUSH_SRI ? "sri" : "hlr",
			VTY_NEWLINE);
		if (o->lim.max_gsm7 || o->lim.max_ucs2)
			vty_out(vty, " operator %s max-chars gsm7 %u ucs2 %u%s", o->name,
				ussd_app_max_gsm7(&o->lim), ussd_app_max_ucs2(&o->lim), VTY_NEWLINE);
	}
	llist_for_each_entry(a, &GW->apps, list) {
		const char *n = a->name;
		vty_out(vty, " application %s flavour %s%s", n, a->flavour == USSDGW_XML ? "xml" : "json", VTY_NEWLINE);
		if (a->url[0])
			vty_out(vty, " application %s url %s%s", n, a->url, VTY_NEWLINE);
		vty_out(vty, " application %s timeout %u%s", n, a->timeout_ms, VTY_NEWLINE);
		vty_out(vty, " application %s user-timeout %u%s", n, a->user_timeout_s, VTY_NEWLINE);
		vty_out(vty, " application %s max-sessions %u%s", n, a->max_sessions, VTY_NEWLINE);
		if (a->auth_header[0])
			vty_out(vty, " application %s auth-header %s%s", n, a->auth_header, VTY_NEWLINE);
		if (a->push_key[0])
			vty_out(vty, " application %s push-key %s%s", n, a->push_key, VTY_NEWLINE);
		vty_out(vty, " application %s pass-imsi %s%s", n, a->pass_imsi ? "yes" : "no", VTY_NEWLINE);
	}
	llist_for_each_entry(r, &GW->routes, list)
		vty_out(vty, " route %s application %s%s", r->key[0] ? r->code : "default", r->app, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ show */

DEFUN(show_ussd, show_ussd_cmd, "show ussd", SHOW_STR "The USSD gateway: sessions, applications, outcomes\n")
{
	struct ussdgw_app *a;
	vty_out(vty, "USSD gateway %s: %s, sessions %u of %u%s", GW->gw_id,
		GW->started ? (GW->stopping ? "stopping" : "running") : "not started", GW->n_sessions,
		GW->max_sessions, VTY_NEWLINE);
	llist_for_each_entry(a, &GW->apps, list)
		vty_out(vty, " application %s (%s %s): sessions %u of %u, started %llu, billed %llu%s", a->name,
			a->flavour == USSDGW_XML ? "xml" : "json", a->url, a->n_sessions, a->max_sessions,
			(unsigned long long)a->started, (unsigned long long)a->billed, VTY_NEWLINE);
	vty_out(vty, " ended sessions by status:%s", VTY_NEWLINE);
	for (int st = 0; st < _USSDGW_ST_COUNT; st++)
		if (GW->status_count[st])
			vty_out(vty, "  %s: %llu%s", ussdgw_status_name(st),
				(unsigned long long)GW->status_count[st], VTY_NEWLINE);
	vty_out_rate_ctr_group(vty, " ", GW->ctrg);
	return CMD_SUCCESS;
}

DEFUN(show_ussd_sessions, show_ussd_sessions_cmd, "show ussd sessions",
      SHOW_STR "The USSD gateway\n" "The live sessions (the first 100)\n")
{
	struct ussdgw_session *s;
	unsigned int n = 0;
	int64_t now = ussdgw_now_ms();
	llist_for_each_entry(s, &GW->sessions, list) {
		if (n++ == 100)
			break;
		vty_out(vty, "%s %s %s %s app %s code %s state %s rounds %u age %lld ms%s", s->id,
			s->push ? "push" : "pull", s->net == UGW_NET_GSUP ? "gsup" : "map",
			s->msisdn[0] ? s->msisdn : s->imsi, s->app ? s->app->name : "-",
			s->service_code[0] ? s->service_code : "-", osmo_fsm_inst_state_name(s->fi), s->rounds,
			(long long)(now - s->start_ms), VTY_NEWLINE);
	}
	vty_out(vty, "%u sessions%s", GW->n_sessions, VTY_NEWLINE);
	return CMD_SUCCESS;
}

static void show_lat(struct vty *vty, const char *what, const struct ussdgw_latency *l)
{
	vty_out(vty, "%s: %llu rounds, p50 %llu us, p99 %llu us, max %llu us%s", what, (unsigned long long)l->n,
		(unsigned long long)ussdgw_latency_quantile(l, 0.5), (unsigned long long)ussdgw_latency_quantile(l, 0.99),
		(unsigned long long)l->max_us, VTY_NEWLINE);
}

DEFUN(show_ussd_latency, show_ussd_latency_cmd, "show ussd latency",
      SHOW_STR "The USSD gateway\n"
      "The gateway's own time per round, until the loop's next turn sends it (percentiles within about 6 %)\n")
{
	show_lat(vty, "network in -> application request out", &GW->lat_to_app);
	show_lat(vty, "application answer in -> network out", &GW->lat_to_net);
	return CMD_SUCCESS;
}

DEFUN(ussd_latency_reset, ussd_latency_reset_cmd, "ussd latency reset",
      "The USSD gateway\n" "The latency figures of show ussd latency\n" "Start again from nothing\n")
{
	memset(&GW->lat_to_app, 0, sizeof(GW->lat_to_app));
	memset(&GW->lat_to_net, 0, sizeof(GW->lat_to_net));
	return CMD_SUCCESS;
}

DEFUN(show_ussd_timers, show_ussd_timers_cmd, "show ussd timers",
      SHOW_STR "The USSD gateway\n" "Its timers\n")
{
	return osmo_tdef_vty_show_cmd(vty, GW->tdefs, NULL, "timer ussd ");
}

void ussdgw_vty_init(struct ussdgw *gw)
{
	g_ussdgw = gw;
	install_element(CONFIG_NODE, &cfg_ussd_cmd);
	install_node(&ussd_node, config_write_ussd);
	install_element(SIGWAY_USSD_NODE, &cfg_gw_id_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_max_sessions_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_log_retention_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_accept_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_text_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_timer_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_conns_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_ssn_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_route_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_no_route_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_op_push_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_op_max_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_gsup_max_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_flavour_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_url_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_timeout_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_user_timeout_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_max_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_auth_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_push_key_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_app_imsi_cmd);
	install_element(SIGWAY_USSD_NODE, &cfg_no_app_cmd);
	install_element_ve(&show_ussd_cmd);
	install_element_ve(&show_ussd_sessions_cmd);
	install_element_ve(&show_ussd_latency_cmd);
	install_element_ve(&show_ussd_timers_cmd);
	install_element(ENABLE_NODE, &ussd_latency_reset_cmd);
}
