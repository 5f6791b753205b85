/* The result model of a number lookup and how each field is derived
 * (doc/lookup.md, "Derivations"). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/utils.h>
#include <sigway/common/utc_time.h>
#include <sigway/lookup/lookup_result.h>

static const char *const status_names[] = {
	[LOOKUP_CONNECTED] = "CONNECTED", [LOOKUP_ABSENT] = "ABSENT", [LOOKUP_INVALID] = "INVALID",
	[LOOKUP_BARRED] = "BARRED", [LOOKUP_NOT_PROVISIONED] = "NOT_PROVISIONED",
	[LOOKUP_UNDETERMINED] = "UNDETERMINED",
};

const char *lookup_status_name(enum lookup_status s)
{
	return s < ARRAY_SIZE(status_names) ? status_names[s] : "UNDETERMINED";
}

const char *lookup_source_name(enum lookup_source s)
{
	return s == LOOKUP_SRC_NETWORK ? "network" : s == LOOKUP_SRC_CACHE ? "cache" : "none";
}

/* absentSubscriberDiagnosticSM (3GPP TS 23.040 3.3.2) */
const char *lookup_absent_diag_name(int diag)
{
	static const char *const names[] = {
		"noPagingResponseViaMsc", "imsiDetached", "roamingRestriction", "deregisteredNonGprs",
		"msPurgedNonGprs", "noPagingResponseViaSgsn", "gprsDetached", "deregisteredGprs",
		"msPurgedGprs", "unidentifiedSubscriberViaMsc", "unidentifiedSubscriberViaSgsn",
		"deregisteredIms", "noResponseViaIpSmGw", "temporarilyUnavailable",
	};
	return diag >= 0 && (size_t)diag < ARRAY_SIZE(names) ? names[diag] : NULL;
}

/* SM-EnumeratedDeliveryFailureCause (29.002) */
static const char *failure_cause_name(int c)
{
	static const char *const names[] = {
		"memoryCapacityExceeded", "equipmentProtocolError", "equipmentNotSM-Equipped",
		"unknownServiceCentre", "sc-Congestion", "invalidSME-Address", "subscriberNotSC-Subscriber",
	};
	return c >= 0 && (size_t)c < ARRAY_SIZE(names) ? names[c] : NULL;
}

/* A MAP error of the HLR: what it says of the subscriber */
static void map_user_error(struct lookup_result *r, const struct map_error_param *e)
{
	static const struct {
		int code;
		enum lookup_status status;
		bool permanent;
		const char *description;
	} table[] = {
		{ MAP_ERR_UNKNOWN_SUBSCRIBER, LOOKUP_INVALID, true, "no subscriber has this number" },
		{ MAP_ERR_UNIDENTIFIED_SUBSCRIBER, LOOKUP_INVALID, false, "the network could not identify the subscriber" },
		{ MAP_ERR_ABSENT_SUBSCRIBER_SM, LOOKUP_ABSENT, false, "the subscriber cannot be reached now" },
		{ MAP_ERR_ABSENT_SUBSCRIBER, LOOKUP_ABSENT, false, "the subscriber cannot be reached now" },
		{ MAP_ERR_MESSAGE_WAITING_LIST_FULL, LOOKUP_ABSENT, false,
		  "the subscriber is absent and the HLR's message waiting list is full" },
		{ MAP_ERR_ILLEGAL_SUBSCRIBER, LOOKUP_BARRED, true, "the subscriber failed authentication" },
		{ MAP_ERR_ILLEGAL_EQUIPMENT, LOOKUP_BARRED, true, "the handset is not allowed" },
		{ MAP_ERR_CALL_BARRED, LOOKUP_BARRED, false, "short messages to the subscriber are barred" },
		{ MAP_ERR_TELESERVICE_NOT_PROVISIONED, LOOKUP_NOT_PROVISIONED, true,
		  "the subscription has no short message service" },
		{ MAP_ERR_FACILITY_NOT_SUPPORTED, LOOKUP_NOT_PROVISIONED, true, "the network does not support it" },
	};
	r->status = LOOKUP_UNDETERMINED;
	r->permanent = false;
	r->error.kind = LOOKUP_ERR_MAP;
	r->error.code = e->code;
	osmo_strlcpy(r->error.name, map_error_name(e->code), sizeof(r->error.name));
	snprintf(r->error.description, sizeof(r->error.description), "the HLR answered with an error");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].code != (int)e->code)
			continue;
		r->status = table[i].status;
		r->permanent = table[i].permanent;
		osmo_strlcpy(r->error.description, table[i].description, sizeof(r->error.description));
	}
	const char *dn = NULL;
	if (e->absent_diag_present) {
		r->error.diag_present = true;
		r->error.diag = e->absent_diag;
		dn = lookup_absent_diag_name(e->absent_diag);
	} else if (e->failure_cause_present) {
		r->error.diag_present = true;
		r->error.diag = e->failure_cause;
		dn = failure_cause_name(e->failure_cause);
	}
	if (r->error.diag_present)
		osmo_strlcpy(r->error.diag_name, dn ? dn : "unknown", sizeof(r->error.diag_name));
}

/* Anything but the HLR's own answer: the network did not say */
static void other_error(struct lookup_result *r, const struct map_err *e)
{
	char why[96];
	r->status = LOOKUP_UNDETERMINED;
	r->permanent = false;
	r->error.code = -1;
	switch (e->kind) {
	case MAP_EK_PROVIDER:
		r->error.kind = e->provider == MAP_PE_NO_RESPONSE ? LOOKUP_ERR_TIMEOUT : LOOKUP_ERR_PROTOCOL;
		osmo_strlcpy(r->error.name, e->provider == MAP_PE_NO_RESPONSE ? "noResponse" :
			     e->provider == MAP_PE_INVALID_RESPONSE ? "invalidResponse" : "providerError",
			     sizeof(r->error.name));
		break;
	case MAP_EK_REFUSED:
		r->error.kind = LOOKUP_ERR_REFUSED;
		osmo_strlcpy(r->error.name, "dialogueRefused", sizeof(r->error.name));
		break;
	default:
		r->error.kind = LOOKUP_ERR_ABORTED;
		osmo_strlcpy(r->error.name, "dialogueAborted", sizeof(r->error.name));
		break;
	}
	snprintf(r->error.description, sizeof(r->error.description), "%s", map_err_str(e, why, sizeof(why)));
}

static void net_country(struct lookup_net *n, const struct numbering_country *c, const char *cc)
{
	if (c) {
		osmo_strlcpy(n->iso, c->iso, sizeof(n->iso));
		osmo_strlcpy(n->country, c->name, sizeof(n->country));
	}
	osmo_strlcpy(n->cc, cc, sizeof(n->cc));
}

void lookup_derive_original(struct lookup_result *r, const struct numbering *nb)
{
	struct numbering_info info;
	memset(&r->number, 0, sizeof(r->number));
	memset(&r->original, 0, sizeof(r->original));
	if (!nb || numbering_lookup(nb, r->to, &info) < 0)
		return;
	r->number.present = true;
	net_country(&r->number, info.country, info.cc);
	osmo_strlcpy(r->number.prefix, info.cc, sizeof(r->number.prefix));
	if (!info.network)
		return;
	/* the range owner: its country is the network's, else the number's */
	const struct numbering_country *c = info.network->iso[0] ? numbering_country_by_iso(nb, info.network->iso) : NULL;
	r->original.present = true;
	osmo_strlcpy(r->original.name, info.network->name, sizeof(r->original.name));
	if (info.network->n_mccmnc)
		osmo_strlcpy(r->original.mccmnc, info.network->mccmnc[0], sizeof(r->original.mccmnc));
	net_country(&r->original, c ? c : info.country, c ? c->cc : info.cc);
	snprintf(r->original.prefix, sizeof(r->original.prefix), "%.*s", info.range_len, r->to);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return prefix[0] && !strncmp(s, prefix, strlen(prefix));
}

/* SMS home routing (TS 23.204): the answer names a router of the
 * operator's, or the IMSI field holds one of its correlation IDs */
static bool home_routing(struct lookup_result *r, const struct lookup_home_routing *hr, const char *msc,
			 const char *imsi)
{
	if (!hr)
		return false;
	for (unsigned int i = 0; i < hr->n_router_gt; i++) {
		const char *node = has_prefix(msc, hr->router_gt[i]) ? msc :
				   has_prefix(r->hlr_gt, hr->router_gt[i]) ? r->hlr_gt : NULL;
		if (node) {
			osmo_strlcpy(r->home_routing_by, "router-gt", sizeof(r->home_routing_by));
			osmo_strlcpy(r->home_routing_node, node, sizeof(r->home_routing_node));
			return true;
		}
	}
	for (unsigned int i = 0; i < hr->n_correlation_imsi; i++) {
		if (has_prefix(imsi, hr->correlation_imsi[i])) {
			osmo_strlcpy(r->home_routing_by, "correlation-id", sizeof(r->home_routing_by));
			osmo_strlcpy(r->home_routing_node, msc, sizeof(r->home_routing_node));
			return true;
		}
	}
	return false;
}

/* ported: the IMSI's MCC-MNC is not one of the range owner's */
static void derive_ported(struct lookup_result *r, const struct numbering *nb)
{
	struct numbering_info info;
	r->ported = LOOKUP_UNKNOWN;
	if (!nb || !r->mccmnc[0] || numbering_lookup(nb, r->to, &info) < 0 || !info.network ||
	    !info.network->n_mccmnc)
		return;
	if (numbering_network_has_mccmnc(info.network, r->mccmnc)) {
		r->ported = LOOKUP_NO;
		return;
	}
	r->ported = LOOKUP_YES;
	const struct numbering_mccmnc *m = numbering_lookup_mccmnc(nb, r->mccmnc);
	r->ported_net.present = true;
	osmo_strlcpy(r->ported_net.mccmnc, r->mccmnc, sizeof(r->ported_net.mccmnc));
	if (m) {
		const struct numbering_country *c = m->iso[0] ? numbering_country_by_iso(nb, m->iso) : NULL;
		osmo_strlcpy(r->ported_net.name, m->name, sizeof(r->ported_net.name));
		net_country(&r->ported_net, c, c ? c->cc : "");
	}
}

/* The MSC's network, as far as the data knows: the owner of the number
 * range that holds its GT (operators number their MSCs from their own
 * ranges), and a configured operator whose network-gt range holds it */
static void msc_network(struct lookup_result *r, const struct lookup_derive_ctx *ctx,
			const struct numbering_info *msc, bool national)
{
	struct lookup_net *n = &r->roaming_net;
	n->present = true;
	n->roaming = true;
	n->national = national;
	net_country(n, msc->country, msc->cc);
	osmo_strlcpy(n->prefix, r->serving_msc, sizeof(n->prefix));
	if (msc->network) {
		osmo_strlcpy(n->name, msc->network->name, sizeof(n->name));
		if (msc->network->n_mccmnc)
			osmo_strlcpy(n->mccmnc, msc->network->mccmnc[0], sizeof(n->mccmnc));
	}
	const char *op = ctx->gt_operator ? ctx->gt_operator(ctx->gt_operator_data, r->serving_msc) : NULL;
	if (op)
		osmo_strlcpy(n->operator_name, op, sizeof(n->operator_name));
}

/* National roaming: in the home country, on an MSC in the ranges of a
 * network whose MCC-MNCs are not the subscriber's (a full MVNO's
 * subscribers are national roamers of their host network, too). An MSC
 * whose network the data does not know counts as the home network's. */
static bool national_roaming(const struct lookup_result *r, const struct numbering_info *msc)
{
	return r->mccmnc[0] && msc->network && msc->network->n_mccmnc &&
	       !numbering_network_has_mccmnc(msc->network, r->mccmnc);
}

/* roaming: the serving MSC's country is not the subscriber's home country
 * (the IMSI's MCC-MNC's country, else the number's), or it is and the
 * MSC's GT belongs to another network (national roaming) */
static void derive_roaming(struct lookup_result *r, const struct lookup_derive_ctx *ctx)
{
	struct numbering_info msc;
	char home[NUMBERING_ISO_MAX] = "";
	r->roaming = LOOKUP_UNKNOWN;
	if (!ctx->nb || numbering_lookup(ctx->nb, r->serving_msc, &msc) < 0 || !msc.country ||
	    !strcmp(msc.country->iso, "001"))
		return;
	const struct numbering_mccmnc *m = r->mccmnc[0] ? numbering_lookup_mccmnc(ctx->nb, r->mccmnc) : NULL;
	if (m && m->iso[0])
		osmo_strlcpy(home, m->iso, sizeof(home));
	else if (r->number.present && r->number.iso[0])
		osmo_strlcpy(home, r->number.iso, sizeof(home));
	if (!home[0])
		return;
	bool abroad = strcmp(home, msc.country->iso) != 0;
	bool national = !abroad && national_roaming(r, &msc);
	r->roaming = abroad || national ? LOOKUP_YES : LOOKUP_NO;
	if (r->roaming == LOOKUP_YES)
		msc_network(r, ctx, &msc, national);
}

bool lookup_sri_unsent(const struct routing_sri_result *sri)
{
	return sri->err.kind == MAP_EK_P_ABORT && sri->err.p_abort_source == MAP_SRC_NETWORK_SERVICE_PROBLEM;
}

void lookup_derive(struct lookup_result *r, const struct lookup_derive_ctx *ctx, const struct routing_sri_result *sri)
{
	lookup_derive_original(r, ctx->nb);
	memset(&r->error, 0, sizeof(r->error));
	r->error.code = -1;
	r->ported = r->roaming = LOOKUP_UNKNOWN;
	r->map_version = sri->version;
	osmo_strlcpy(r->hlr_gt, sri->trace.answer_gt, sizeof(r->hlr_gt));
	if (sri->err.kind == MAP_EK_USER) {
		map_user_error(r, &sri->err.user);
		return;
	}
	if (sri->err.kind != MAP_EK_NONE) {
		other_error(r, &sri->err);
		return;
	}
	const char *msc = sri->res.network_node.digits, *imsi = sri->res.imsi;
	if (home_routing(r, ctx->hr, msc, imsi)) {
		/* the router answers for the HLR: IMSI and MSC are its own, so the
		 * network, porting and roaming cannot be known */
		r->home_routed = true;
		r->status = LOOKUP_UNDETERMINED;
		r->permanent = false;
		r->error.kind = LOOKUP_ERR_NONE;
		snprintf(r->error.description, sizeof(r->error.description),
			 "answered by an SMS home-routing node: reachability, network and roaming are not known");
		return;
	}
	r->status = LOOKUP_CONNECTED;
	r->permanent = false;
	osmo_strlcpy(r->imsi, imsi, sizeof(r->imsi));
	osmo_strlcpy(r->serving_msc, msc, sizeof(r->serving_msc));
	if (ctx->nb && imsi[0])
		numbering_imsi_mccmnc(ctx->nb, imsi, r->mccmnc, sizeof(r->mccmnc));
	derive_ported(r, ctx->nb);
	derive_roaming(r, ctx);
}

void lookup_derive_unsent(struct lookup_result *r, const struct numbering *nb, enum lookup_error_kind kind)
{
	static const struct { const char *name, *description; } why[] = {
		[LOOKUP_ERR_NO_ROUTE] = { "noRoute", "no operator is configured for this number: nothing was sent" },
		[LOOKUP_ERR_NOT_SENT] = { "notSent", "the SS7 link is down: nothing was sent" },
		[LOOKUP_ERR_QUOTA] = { "quotaExceeded", "the account's daily lookup quota is used up: nothing was sent" },
		[LOOKUP_ERR_CANCELLED] = { "cancelled", "cancelled before it was sent" },
	};
	lookup_derive_original(r, nb);
	memset(&r->error, 0, sizeof(r->error));
	r->status = LOOKUP_UNDETERMINED;
	r->permanent = false;
	r->ported = r->roaming = LOOKUP_UNKNOWN;
	r->source = LOOKUP_SRC_NONE;
	r->billed = false;
	r->error.kind = kind;
	r->error.code = -1;
	if (kind < ARRAY_SIZE(why) && why[kind].name) {
		osmo_strlcpy(r->error.name, why[kind].name, sizeof(r->error.name));
		osmo_strlcpy(r->error.description, why[kind].description, sizeof(r->error.description));
	}
}

bool lookup_result_cacheable(const struct lookup_result *r)
{
	return r->source == LOOKUP_SRC_NETWORK && (r->error.kind == LOOKUP_ERR_NONE || r->error.kind == LOOKUP_ERR_MAP);
}

/* ------------------------------------------------------------ JSON */

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *tri(enum lookup_tri t)
{
	return t == LOOKUP_UNKNOWN ? json_null() : json_boolean(t == LOOKUP_YES);
}

static json_t *country_json(const struct lookup_net *n)
{
	if (!n->iso[0] && !n->cc[0])
		return json_null();
	return json_pack("{s:o,s:o,s:o}", "iso", str_or_null(n->iso), "name", str_or_null(n->country),
			 "callingCode", str_or_null(n->cc));
}

static json_t *net_json(const struct lookup_net *n)
{
	if (!n->present)
		return json_null();
	json_t *o = json_pack("{s:o,s:o,s:o}", "name", str_or_null(n->name), "mccMnc", str_or_null(n->mccmnc),
			      "country", country_json(n));
	if (n->prefix[0])
		json_object_set_new(o, "prefix", json_string(n->prefix));
	if (n->operator_name[0])
		json_object_set_new(o, "operator", json_string(n->operator_name));
	if (n->roaming)
		json_object_set_new(o, "national", json_boolean(n->national));
	return o;
}

static json_t *error_json(const struct lookup_error *e, bool permanent)
{
	if (e->kind == LOOKUP_ERR_NONE)
		return json_null();
	json_t *o = json_pack("{s:o,s:s,s:s,s:b}", "code", e->code >= 0 ? json_integer(e->code) : json_null(),
			      "name", e->name, "description", e->description, "permanent", permanent);
	if (e->diag_present)
		json_object_set_new(o, "diagnostic", json_pack("{s:i,s:s}", "code", e->diag, "name", e->diag_name));
	return o;
}

static void mask_imsi(char *out, size_t len, const char *imsi, const char *mccmnc)
{
	size_t keep = mccmnc[0] ? strlen(mccmnc) : 5;
	osmo_strlcpy(out, imsi, len);
	for (size_t i = keep; out[i]; i++)
		out[i] = 'x';
}

json_t *lookup_result_json(const struct lookup_result *r, bool imsi_full)
{
	char imsi[16], at[32];
	if (imsi_full)
		osmo_strlcpy(imsi, r->imsi, sizeof(imsi));
	else
		mask_imsi(imsi, sizeof(imsi), r->imsi, r->mccmnc);
	sigway_utc_format(at, sizeof(at), r->request_ms);
	json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o}", "id", r->id, "to", r->to,
			      "status", lookup_status_name(r->status), "permanent", r->permanent,
			      "error", error_json(&r->error, r->permanent), "country", country_json(&r->number),
			      "mccMnc", str_or_null(r->mccmnc), "imsi", str_or_null(imsi),
			      "servingMsc", str_or_null(r->serving_msc), "hlrGt", str_or_null(r->hlr_gt));
	if (!o)
		return NULL;
	json_object_set_new(o, "originalNetwork", net_json(&r->original));
	json_object_set_new(o, "ported", tri(r->ported));
	json_object_set_new(o, "portedNetwork", r->ported == LOOKUP_YES ? net_json(&r->ported_net) : json_null());
	json_object_set_new(o, "roaming", tri(r->roaming));
	json_object_set_new(o, "roamingNetwork", r->roaming == LOOKUP_YES ? net_json(&r->roaming_net) : json_null());
	json_object_set_new(o, "homeRouting", r->home_routed ?
			    json_pack("{s:s,s:o}", "by", r->home_routing_by, "node", str_or_null(r->home_routing_node)) :
			    json_null());
	json_object_set_new(o, "source", json_string(lookup_source_name(r->source)));
	if (r->source == LOOKUP_SRC_CACHE)
		json_object_set_new(o, "cacheAgeSeconds", json_integer(r->cache_age_ms / 1000));
	json_object_set_new(o, "billed", json_boolean(r->billed));
	json_object_set_new(o, "operator", str_or_null(r->operator_name));
	json_object_set_new(o, "mapVersion", r->map_version ? json_integer(r->map_version) : json_null());
	json_object_set_new(o, "requestedAt", json_string(at));
	json_object_set_new(o, "durationMs", json_integer(r->done_ms >= r->request_ms ? r->done_ms - r->request_ms : 0));
	return o;
}

/* ------------------------------------------------------------ JSON text
 * The same object as lookup_result_json(), written as text without building
 * it first: the answer of every lookup and its log row are rendered on the
 * hot path, and jansson's objects and json_dumps() cost about a fifth of
 * sigwayd's time per lookup (perf, doc/performance.md) */

struct jtext {
	char *buf;		/* talloc */
	size_t len, size;
	bool failed;		/* no memory, or a string that is not UTF-8 */
};

static void jt_put(struct jtext *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->size) {
		size_t size = t->size * 2 > t->len + n + 1 ? t->size * 2 : t->len + n + 1;
		char *b = talloc_realloc_size(NULL, t->buf, size);
		if (!b) {
			t->failed = true;
			return;
		}
		t->buf = b;
		t->size = size;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void jt_lit(struct jtext *t, const char *s)
{
	jt_put(t, s, strlen(s));
}

/* length of the UTF-8 sequence at s (as jansson accepts them), 0: invalid */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned int c = s[0], n, min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* a JSON string; not UTF-8 fails the whole text, as json_string() would */
static void jt_str(struct jtext *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	jt_put(t, "\"", 1);
	while (*p && !t->failed) {
		const unsigned char *run = p;
		size_t n;
		while (*p >= 0x20 && *p != '"' && *p != '\\' && (n = utf8_seq(p)) > 0)
			p += n;
		jt_put(t, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char esc[8];
		switch (*p) {
		case '"': jt_put(t, "\\\"", 2); break;
		case '\\': jt_put(t, "\\\\", 2); break;
		case '\b': jt_put(t, "\\b", 2); break;
		case '\f': jt_put(t, "\\f", 2); break;
		case '\n': jt_put(t, "\\n", 2); break;
		case '\r': jt_put(t, "\\r", 2); break;
		case '\t': jt_put(t, "\\t", 2); break;
		default:
			if (*p >= 0x20) {	/* not UTF-8 */
				t->failed = true;
				return;
			}
			snprintf(esc, sizeof(esc), "\\u%04X", *p);
			jt_lit(t, esc);
		}
		p++;
	}
	jt_put(t, "\"", 1);
}

/* ,"key": (the first member without the comma) */
static void jt_key(struct jtext *t, const char *key, bool first)
{
	if (!first)
		jt_put(t, ",", 1);
	jt_str(t, key);
	jt_put(t, ":", 1);
}

static void jt_str_or_null(struct jtext *t, const char *s)
{
	if (s && s[0])
		jt_str(t, s);
	else
		jt_lit(t, "null");
}

static void jt_int(struct jtext *t, long long v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", v);
	jt_lit(t, num);
}

static void jt_bool(struct jtext *t, bool b)
{
	jt_lit(t, b ? "true" : "false");
}

static void jt_tri(struct jtext *t, enum lookup_tri v)
{
	jt_lit(t, v == LOOKUP_UNKNOWN ? "null" : v == LOOKUP_YES ? "true" : "false");
}

static void jt_country(struct jtext *t, const struct lookup_net *n)
{
	if (!n->iso[0] && !n->cc[0]) {
		jt_lit(t, "null");
		return;
	}
	jt_put(t, "{", 1);
	jt_key(t, "iso", true);
	jt_str_or_null(t, n->iso);
	jt_key(t, "name", false);
	jt_str_or_null(t, n->country);
	jt_key(t, "callingCode", false);
	jt_str_or_null(t, n->cc);
	jt_put(t, "}", 1);
}

static void jt_net(struct jtext *t, const struct lookup_net *n)
{
	if (!n->present) {
		jt_lit(t, "null");
		return;
	}
	jt_put(t, "{", 1);
	jt_key(t, "name", true);
	jt_str_or_null(t, n->name);
	jt_key(t, "mccMnc", false);
	jt_str_or_null(t, n->mccmnc);
	jt_key(t, "country", false);
	jt_country(t, n);
	if (n->prefix[0]) {
		jt_key(t, "prefix", false);
		jt_str(t, n->prefix);
	}
	if (n->operator_name[0]) {
		jt_key(t, "operator", false);
		jt_str(t, n->operator_name);
	}
	if (n->roaming) {
		jt_key(t, "national", false);
		jt_bool(t, n->national);
	}
	jt_put(t, "}", 1);
}

static void jt_error(struct jtext *t, const struct lookup_error *e, bool permanent)
{
	if (e->kind == LOOKUP_ERR_NONE) {
		jt_lit(t, "null");
		return;
	}
	jt_put(t, "{", 1);
	jt_key(t, "code", true);
	if (e->code >= 0)
		jt_int(t, e->code);
	else
		jt_lit(t, "null");
	jt_key(t, "name", false);
	jt_str(t, e->name);
	jt_key(t, "description", false);
	jt_str(t, e->description);
	jt_key(t, "permanent", false);
	jt_bool(t, permanent);
	if (e->diag_present) {
		jt_key(t, "diagnostic", false);
		jt_put(t, "{", 1);
		jt_key(t, "code", true);
		jt_int(t, e->diag);
		jt_key(t, "name", false);
		jt_str(t, e->diag_name);
		jt_put(t, "}", 1);
	}
	jt_put(t, "}", 1);
}

static void jt_members(struct jtext *t, const struct lookup_result *r, bool imsi_full)
{
	char imsi[16], at[32];
	if (imsi_full)
		osmo_strlcpy(imsi, r->imsi, sizeof(imsi));
	else
		mask_imsi(imsi, sizeof(imsi), r->imsi, r->mccmnc);
	sigway_utc_format(at, sizeof(at), r->request_ms);
	jt_key(t, "id", true);
	jt_str(t, r->id);
	jt_key(t, "to", false);
	jt_str(t, r->to);
	jt_key(t, "status", false);
	jt_str(t, lookup_status_name(r->status));
	jt_key(t, "permanent", false);
	jt_bool(t, r->permanent);
	jt_key(t, "error", false);
	jt_error(t, &r->error, r->permanent);
	jt_key(t, "country", false);
	jt_country(t, &r->number);
	jt_key(t, "mccMnc", false);
	jt_str_or_null(t, r->mccmnc);
	jt_key(t, "imsi", false);
	jt_str_or_null(t, imsi);
	jt_key(t, "servingMsc", false);
	jt_str_or_null(t, r->serving_msc);
	jt_key(t, "hlrGt", false);
	jt_str_or_null(t, r->hlr_gt);
	jt_key(t, "originalNetwork", false);
	jt_net(t, &r->original);
	jt_key(t, "ported", false);
	jt_tri(t, r->ported);
	jt_key(t, "portedNetwork", false);
	if (r->ported == LOOKUP_YES)
		jt_net(t, &r->ported_net);
	else
		jt_lit(t, "null");
	jt_key(t, "roaming", false);
	jt_tri(t, r->roaming);
	jt_key(t, "roamingNetwork", false);
	if (r->roaming == LOOKUP_YES)
		jt_net(t, &r->roaming_net);
	else
		jt_lit(t, "null");
	jt_key(t, "homeRouting", false);
	if (r->home_routed) {
		jt_put(t, "{", 1);
		jt_key(t, "by", true);
		jt_str(t, r->home_routing_by);
		jt_key(t, "node", false);
		jt_str_or_null(t, r->home_routing_node);
		jt_put(t, "}", 1);
	} else {
		jt_lit(t, "null");
	}
	jt_key(t, "source", false);
	jt_str(t, lookup_source_name(r->source));
	if (r->source == LOOKUP_SRC_CACHE) {
		jt_key(t, "cacheAgeSeconds", false);
		jt_int(t, r->cache_age_ms / 1000);
	}
	jt_key(t, "billed", false);
	jt_bool(t, r->billed);
	jt_key(t, "operator", false);
	jt_str_or_null(t, r->operator_name);
	jt_key(t, "mapVersion", false);
	if (r->map_version)
		jt_int(t, r->map_version);
	else
		jt_lit(t, "null");
	jt_key(t, "requestedAt", false);
	jt_str(t, at);
	jt_key(t, "durationMs", false);
	jt_int(t, r->done_ms >= r->request_ms ? r->done_ms - r->request_ms : 0);
}

/* The "input" member when there is one, the closing brace: the text, or
 * NULL (and the buffer freed) when anything failed */
static char *jt_close(struct jtext *t, const char *input)
{
	if (input) {
		jt_key(t, "input", false);
		jt_str(t, input);
	}
	jt_put(t, "}", 1);
	if (t->failed) {
		talloc_free(t->buf);
		return NULL;
	}
	talloc_set_name_const(t->buf, "lookup result text");
	return t->buf;
}

char *lookup_result_text(void *ctx, const struct lookup_result *r, bool imsi_full, const char *input)
{
	struct jtext t = { .buf = talloc_size(ctx, 1024), .size = 1024 };
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	jt_put(&t, "{", 1);
	jt_members(&t, r, imsi_full);
	return jt_close(&t, input);
}

char *lookup_result_text_from(void *ctx, const char *full, const struct lookup_result *r, bool imsi_full,
			      const char *input)
{
	size_t len = strlen(full);
	if (!len || full[len - 1] != '}')
		return NULL;
	struct jtext t = { .buf = talloc_size(ctx, len + 64), .size = len + 64 };
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	jt_put(&t, full, len - 1);
	if (!imsi_full && r->imsi[0] && !t.failed) {
		/* the IMSI is digits: the same length masked, and no string
		 * before it can hold this unescaped */
		char key[40], masked[16];
		snprintf(key, sizeof(key), ",\"imsi\":\"%s\"", r->imsi);
		char *at = strstr(t.buf, key);
		if (!at) {
			talloc_free(t.buf);
			return NULL;
		}
		mask_imsi(masked, sizeof(masked), r->imsi, r->mccmnc);
		memcpy(at + strlen(",\"imsi\":\""), masked, strlen(masked));
	}
	return jt_close(&t, input);
}

void lookup_json_mask_imsi(json_t *result)
{
	char imsi[16];
	const char *s = json_string_value(json_object_get(result, "imsi"));
	const char *m = json_string_value(json_object_get(result, "mccMnc"));
	if (!s || strlen(s) >= sizeof(imsi))
		return;
	mask_imsi(imsi, sizeof(imsi), s, m ? m : "");
	json_object_set_new(result, "imsi", json_string(imsi));
}
