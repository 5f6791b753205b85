/* Which addresses a host name given by a client may lead the gateway to:
 * a name's DNS answer is the client's to choose (and to change between a
 * check and the connect: DNS rebinding), so connections made for a client
 * to a host name go to public addresses only, checked on the address
 * actually connected to. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* false for loopback, private (RFC 1918, unique local), shared (100.64/10),
 * link-local (the cloud metadata address among them), multicast, reserved,
 * documentation and unspecified addresses, and IPv6 forms of those IPv4
 * ones (mapped, NAT64 well-known prefix) */
bool net_addr_is_public(const struct sockaddr *sa, socklen_t len);

/* The address as text ("10.0.0.1", "::1") into buf; buf */
const char *net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* true when the host of an http:// or https:// URL is an IP address
 * ("http://10.0.0.1:8080/x", "https://[2001:db8::1]/"), not a name */
bool url_host_is_ip_literal(const char *url);
