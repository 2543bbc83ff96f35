/*
 * match_flow.c - the exact batch matching of MODEL.md section 2 as a
 * min-cost flow, solved with GLPK's out-of-kilter routine (glp_mincost_okalg).
 *
 * Network: source -> parent (capacity 1) -> specialist (capacity 1, one arc
 * per eligible pair) -> sink (capacity = capacity minus existing pairs), and
 * a bypass arc source -> sink (capacity = number of parents) so that leaving
 * parents unmatched is always feasible.  The source supplies one unit per
 * parent and the sink absorbs them.
 *
 * Why out-of-kilter: Debian's GLPK 5.0 ships glp_mincost_relax4 disabled
 * ("temporarily disabled due to licensing problems"); glp_mincost_okalg is
 * the network routine left.  It works in int, returns GLP_ERANGE on
 * overflow, and gives node prices (v_pi) that we use as duals.
 *
 * Lexicographic objective without a big-M.  A single cost
 * priority * M + fit * K with M large enough to keep the levels apart
 * (M > (specialists + 1) * K) overflows int at a few thousand parents.
 * Instead we solve twice:
 *   1. costs -priority on source -> parent arcs, 0 elsewhere: the optimum
 *      is the maximum matched priority.  From the node prices we get every
 *      arc's reduced cost rc1; by complementary slackness the flows optimal
 *      for level 1 are exactly the feasible flows with x = low where
 *      rc1 > 0 and x = cap where rc1 < 0 (for any one dual optimum).
 *   2. fix those arcs (low = cap = 0, or low = cap), give pair arcs the cost
 *      -round(fit * 10^6), and solve again: the optimum maximises total
 *      scaled fit among the level-1 optima.
 * Every cost is at most 10^6 in magnitude.  After each solve the prices are
 * checked against complementary slackness on every arc (an internal error
 * if they fail), so a wrong dual can never pass silently.
 *
 * Rounding: each pair's fit is rounded to 1e-6 units, so the chosen
 * matching's true total fit is within (matched parents) * 1e-6 of the true
 * optimum; ties closer than that may be broken either way.  The reported
 * total_fit is always the sum of the unrounded fits.
 *
 * Sparse pricing: 20,000 parents x 1,000 specialists have 20 million
 * eligible pairs, too many arcs to hand to GLPK.  Each parent starts with
 * its MATCH_ARCS best-fitting specialists; after each solve the potentials
 * price every pair left out (reduced cost cost + q(parent) - q(specialist));
 * the most negative ones join the network and we solve again, until no pair
 * outside the network has a negative reduced cost.  Then the restricted
 * optimum satisfies the optimality conditions of the full network, in each
 * phase, so the answer is exact.
 *
 * GLPK errors never abort: an error hook longjmps back here, the thread's
 * GLPK environment is freed (GLPK's documented recovery), and -1 is returned.
 * Otherwise the caller's thread owns its GLPK environment.
 */
#include "match.h"
#include "match_internal.h"

#include <glpk.h>
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MATCH_SCALE 1000000 /* fit units per 1.0 */
#define MATCH_ARCS  6       /* pair arcs per parent at the start, and per pricing round */

struct arcdata {
	double low, cap, cost, x, rc;
};

enum arc_kind { ARC_SOURCE, ARC_PAIR, ARC_SINK, ARC_BYPASS };

struct flow_arc {
	glp_arc *a;
	int kind;
	int p, s; /* parent (ARC_SOURCE, ARC_PAIR), specialist (ARC_PAIR, ARC_SINK) */
};

struct flow {
	const struct match_input *in;
	int np, ns;
	int *rem;            /* remaining capacity per specialist */
	int32_t *fit;        /* np x ns scaled fits, -1 = not a candidate arc */
	uint8_t *in_graph;   /* np x ns: pair arc already in the network */
	glp_graph *g;
	struct flow_arc *arcs;
	long narcs, cap_arcs;
	long long *q1, *q2; /* potentials of phase 1 and 2, per vertex */
	int rounds;
	jmp_buf jb;
};

/* Vertex data: supply, then the price okalg writes. */
#define V_RHS 0
#define V_PI  ((int)sizeof(double))

/* Vertex numbers (GLPK counts from 1). */
#define V_SOURCE    1
#define V_SINK      2
#define V_PARENT(p) (3 + (p))
#define V_SPEC(f, s) (3 + (f)->np + (s))

static struct arcdata *arc_data(glp_arc *a)
{
	return a->data;
}

static void on_glpk_error(void *info)
{
	longjmp(*(jmp_buf *)info, 1);
}

/* Add an arc of the given kind; returns 0 or -1 on out of memory. */
static int flow_add(struct flow *f, int kind, int tail, int head, int p, int s, double low,
		    double cap, double cost)
{
	struct flow_arc *fa;
	struct arcdata *d;

	if (f->narcs == f->cap_arcs) {
		long cap_arcs = f->cap_arcs ? 2 * f->cap_arcs : 1024;
		struct flow_arc *v = realloc(f->arcs, sizeof *v * (size_t)cap_arcs);

		if (v == NULL)
			return -1;
		f->arcs = v;
		f->cap_arcs = cap_arcs;
	}
	fa = &f->arcs[f->narcs++];
	fa->a = glp_add_arc(f->g, tail, head);
	fa->kind = kind;
	fa->p = p;
	fa->s = s;
	d = arc_data(fa->a);
	d->low = low;
	d->cap = cap;
	d->cost = cost;
	d->x = d->rc = 0.0;
	if (kind == ARC_PAIR)
		f->in_graph[(size_t)p * (size_t)f->ns + (size_t)s] = 1;
	return 0;
}

/* Solve the current network with the out-of-kilter algorithm and derive
 * the potentials q (rc = cost + q(tail) - q(head)) from its node prices,
 * checking complementary slackness on every arc.  -1 with err on failure. */
static int flow_solve(struct flow *f, long long *q, struct pp_error *err)
{
	int rc, nv = f->g->nv;

	f->rounds++;
	rc = glp_mincost_okalg(f->g, V_RHS, offsetof(struct arcdata, low),
			       offsetof(struct arcdata, cap), offsetof(struct arcdata, cost), NULL,
			       offsetof(struct arcdata, x), V_PI);
	if (rc != 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL,
				    "matching: the flow solver failed (GLPK code %d)", rc);
	for (int i = 1; i <= nv; i++) {
		double pi;

		memcpy(&pi, (char *)f->g->v[i]->data + V_PI, sizeof pi);
		q[i] = -llround(pi);
	}
	for (long i = 0; i < f->narcs; i++) {
		glp_arc *a = f->arcs[i].a;
		struct arcdata *d = arc_data(a);
		long long r = llround(d->cost) + q[a->tail->i] - q[a->head->i];

		d->rc = (double)r;
		if ((r > 0 && d->x != d->low) || (r < 0 && d->x != d->cap))
			return pp_error_set(err, PP_ERR_INTERNAL, NULL,
					    "matching: the flow solver's prices are not optimal");
	}
	return 0;
}

/* Phase-1 reduced cost of the pair (p, s) (its cost is 0). */
static long long rc1_pair(const struct flow *f, int p, int s)
{
	return f->q1[V_PARENT(p)] - f->q1[V_SPEC(f, s)];
}

/* Add up to MATCH_ARCS pairs of parent p with the most negative reduced
 * cost under (phase, q) to the network.  Returns the number added or -1. */
static int flow_price_parent(struct flow *f, int phase, int p)
{
	long long best_rc[MATCH_ARCS];
	int best_s[MATCH_ARCS], nb = 0, added = 0;
	const int32_t *row = f->fit + (size_t)p * (size_t)f->ns;
	const uint8_t *ing = f->in_graph + (size_t)p * (size_t)f->ns;
	const long long *q = phase == 1 ? f->q1 : f->q2;

	for (int s = 0; s < f->ns; s++) {
		long long rc;
		int i;

		if (row[s] < 0 || ing[s])
			continue;
		if (phase == 2 && rc1_pair(f, p, s) != 0)
			continue; /* outside the level-1 optimal face */
		rc = (phase == 1 ? 0 : -(long long)row[s]) + q[V_PARENT(p)] - q[V_SPEC(f, s)];
		if (rc >= 0)
			continue;
		if (nb == MATCH_ARCS && rc >= best_rc[nb - 1])
			continue;
		if (nb < MATCH_ARCS)
			nb++;
		for (i = nb - 1; i > 0 && best_rc[i - 1] > rc; i--) {
			best_rc[i] = best_rc[i - 1];
			best_s[i] = best_s[i - 1];
		}
		best_rc[i] = rc;
		best_s[i] = s;
	}
	for (int i = 0; i < nb; i++) {
		if (flow_add(f, ARC_PAIR, V_PARENT(p), V_SPEC(f, best_s[i]), p, best_s[i], 0, 1,
			     phase == 1 ? 0 : -(double)row[best_s[i]]) < 0)
			return -1;
		added++;
	}
	return added;
}

/* Solve the current phase to optimality over all candidate pairs. */
static int flow_phase(struct flow *f, int phase, struct pp_error *err)
{
	for (;;) {
		long added = 0;

		if (flow_solve(f, phase == 1 ? f->q1 : f->q2, err) < 0)
			return -1;
		for (int p = 0; p < f->np; p++) {
			int k = flow_price_parent(f, phase, p);

			if (k < 0)
				return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
			added += k;
		}
		if (added == 0)
			return 0;
	}
}

/* Scaled fits of all candidate pairs (eligible, specialist has room). */
static int flow_fits(struct flow *f)
{
	const struct match_input *in = f->in;

	for (int p = 0; p < f->np; p++) {
		const struct match_parent *par = &in->parents[p];
		int32_t *row = f->fit + (size_t)p * (size_t)f->ns;
		struct match_fitw fw;

		if (match_fitw_init(&in->policy, par, &fw) < 0)
			return -1;
		for (int s = 0; s < f->ns; s++) {
			const struct match_specialist *sp = &in->specialists[s];

			if (f->rem[s] <= 0 || !match_eligible(in, par, sp, NULL)) {
				row[s] = -1;
				continue;
			}
			row[s] = (int32_t)lround(match_fit_eval(in, par, &fw, sp, NULL) *
						 MATCH_SCALE);
		}
		match_fitw_free(&fw);
	}
	return 0;
}

/* The network with every parent's MATCH_ARCS best-fitting candidates. */
static int flow_build(struct flow *f)
{
	double supply = f->np;

	glp_add_vertices(f->g, 2 + f->np + f->ns);
	memcpy((char *)f->g->v[V_SOURCE]->data + V_RHS, &supply, sizeof supply);
	supply = -supply;
	memcpy((char *)f->g->v[V_SINK]->data + V_RHS, &supply, sizeof supply);
	if (flow_add(f, ARC_BYPASS, V_SOURCE, V_SINK, -1, -1, 0, f->np, 0) < 0)
		return -1;
	for (int p = 0; p < f->np; p++)
		if (flow_add(f, ARC_SOURCE, V_SOURCE, V_PARENT(p), p, -1, 0, 1,
			     -(double)f->in->parents[p].priority) < 0)
			return -1;
	for (int s = 0; s < f->ns; s++)
		if (flow_add(f, ARC_SINK, V_SPEC(f, s), V_SINK, -1, s, 0, f->rem[s], 0) < 0)
			return -1;
	for (int p = 0; p < f->np; p++) {
		const int32_t *row = f->fit + (size_t)p * (size_t)f->ns;
		int best[MATCH_ARCS], nb = 0;

		for (int s = 0; s < f->ns; s++) {
			int i;

			if (row[s] < 0 || (nb == MATCH_ARCS && row[s] <= row[best[nb - 1]]))
				continue;
			if (nb < MATCH_ARCS)
				nb++;
			for (i = nb - 1; i > 0 && row[best[i - 1]] < row[s]; i--)
				best[i] = best[i - 1];
			best[i] = s;
		}
		for (int i = 0; i < nb; i++)
			if (flow_add(f, ARC_PAIR, V_PARENT(p), V_SPEC(f, best[i]), p, best[i], 0, 1,
				     0) < 0)
				return -1;
	}
	return 0;
}

/* Fix every arc outside the level-1 optimal face and set level-2 costs. */
static void flow_to_phase2(struct flow *f)
{
	for (long i = 0; i < f->narcs; i++) {
		struct flow_arc *fa = &f->arcs[i];
		struct arcdata *d = arc_data(fa->a);
		long long rc = llround(d->rc);

		if (rc > 0)
			d->cap = d->low; /* = 0 */
		else if (rc < 0)
			d->low = d->cap;
		d->cost = fa->kind == ARC_PAIR
				  ? -(double)f->fit[(size_t)fa->p * (size_t)f->ns + (size_t)fa->s]
				  : 0.0;
	}
}

/* Turn the final flow into res. */
static int flow_result(struct flow *f, struct match_result *res, struct pp_error *err)
{
	const struct match_input *in = f->in;
	int *assigned = malloc(sizeof(int) * ((size_t)f->np + 1));

	if (assigned == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	for (int p = 0; p < f->np; p++)
		assigned[p] = -1;
	for (long i = 0; i < f->narcs; i++)
		if (f->arcs[i].kind == ARC_PAIR && arc_data(f->arcs[i].a)->x > 0.5)
			assigned[f->arcs[i].p] = f->arcs[i].s;
	res->matches = calloc((size_t)f->np + 1, sizeof *res->matches);
	res->unmatched = calloc((size_t)f->np + 1, sizeof *res->unmatched);
	if (res->matches == NULL || res->unmatched == NULL)
		goto oom;
	for (int p = 0; p < f->np; p++) {
		const struct match_parent *par = &in->parents[p];

		if (assigned[p] < 0) {
			struct match_unmatched *u = &res->unmatched[res->nunmatched++];

			u->parent = p;
			u->reasons = match_reasons(in, par);
		} else {
			struct match_assignment *m = &res->matches[res->nmatches];

			m->parent = p;
			m->specialist = assigned[p];
			if (match_fit(in, par, &in->specialists[assigned[p]], &m->fit, err) < 0)
				goto fail;
			res->nmatches++;
			res->matched_priority += par->priority;
			res->total_fit += m->fit.fit;
		}
	}
	free(assigned);
	return 0;
oom:
	pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
fail:
	free(assigned);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void flow_free(struct flow *f)
{
	free(f->rem);
	free(f->fit);
	free(f->in_graph);
	free(f->arcs);
	free(f->q1);
	free(f->q2);
	free(f);
}

int match_solve(const struct match_input *in, struct match_result *res, struct pp_error *err)
{
	struct flow *f = calloc(1, sizeof *f);
	double t0 = now_s();
	size_t cells;
	int nv;

	memset(res, 0, sizeof *res);
	res->status = MATCH_OPTIMAL;
	if (f == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	f->in = in;
	f->np = in->nparents;
	f->ns = in->nspecialists;
	cells = (size_t)f->np * (size_t)f->ns + 1;
	nv = 3 + f->np + f->ns;
	f->rem = malloc(sizeof(int) * ((size_t)f->ns + 1));
	f->fit = malloc(sizeof(int32_t) * cells);
	f->in_graph = calloc(cells, 1);
	f->q1 = calloc((size_t)nv, sizeof(long long));
	f->q2 = calloc((size_t)nv, sizeof(long long));
	if (f->rem == NULL || f->fit == NULL || f->in_graph == NULL || f->q1 == NULL ||
	    f->q2 == NULL)
		goto oom;
	match_caseload(in, f->rem);
	for (int s = 0; s < f->ns; s++)
		f->rem[s] = in->specialists[s].capacity > f->rem[s] ? in->specialists[s].capacity - f->rem[s] : 0;
	if (flow_fits(f) < 0)
		goto oom;

	glp_error_hook(on_glpk_error, &f->jb);
	if (setjmp(f->jb)) {
		/* GLPK's state is undefined after an error: free the environment
		 * (and with it the graph). */
		glp_error_hook(NULL, NULL);
		glp_free_env();
		flow_free(f);
		match_result_free(res);
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "matching: GLPK error");
	}
	f->g = glp_create_graph(2 * sizeof(double), sizeof(struct arcdata));
	if (flow_build(f) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	if (flow_phase(f, 1, err) < 0)
		goto fail;
	flow_to_phase2(f);
	if (flow_phase(f, 2, err) < 0 || flow_result(f, res, err) < 0)
		goto fail;
	res->rounds = f->rounds;
	for (long i = 0; i < f->narcs; i++)
		res->arcs += f->arcs[i].kind == ARC_PAIR;
	glp_delete_graph(f->g);
	glp_error_hook(NULL, NULL);
	flow_free(f);
	res->seconds = now_s() - t0;
	return 0;
fail:
	glp_delete_graph(f->g);
	glp_error_hook(NULL, NULL);
	flow_free(f);
	match_result_free(res);
	return -1;
oom:
	flow_free(f);
	return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
}
