/* XML flavour of the application API: the Restcomm USSD gateway's <dialog>
 * documents (attributes type, appCntx, networkId, localId/remoteId,
 * mapMessagesSize, ...; children localAddress/remoteAddress,
 * destinationReference/originationReference, errComponents and the six USSD
 * operation elements), so an application written for that gateway works
 * unchanged. Additions, all attributes of <dialog> that such an application
 * ignores: sessionId (the explicit push session reference, instead of a
 * servlet cookie), exitCode and reason (how a session ended, the same values
 * as the JSON flavour).
 *
 * Documents are written by hand into the caller's buffer. Answers are parsed
 * with libxml2 under guard: no DTD at all (a DOCTYPE stops the parser before
 * any entity is declared, so neither entity expansion nor external entities
 * can happen), no network, no entity substitution, a size and a depth
 * limit. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include <sigway/ussdgw/ussd_app.h>

#include "ussd_app_int.h"

/* ---- names of the dialect ---------------------------------------------------- */

static const char *const nai_names[8] = {
	"unknown", "international_number", "national_significant_number",
	"network_specific_number", "subscriber_number", "reserved", "abbreviated_number",
	"reserved_for_extension",
};

static const char *const npi_names[16] = {
	[0] = "unknown", [1] = "ISDN", [2] = "spare_2", [3] = "data", [4] = "telex",
	[5] = "spare_5", [6] = "land_mobile", [7] = "spare_7", [8] = "national",
	[9] = "private_plan", [15] = "reserved",
};

static const char *const pabort_names[] = {
	[USSD_APP_PA_PROVIDER_MALFUNCTION] = "ProviderMalfunction",
	[USSD_APP_PA_DIALOGUE_RELEASED] = "SupportingDialogueTransactionReleased",
	[USSD_APP_PA_RESOURCE_LIMITATION] = "ResourceLimitation",
	[USSD_APP_PA_MAINTENANCE_ACTIVITY] = "MaintenanceActivity",
	[USSD_APP_PA_VERSION_INCOMPATIBILITY] = "VersionIncompatibility",
	[USSD_APP_PA_ABNORMAL_LOCAL] = "AbnormalMAPDialogueLocal",
	[USSD_APP_PA_ABNORMAL_PEER] = "AbnormalMAPDialogueFromPeer",
	[USSD_APP_PA_INVALID_PDU] = "InvalidPDU",
};

static const char *const refuse_names[] = {
	[USSD_APP_RF_NO_REASON] = "NoReasonGiven",
	[USSD_APP_RF_INVALID_DEST_REF] = "InvalidDestinationReference",
	[USSD_APP_RF_INVALID_ORIG_REF] = "InvalidOriginatingReference",
	[USSD_APP_RF_ACN_NOT_SUPPORTED] = "ApplicationContextNotSupported",
	[USSD_APP_RF_REMOTE_NODE_NOT_REACHABLE] = "RemoteNodeNotReachable",
	[USSD_APP_RF_VERSION_INCOMPATIBILITY] = "PotentialVersionIncompatibility",
};

/* mapUserAbortChoice values: choice, diag, name */
static const struct {
	enum ussd_app_uabort choice;
	uint8_t diag;
	const char *name;
} uabort_names[] = {
	{ USSD_APP_UA_USER_SPECIFIC, 0, "isUserSpecificReason" },
	{ USSD_APP_UA_USER_RESOURCE_LIMITATION, 0, "isUserResourceLimitation" },
	{ USSD_APP_UA_RESOURCE_UNAVAILABLE, 0, "isResourceUnavailableReason_shortTermResourceLimitation" },
	{ USSD_APP_UA_RESOURCE_UNAVAILABLE, 1, "isResourceUnavailableReason_longTermResourceLimitation" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 0, "isProcedureCancellationReason_handoverCancellation" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 1, "isProcedureCancellationReason_radioChannelRelease" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 2, "isProcedureCancellationReason_networkPathRelease" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 3, "isProcedureCancellationReason_callRelease" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 4, "isProcedureCancellationReason_associatedProcedureFailure" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 5, "isProcedureCancellationReason_tandemDialogueRelease" },
	{ USSD_APP_UA_PROCEDURE_CANCELLATION, 6, "isProcedureCancellationReason_remoteOperationsFailure" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* errorComponent type of a MAP error code, as that dialect's Java classes
 * are named; applications go by errorCode */
static const char *error_type(uint8_t code)
{
	switch (code) {
	case 1: return "MAPErrorMessageUnknownSubscriber";
	case 6: return "MAPErrorMessageAbsentSubscriberSM";
	case 13: return "MAPErrorMessageCallBarred";
	case 21: return "MAPErrorMessageFacilityNotSup";
	case 27: return "MAPErrorMessageAbsentSubscriber";
	case 34: return "MAPErrorMessageSystemFailure";
	case 45: return "MAPErrorMessageBusySubscriber";
	default: return "MAPErrorMessageExtensionContainer";
	}
}

/* The MAP error an error exit stands for when the gateway gave none */
static uint8_t exit_map_error(const struct ussd_app_event *ev)
{
	if (ev->map_error)
		return ev->map_error;
	switch (ev->exit) {
	case USSD_APP_EXIT_ABSENT_SUBSCRIBER: return 27;	/* absentSubscriber */
	case USSD_APP_EXIT_UNKNOWN_SUBSCRIBER: return 1;	/* unknownSubscriber */
	case USSD_APP_EXIT_ILLEGAL_SUBSCRIBER: return 9;	/* illegalSubscriber */
	case USSD_APP_EXIT_USSD_BUSY: return 72;		/* ussd-Busy */
	default: return 34;					/* systemFailure */
	}
}

static bool exit_is_map_error(enum ussd_app_exit e)
{
	return e == USSD_APP_EXIT_ABSENT_SUBSCRIBER || e == USSD_APP_EXIT_UNKNOWN_SUBSCRIBER
	       || e == USSD_APP_EXIT_ILLEGAL_SUBSCRIBER || e == USSD_APP_EXIT_USSD_BUSY
	       || e == USSD_APP_EXIT_MAP_ERROR;
}

/* ---- writing ------------------------------------------------------------------ */

static void put_attr(struct ubuf *b, const char *name, const char *value)
{
	ubuf_printf(b, " %s=\"", name);
	ubuf_xml_attr(b, value);
	ubuf_put(b, "\"");
}

static void put_addr_string(struct ubuf *b, const char *elem, const struct ussd_app_addr_string *a)
{
	if (!a->present)
		return;
	ubuf_printf(b, "\t<%s", elem);
	put_attr(b, "number", a->digits);
	ubuf_printf(b, " nai=\"%s\"", nai_names[a->nai & 7]);
	if (npi_names[a->npi & 15])
		ubuf_printf(b, " npi=\"%s\"/>\n", npi_names[a->npi & 15]);
	else
		ubuf_printf(b, " npi=\"%u\"/>\n", a->npi & 15);
}

static void put_sccp_addr(struct ubuf *b, const char *elem, const struct ussd_app_sccp_addr *a)
{
	if (!a->present)
		return;
	ubuf_printf(b, "\t<%s pc=\"%u\" ssn=\"%u\">\n\t\t<ai value=\"%u\"/>\n", elem, a->pc, a->ssn, a->ai);
	if (a->gti >= 1 && a->gti <= 4) {
		ubuf_printf(b, "\t\t<gt type=\"GlobalTitle%04u\"", a->gti == 1 ? 1 : a->gti == 2 ? 10
								 : a->gti == 3 ? 11 : 100);
		if (a->gti >= 2)
			ubuf_printf(b, " tt=\"%u\"", a->tt);
		if (a->gti >= 3)
			ubuf_printf(b, " es=\"%u\" np=\"%u\"", a->es, a->np);
		if (a->gti == 1 || a->gti == 4)
			ubuf_printf(b, " nai=\"%u\"", a->nai);
		put_attr(b, "digits", a->digits);
		ubuf_put(b, "/>\n");
	}
	ubuf_printf(b, "\t</%s>\n", elem);
}

static void put_msisdn(struct ubuf *b, const char *msisdn)
{
	ubuf_put(b, "\t\t<msisdn nai=\"international_number\" npi=\"ISDN\"");
	put_attr(b, "number", msisdn);
	ubuf_put(b, "/>\n");
}

/* One USSD operation element with its text (and the msisdn on a Begin) */
static void put_operation(struct ubuf *b, const char *elem, const struct ussd_app_event *ev,
			  bool with_text)
{
	bool msisdn = ev->type == USSD_APP_EV_START && ev->msisdn[0];

	ubuf_printf(b, "\t<%s invokeId=\"%d\"", elem, ev->invoke_id);
	if (with_text) {
		ubuf_printf(b, " dataCodingScheme=\"%u\"", ev->dcs);
		put_attr(b, "string", ev->text);
	}
	if (!msisdn) {
		ubuf_put(b, "/>\n");
		return;
	}
	ubuf_put(b, ">\n");
	put_msisdn(b, ev->msisdn);
	ubuf_printf(b, "\t</%s>\n", elem);
}

static const char *dialog_type(const struct ussd_app_event *ev)
{
	switch (ev->type) {
	case USSD_APP_EV_START:
		return "Begin";
	case USSD_APP_EV_RESPONSE:
	case USSD_APP_EV_NOTIFY_DONE:
		return "Continue";
	default:
		/* an application of that dialect cleans up on Abort */
		return ev->exit == USSD_APP_EXIT_SUCCESS || exit_is_map_error(ev->exit) ? "End" : "Abort";
	}
}

static const char *uabort_name(enum ussd_app_uabort c, uint8_t diag)
{
	size_t i;

	for (i = 0; i < N(uabort_names); i++) {
		if (uabort_names[i].choice == c && uabort_names[i].diag == diag)
			return uabort_names[i].name;
	}
	return uabort_names[0].name;
}

/* The attributes that say why a session ended, as that dialect has them */
static void put_end_attrs(struct ubuf *b, const struct ussd_app_event *ev)
{
	switch (ev->exit) {
	case USSD_APP_EXIT_USER_ABORT:
		put_attr(b, "mapUserAbortChoice", uabort_name(ev->u_abort, ev->u_abort_diag));
		break;
	case USSD_APP_EXIT_PROVIDER_ABORT:
		if ((unsigned)ev->p_abort < N(pabort_names))
			put_attr(b, "mapAbortProviderReason", pabort_names[ev->p_abort]);
		break;
	case USSD_APP_EXIT_REFUSED:
		if ((unsigned)ev->refuse < N(refuse_names))
			put_attr(b, "mapRefuseReason", refuse_names[ev->refuse]);
		break;
	case USSD_APP_EXIT_SESSION_TIMEOUT:
		ubuf_put(b, " dialogTimedOut=\"true\"");
		break;
	case USSD_APP_EXIT_USER_TIMEOUT:
		ubuf_printf(b, " invokeTimedOut=\"%d\"", ev->invoke_id);
		break;
	default:
		break;
	}
}

static int check_event(const struct ussd_app_event *ev)
{
	if ((unsigned)ev->type > USSD_APP_EV_END)
		return -EINVAL;
	if (ev->session_id[0] && !ussd_app_session_id_valid(ev->session_id))
		return -EINVAL;
	if (ev->type == USSD_APP_EV_END && (unsigned)ev->exit >= _USSD_APP_EXIT_COUNT)
		return -EINVAL;
	return 0;
}

int ussd_app_xml_write_event(char *out, size_t outlen, const struct ussd_app_event *ev)
{
	const struct ussd_app_dialog *d = &ev->dialog;
	bool has_op = ev->type != USSD_APP_EV_END;
	struct ubuf b;

	if (check_event(ev) < 0)
		return -EINVAL;
	ubuf_init(&b, out, outlen);
	ubuf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dialog type=\"%s\""
		    " appCntx=\"networkUnstructuredSsContext_version%d\" networkId=\"%u\"",
		    dialog_type(ev), d->map_version == 1 ? 1 : 2, d->network_id);
	if (d->has_ids)
		ubuf_printf(&b, " localId=\"%u\" remoteId=\"%u\"", d->local_id, d->remote_id);
	ubuf_printf(&b, " mapMessagesSize=\"%d\"", has_op ? 1 : 0);
	if (ev->type == USSD_APP_EV_END)
		put_end_attrs(&b, ev);
	ubuf_put(&b, " returnMessageOnError=\"false\"");
	if (ev->app_ref[0])
		put_attr(&b, "userObject", ev->app_ref);
	if (ev->session_id[0])
		put_attr(&b, "sessionId", ev->session_id);
	if (ev->type == USSD_APP_EV_END) {
		ubuf_printf(&b, " exitCode=\"%d\"", (int)ev->exit);
		put_attr(&b, "reason", ev->reason[0] ? ev->reason : ussd_app_exit_text(ev->exit));
	}
	ubuf_put(&b, ">\n");
	put_sccp_addr(&b, "localAddress", &d->local);
	put_sccp_addr(&b, "remoteAddress", &d->remote);
	put_addr_string(&b, "destinationReference", &d->dest_ref);
	put_addr_string(&b, "originationReference", &d->orig_ref);
	switch (ev->type) {
	case USSD_APP_EV_START:
		put_operation(&b, "processUnstructuredSSRequest_Request", ev, true);
		break;
	case USSD_APP_EV_RESPONSE:
		put_operation(&b, "unstructuredSSRequest_Response", ev, true);
		break;
	case USSD_APP_EV_NOTIFY_DONE:
		put_operation(&b, "unstructuredSSNotify_Response", ev, false);
		break;
	case USSD_APP_EV_END:
		if (exit_is_map_error(ev->exit)) {
			uint8_t code = exit_map_error(ev);

			ubuf_printf(&b, "\t<errComponents>\n\t\t<invokeId value=\"%d\"/>\n"
				    "\t\t<errorComponent type=\"%s\" errorCode=\"%u\"/>\n"
				    "\t</errComponents>\n", ev->invoke_id, error_type(code), code);
		}
		break;
	}
	ubuf_put(&b, "</dialog>\n");
	return ubuf_finish(&b);
}

/* ---- parsing under guard -------------------------------------------------------- */

struct guard {
	unsigned depth;
	bool too_deep;
	bool dtd;
	char generic[96];	/* what libxml2 said outside the parser context */
};

/* libxml2 reports encoding conversion errors through its process-wide
 * handler, which prints to stderr: keep the first for the error sentence,
 * print nothing (the input comes from the network) */
static void guard_generic(void *ctx, const char *msg, ...)
{
	struct guard *g = ctx;
	size_t n;
	va_list ap;

	if (g->generic[0])
		return;
	va_start(ap, msg);
	vsnprintf(g->generic, sizeof(g->generic), msg, ap);
	va_end(ap);
	n = strlen(g->generic);
	while (n && (g->generic[n - 1] == '\n' || g->generic[n - 1] == ' '))
		g->generic[--n] = '\0';
}

static void guard_dtd(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	g->dtd = true;
	xmlStopParser(ctxt);
}

static void guard_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			 const xmlChar *system_id, xmlChar *content)
{
	guard_dtd(ctx, name, public_id, system_id);
}

static void guard_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
			int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	if (++g->depth > USSD_APP_XML_MAX_DEPTH) {
		g->too_deep = true;
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
			      nb_attributes, nb_defaulted, attributes);
}

static void guard_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;

	g->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* libxml2's last error as one line */
static int syntax_error(xmlParserCtxtPtr ctxt, char *err, size_t errlen)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char msg[128] = "not well-formed";
	size_t n;
	int code = USSD_APP_ERR_SYNTAX;

	if (e && e->message) {
		snprintf(msg, sizeof(msg), "%s", e->message);
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		while (n--)
			if (msg[n] == '\n')
				msg[n] = ' ';
		if (e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING)
			code = USSD_APP_ERR_UTF8;
	}
	return ussd_app_fail(err, errlen, code, "invalid XML at line %d: %s", e ? e->line : 0, msg);
}

/* Parse body into a tree; NULL and *rc on any refusal */
static xmlDocPtr parse_doc(const char *body, size_t len, int *rc, char *err, size_t errlen)
{
	struct guard g = { 0 };
	xmlGenericErrorFunc old_generic;
	void *old_generic_ctx;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	xmlInitParser();	/* once per process; later calls return at once */
	old_generic = xmlGenericError;
	old_generic_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(&g, guard_generic);
	ctxt = xmlCreateMemoryParserCtxt(body, (int)len);
	if (!ctxt) {
		xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
		*rc = ussd_app_fail(err, errlen, USSD_APP_ERR_SYNTAX, "out of memory parsing XML");
		return NULL;
	}
	/* no network, no entity substitution (XML_PARSE_NOENT is not set), no
	 * DTD loading or validation */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
				| XML_PARSE_NOCDATA);
	ctxt->_private = &g;
	ctxt->sax->internalSubset = guard_dtd;
	ctxt->sax->externalSubset = guard_dtd;
	ctxt->sax->entityDecl = guard_entity;
	ctxt->sax->startElementNs = guard_start;
	ctxt->sax->endElementNs = guard_end;
	xmlParseDocument(ctxt);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (g.dtd)
		*rc = ussd_app_fail(err, errlen, USSD_APP_ERR_FORBIDDEN,
				    "a DOCTYPE or entity declaration is not accepted");
	else if (g.too_deep)
		*rc = ussd_app_fail(err, errlen, USSD_APP_ERR_DEPTH,
				    "elements nested deeper than %d levels", USSD_APP_XML_MAX_DEPTH);
	else if (g.generic[0])
		*rc = ussd_app_fail(err, errlen, USSD_APP_ERR_UTF8,
				    "invalid XML: bytes not valid in the document's encoding (%s)", g.generic);
	else if (!ctxt->wellFormed || !doc)
		*rc = syntax_error(ctxt, err, errlen);
	else
		*rc = 0;
	xmlFreeParserCtxt(ctxt);
	if (*rc < 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ---- reading the tree ------------------------------------------------------------ */

#define VAL_MAX 2048

/* An attribute's value: NULL when absent. Values made of several text
 * nodes are joined in buf; a longer one is an error. */
static int attr(const xmlNode *n, const char *name, const char **val, size_t *len,
		char buf[VAL_MAX + 1], char *err, size_t errlen)
{
	const xmlAttr *a;
	const xmlNode *t;
	size_t l = 0, tl;

	*val = NULL;
	*len = 0;
	for (a = n->properties; a; a = a->next) {
		if (strcmp((const char *)a->name, name))
			continue;
		if (!a->children) {
			*val = "";
			return 0;
		}
		if (!a->children->next && a->children->type == XML_TEXT_NODE) {
			*val = (const char *)a->children->content;
			*len = strlen(*val);
			return 0;
		}
		for (t = a->children; t; t = t->next) {
			if (t->type != XML_TEXT_NODE)
				return ussd_app_fail(err, errlen, USSD_APP_ERR_FORBIDDEN,
						     "%s: entity references are not accepted", name);
			tl = strlen((const char *)t->content);
			if (l + tl > VAL_MAX)
				return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
						     "%s is longer than %d bytes", name, VAL_MAX);
			memcpy(buf + l, t->content, tl);
			l += tl;
		}
		buf[l] = '\0';
		*val = buf;
		*len = l;
		return 0;
	}
	return 0;
}

/* A decimal integer attribute in min..max; *present false when absent */
static int attr_int(const xmlNode *n, const char *name, long min, long max, long *out,
		    bool *present, char *err, size_t errlen)
{
	char buf[VAL_MAX + 1], *end;
	const char *v;
	size_t len;
	int rc;

	*present = false;
	rc = attr(n, name, &v, &len, buf, err, errlen);
	if (rc < 0 || !v)
		return rc;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (!len || *end || errno || (v[0] != '-' && (v[0] < '0' || v[0] > '9')))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE,
				     "%s=\"%.32s\" is not a number", name, v);
	if (*out < min || *out > max)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE, "%s is %ld, it must be %ld..%ld",
				     name, *out, min, max);
	*present = true;
	return 0;
}

/* "true"/"false" (any case, as that dialect reads them); *present false when absent */
static int attr_bool(const xmlNode *n, const char *name, bool *out, bool *present,
		     char *err, size_t errlen)
{
	char buf[VAL_MAX + 1];
	const char *v;
	size_t len;
	int rc;

	*present = false;
	rc = attr(n, name, &v, &len, buf, err, errlen);
	if (rc < 0 || !v)
		return rc;
	if (!strcasecmp(v, "true"))
		*out = true;
	else if (!strcasecmp(v, "false"))
		*out = false;
	else
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE,
				     "%s=\"%.32s\" must be true or false", name, v);
	*present = true;
	return 0;
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (n = n->children; n; n = n->next) {
		if (is(n, name))
			return n;
	}
	return NULL;
}

/* nai/npi of an AddressString: a name of the dialect or its number */
static int addr_enum(const xmlNode *n, const char *name, const char *const *names, unsigned count,
		     char *err, size_t errlen)
{
	char buf[VAL_MAX + 1];
	const char *v;
	size_t len;
	unsigned i;
	long num;
	bool present;
	int rc;

	rc = attr(n, name, &v, &len, buf, err, errlen);
	if (rc < 0 || !v)
		return rc;
	for (i = 0; i < count; i++) {
		if (names[i] && !strcmp(names[i], v))
			return 0;
	}
	rc = attr_int(n, name, 0, count - 1, &num, &present, err, errlen);
	if (rc < 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "<msisdn %s=\"%.32s\"> is not a known value", name, v);
	return 0;
}

static int parse_msisdn(struct ussd_app_answer *a, const xmlNode *m, char *err, size_t errlen)
{
	char buf[VAL_MAX + 1];
	const char *v;
	size_t len;
	int rc;

	rc = addr_enum(m, "nai", nai_names, N(nai_names), err, errlen);
	if (rc < 0)
		return rc;
	rc = addr_enum(m, "npi", npi_names, N(npi_names), err, errlen);
	if (rc < 0)
		return rc;
	rc = attr(m, "number", &v, &len, buf, err, errlen);
	if (rc < 0)
		return rc;
	if (!v)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING, "<msisdn> needs a number attribute");
	return ussd_app_msisdn(a->msisdn, v, len, "<msisdn number>", err, errlen);
}

/* <alertingPattern size="1"><value value="6"/></alertingPattern> */
static int parse_alerting(struct ussd_app_answer *a, const xmlNode *ap, char *err, size_t errlen)
{
	const xmlNode *v = child(ap, "value");
	long val;
	bool present;
	int rc;

	if (!v)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "<alertingPattern> needs <value value=\"...\"/>");
	rc = attr_int(v, "value", 0, 255, &val, &present, err, errlen);
	if (rc < 0)
		return rc;
	if (!present)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "<alertingPattern><value> needs a value attribute");
	a->has_alerting_pattern = true;
	a->alerting_pattern = val;
	return 0;
}

/* The operations an application sends, and those only the gateway sends */
enum op_kind {
	OP_NONE,
	OP_PROCESS_USS_RES,	/* the final answer of a pull session */
	OP_USSR_REQ,		/* a menu */
	OP_USSN_REQ,		/* a notification */
	OP_GATEWAY,		/* one of the three the gateway sends */
};

static enum op_kind op_kind(const xmlNode *n)
{
	if (is(n, "processUnstructuredSSRequest_Response"))
		return OP_PROCESS_USS_RES;
	if (is(n, "unstructuredSSRequest_Request"))
		return OP_USSR_REQ;
	if (is(n, "unstructuredSSNotify_Request"))
		return OP_USSN_REQ;
	if (is(n, "processUnstructuredSSRequest_Request") || is(n, "unstructuredSSRequest_Response")
	    || is(n, "unstructuredSSNotify_Response"))
		return OP_GATEWAY;
	return OP_NONE;
}

static int parse_operation(struct ussd_app_answer *a, const xmlNode *op,
			   const struct ussd_app_limits *lim, char *err, size_t errlen)
{
	char buf[VAL_MAX + 1];
	const xmlNode *c;
	const char *text;
	size_t len;
	long v;
	bool present;
	int dcs = -1, rc;

	rc = attr_int(op, "invokeId", -128, 127, &v, &a->has_invoke_id, err, errlen);
	if (rc < 0)
		return rc;
	a->invoke_id = v;
	rc = attr_int(op, "dataCodingScheme", 0, 255, &v, &present, err, errlen);
	if (rc < 0)
		return rc;
	if (present)
		dcs = v;
	c = child(op, "msisdn");
	if (c && (rc = parse_msisdn(a, c, err, errlen)) < 0)
		return rc;
	c = child(op, "alertingPattern");
	if (c && (rc = parse_alerting(a, c, err, errlen)) < 0)
		return rc;
	rc = attr(op, "string", &text, &len, buf, err, errlen);
	if (rc < 0)
		return rc;
	if (!text)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "<%s> needs a string attribute (the text)", (const char *)op->name);
	return ussd_app_text_set(&a->text, text, len, dcs, NULL, lim, "string", err, errlen);
}

/* <errComponents><invokeId value="1"/><errorComponent errorCode="34" .../></errComponents> */
static int parse_err_components(struct ussd_app_answer *a, const xmlNode *ec, char *err, size_t errlen)
{
	const xmlNode *c = child(ec, "errorComponent"), *id = child(ec, "invokeId");
	long v;
	bool present;
	int rc;

	rc = attr_int(c, "errorCode", 1, 255, &v, &present, err, errlen);
	if (rc < 0)
		return rc;
	if (!present)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "<errorComponent> needs an errorCode (a MAP error code)");
	a->map_error = v;
	if (id) {
		rc = attr_int(id, "value", -128, 127, &v, &a->has_invoke_id, err, errlen);
		if (rc < 0)
			return rc;
		a->invoke_id = v;
	}
	a->type = USSD_APP_ANS_ERROR;
	a->close = true;
	return 0;
}

static int parse_uabort(struct ussd_app_answer *a, const char *v, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < N(uabort_names); i++) {
		if (!strcmp(uabort_names[i].name, v)) {
			a->type = USSD_APP_ANS_ABORT;
			a->close = true;
			a->u_abort = uabort_names[i].choice;
			a->u_abort_diag = uabort_names[i].diag;
			return 0;
		}
	}
	return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
			     "mapUserAbortChoice=\"%.48s\" is not a known choice (e.g. isUserSpecificReason)", v);
}

/* The <dialog> attributes an application may set; the others (type,
 * appCntx, localId, ...) are the gateway's and ignored, as an application
 * may send back the document it received */
static int parse_dialog_attrs(struct ussd_app_answer *a, const xmlNode *d, int *prearranged,
			      long *msgs, bool *has_msgs, bool *abort, char *err, size_t errlen)
{
	char buf[VAL_MAX + 1];
	const char *v;
	size_t len;
	long n;
	bool b, present;
	int rc;

	rc = attr(d, "userObject", &v, &len, buf, err, errlen);
	if (rc < 0)
		return rc;
	if (v) {
		a->has_app_ref = true;
		rc = ussd_app_copy(a->app_ref, USSD_APP_REF_MAX, v, len, "userObject", err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = attr(d, "sessionId", &v, &len, buf, err, errlen);
	if (rc < 0)
		return rc;
	if (v) {
		if (!ussd_app_session_id_valid(v))
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "sessionId=\"%.64s\" is not a session id of this gateway", v);
		strcpy(a->session_id, v);
	}
	rc = attr_int(d, "networkId", 0, 65535, &n, &a->has_network_id, err, errlen);
	if (rc < 0)
		return rc;
	a->network_id = n;
	/* the documentation spells it customInvokeTimeOut, the code customInvokeTimeout */
	rc = attr_int(d, "customInvokeTimeout", 1, 600000, &n, &present, err, errlen);
	if (rc == 0 && !present)
		rc = attr_int(d, "customInvokeTimeOut", 1, 600000, &n, &present, err, errlen);
	if (rc < 0)
		return rc;
	if (present)
		a->invoke_timeout_ms = n;
	rc = attr_bool(d, "emptyDialogHandshake", &b, &present, err, errlen);
	if (rc < 0)
		return rc;
	a->empty_dialog_handshake = present && b;
	rc = attr_bool(d, "prearrangedEnd", &b, &present, err, errlen);
	if (rc < 0)
		return rc;
	*prearranged = present ? b : -1;
	rc = attr_int(d, "mapMessagesSize", 0, 1000, msgs, has_msgs, err, errlen);
	if (rc < 0)
		return rc;
	rc = attr(d, "mapUserAbortChoice", &v, &len, buf, err, errlen);
	if (rc < 0)
		return rc;
	*abort = v != NULL;
	return v ? parse_uabort(a, v, err, errlen) : 0;
}

static int parse_dialog(struct ussd_app_answer *a, const xmlNode *d,
			const struct ussd_app_limits *lim, char *err, size_t errlen)
{
	const xmlNode *n, *op = NULL, *errc = NULL;
	enum op_kind kind = OP_NONE, k;
	int prearranged, rc;
	long msgs;
	bool has_msgs, abort;

	if (!is(d, "dialog"))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "the document element must be <dialog>, not <%.32s>", (const char *)d->name);
	rc = parse_dialog_attrs(a, d, &prearranged, &msgs, &has_msgs, &abort, err, errlen);
	if (rc < 0)
		return rc;
	for (n = d->children; n; n = n->next) {
		if (is(n, "errComponents")) {
			/* an empty list, as in the dialect's abort notices, is nothing */
			if (child(n, "errorComponent"))
				errc = n;
			continue;
		}
		k = op_kind(n);
		if (k == OP_NONE)
			continue;	/* addresses, references, what is not ours */
		if (op)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "more than one USSD operation in one <dialog>");
		if (k == OP_GATEWAY)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "<%s> is what the gateway sends; an application answers with "
					     "unstructuredSSRequest_Request (a menu), "
					     "processUnstructuredSSRequest_Response (the final text) or, in a "
					     "push, unstructuredSSNotify_Request", (const char *)n->name);
		op = n;
		kind = k;
	}
	if (has_msgs && msgs != (op ? 1 : 0))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "mapMessagesSize is %ld but the dialog carries %d USSD operation%s",
				     msgs, op ? 1 : 0, op ? "" : "s");
	if (abort) {
		if (op || errc)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "mapUserAbortChoice aborts the dialog; it cannot carry an operation");
		return 0;
	}
	if (errc) {
		if (op)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "a <dialog> carries an error component or an operation, not both");
		return parse_err_components(a, errc, err, errlen);
	}
	if (prearranged == 1 && op)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "prearrangedEnd=\"true\" ends the dialog without sending; to send the "
				     "operation and end, use prearrangedEnd=\"false\"");
	switch (kind) {
	case OP_NONE:
		if (prearranged < 0)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
					     "the dialog has no USSD operation; to end the session send "
					     "mapMessagesSize=\"0\" prearrangedEnd=\"false\"");
		a->type = USSD_APP_ANS_RELEASE;
		a->close = true;
		a->prearranged = prearranged == 1;
		return 0;
	case OP_USSR_REQ:
		if (prearranged == 0)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "unstructuredSSRequest_Request waits for the subscriber's answer; "
					     "it cannot end the dialog (leave out prearrangedEnd)");
		a->type = USSD_APP_ANS_MENU;
		break;
	case OP_PROCESS_USS_RES:
		/* the final answer ends the dialog, prearrangedEnd="false" or not */
		a->type = USSD_APP_ANS_FINAL;
		a->close = true;
		break;
	default:
		a->type = USSD_APP_ANS_NOTIFY;
		a->close = prearranged == 0;
		break;
	}
	return parse_operation(a, op, lim, err, errlen);
}

int ussd_app_xml_parse(struct ussd_app_answer *a, const char *body, size_t len,
		       const struct ussd_app_limits *lim, char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	int rc;

	memset(a, 0, sizeof(*a));
	a->exit_code = 200;
	if (!body || len == 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_EMPTY, "empty body: a <dialog> is expected");
	if (len > USSD_APP_MAX_BODY)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TOO_BIG,
				     "body of %zu bytes, at most %d are accepted", len, USSD_APP_MAX_BODY);
	/* a line end before the XML declaration is a classic of PHP applications */
	while (len && (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')) {
		body++;
		len--;
	}
	if (len == 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_EMPTY, "empty body: a <dialog> is expected");
	doc = parse_doc(body, len, &rc, err, errlen);
	if (!doc)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!root)
		rc = ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING, "no <dialog> element");
	else
		rc = parse_dialog(a, root, lim, err, errlen);
	xmlFreeDoc(doc);
	return rc;
}
