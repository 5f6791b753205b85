/* The accounts behind the HTTP APIs: the hook sigwayd gives the HTTP
 * server (http_server_set_auth(srv, accounts_http_auth, accounts)). A
 * known key makes its struct account the request's principal
 * (http_req_principal()); an unknown or malformed one is 401, and while
 * key checks use up their time budget (someone guessing) 429. */
#pragma once

#include <sigway/accounts/accounts.h>

struct http_request;

int accounts_http_auth(struct http_request *req, const char *api_key, void *data);
