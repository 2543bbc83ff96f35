/*
 * match_flow.c - the exact batch matching of MODEL.md section 2 as a
 * min-cost flow, solved by successive shortest paths (Dijkstra with node
 * potentials) over a sparsely priced network.
 *
 * Network: parent -> specialist (capacity 1, one arc per eligible pair),
 * specialist -> sink (capacity = capacity minus existing pairs), and a bypass
 * parent -> sink (capacity 1, cost 0) so that leaving a parent unmatched is
 * always feasible.  Every parent supplies one unit, the sink absorbs them.
 * A parent carries at most one unit, so the flow is stored as the parent's
 * assign (a specialist, the sink, or nothing yet), the specialists' lists of
 * assigned parents and the flow on each specialist -> sink arc; no per-arc
 * flow is kept.
 *
 * Why our own algorithm: Debian's GLPK 5.0 ships glp_mincost_relax4
 * disabled ("licensing problems"), and glp_mincost_okalg (out-of-kilter),
 * which this file used before, took 5 s for 5,000 x 250 and did not finish
 * 20,000 x 1,000 in 300 s.  The bipartite transportation structure (a path
 * alternates parent, specialist, parent, ... and ends at the sink) suits
 * successive shortest paths: most augmenting paths are a few arcs long, and
 * the search needs a heap over the specialists only (see struct flow).
 * docs/benchmarks.md has the measurements.
 *
 * Lexicographic objective in one int64 cost: a pair costs
 * -(priority * M + round(fit * 10^6)) with M = parents * 10^6 + 1, more
 * than any total scaled fit, so one unit of priority outweighs every fit
 * difference.  The bypass costs 0.  match_solve() refuses (internal error)
 * a batch whose costs could overflow the potentials: (max priority + 1) *
 * M * (nodes + 1) must stay below 2^60, which allows about 100,000 parents
 * at priority 100 and 400,000 at priorities up to 5.
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
 * eligible pairs.  Each parent starts with its MATCH_START best-fitting
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
#define MATCH_START 3       /* pair arcs per parent at the start */
#define MATCH_ARCS  3       /* pair arcs per parent added per pricing round, at most */

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

#define PNODE_INLINE 10 /* pair arcs kept inside struct pnode: 128 bytes on LP64 */

/* A parent: its potential, its unit's place and its first arcs, side by
 * side because routing touches them together: one 128-byte block wherever
 * the search finds the parent, instead of a cache miss per array. */
struct pnode {
	long long pi;   /* potential, minus the shift */
	long long base; /* priority * M */
	int assign;     /* a specialist, ASSIGN_SINK or ASSIGN_NONE */
	int pos;        /* index in its specialist's list or in the bypass list */
	int32_t afit;   /* scaled fit of the assigned pair */
	int narcs;      /* arcs in `in`, then in `more` */
	int more_cap;
	struct pair_arc *more;
	struct pair_arc in[PNODE_INLINE];
};

/* Parent n's i-th pair arc. */
static const struct pair_arc *arc_at(const struct pnode *n, int i)
{
	return i < PNODE_INLINE ? &n->in[i] : &n->more[i - PNODE_INLINE];
}

/* A parent reached by the search: at distance d, through its one incoming
 * residual arc from heap node `from` (-1 for the source). */
struct visit {
	int p, from;
	long long d;
};

/*
 * The search runs over the heap nodes - specialists 0..ns-1 and the sink ns -
 * only.  A parent has exactly one incoming residual arc (from the node its
 * unit sits on; none while it is an excess), so its distance is final when
 * that node is popped and it is expanded on the spot, without entering the
 * heap: the heap holds at most ns + 1 nodes and stays in cache.
 */
struct flow {
	const struct match_input *in;
	int np, ns;        /* ns is also the heap index of the sink */
	int *rem;          /* room per specialist (at most np) */
	int32_t *fit;      /* np x ns scaled fits, -1 = not a candidate pair */
	uint8_t *in_graph; /* np x ns: pair arc already in the network */
	struct pnode *par; /* per parent */
	long arcs;

	struct ivec *at;    /* per specialist: its assigned parents */
	struct ivec bypass; /* parents assigned to the sink */
	int *flow_t;        /* per specialist: flow on specialist -> sink */
	long into_sink;     /* units arriving at the sink */

	long long *hpi, shift; /* potentials of the heap nodes, minus shift */
	long long *hdist;
	int *hpred; /* >= 0: the visit that entered; else HFROM(heap node) */
	uint8_t *hdone;
	int *heap, *hpos, nheap;
	int *htouched, nhtouched;
	struct visit *vis;
	int nvis;
	long long cur;      /* distance of the last popped heap node */
	int found;          /* a deficit node reached at distance cur, or -1 */
	struct ivec excess; /* parents to route */
	int rounds;
	int broken; /* a negative reduced cost was seen: the invariant failed */
};

#define HFROM(h) (-2 - (h))

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

/* Reduced cost of the pair arc p -> s: -(base + fit) + pi(p) - pi(s). */
static long long pair_rc(const struct flow *f, int p, int s)
{
	return f->par[p].pi - f->par[p].base - f->fit[(size_t)p * (size_t)f->ns + (size_t)s] -
	       f->hpi[s];
}

/* Deficit of heap node h: units it must still receive. */
static long node_deficit(const struct flow *f, int h)
{
	if (h == f->ns)
		return (long)f->np - f->into_sink;
	return f->flow_t[h] - f->at[h].n;
}

/* --- an indexed binary heap of heap nodes keyed by hdist --- */

static void heap_up(struct flow *f, int i)
{
	int v = f->heap[i];

	while (i > 0) {
		int up = (i - 1) / 2;

		if (f->hdist[f->heap[up]] <= f->hdist[v])
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
		if (c + 1 < f->nheap && f->hdist[f->heap[c + 1]] < f->hdist[f->heap[c]])
			c++;
		if (f->hdist[f->heap[c]] >= f->hdist[v])
			break;
		f->heap[i] = f->heap[c];
		f->hpos[f->heap[i]] = i;
		i = c;
	}
	f->heap[i] = v;
	f->hpos[v] = i;
	return top;
}

/* Relax the residual arc into heap node h: distance d at its tail, reduced
 * cost rc, pred as hpred. */
static void relax(struct flow *f, int h, long long d, long long rc, int pred)
{
	long long nd = d + rc;

	if (rc < 0)
		f->broken = 1;
	if (f->hdone[h] || nd >= f->hdist[h])
		return;
	if (f->hdist[h] == DIST_INF)
		f->htouched[f->nhtouched++] = h;
	f->hdist[h] = nd;
	f->hpred[h] = pred;
	/* Every heap entry is >= cur: a deficit node reached at cur is final. */
	if (nd == f->cur && f->found < 0 && node_deficit(f, h) > 0)
		f->found = h;
	if (f->hpos[h] < 0) {
		f->heap[f->nheap] = h;
		f->hpos[h] = f->nheap++;
	}
	heap_up(f, f->hpos[h]);
}

/* Parent p is reached at distance d from heap node `from`: record it and
 * relax its residual arcs (pairs other than its own, and its bypass). */
static void expand_parent(struct flow *f, int p, int from, long long d)
{
	const struct pnode *n = &f->par[p];
	const long long bp = n->pi - n->base;
	int e = f->nvis++;

	f->vis[e].p = p;
	f->vis[e].from = from;
	f->vis[e].d = d;
	for (int i = 0; i < n->narcs; i++) {
		const struct pair_arc *a = arc_at(n, i);

		if (a->s != n->assign)
			relax(f, a->s, d, bp - a->fit - f->hpi[a->s], e);
	}
	if (n->assign != ASSIGN_SINK)
		relax(f, f->ns, d, n->pi - f->hpi[f->ns], e);
}

/* Relax every residual arc leaving the popped heap node h. */
static void expand_heap(struct flow *f, int h)
{
	const long long d = f->hdist[h];

	if (h < f->ns) {
		const struct ivec *a = &f->at[h];

		if (f->flow_t[h] < f->rem[h])
			relax(f, f->ns, d, f->hpi[h] - f->hpi[f->ns], HFROM(h));
		for (int i = 0; i < a->n && f->found < 0; i++) {
			const struct pnode *n = &f->par[a->v[i]];
			long long rc = n->base + n->afit - n->pi + f->hpi[h];

			if (rc < 0)
				f->broken = 1;
			expand_parent(f, a->v[i], h, d + rc);
		}
		return;
	}
	for (int s = 0; s < f->ns; s++)
		if (f->flow_t[s] > 0)
			relax(f, s, d, f->hpi[h] - f->hpi[s], HFROM(h));
	for (int i = 0; i < f->bypass.n && f->found < 0; i++) {
		long long rc = f->hpi[h] - f->par[f->bypass.v[i]].pi;

		if (rc < 0)
			f->broken = 1;
		expand_parent(f, f->bypass.v[i], h, d + rc);
	}
}

/* Take parent p out of its specialist's list or the bypass list. */
static void unassign(struct flow *f, int p)
{
	struct pnode *n = &f->par[p];
	struct ivec *v;

	if (n->assign == ASSIGN_NONE)
		return;
	if (n->assign == ASSIGN_SINK) {
		v = &f->bypass;
		f->into_sink--;
	} else {
		v = &f->at[n->assign];
	}
	v->v[n->pos] = v->v[--v->n];
	f->par[v->v[n->pos]].pos = n->pos;
	n->assign = ASSIGN_NONE;
}

/* Put parent p on heap node h (a specialist, or the sink: unmatched). */
static int assign_to(struct flow *f, int p, int h)
{
	struct pnode *n = &f->par[p];
	struct ivec *v = h == f->ns ? &f->bypass : &f->at[h];

	if (ivec_push(v, p) < 0)
		return -1;
	n->pos = v->n - 1;
	if (h == f->ns) {
		n->assign = ASSIGN_SINK;
		f->into_sink++;
	} else {
		n->assign = h;
		n->afit = f->fit[(size_t)p * (size_t)f->ns + (size_t)h];
	}
	return 0;
}

/* Push one unit along the path found to target, walking it backwards. */
static int augment(struct flow *f, int target)
{
	int h = target;

	for (;;) {
		int pr = f->hpred[h];

		if (pr >= 0) { /* visit -> h: that parent's unit moves to h */
			const struct visit *v = &f->vis[pr];

			unassign(f, v->p);
			if (assign_to(f, v->p, h) < 0)
				return -1;
			if (v->from < 0)
				return 0;
			h = v->from;
		} else { /* specialist -> sink, or sink -> specialist */
			int from = HFROM(pr);

			if (h == f->ns) {
				f->flow_t[from]++;
				f->into_sink++;
			} else {
				f->flow_t[h]--;
				f->into_sink--;
			}
			h = from;
		}
	}
}

/* Route parent src's unit along a shortest path to a node with a deficit,
 * then update the potentials.  Returns 0, or -1 (out of memory, or no path:
 * an internal error). */
static int route(struct flow *f, int src)
{
	int target;
	long long d_target;

	f->nvis = 0;
	f->nheap = 0;
	f->nhtouched = 0;
	f->found = -1;
	f->cur = 0;
	expand_parent(f, src, -1, 0);
	target = f->found;
	while (target < 0 && f->nheap > 0) {
		int h = heap_pop(f);

		f->hdone[h] = 1;
		f->cur = f->hdist[h];
		if (node_deficit(f, h) > 0) {
			target = h;
			break;
		}
		expand_heap(f, h);
		target = f->found;
	}
	if (target < 0)
		return -1;
	f->hdone[target] = 1;
	d_target = f->hdist[target];
	if (augment(f, target) < 0)
		return -1;
	/* pi += min(d, D) for every node: the shift takes D, the nodes settled
	 * closer than D the difference. */
	for (int i = 0; i < f->nvis; i++)
		if (f->vis[i].d < d_target)
			f->par[f->vis[i].p].pi += f->vis[i].d - d_target;
	for (int i = 0; i < f->nhtouched; i++) {
		int h = f->htouched[i];

		if (f->hdone[h])
			f->hpi[h] += f->hdist[h] - d_target;
		f->hdist[h] = DIST_INF;
		f->hdone[h] = 0;
		f->hpos[h] = -1;
	}
	f->shift += d_target;
	if (f->shift > (1LL << 59)) {
		for (int p = 0; p < f->np; p++)
			f->par[p].pi += f->shift;
		for (int h = 0; h <= f->ns; h++)
			f->hpi[h] += f->shift;
		f->shift = 0;
	}
	return 0;
}

/* Give back parent p's unit and raise its potential until every arc out of
 * it has a reduced cost >= 0; p joins the excess list. */
static int release(struct flow *f, int p)
{
	struct pnode *n = &f->par[p];
	long long pi = f->hpi[f->ns]; /* the bypass */

	unassign(f, p);
	for (int i = 0; i < n->narcs; i++) {
		const struct pair_arc *a = arc_at(n, i);
		long long need = f->hpi[a->s] + n->base + a->fit;

		if (need > pi)
			pi = need;
	}
	if (pi > n->pi)
		n->pi = pi;
	return ivec_push(&f->excess, p);
}

/* Add the pair arc p -> s. */
static int add_pair(struct flow *f, int p, int s)
{
	struct pnode *n = &f->par[p];
	struct pair_arc *a;

	if (n->narcs < PNODE_INLINE) {
		a = &n->in[n->narcs];
	} else {
		int k = n->narcs - PNODE_INLINE;

		if (k == n->more_cap) {
			int cap = n->more_cap ? 2 * n->more_cap : MATCH_ARCS;
			struct pair_arc *nv = realloc(n->more, sizeof *nv * (size_t)cap);

			if (nv == NULL)
				return -1;
			n->more = nv;
			n->more_cap = cap;
		}
		a = &n->more[k];
	}
	n->narcs++;
	a->s = s;
	a->fit = f->fit[(size_t)p * (size_t)f->ns + (size_t)s];
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
		const struct pnode *n = &f->par[f->excess.v[i]];
		int32_t best = 0;

		for (int k = 0; k < n->narcs; k++)
			if (arc_at(n, k)->fit > best)
				best = arc_at(n, k)->fit;
		r[i].p = f->excess.v[i];
		r[i].value = n->base + best;
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
	const long long *pis = f->hpi;
	const long long base = f->par[p].pi - f->par[p].base;

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
	const long long pit = f->hpi[f->ns];

	for (int p = 0; p < f->np; p++) {
		const struct pnode *n = &f->par[p];
		long long byp = n->pi - pit;

		if (n->assign == ASSIGN_NONE || (n->assign == ASSIGN_SINK ? byp > 0 : byp < 0))
			goto bad;
		for (int i = 0; i < n->narcs; i++) {
			int s = arc_at(n, i)->s;
			long long rc = pair_rc(f, p, s);

			if (n->assign == s ? rc > 0 : rc < 0)
				goto bad;
		}
	}
	for (int s = 0; s < f->ns; s++) {
		long long rc = f->hpi[s] - pit;

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

		if (match_fitw_init(match_policy_of(in, par), par, &fw) < 0)
			return -1;
		for (int s = 0; s < f->ns; s++) {
			const struct match_specialist *sp = &in->specialists[s];

			if (f->rem[s] <= 0 || !match_eligible(in, par, sp, NULL)) {
				row[s] = -1;
				continue;
			}
			row[s] =
			    (int32_t)lround(match_fit_eval(in, par, &fw, sp, NULL) * MATCH_SCALE);
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
	int *bit_of;         /* per string: its bit in the current vocabulary, or -1 */
	int used[64], nused; /* strings holding a bit, to reset bit_of */
	int overflow;        /* a vocabulary has more than 64 tags */
};

/* Bits set in x (inline: without -mpopcnt the builtin is a library call). */
static inline int popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
}

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
	struct fit_masks m = {0};
	double *jac = malloc(sizeof(double) * 65 * 65);
	struct match_fitw *fw = calloc((size_t)np + 1, sizeof *fw);
	int *dims = NULL, *idx_of = NULL, ndims = 0, rc = -1;
	uint64_t *smask = NULL, *pmask = NULL, *slang = NULL, *plang = NULL, *sexp = NULL,
		 *pneed = NULL;

	m.bit_of = malloc(sizeof(int) * ((size_t)in->nstrs + 1));
	idx_of = malloc(sizeof(int) * ((size_t)in->nstrs + 1));
	if (fw == NULL || m.bit_of == NULL || idx_of == NULL || jac == NULL)
		goto out;
	for (int i = 0; i < in->nstrs; i++)
		m.bit_of[i] = idx_of[i] = -1;
	/* The counted dimensions of every parent, and their union. */
	for (int p = 0; p < np; p++) {
		if (match_fitw_init(match_policy_of(in, &in->parents[p]), &in->parents[p], &fw[p]) <
		    0)
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

			smask[(size_t)d * ns + s] =
			    mask_of(&m, trait_of(sp->traits, sp->ntraits, dims[d]));
		}
		for (int p = 0; p < np; p++) {
			const struct match_parent *pa = &in->parents[p];

			pmask[(size_t)d * np + p] =
			    mask_of(&m, trait_of(pa->traits, pa->ntraits, dims[d]));
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
	/* Jaccard |A & B| / |A | B| by table (0 when both are empty), the same
	 * division match.c does. */
	for (int u = 0; u <= 64; u++)
		for (int c = 0; c <= 64; c++)
			jac[u * 65 + c] = u == 0 ? 0.0 : (double)c / (double)u;
	for (int p = 0; p < np; p++) {
		const struct match_parent *pa = &in->parents[p];
		const struct match_policy *pol = match_policy_of(in, pa);
		const double beta = pol->expertise_weight;
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
			    (pol->require_language && (plang[p] & slang[s]) == 0)) {
				row[s] = -1;
				continue;
			}
			for (int i = 0; i < n; i++) {
				uint64_t a = pm[i], b = sm[i][s];
				double j = jac[popcount64(a | b) * 65 + popcount64(a & b)];

				sim += fw[p].w[i] * j;
			}
			e = pa->needs.n == 0
				? 1.0
				: (double)popcount64(pneed[p] & sexp[s]) / (double)pa->needs.n;
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
	free(jac);
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

/* The starting network: every parent's MATCH_START best-fitting candidates,
 * every parent on the excess list. */
static int flow_build(struct flow *f)
{
	for (int p = 0; p < f->np; p++) {
		const int32_t *row = f->fit + (size_t)p * (size_t)f->ns;
		int best[MATCH_START], nb = 0;

		for (int s = 0; s < f->ns; s++) {
			int i;

			if (row[s] < 0 || (nb == MATCH_START && row[s] <= row[best[nb - 1]]))
				continue;
			if (nb < MATCH_START)
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
		int s = f->par[p].assign;

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
	if (f->par != NULL)
		for (int p = 0; p < f->np; p++)
			free(f->par[p].more);
	if (f->at != NULL)
		for (int s = 0; s < f->ns; s++)
			free(f->at[s].v);
	free(f->par);
	free(f->at);
	free(f->bypass.v);
	free(f->excess.v);
	free(f->rem);
	free(f->fit);
	free(f->in_graph);
	free(f->flow_t);
	free(f->hpi);
	free(f->hdist);
	free(f->hpred);
	free(f->hdone);
	free(f->heap);
	free(f->hpos);
	free(f->htouched);
	free(f->vis);
	free(f);
}

/* Allocate f's arrays for in; -1 on out of memory. */
static int flow_alloc(struct flow *f, const struct match_input *in)
{
	size_t cells, nh, par_size;

	f->in = in;
	f->np = in->nparents;
	f->ns = in->nspecialists;
	cells = (size_t)f->np * (size_t)f->ns + 1;
	nh = (size_t)f->ns + 1;
	f->rem = calloc(nh, sizeof(int));
	f->flow_t = calloc(nh, sizeof(int));
	f->at = calloc(nh, sizeof *f->at);
	f->fit = malloc(sizeof(int32_t) * cells);
	f->in_graph = calloc(cells, 1);
	par_size = (sizeof *f->par * ((size_t)f->np + 1) + 127) / 128 * 128;
	f->par = aligned_alloc(128, par_size); /* C11: size a multiple of the alignment */
	if (f->par != NULL)
		memset(f->par, 0, par_size);
	f->vis = malloc(sizeof *f->vis * ((size_t)f->np + 1));
	f->hpi = calloc(nh, sizeof(long long));
	f->hdist = malloc(sizeof(long long) * nh);
	f->hpred = calloc(nh, sizeof(int));
	f->hdone = calloc(nh, 1);
	f->heap = malloc(sizeof(int) * nh);
	f->hpos = malloc(sizeof(int) * nh);
	f->htouched = malloc(sizeof(int) * nh);
	if (f->rem == NULL || f->flow_t == NULL || f->at == NULL || f->fit == NULL ||
	    f->in_graph == NULL || f->par == NULL || f->vis == NULL || f->hpi == NULL ||
	    f->hdist == NULL || f->hpred == NULL || f->hdone == NULL || f->heap == NULL ||
	    f->hpos == NULL || f->htouched == NULL)
		return -1;
	for (size_t h = 0; h < nh; h++) {
		f->hdist[h] = DIST_INF;
		f->hpos[h] = -1;
	}
	for (int p = 0; p < f->np; p++)
		f->par[p].assign = ASSIGN_NONE;
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
	if ((maxprio + 1) * big * ((double)f->np + f->ns + 3) > 0x1p60) {
		flow_free(f);
		return pp_error_set(err, PP_ERR_INTERNAL, NULL,
				    "matching: the batch is too large for exact integer costs");
	}
	for (int p = 0; p < f->np; p++)
		f->par[p].base = (long long)in->parents[p].priority * (long long)big;
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
