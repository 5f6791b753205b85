/* The USSD gateway: USSD sessions of the mobile network (MAP
 * networkUnstructuredSsContext v2 on the gateway's SSN, or GSM 04.80 over
 * GSUP from an OsmoHLR) bridged to third-party applications over HTTP
 * (REST/JSON or the <dialog> XML dialect, include/sigway/ussdgw/ussd_app.h).
 *
 * Pull: a subscriber dials a code; the longest configured code prefix names
 * the application; its menus go to the subscriber as unstructuredSS-Request,
 * its final text as the processUnstructuredSS-Request result. Push: an
 * application asks the gateway's push resource (POST /ussd/push) to open a
 * session to an MSISDN, towards the subscriber's HLR (MAP-OpenInfo) or,
 * per operator, through SRI-for-SM to the serving MSC/VLR.
 *
 * One osmo_fsm per session. Every session started is billed once
 * (billing kind ussd_session) and leaves one row in the session log
 * (table ussd_sessions, printed by sigway-audit). Operators' view:
 * doc/ussd-gateway.md; applications' view: doc/ussd-gateway-api.md. */
#pragma once

#include <stdbool.h>

struct ussdgw;
struct map_instance;
struct routing;
struct store;
struct http_server;
struct euse_cfg;

struct ussdgw *ussdgw_alloc(void *ctx);
/* The "ussd" config node (applications, routes, limits, texts, timers) and
 * the show commands; before the config is read */
void ussdgw_vty_init(struct ussdgw *gw);
/* The config has a "ussd" node: the gateway serves USSD */
bool ussdgw_configured(const struct ussdgw *gw);

/* the SCCP subsystem the gateway serves USSD on ("ssn", default 8: the
 * MAP instance of the other services; another one needs its own) */
uint8_t ussdgw_ssn(const struct ussdgw *gw);
/* "ssn ... also-8": pulls on the services' MAP instance (SSN 8) too */
bool ussdgw_also_msc_ssn(const struct ussdgw *gw);
/* Serve USSD dialogues (pulls) to another MAP instance as well; after
 * ussdgw_start(). Pushes still leave from the gateway's own. */
int ussdgw_map_serve(struct ussdgw *gw, struct map_instance *mi);

/* The push resource on the HTTP server; before http_server_start() */
int ussdgw_http_register(struct ussdgw *gw, struct http_server *srv);
/* Starts the service. mi: the gateway's MAP instance (NULL: no SS7, GSUP
 * only), rt: operators and the SRI-for-SM step, st: billing and the session
 * log (required). 0 or -1 (logged). */
int ussdgw_start(struct ussdgw *gw, struct map_instance *mi, struct routing *rt, struct store *st);
/* The GSUP transport: sigwayd as External USSD Entity of an OsmoHLR */
int ussdgw_start_gsup(struct ussdgw *gw, const struct euse_cfg *cfg);

/* Orderly stop: no new sessions; every live session ends (the subscriber
 * gets the error text, the application exit code system_failure). Returns
 * the sessions still waiting for their application's last answer; call again
 * from the loop until 0 (or give up and ussdgw_free()). */
unsigned int ussdgw_drain(struct ussdgw *gw);
void ussdgw_free(struct ussdgw *gw);
