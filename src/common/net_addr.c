/* Public and non-public addresses (net_addr.h); the ranges are IANA's
 * special-purpose registries (RFC 6890 and its updates). */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sigway/common/net_addr.h>
#include <sigway/common/url.h>

static bool in_v4(uint32_t a, uint32_t net, unsigned int bits)
{
	return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
}

static bool v4_is_public(uint32_t a)
{
	static const struct { uint32_t net; unsigned int bits; } not_public[] = {
		{ 0x00000000, 8 },	/* "this network" */
		{ 0x0a000000, 8 },	/* private */
		{ 0x64400000, 10 },	/* shared address space (carrier NAT) */
		{ 0x7f000000, 8 },	/* loopback */
		{ 0xa9fe0000, 16 },	/* link-local: 169.254.169.254, the cloud metadata */
		{ 0xac100000, 12 },	/* private */
		{ 0xc0000000, 24 },	/* IETF protocol assignments */
		{ 0xc0000200, 24 },	/* documentation */
		{ 0xc0a80000, 16 },	/* private */
		{ 0xc6120000, 15 },	/* benchmarking */
		{ 0xc6336400, 24 },	/* documentation */
		{ 0xcb007100, 24 },	/* documentation */
		{ 0xe0000000, 4 },	/* multicast */
		{ 0xf0000000, 4 },	/* reserved, and the broadcast address */
	};
	for (size_t i = 0; i < sizeof(not_public) / sizeof(not_public[0]); i++)
		if (in_v4(a, not_public[i].net, not_public[i].bits))
			return false;
	return true;
}

static bool v6_prefix(const uint8_t *a, const uint8_t *p, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, p, bytes))
		return false;
	return !rest || ((a[bytes] ^ p[bytes]) & (0xff << (8 - rest))) == 0;
}

static bool v6_is_public(const uint8_t *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t zero[16] = { 0 };
	static const struct { uint8_t p[16]; unsigned int bits; } not_public[] = {
		{ { 0xfc }, 7 },			/* unique local */
		{ { 0xfe, 0x80 }, 10 },			/* link-local */
		{ { 0xfe, 0xc0 }, 10 },			/* site-local (deprecated) */
		{ { 0xff }, 8 },			/* multicast */
		{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* documentation */
		{ { 0x01 }, 64 },			/* discard-only */
		{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48 },	/* local-use NAT64 */
	};
	uint32_t v4;
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) {
		/* an IPv4 address in IPv6 clothes: judged as IPv4 */
		memcpy(&v4, a + 12, 4);
		return v4_is_public(ntohl(v4));
	}
	/* :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d */
	if (!memcmp(a, zero, 12))
		return false;
	for (size_t i = 0; i < sizeof(not_public) / sizeof(not_public[0]); i++)
		if (v6_prefix(a, not_public[i].p, not_public[i].bits))
			return false;
	return true;
}

bool net_addr_is_public(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		return v4_is_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		return v6_is_public(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
	return false;	/* a Unix socket or anything else: not the Internet */
}

const char *net_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const void *a = NULL;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, buf, size))
		snprintf(buf, size, "(address family %d)", sa->sa_family);
	return buf;
}

bool url_host_is_ip_literal(const char *url)
{
	const char *h = url_http_host(url);
	if (!h)
		return false;
	size_t auth = strcspn(h, "/?#");
	const char *at = memchr(h, '@', auth);
	if (at) {
		auth -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	char host[64];
	size_t n;
	if (h[0] == '[') {
		const char *end = memchr(h, ']', auth);
		if (!end)
			return false;
		h++;
		n = (size_t)(end - h);
	} else {
		const char *colon = memchr(h, ':', auth);
		n = colon ? (size_t)(colon - h) : auth;
	}
	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}
