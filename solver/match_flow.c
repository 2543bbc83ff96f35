/*
 * match_flow.c - the exact batch matching of MODEL.md section 2 as a
 * min-cost flow, solved by successive shortest paths (Dijkstra with node
 * potentials) over a sparsely priced network.
 *
 * Network: parent -> specialist (capacity 1, one arc per eligible pair),
 * specialist -> sink (capacity = capacity minus existing pairs), and a bypass
 * parent -> sink (capacity 1, cost 0) so that leaving a parent unmatched is
 * always feasible.  Every parent supplies one unit, the sink absorbs them.
 * A parent carries at most one unit, so the flow is stored as assign[p] (a
 * specialist, the sink, or nothing yet) and the specialists' lists of
 * assigned parents; no per-arc flow is kept.
 *
 * Why our own algorithm: Debian's GLPK 5.0 ships glp_mincost_relax4
 * disabled ("licensing problems"), and glp_mincost_okalg (out-of-kilter)
 * took 5 s for 5,000 x 250 and did not finish 20,000 x 1,000 in 300 s.  This
 * bipartite transportation structure (every path alternates parent,
 * specialist, parent, ... and ends at the sink) suits successive shortest
 * paths well: most augmenting paths are a handful of arcs long.
 *
 * Lexicographic objective in one int64 cost: a pair costs
 * -(priority * M + round(fit * 10^6)) with M = parents * 10^6 + 1, more
 * than any total scaled fit, so one unit of priority outweighs every fit
 * difference.  The bypass costs 0.  match_solve() refuses (internal error)
 * a batch whose costs could overflow the potentials, far beyond any batch
 * that fits in memory here.
 *
 * Successive shortest paths: reduced costs rc(u,v) = c(u,v) + pi(u) - pi(v)
 * are kept >= 0 on every residual arc.  Each parent with an unrouted unit
 * (an excess) runs Dijkstra until it pops a node with a deficit (the sink,
 * or a specialist that lost a parent, see below), augments along the path
 * and adds min(d(v), D) to every potential; pi is stored minus a global
 * shift so that only the popped nodes are touched.  Then every residual arc
 * still has rc >= 0, which is the optimality certificate.
 *
 * Sparse pricing: 20,000 parents x 1,000 specialists have 20 million
 * eligible pairs.  Each parent starts with its MATCH_ARCS best-fitting
 * specialists; once every unit is routed, the potentials price every pair
 * left out, and the parents with a negative one get up to MATCH_ARCS of the
 * most negative.  Such a parent gives its unit back (its specialist, or the
 * sink, is left with a deficit), its potential is raised until all of its
 * arcs have rc >= 0 (no residual arc enters a parent without a unit, so
 * nothing else changes), and it is routed again.  When no pair outside the
 * network prices negative, the restricted optimum is optimal for the full
 * network.  The complementary slackness of every arc is checked at the end
 * (an internal error if it fails), so a wrong answer cannot pass silently.
 *
 * Rounding: each pair's fit is rounded to 1e-6 units, so the chosen
 * matching's true total fit is within (matched parents) * 1e-6 of the true
 * optimum; ties closer than that may be broken either way.  The reported
 * total_fit is always the sum of the unrounded fits.
 */
#include "match.h"
#include "match_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MATCH_SCALE 1000000 /* fit units per 1.0 */
#define MATCH_ARCS  6       /* pair arcs per parent at the start, and per pricing round */

#define ASSIGN_NONE (-1) /* the parent's unit is not routed (an excess) */
#define ASSIGN_SINK (-2) /* the parent is unmatched (its bypass carries the unit) */

#define DIST_INF LLONG_MAX

/* A growable array of ints. */
struct ivec {
	int *v;
	int n, cap;
};

/* A pair arc out of a parent, with its scaled fit at hand: the fit matrix
 * is too large to touch at random while routing. */
struct pair_arc {
	int s;
	int32_t fit;
};

struct arcvec {
	struct pair_arc *v;
	int n, cap;
};

struct flow {
	const struct match_input *in;
	int np, ns, nv, sink; /* nodes: parents 0..np-1, specialists np.., the sink */
	int *rem;             /* room per specialist (at most np) */
	int32_t *fit;         /* np x ns scaled fits, -1 = not a candidate pair */
	uint8_t *in_graph;    /* np x ns: pair arc already in the network */
	long long *base;      /* per parent: priority * M */
	struct arcvec *cand;  /* per parent: its pair arcs */
	long arcs;

	int *assign;         /* per parent: a specialist, ASSIGN_SINK or ASSIGN_NONE */
	int32_t *afit;       /* per parent: scaled fit of its assigned pair */
	struct ivec *at;     /* per specialist: its assigned parents */
	struct ivec bypass;  /* parents assigned to the sink */
	int *pos;            /* per parent: its index in at[assign] or in bypass */
	int *flow_t;         /* per specialist: flow on specialist -> sink */
	long into_sink;      /* units arriving at the sink */

	long long *pi;       /* potentials, minus shift */
	long long shift;
	long long *dist;
	int *pred;
	uint8_t *done;
	int *heap, *hpos, nheap;
	int *touched, ntouched;
	int *path;
	struct ivec excess; /* parents to route */
	int rounds;
	int broken; /* a negative reduced cost was seen: the invariant failed */
	int found;  /* a deficit node reached at the least distance, or -1 */
};

static int ivec_push(struct ivec *v, int x)
{
	if (v->n == v->cap) {
		int cap = v->cap ? 2 * v->cap : 8;
		int *nv = realloc(v->v, sizeof(int) * (size_t)cap);

		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* Cost of the pair arc p -> s (negative). */
static long long pair_cost(const struct flow *f, int p, int s)
{
	return -(f->base[p] + f->fit[(size_t)p * (size_t)f->ns + (size_t)s]);
}

/* Reduced cost of the pair arc p -> s. */
static long long pair_rc(const struct flow *f, int p, int s)
{
	return pair_cost(f, p, s) + f->pi[p] - f->pi[f->np + s];
}

/* Deficit of node v (a specialist or the sink): units it must still receive. */
static long node_deficit(const struct flow *f, int v)
{
	if (v == f->sink)
		return (long)f->np - f->into_sink;
	if (v >= f->np)
		return f->flow_t[v - f->np] - f->at[v - f->np].n;
	return 0;
}

/* --- an indexed binary heap of nodes keyed by dist --- */

static void heap_up(struct flow *f, int i)
{
	int v = f->heap[i];

	while (i > 0) {
		int up = (i - 1) / 2;

		if (f->dist[f->heap[up]] <= f->dist[v])
			break;
		f->heap[i] = f->heap[up];
		f->hpos[f->heap[i]] = i;
		i = up;
	}
	f->heap[i] = v;
	f->hpos[v] = i;
}

static int heap_pop(struct flow *f)
{
	int top = f->heap[0], v = f->heap[--f->nheap], i = 0;

	f->hpos[top] = -1;
	if (f->nheap == 0)
		return top;
	for (;;) {
		int c = 2 * i + 1;

		if (c >= f->nheap)
			break;
		if (c + 1 < f->nheap && f->dist[f->heap[c + 1]] < f->dist[f->heap[c]])
			c++;
		if (f->dist[f->heap[c]] >= f->dist[v])
			break;
		f->heap[i] = f->heap[c];
		f->hpos[f->heap[i]] = i;
		i = c;
	}
	f->heap[i] = v;
	f->hpos[v] = i;
	return top;
}

/* Relax the residual arc u -> v of reduced cost rc. */
static void relax(struct flow *f, int u, int v, long long rc)
{
	long long nd;

	if (f->done[v])
		return;
	if (rc < 0)
		f->broken = 1;
	nd = f->dist[u] + rc;
	if (nd >= f->dist[v])
		return;
	if (f->dist[v] == DIST_INF)
		f->touched[f->ntouched++] = v;
	f->dist[v] = nd;
	f->pred[v] = u;
	/* u was popped with the least distance: a deficit node reached at the
	 * same distance needs no popping, its distance is final. */
	if (nd == f->dist[u] && v >= f->np && f->found < 0 && node_deficit(f, v) > 0)
		f->found = v;
	if (f->hpos[v] < 0) {
		f->heap[f->nheap] = v;
		f->hpos[v] = f->nheap++;
	}
	heap_up(f, f->hpos[v]);
}

/* Relax every residual arc leaving u. */
static void relax_out(struct flow *f, int u)
{
	const int np = f->np;

	if (u < np) {
		const struct arcvec *c = &f->cand[u];
		const long long bp = f->pi[u] - f->base[u];

		for (int i = 0; i < c->n; i++)
			if (c->v[i].s != f->assign[u])
				relax(f, u, np + c->v[i].s, bp - c->v[i].fit - f->pi[np + c->v[i].s]);
		if (f->assign[u] != ASSIGN_SINK)
			relax(f, u, f->sink, f->pi[u] - f->pi[f->sink]);
	} else if (u < f->sink) {
		int s = u - np;
		const struct ivec *a = &f->at[s];

		if (f->flow_t[s] < f->rem[s])
			relax(f, u, f->sink, f->pi[u] - f->pi[f->sink]);
		for (int i = 0; i < a->n; i++) {
			int p = a->v[i];

			relax(f, u, p, f->base[p] + f->afit[p] - f->pi[p] + f->pi[u]);
		}
	} else {
		for (int s = 0; s < f->ns; s++)
			if (f->flow_t[s] > 0)
				relax(f, u, np + s, f->pi[u] - f->pi[np + s]);
		for (int i = 0; i < f->bypass.n; i++)
			relax(f, u, f->bypass.v[i], f->pi[u] - f->pi[f->bypass.v[i]]);
	}
}

/* Take parent p out of its specialist's list or the bypass list. */
static void unassign(struct flow *f, int p)
{
	struct ivec *v;
	int i = f->pos[p];

	if (f->assign[p] == ASSIGN_NONE)
		return;
	if (f->assign[p] == ASSIGN_SINK) {
		v = &f->bypass;
		f->into_sink--;
	} else {
		v = &f->at[f->assign[p]];
	}
	v->v[i] = v->v[--v->n];
	f->pos[v->v[i]] = i;
	f->assign[p] = ASSIGN_NONE;
}

/* Put parent p on specialist s (or the sink when s is ASSIGN_SINK). */
static int assign_to(struct flow *f, int p, int s)
{
	struct ivec *v = s == ASSIGN_SINK ? &f->bypass : &f->at[s];

	if (ivec_push(v, p) < 0)
		return -1;
	f->pos[p] = v->n - 1;
	f->assign[p] = s;
	if (s >= 0)
		f->afit[p] = f->fit[(size_t)p * (size_t)f->ns + (size_t)s];
	if (s == ASSIGN_SINK)
		f->into_sink++;
	return 0;
}

/* Push one unit along the residual arc u -> v. */
static int apply_arc(struct flow *f, int u, int v)
{
	const int np = f->np;

	if (u < np) { /* parent -> specialist or bypass: route u's unit */
		unassign(f, u);
		return assign_to(f, u, v == f->sink ? ASSIGN_SINK : v - np);
	}
	if (v < np) { /* specialist or sink -> parent: v gives its unit up */
		unassign(f, v);
		return 0;
	}
	if (v == f->sink) /* specialist -> sink */
		f->flow_t[u - np]++;
	else /* sink -> specialist */
		f->flow_t[v - np]--;
	if (v == f->sink || u == f->sink)
		f->into_sink += v == f->sink ? 1 : -1;
	return 0;
}

/* Route parent src's unit along a shortest path to a node with a deficit,
 * then update the potentials.  Returns 0, or -1 (out of memory, or no path:
 * an internal error). */
static int route(struct flow *f, int src)
{
	int target = -1, len = 0;
	long long d_target;

	f->ntouched = 0;
	f->nheap = 0;
	f->dist[src] = 0;
	f->touched[f->ntouched++] = src;
	f->heap[f->nheap] = src;
	f->hpos[src] = f->nheap++;
	while (f->nheap > 0) {
		int u = heap_pop(f);

		f->done[u] = 1;
		if (u >= f->np && node_deficit(f, u) > 0) {
			target = u;
			break;
		}
		relax_out(f, u);
		if (f->found >= 0) {
			target = f->found;
			f->done[target] = 1;
			break;
		}
	}
	f->found = -1;
	if (target < 0)
		return -1;
	d_target = f->dist[target];
	for (int v = target; v != src; v = f->pred[v])
		f->path[len++] = v;
	f->path[len++] = src;
	for (int i = len - 1; i > 0; i--)
		if (apply_arc(f, f->path[i], f->path[i - 1]) < 0)
			return -1;
	/* pi += min(d, D) for every node: the shift takes D, the popped nodes
	 * the difference. */
	for (int i = 0; i < f->ntouched; i++) {
		int v = f->touched[i];

		if (f->done[v])
			f->pi[v] += f->dist[v] - d_target;
		f->dist[v] = DIST_INF;
		f->done[v] = 0;
		if (f->hpos[v] >= 0)
			f->hpos[v] = -1;
	}
	f->nheap = 0;
	f->shift += d_target;
	if (f->shift > (1LL << 59)) {
		for (int v = 0; v < f->nv; v++)
			f->pi[v] += f->shift;
		f->shift = 0;
	}
	return 0;
}

/* Give back parent p's unit and raise its potential until every arc out of
 * it has a reduced cost >= 0; p joins the excess list. */
static int release(struct flow *f, int p)
{
	long long pi = f->pi[f->sink]; /* the bypass */
	const struct arcvec *c = &f->cand[p];

	unassign(f, p);
	for (int i = 0; i < c->n; i++) {
		long long need = f->pi[f->np + c->v[i].s] + f->base[p] + c->v[i].fit;

		if (need > pi)
			pi = need;
	}
	if (pi > f->pi[p])
		f->pi[p] = pi;
	return ivec_push(&f->excess, p);
}

/* Add the pair arc p -> s. */
static int add_pair(struct flow *f, int p, int s)
{
	struct arcvec *c = &f->cand[p];

	if (c->n == c->cap) {
		int cap = c->cap ? 2 * c->cap : MATCH_ARCS;
		struct pair_arc *nv = realloc(c->v, sizeof *nv * (size_t)cap);

		if (nv == NULL)
			return -1;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n].s = s;
	c->v[c->n++].fit = f->fit[(size_t)p * (size_t)f->ns + (size_t)s];
	f->in_graph[(size_t)p * (size_t)f->ns + (size_t)s] = 1;
	f->arcs++;
	return 0;
}

/* A parent to route, with the value of its best arc. */
struct ranked_excess {
	long long value;
	int p;
};

/* Most valuable first; ties by parent index, so the order is deterministic. */
static int cmp_excess(const void *a, const void *b)
{
	const struct ranked_excess *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return (x->p > y->p) - (x->p < y->p);
}

/* Order the excess list by priority, then best fit, descending.  Any order
 * is exact; this one routes most parents at once to their final place and
 * leaves the ones that end up unmatched, or bumped, for last, when the
 * potentials already price the full specialists (measured: 40% less work
 * than input order at 20,000 x 1,000). */
static int order_excess(struct flow *f)
{
	struct ranked_excess *r = malloc(sizeof *r * ((size_t)f->excess.n + 1));

	if (r == NULL)
		return -1;
	for (int i = 0; i < f->excess.n; i++) {
		const struct arcvec *c = &f->cand[f->excess.v[i]];
		int32_t best = 0;

		for (int k = 0; k < c->n; k++)
			if (c->v[k].fit > best)
				best = c->v[k].fit;
		r[i].p = f->excess.v[i];
		r[i].value = f->base[r[i].p] + best;
	}
	qsort(r, (size_t)f->excess.n, sizeof *r, cmp_excess);
	for (int i = 0; i < f->excess.n; i++)
		f->excess.v[i] = r[i].p;
	free(r);
	return 0;
}

/* Route every parent on the excess list. */
static int route_all(struct flow *f, struct pp_error *err)
{
	f->rounds++;
	if (order_excess(f) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	for (int i = 0; i < f->excess.n; i++)
		if (route(f, f->excess.v[i]) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL,
					    "matching: no augmenting path (or out of memory)");
	f->excess.n = 0;
	if (f->broken)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL,
				    "matching: a negative reduced cost in the flow");
	return 0;
}

/* Add up to MATCH_ARCS pairs of parent p with the most negative reduced
 * cost; if any, release p.  Returns the number added, or -1. */
static int price_parent(struct flow *f, int p)
{
	long long best_rc[MATCH_ARCS];
	int best_s[MATCH_ARCS], nb = 0;
	const int32_t *row = f->fit + (size_t)p * (size_t)f->ns;
	const uint8_t *ing = f->in_graph + (size_t)p * (size_t)f->ns;
	const long long *pis = f->pi + f->np;
	const long long base = f->pi[p] - f->base[p];

	for (int s = 0; s < f->ns; s++) {
		long long rc;
		int i;

		if (row[s] < 0 || ing[s])
			continue;
		rc = base - row[s] - pis[s];
		if (rc >= 0 || (nb == MATCH_ARCS && rc >= best_rc[nb - 1]))
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
	for (int i = 0; i < nb; i++)
		if (add_pair(f, p, best_s[i]) < 0)
			return -1;
	if (nb > 0 && release(f, p) < 0)
		return -1;
	return nb;
}

/* Check complementary slackness on every arc of the network: residual arcs
 * have rc >= 0, every unit is routed.  Returns 0 or -1 with err. */
static int check_optimal(const struct flow *f, struct pp_error *err)
{
	const long long pit = f->pi[f->sink];

	for (int p = 0; p < f->np; p++) {
		long long byp = f->pi[p] - pit;

		if (f->assign[p] == ASSIGN_NONE ||
		    (f->assign[p] == ASSIGN_SINK ? byp > 0 : byp < 0))
			goto bad;
		for (int i = 0; i < f->cand[p].n; i++) {
			int s = f->cand[p].v[i].s;
			long long rc = pair_rc(f, p, s);

			if (f->assign[p] == s ? rc > 0 : rc < 0)
				goto bad;
		}
	}
	for (int s = 0; s < f->ns; s++) {
		long long rc = f->pi[f->np + s] - pit;

		if (f->flow_t[s] != f->at[s].n || (f->flow_t[s] < f->rem[s] && rc < 0) ||
		    (f->flow_t[s] > 0 && rc > 0))
			goto bad;
	}
	return 0;
bad:
	return pp_error_set(err, PP_ERR_INTERNAL, NULL,
			    "matching: the flow's potentials are not optimal");
}

/* Scaled fits of all candidate pairs (eligible, specialist has room), one
 * pair at a time through match.c: the general path. */
static int flow_fits_general(struct flow *f)
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

/*
 * The fast path of the fits: when every vocabulary that matters (each
 * counted dimension's tags, the languages, needs with expertise) has at most
 * 64 tags, tag sets become 64-bit masks and a Jaccard term is two popcounts.
 * The arithmetic is match_fit_eval()'s, in the same order, so the fits are
 * bit for bit the same.
 */
struct fit_masks {
	int *bit_of;          /* per string: its bit in the current vocabulary, or -1 */
	int used[64], nused;  /* strings holding a bit, to reset bit_of */
	int overflow;         /* a vocabulary has more than 64 tags */
};

/* The mask of tags t in the current vocabulary, giving new tags a bit. */
static uint64_t mask_of(struct fit_masks *m, const struct pp_tags *t)
{
	uint64_t x = 0;

	for (int i = 0; i < t->n; i++) {
		int v = t->v[i];

		if (m->bit_of[v] < 0) {
			if (m->nused == 64) {
				m->overflow = 1;
				return 0;
			}
			m->bit_of[v] = m->nused;
			m->used[m->nused++] = v;
		}
		x |= (uint64_t)1 << m->bit_of[v];
	}
	return x;
}

/* Start a new vocabulary. */
static void mask_reset(struct fit_masks *m)
{
	for (int i = 0; i < m->nused; i++)
		m->bit_of[m->used[i]] = -1;
	m->nused = 0;
}

static const struct pp_tags *trait_of(const struct match_trait *t, int n, int dim)
{
	static const struct pp_tags empty = {NULL, 0};

	for (int i = 0; i < n; i++)
		if (t[i].dim == dim)
			return &t[i].tags;
	return &empty;
}

/* Fill f->fit with masks; returns 1 when a vocabulary is too large (the
 * caller takes the general path), 0 done, -1 out of memory. */
static int flow_fits_masked(struct flow *f)
{
	const struct match_input *in = f->in;
	const int np = f->np, ns = f->ns;
	const double beta = in->policy.expertise_weight;
	struct fit_masks m = {0};
	struct match_fitw *fw = calloc((size_t)np + 1, sizeof *fw);
	int *dims = NULL, *idx_of = NULL, ndims = 0, rc = -1;
	uint64_t *smask = NULL, *pmask = NULL, *slang = NULL, *plang = NULL, *sexp = NULL,
		 *pneed = NULL;

	m.bit_of = malloc(sizeof(int) * ((size_t)in->nstrs + 1));
	idx_of = malloc(sizeof(int) * ((size_t)in->nstrs + 1));
	if (fw == NULL || m.bit_of == NULL || idx_of == NULL)
		goto out;
	for (int i = 0; i < in->nstrs; i++)
		m.bit_of[i] = idx_of[i] = -1;
	/* The counted dimensions of every parent, and their union. */
	for (int p = 0; p < np; p++) {
		if (match_fitw_init(&in->policy, &in->parents[p], &fw[p]) < 0)
			goto out;
		for (int i = 0; i < fw[p].n; i++)
			if (idx_of[fw[p].dims[i]] < 0) {
				int *nd = realloc(dims, sizeof(int) * ((size_t)ndims + 1));

				if (nd == NULL)
					goto out;
				dims = nd;
				idx_of[fw[p].dims[i]] = ndims;
				dims[ndims++] = fw[p].dims[i];
			}
	}
	smask = malloc(sizeof(uint64_t) * ((size_t)ndims * (size_t)ns + 1));
	pmask = malloc(sizeof(uint64_t) * ((size_t)ndims * (size_t)np + 1));
	slang = malloc(sizeof(uint64_t) * ((size_t)ns + 1));
	sexp = malloc(sizeof(uint64_t) * ((size_t)ns + 1));
	plang = malloc(sizeof(uint64_t) * ((size_t)np + 1));
	pneed = malloc(sizeof(uint64_t) * ((size_t)np + 1));
	if (smask == NULL || pmask == NULL || slang == NULL || sexp == NULL || plang == NULL ||
	    pneed == NULL)
		goto out;
	for (int d = 0; d < ndims; d++) {
		mask_reset(&m);
		for (int s = 0; s < ns; s++) {
			const struct match_specialist *sp = &in->specialists[s];

			smask[(size_t)d * ns + s] = mask_of(&m, trait_of(sp->traits, sp->ntraits,
									  dims[d]));
		}
		for (int p = 0; p < np; p++) {
			const struct match_parent *pa = &in->parents[p];

			pmask[(size_t)d * np + p] = mask_of(&m, trait_of(pa->traits, pa->ntraits,
									  dims[d]));
		}
	}
	mask_reset(&m);
	for (int s = 0; s < ns; s++)
		slang[s] = mask_of(&m, &in->specialists[s].languages);
	for (int p = 0; p < np; p++)
		plang[p] = mask_of(&m, &in->parents[p].languages);
	mask_reset(&m);
	for (int s = 0; s < ns; s++)
		sexp[s] = mask_of(&m, &in->specialists[s].expertise);
	for (int p = 0; p < np; p++)
		pneed[p] = mask_of(&m, &in->parents[p].needs);
	mask_reset(&m);
	if (m.overflow) {
		rc = 1;
		goto out;
	}
	for (int p = 0; p < np; p++) {
		const struct match_parent *pa = &in->parents[p];
		int32_t *row = f->fit + (size_t)p * (size_t)ns;
		const uint64_t *sm[64];
		uint64_t pm[64];
		int n = fw[p].n;

		if (n > 64) { /* more than 64 counted dimensions: not worth a path */
			rc = 1;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int d = idx_of[fw[p].dims[i]];

			sm[i] = smask + (size_t)d * ns;
			pm[i] = pmask[(size_t)d * np + p];
		}
		for (int s = 0; s < ns; s++) {
			double sim = 0.0, e;

			if (f->rem[s] <= 0 ||
			    (in->policy.require_language && (plang[p] & slang[s]) == 0)) {
				row[s] = -1;
				continue;
			}
			for (int i = 0; i < n; i++) {
				uint64_t a = pm[i], b = sm[i][s];
				double j = (a | b) == 0 ? 0.0
							: (double)__builtin_popcountll(a & b) /
								  (double)__builtin_popcountll(a | b);

				sim += fw[p].w[i] * j;
			}
			e = pa->needs.n == 0 ? 1.0
					     : (double)__builtin_popcountll(pneed[p] & sexp[s]) /
						       (double)pa->needs.n;
			row[s] = (int32_t)lround(((1.0 - beta) * sim + beta * e) * MATCH_SCALE);
		}
	}
	/* Exclusions, either way round: string index -> parent or specialist. */
	for (int i = 0; i < in->nstrs; i++)
		idx_of[i] = -1;
	for (int s = 0; s < ns; s++)
		idx_of[in->specialists[s].name] = s;
	for (int p = 0; p < np; p++)
		for (int i = 0; i < in->parents[p].exclude.n; i++) {
			int s = idx_of[in->parents[p].exclude.v[i]];

			if (s >= 0)
				f->fit[(size_t)p * ns + s] = -1;
		}
	for (int i = 0; i < in->nstrs; i++)
		idx_of[i] = -1;
	for (int p = 0; p < np; p++)
		idx_of[in->parents[p].name] = p;
	for (int s = 0; s < ns; s++)
		for (int i = 0; i < in->specialists[s].exclude.n; i++) {
			int p = idx_of[in->specialists[s].exclude.v[i]];

			if (p >= 0)
				f->fit[(size_t)p * ns + s] = -1;
		}
	rc = 0;
out:
	if (fw != NULL)
		for (int p = 0; p < np; p++)
			match_fitw_free(&fw[p]);
	free(fw);
	free(m.bit_of);
	free(idx_of);
	free(dims);
	free(smask);
	free(pmask);
	free(slang);
	free(plang);
	free(sexp);
	free(pneed);
	return rc;
}

/* Scaled fits of all candidate pairs: masks when they fit, else general. */
static int flow_fits(struct flow *f)
{
	int rc = flow_fits_masked(f);

	return rc == 1 ? flow_fits_general(f) : rc;
}

/* The starting network: every parent's MATCH_ARCS best-fitting candidates,
 * every parent on the excess list. */
static int flow_build(struct flow *f)
{
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
			if (add_pair(f, p, best[i]) < 0)
				return -1;
		if (release(f, p) < 0)
			return -1;
	}
	return 0;
}

/* Solve to optimality over all candidate pairs: route, price, repeat. */
static int flow_run(struct flow *f, struct pp_error *err)
{
	for (;;) {
		long added = 0;

		if (route_all(f, err) < 0)
			return -1;
		for (int p = 0; p < f->np; p++) {
			int k = price_parent(f, p);

			if (k < 0)
				return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
			added += k;
		}
		if (added == 0)
			return check_optimal(f, err);
	}
}

/* Turn the final flow into res. */
static int flow_result(struct flow *f, struct match_result *res, struct pp_error *err)
{
	const struct match_input *in = f->in;

	res->matches = calloc((size_t)f->np + 1, sizeof *res->matches);
	res->unmatched = calloc((size_t)f->np + 1, sizeof *res->unmatched);
	if (res->matches == NULL || res->unmatched == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	for (int p = 0; p < f->np; p++) {
		const struct match_parent *par = &in->parents[p];
		int s = f->assign[p];

		if (s < 0) {
			struct match_unmatched *u = &res->unmatched[res->nunmatched++];

			u->parent = p;
			u->reasons = match_reasons(in, par);
		} else {
			struct match_assignment *m = &res->matches[res->nmatches];

			m->parent = p;
			m->specialist = s;
			if (match_fit(in, par, &in->specialists[s], &m->fit, err) < 0)
				return -1;
			res->nmatches++;
			res->matched_priority += par->priority;
			res->total_fit += m->fit.fit;
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void flow_free(struct flow *f)
{
	if (f->cand != NULL)
		for (int p = 0; p < f->np; p++)
			free(f->cand[p].v);
	if (f->at != NULL)
		for (int s = 0; s < f->ns; s++)
			free(f->at[s].v);
	free(f->cand);
	free(f->at);
	free(f->bypass.v);
	free(f->excess.v);
	free(f->rem);
	free(f->fit);
	free(f->in_graph);
	free(f->base);
	free(f->assign);
	free(f->afit);
	free(f->pos);
	free(f->flow_t);
	free(f->pi);
	free(f->dist);
	free(f->pred);
	free(f->done);
	free(f->heap);
	free(f->hpos);
	free(f->touched);
	free(f->path);
	free(f);
}

/* Allocate f's arrays for in; -1 on out of memory. */
static int flow_alloc(struct flow *f, const struct match_input *in)
{
	size_t cells, nv;

	f->in = in;
	f->np = in->nparents;
	f->ns = in->nspecialists;
	f->sink = f->np + f->ns;
	f->nv = f->sink + 1;
	cells = (size_t)f->np * (size_t)f->ns + 1;
	nv = (size_t)f->nv;
	f->rem = calloc((size_t)f->ns + 1, sizeof(int));
	f->flow_t = calloc((size_t)f->ns + 1, sizeof(int));
	f->at = calloc((size_t)f->ns + 1, sizeof *f->at);
	f->fit = malloc(sizeof(int32_t) * cells);
	f->in_graph = calloc(cells, 1);
	f->base = calloc((size_t)f->np + 1, sizeof(long long));
	f->cand = calloc((size_t)f->np + 1, sizeof *f->cand);
	f->assign = malloc(sizeof(int) * ((size_t)f->np + 1));
	f->afit = calloc((size_t)f->np + 1, sizeof(int32_t));
	f->pos = calloc((size_t)f->np + 1, sizeof(int));
	f->pi = calloc(nv, sizeof(long long));
	f->dist = malloc(sizeof(long long) * nv);
	f->pred = calloc(nv, sizeof(int));
	f->done = calloc(nv, 1);
	f->heap = malloc(sizeof(int) * nv);
	f->hpos = malloc(sizeof(int) * nv);
	f->touched = malloc(sizeof(int) * nv);
	f->path = malloc(sizeof(int) * nv);
	if (f->rem == NULL || f->flow_t == NULL || f->at == NULL || f->fit == NULL ||
	    f->in_graph == NULL || f->base == NULL || f->cand == NULL || f->assign == NULL || f->afit == NULL ||
	    f->pos == NULL || f->pi == NULL || f->dist == NULL || f->pred == NULL ||
	    f->done == NULL || f->heap == NULL || f->hpos == NULL || f->touched == NULL ||
	    f->path == NULL)
		return -1;
	for (size_t v = 0; v < nv; v++) {
		f->dist[v] = DIST_INF;
		f->hpos[v] = -1;
	}
	for (int p = 0; p < f->np; p++)
		f->assign[p] = ASSIGN_NONE;
	f->found = -1;
	return 0;
}

int match_solve(const struct match_input *in, struct match_result *res, struct pp_error *err)
{
	struct flow *f = calloc(1, sizeof *f);
	double t0 = now_s(), big, maxprio = 1;

	memset(res, 0, sizeof *res);
	res->status = MATCH_OPTIMAL;
	if (f == NULL || flow_alloc(f, in) < 0)
		goto oom;
	/* M > any total scaled fit; the costs must leave the potentials room. */
	big = (double)f->np * MATCH_SCALE + 1;
	for (int p = 0; p < f->np; p++)
		if (in->parents[p].priority > maxprio)
			maxprio = in->parents[p].priority;
	if ((maxprio + 1) * big * ((double)f->nv + 1) > 0x1p60) {
		flow_free(f);
		return pp_error_set(err, PP_ERR_INTERNAL, NULL,
				    "matching: the batch is too large for exact integer costs");
	}
	for (int p = 0; p < f->np; p++)
		f->base[p] = (long long)in->parents[p].priority * (long long)big;
	match_caseload(in, f->rem);
	for (int s = 0; s < f->ns; s++) {
		int room = in->specialists[s].capacity - f->rem[s];

		f->rem[s] = room < 0 ? 0 : room < f->np ? room : f->np;
	}
	if (flow_fits(f) < 0 || flow_build(f) < 0)
		goto oom;
	if (flow_run(f, err) < 0 || flow_result(f, res, err) < 0)
		goto fail;
	res->rounds = f->rounds;
	res->arcs = f->arcs;
	flow_free(f);
	res->seconds = now_s() - t0;
	return 0;
oom:
	pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
fail:
	if (f != NULL)
		flow_free(f);
	match_result_free(res);
	return -1;
}
