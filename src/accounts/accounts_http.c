/* The HTTP server's API-key hook on the shared accounts: the key of a
 * request finds its account (the request's principal), or the request is
 * refused before its body is read. */

#include <errno.h>
#include <sigway/accounts/accounts_http.h>
#include <sigway/http/http_server.h>

int accounts_http_auth(struct http_request *req, const char *api_key, void *data)
{
	struct account *a;
	switch (accounts_authenticate(data, api_key, &a)) {
	case 0:
		http_req_set_principal(req, a);
		return 0;
	case -EAGAIN:
		/* too many key checks this second (someone guessing): come back */
		return 429;
	default:
		return 401;
	}
}
