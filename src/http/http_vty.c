/* VTY of the HTTP server: the "http" node (address, TLS, limits) and
 * "show http". The config takes effect when the server starts. */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <osmocom/vty/command.h>
#include <sigway/common/vty_nodes.h>
#include <osmocom/vty/vty.h>
#include "http_int.h"

static struct http_server *g_srv;

static struct cmd_node http_node = { SIGWAY_HTTP_NODE, "%s(config-http)# ", 1 };

DEFUN(cfg_http, cfg_http_cmd, "http",
      "Configure the HTTP server (service APIs, /metrics, /health): it runs when this node is in the config\n")
{
	g_srv->cfg.enabled = true;
	vty->node = SIGWAY_HTTP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_http, cfg_no_http_cmd, "no http", NO_STR "Do not run the HTTP server\n")
{
	g_srv->cfg.enabled = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_local_ip, cfg_local_ip_cmd, "local-ip ADDR",
      "Address to listen on (default 127.0.0.1)\n" "IPv4 or IPv6 address\n")
{
	struct in6_addr a6;
	struct in_addr a4;
	if (strlen(argv[0]) >= sizeof(g_srv->cfg.local_ip) ||
	    (inet_pton(AF_INET, argv[0], &a4) != 1 && inet_pton(AF_INET6, argv[0], &a6) != 1)) {
		vty_out(vty, "%% not an IPv4 or IPv6 address: %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(g_srv->cfg.local_ip, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_local_port, cfg_local_port_cmd, "local-port <0-65535>",
      "TCP port to listen on (default 4280)\n" "Port (0: any free port)\n")
{
	g_srv->cfg.local_port = (uint16_t)atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_tls, cfg_tls_cmd, "tls cert FILE key FILE",
      "HTTPS (GnuTLS, through libmicrohttpd)\n" "Certificate (chain)\n" "PEM file\n" "Private key\n" "PEM file\n")
{
	if (strlen(argv[0]) >= sizeof(g_srv->cfg.tls_cert) || strlen(argv[1]) >= sizeof(g_srv->cfg.tls_key)) {
		vty_out(vty, "%% path too long%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(g_srv->cfg.tls_cert, argv[0]);
	strcpy(g_srv->cfg.tls_key, argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_tls, cfg_no_tls_cmd, "no tls", NO_STR "Plain HTTP\n")
{
	g_srv->cfg.tls_cert[0] = g_srv->cfg.tls_key[0] = '\0';
	return CMD_SUCCESS;
}

#define LIMIT_STR "Limits\n"

DEFUN(cfg_limit_conn, cfg_limit_conn_cmd, "limit connections <1-100000>",
      LIMIT_STR "Open connections in total (beyond: not accepted until one closes)\n" "Connections\n")
{
	g_srv->cfg.max_connections = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_limit_per_ip, cfg_limit_per_ip_cmd, "limit connections-per-ip <0-100000>",
      LIMIT_STR "Open connections per source address (beyond: closed at once)\n" "Connections, 0: no limit\n")
{
	g_srv->cfg.max_per_ip = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_limit_header, cfg_limit_header_cmd, "limit header-bytes <4096-1048576>",
      LIMIT_STR "Memory per connection for the request line and headers (beyond: 414 or 431)\n" "Bytes\n")
{
	g_srv->cfg.max_header_bytes = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_limit_body, cfg_limit_body_cmd, "limit body-bytes <0-1073741824>",
      LIMIT_STR "Request body, unless a service sets its own (beyond: 413)\n" "Bytes\n")
{
	g_srv->cfg.max_body_bytes = strtoul(argv[0], NULL, 10);
	return CMD_SUCCESS;
}

DEFUN(cfg_limit_pending, cfg_limit_pending_cmd, "limit pending <1-1000000>",
      LIMIT_STR "Requests waiting for an answer from the network (beyond: 503)\n" "Requests\n")
{
	g_srv->cfg.max_pending = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_limit_pending_time, cfg_limit_pending_time_cmd, "limit pending-time <1-86400>",
      LIMIT_STR "A request not answered by then gets 503 (the services' own timeouts are shorter)\n"
      "Seconds\n")
{
	g_srv->cfg.pending_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_conn_timeout, cfg_conn_timeout_cmd, "connection-timeout <1-86400>",
      "Close a connection idle this long (also a request that does not arrive in time)\n" "Seconds\n")
{
	g_srv->cfg.conn_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_key_header, cfg_key_header_cmd, "api-key-header NAME",
      "The request header that carries the API key (\"Authorization: Bearer KEY\" works too)\n"
      "Header name\n")
{
	if (strlen(argv[0]) >= sizeof(g_srv->cfg.api_key_header) || strpbrk(argv[0], ": \t")) {
		vty_out(vty, "%% not a header name%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(g_srv->cfg.api_key_header, argv[0]);
	return CMD_SUCCESS;
}

static int config_write_http(struct vty *vty)
{
	const struct http_server_cfg *c = &g_srv->cfg;

	if (!c->enabled)
		return CMD_SUCCESS;
	vty_out(vty, "http%s", VTY_NEWLINE);
	vty_out(vty, " local-ip %s%s", c->local_ip, VTY_NEWLINE);
	vty_out(vty, " local-port %u%s", c->local_port, VTY_NEWLINE);
	if (c->tls_cert[0] && c->tls_key[0])
		vty_out(vty, " tls cert %s key %s%s", c->tls_cert, c->tls_key, VTY_NEWLINE);
	vty_out(vty, " limit connections %u%s", c->max_connections, VTY_NEWLINE);
	vty_out(vty, " limit connections-per-ip %u%s", c->max_per_ip, VTY_NEWLINE);
	vty_out(vty, " limit header-bytes %u%s", c->max_header_bytes, VTY_NEWLINE);
	vty_out(vty, " limit body-bytes %zu%s", c->max_body_bytes, VTY_NEWLINE);
	vty_out(vty, " limit pending %u%s", c->max_pending, VTY_NEWLINE);
	vty_out(vty, " limit pending-time %u%s", c->pending_timeout_s, VTY_NEWLINE);
	vty_out(vty, " connection-timeout %u%s", c->conn_timeout_s, VTY_NEWLINE);
	vty_out(vty, " api-key-header %s%s", c->api_key_header, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_http, show_http_cmd, "show http", SHOW_STR "The HTTP server\n")
{
	struct http_route *r;

	if (!g_srv->mhd) {
		vty_out(vty, "HTTP server not running%s", VTY_NEWLINE);
		return CMD_SUCCESS;
	}
	vty_out(vty, "HTTP%s on %s port %u: %u connections, %u requests waiting for an answer%s",
		g_srv->tls ? "S" : "", g_srv->cfg.local_ip, g_srv->port, g_srv->n_connections, g_srv->n_pending,
		VTY_NEWLINE);
	llist_for_each_entry(r, &g_srv->routes, list)
		vty_out(vty, " route %s%s%s", r->pattern, r->opts.public ? " (public)" : "", VTY_NEWLINE);
	return CMD_SUCCESS;
}

void http_server_vty_init(struct http_server *srv)
{
	g_srv = srv;
	install_element(CONFIG_NODE, &cfg_http_cmd);
	install_element(CONFIG_NODE, &cfg_no_http_cmd);
	install_node(&http_node, config_write_http);
	install_element(SIGWAY_HTTP_NODE, &cfg_local_ip_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_local_port_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_tls_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_no_tls_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_conn_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_per_ip_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_header_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_body_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_pending_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_limit_pending_time_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_conn_timeout_cmd);
	install_element(SIGWAY_HTTP_NODE, &cfg_key_header_cmd);
	install_element_ve(&show_http_cmd);
}
