/*
 * res_adopt.c - POST /v1/plans/{id}/adopt: the plan a month runs.
 *
 * A month may have many plans (drafts, revisions, what-ifs); attendance,
 * follow-ups and the month's report go by its adopted plan (API.md).  Only
 * a done plan with an optimal or feasible result can be adopted (409
 * otherwise: it exists, its state does not allow it); a done plan never
 * changes, so checking it before the write is enough.  The store then
 * moves the flag from the month's adopted plan, if any, to this one and
 * writes the audit row "adopt plan", in one transaction committed before
 * the reply.  Adopting the adopted plan again changes nothing and answers
 * the same.  The plan documents of both plans change (`adopted`), so the
 * plans resource forgets any copy it keeps.
 *
 * Reply: 200 {"id", "month", "adopted": true, "replaces"}, replaces being
 * the plan that stopped being adopted, or null.
 */
#include <string.h>

#include "log.h"
#include "plans.h"
#include "replan.h"
#include "routes.h"
#include "store.h"

void res_adopt_post(struct http_call *c)
{
	struct server *srv = c->srv;
	struct pp_error err = {0};
	struct store_plan p;
	char replaced[40];

	if (store_plan_get(srv->store, c->param, STORE_PLAN_RESULT, &p, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (!replan_has_plan(&p, NULL))
		pp_error_set(&err, PP_ERR_CONFLICT, "",
			     "plan %s is %s without a plan; only a plan that is done with an "
			     "optimal or feasible result can be adopted",
			     p.id, p.status);
	else if (store_plan_adopt(srv->store, p.id, c->who.name, replaced, &err) == 0) {
		const char *was =
		    replaced[0] != '\0' && strcmp(replaced, p.id) != 0 ? replaced : NULL;

		plans_forget(srv->plans, p.id);
		if (was != NULL)
			plans_forget(srv->plans, was);
		log_info("plan %s adopted for %s by %s%s%s", p.id, p.month, c->who.name,
			 was ? " in place of " : "", was ? was : "");
		http_reply_json(c, 200,
				json_pack("{s:s, s:s, s:b, s:s?}", "id", p.id, "month", p.month,
					  "adopted", 1, "replaces", was),
				NULL);
		store_plan_free(&p);
		return;
	}
	store_plan_free(&p);
	http_reply_error(c, &err, NULL);
}
