/*
 * res_health.c - GET /v1/health: liveness, the version and GLPK's version.
 * Needs no token, touches nothing, so load balancers and systemd checks may
 * call it freely.
 */
#include <glpk.h>

#include "routes.h"

void res_health_get(struct http_call *c)
{
	http_reply_json(c, 200,
			json_pack("{s:s, s:s, s:s}", "status", "ok", "version", PEERPLAN_VERSION,
				  "glpk", glp_version()),
			NULL);
}
