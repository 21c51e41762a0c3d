/* Every pod of both clusters with its sort orders precomputed, and the `/` filter over them. */
#include "cutover/podindex.h"
#include "cutover/worker.h"

#include "cutover/log.h"
#include "cutover/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const col_names[PODINDEX_COL_COUNT][2] = {
    [PODINDEX_COL_CLUSTER] = {"CLUSTER", "cluster"},
    [PODINDEX_COL_NAMESPACE] = {"NAMESPACE", "namespace"},
    [PODINDEX_COL_NAME] = {"NAME", "name"},
    [PODINDEX_COL_READY] = {"READY", "ready"},
    [PODINDEX_COL_STATUS] = {"STATUS", "status"},
    [PODINDEX_COL_RESTARTS] = {"RESTARTS", "restarts"},
    [PODINDEX_COL_CPU_REQ] = {"CPU REQ", "cpu-request"},
    [PODINDEX_COL_CPU_LIM] = {"CPU LIM", "cpu-limit"},
    [PODINDEX_COL_NODE] = {"NODE", "node"},
    [PODINDEX_COL_ZONE] = {"ZONE", "zone"},
    [PODINDEX_COL_AGE] = {"AGE", "age"},
};

const char *podindex_col_name(enum podindex_col col)
{
    return (unsigned)col < PODINDEX_COL_COUNT ? col_names[col][0] : "?";
}

const char *podindex_col_key(enum podindex_col col)
{
    return (unsigned)col < PODINDEX_COL_COUNT ? col_names[col][1] : "?";
}

int podindex_col_from_name(const char *name)
{
    for (int i = 0; name && i < PODINDEX_COL_COUNT; i++)
        if (strcmp(name, col_names[i][1]) == 0)
            return i;
    return -1;
}

const char *podindex_pod_status(const struct model_pod *pod)
{
    return pod->waiting_reason ? pod->waiting_reason : pod->phase;
}

const char *podindex_text(const struct podindex *idx, uint32_t i)
{
    return idx->text + idx->rows[i].text;
}

/* ---- interning: distinct strings get ids, then ranks in strcmp order ------------------------- */

#define NO_ID UINT32_MAX

struct intern {
    uint32_t *slots; /* id + 1; 0 = empty */
    size_t mask;
    const char **strs; /* by id */
    const void **vals; /* by id (the node table keeps zones here) */
    uint32_t n, cap;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void intern_init(struct intern *t, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    t->slots = xcalloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
    t->n = 0;
    t->cap = 64; /* the arrays always exist: an id in slots always has its string */
    t->strs = xcalloc(t->cap, sizeof *t->strs);
    t->vals = xcalloc(t->cap, sizeof *t->vals);
}

static void intern_fini(struct intern *t)
{
    free(t->slots);
    free(t->strs);
    free(t->vals);
}

static void intern_grow(struct intern *t)
{
    size_t cap = (t->mask + 1) * 2;
    uint32_t *slots = xcalloc(cap, sizeof *slots);
    for (uint32_t id = 0; id < t->n; id++) {
        size_t i = hash_str(t->strs[id]) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
}

/* The id of s (NULL: NO_ID), added with val when new. */
static uint32_t intern_id(struct intern *t, const char *s, const void *val)
{
    if (s == NULL)
        return NO_ID;
    size_t i = hash_str(s) & t->mask;
    for (; t->slots[i]; i = (i + 1) & t->mask)
        if (strcmp(t->strs[t->slots[i] - 1], s) == 0)
            return t->slots[i] - 1;
    if (t->n == t->cap) {
        t->cap *= 2;
        t->strs = xreallocarray(t->strs, t->cap, sizeof *t->strs);
        t->vals = xreallocarray(t->vals, t->cap, sizeof *t->vals);
    }
    uint32_t id = t->n++;
    t->strs[id] = s;
    t->vals[id] = val;
    t->slots[i] = id + 1;
    if ((size_t)t->n * 2 > t->mask + 1)
        intern_grow(t);
    return id;
}

/* The id of s when present, else NO_ID. */
static uint32_t intern_find(const struct intern *t, const char *s)
{
    if (s == NULL)
        return NO_ID;
    for (size_t i = hash_str(s) & t->mask; t->slots[i]; i = (i + 1) & t->mask)
        if (strcmp(t->strs[t->slots[i] - 1], s) == 0)
            return t->slots[i] - 1;
    return NO_ID;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* rank[id] = position of strs[id] in strcmp order (ids are distinct strings). */
static uint32_t *intern_ranks(const struct intern *t)
{
    uint32_t *rank = xcalloc(t->n ? t->n : 1, sizeof *rank);
    if (t->n == 0)
        return rank;
    const char **sorted = xcalloc(t->n, sizeof *sorted);
    memcpy(sorted, t->strs, t->n * sizeof *sorted);
    qsort(sorted, t->n, sizeof *sorted, cmp_strp);
    /* the strings are distinct: find each one's id again through the table */
    for (uint32_t r = 0; r < t->n; r++)
        rank[intern_find(t, sorted[r])] = r;
    free(sorted);
    return rank;
}

/* ---- a stable LSD radix sort of (key, row) pairs --------------------------------------------- */

struct kr {
    uint64_t k;
    uint32_t row;
};

/* Sorts v[0..n) by k, keeping the input order of equal keys; tmp has room for n. */
static void radix_sort(struct kr *v, struct kr *tmp, size_t n)
{
    uint64_t all_or = 0, all_and = ~0ULL;
    for (size_t i = 0; i < n; i++) {
        all_or |= v[i].k;
        all_and &= v[i].k;
    }
    uint64_t differ = all_or ^ all_and; /* bytes in which every key is the same need no pass */
    struct kr *src = v, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        if (((differ >> shift) & 0xff) == 0)
            continue;
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(src[i].k >> shift) & 0xff]++;
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i].k >> shift) & 0xff]++] = src[i];
        struct kr *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

static unsigned bits_for(uint64_t count)
{
    unsigned b = 0;
    while (b < 64 && (1ULL << b) < count)
        b++;
    return b;
}

/* ---- building -------------------------------------------------------------------------------- */

static bool has_upper(const char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return true;
    return false;
}

static bool has_slash(const char *s)
{
    return s && strchr(s, '/') != NULL;
}

/* While building: the interned ids of every row and the ranks of the distinct strings. */
struct build_ids {
    uint32_t *ns, *name, *status, *node, *zone;                          /* interned ids per row */
    uint32_t *ns_rank, *name_rank, *status_rank, *node_rank, *zone_rank; /* rank per id */
    int64_t max_created;
};

/* The rank of interned id (NO_ID: unknown). */
static uint64_t ranked(uint32_t id, const uint32_t *rank, bool *known)
{
    *known = id != NO_ID;
    return *known ? rank[id] : 0;
}

/* The key of row i in column col for an ascending sort; *known false for "?". */
static uint64_t col_value(const struct podindex *idx, const struct build_ids *b,
                          enum podindex_col col, uint32_t i, bool *known)
{
    const struct podindex_row *r = &idx->rows[i];
    const struct model_pod *p = r->pod;
    *known = true;
    switch (col) {
    case PODINDEX_COL_CLUSTER:
        return r->side;
    case PODINDEX_COL_NAMESPACE:
        return ranked(b->ns[i], b->ns_rank, known);
    case PODINDEX_COL_NAME:
        return ranked(b->name[i], b->name_rank, known);
    case PODINDEX_COL_READY:
        if (p->containers_ready == MODEL_COUNT_UNKNOWN || p->containers <= 0) {
            *known = false;
            return 0;
        } else {
            int32_t rd = p->containers_ready < 0 ? 0 : p->containers_ready;
            if (rd > p->containers)
                rd = p->containers;
            return ((uint64_t)rd << 20) / (uint64_t)p->containers;
        }
    case PODINDEX_COL_STATUS:
        return ranked(b->status[i], b->status_rank, known);
    case PODINDEX_COL_RESTARTS:
        *known = p->restarts != MODEL_COUNT_UNKNOWN && p->restarts >= 0;
        return *known ? (uint64_t)p->restarts : 0;
    case PODINDEX_COL_CPU_REQ:
    case PODINDEX_COL_CPU_LIM: {
        int64_t m = col == PODINDEX_COL_CPU_REQ ? p->cpu_request_m : p->cpu_limit_m;
        *known = m >= 0 || m == MODEL_QTY_NONE;
        return m >= 0 ? (uint64_t)m + 1 : 0; /* none set sorts below every value */
    }
    case PODINDEX_COL_NODE:
        return ranked(b->node[i], b->node_rank, known);
    case PODINDEX_COL_ZONE:
        return ranked(b->zone[i], b->zone_rank, known);
    case PODINDEX_COL_AGE:
        *known = p->obj.created > 0 && p->obj.created <= b->max_created;
        return *known ? (uint64_t)(b->max_created - p->obj.created) : 0;
    default:
        *known = false;
        return 0;
    }
}

struct podindex *podindex_build(const struct model_cluster *src, const struct model_cluster *tgt,
                                const struct podindex_filter *f)
{
    struct podindex *idx = xcalloc(1, sizeof *idx);
    atomic_init(&idx->refs, 1);
    const struct model_cluster *snap[2] = {src, tgt};
    size_t total = 0;
    for (int s = 0; s < 2; s++) {
        idx->snap[s] = snap[s] ? model_cluster_ref(snap[s]) : NULL;
        if (snap[s])
            total += snap[s]->lists[MODEL_RES_PODS].n;
    }
    if (total >= UINT32_MAX)
        fatal("podindex: %zu pods", total);
    idx->rows = xcalloc(total ? total : 1, sizeof *idx->rows);

    /* node name -> zone, per side */
    for (int s = 0; s < 2; s++) {
        if (snap[s] == NULL)
            continue;
        const struct model_list *nl = &snap[s]->lists[MODEL_RES_NODES];
        struct intern nodes;
        intern_init(&nodes, nl->n);
        for (size_t i = 0; i < nl->n; i++) {
            const struct model_node *nd = (const struct model_node *)nl->items[i];
            intern_id(&nodes, nd->obj.name, nd->zone);
        }
        const struct model_list *pl = &snap[s]->lists[MODEL_RES_PODS];
        for (size_t i = 0; i < pl->n; i++) {
            const struct model_pod *p = (const struct model_pod *)pl->items[i];
            struct podindex_row *r = &idx->rows[idx->n++];
            r->pod = p;
            r->side = (uint8_t)s;
            uint32_t id = intern_find(&nodes, p->node);
            r->zone = id == NO_ID ? NULL : nodes.vals[id];
            r->flags = (has_upper(p->obj.ns) || has_upper(p->obj.name) ? 0 : PODINDEX_ROW_LOWER) |
                       (has_slash(p->obj.ns) ? PODINDEX_ROW_NS_SLASH : 0);
            idx->count[s]++;
        }
        intern_fini(&nodes);
    }
    uint32_t n = idx->n;
    size_t alloc_n = n ? n : 1;

    /* the filter's text, "namespace/name" per row, one after the other */
    size_t tlen = 1;
    for (uint32_t i = 0; i < n; i++) {
        const struct model_pod *p = idx->rows[i].pod;
        tlen += (p->obj.ns ? strlen(p->obj.ns) : 0) + (p->obj.name ? strlen(p->obj.name) : 0) + 2;
    }
    if (tlen >= UINT32_MAX)
        fatal("podindex: %zu bytes of names", tlen);
    idx->text = xcalloc(tlen, 1);
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct model_pod *p = idx->rows[i].pod;
        idx->rows[i].text = (uint32_t)off;
        int w = snprintf(idx->text + off, tlen - off, "%s/%s", p->obj.ns ? p->obj.ns : "",
                         p->obj.name ? p->obj.name : "");
        off += (size_t)w + 1;
    }

    /* distinct namespaces, names, statuses, nodes and zones, ranked */
    struct build_ids b = {0};
    struct intern t_ns, t_name, t_status, t_node, t_zone;
    intern_init(&t_ns, 64);
    intern_init(&t_name, n);
    intern_init(&t_status, 32);
    intern_init(&t_node, 1024);
    intern_init(&t_zone, 16);
    b.ns = xcalloc(alloc_n, sizeof *b.ns);
    b.name = xcalloc(alloc_n, sizeof *b.name);
    b.status = xcalloc(alloc_n, sizeof *b.status);
    b.node = xcalloc(alloc_n, sizeof *b.node);
    b.zone = xcalloc(alloc_n, sizeof *b.zone);
    for (uint32_t i = 0; i < n; i++) {
        const struct model_pod *p = idx->rows[i].pod;
        b.ns[i] = intern_id(&t_ns, p->obj.ns, NULL);
        b.name[i] = intern_id(&t_name, p->obj.name, NULL);
        b.status[i] = intern_id(&t_status, podindex_pod_status(p), NULL);
        b.node[i] = intern_id(&t_node, p->node, NULL);
        b.zone[i] = intern_id(&t_zone, idx->rows[i].zone, NULL);
        if (p->obj.created > b.max_created)
            b.max_created = p->obj.created;
    }
    b.ns_rank = intern_ranks(&t_ns);
    b.name_rank = intern_ranks(&t_name);
    b.status_rank = intern_ranks(&t_status);
    b.node_rank = intern_ranks(&t_node);
    b.zone_rank = intern_ranks(&t_zone);

    /* the canonical order: namespace, name, source before target (then the input order) */
    struct kr *v = xcalloc(alloc_n, sizeof *v), *tmp = xcalloc(alloc_n, sizeof *tmp);
    unsigned bname = bits_for((uint64_t)t_name.n + 1);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t ns = b.ns[i] == NO_ID ? t_ns.n : b.ns_rank[b.ns[i]];
        uint64_t nm = b.name[i] == NO_ID ? t_name.n : b.name_rank[b.name[i]];
        v[i].k = (((ns << bname) | nm) << 1) | idx->rows[i].side;
        v[i].row = i;
    }
    radix_sort(v, tmp, n);
    uint32_t *canon = xcalloc(alloc_n, sizeof *canon);
    for (uint32_t i = 0; i < n; i++)
        canon[i] = v[i].row;

    /* every column both ways, from the canonical order (stable: ties stay canonical); unknown
     * values last in both directions */
    /* the values are read once in row order (the rows are in memory order), then in canonical
     * order from this compact array */
    uint64_t *val = xcalloc(alloc_n, sizeof *val);
    uint8_t *known = xcalloc(alloc_n, 1);
    for (int c = 0; c < PODINDEX_COL_COUNT; c++) {
        uint64_t maxv = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool k;
            val[i] = col_value(idx, &b, (enum podindex_col)c, i, &k);
            known[i] = k;
            if (k && val[i] > maxv)
                maxv = val[i];
        }
        for (int desc = 0; desc < 2; desc++) {
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = canon[j];
                v[j].k = !known[i] ? maxv + 1 : desc ? maxv - val[i] : val[i];
                v[j].row = i;
            }
            radix_sort(v, tmp, n);
            uint32_t *o = xcalloc(alloc_n, sizeof *o);
            for (uint32_t j = 0; j < n; j++)
                o[j] = v[j].row;
            idx->order[c][desc] = o;
        }
    }
    free(val);
    free(known);
    free(canon);
    free(v);
    free(tmp);
    free(b.ns);
    free(b.name);
    free(b.status);
    free(b.node);
    free(b.zone);
    free(b.ns_rank);
    free(b.name_rank);
    free(b.status_rank);
    free(b.node_rank);
    free(b.zone_rank);
    intern_fini(&t_ns);
    intern_fini(&t_name);
    intern_fini(&t_status);
    intern_fini(&t_node);
    intern_fini(&t_zone);

    if (f && !podindex_filter_all(f)) {
        idx->match = xcalloc(alloc_n, 1);
        idx->nmatch = podindex_filter_run(f, idx, NULL, idx->match);
        snprintf(idx->matched_expr, sizeof idx->matched_expr, "%s", f->active ? f->expr : "");
        snprintf(idx->matched_ns, sizeof idx->matched_ns, "%s", f->ns);
    } else {
        idx->nmatch = n;
    }
    return idx;
}

struct podindex *podindex_ref(struct podindex *idx)
{
    atomic_fetch_add(&idx->refs, 1);
    return idx;
}

void podindex_unref(struct podindex *idx)
{
    if (idx == NULL || atomic_fetch_sub(&idx->refs, 1) != 1)
        return;
    for (int c = 0; c < PODINDEX_COL_COUNT; c++)
        for (int d = 0; d < 2; d++)
            free(idx->order[c][d]);
    free(idx->rows);
    free(idx->text);
    free(idx->match);
    for (int s = 0; s < 2; s++)
        model_cluster_unref(idx->snap[s]);
    free(idx);
}

/* ---- the filter ------------------------------------------------------------------------------ */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static void frag_flush(struct podindex_filter *f, char *cur, size_t *len, bool suffix)
{
    if (*len > 0 && f->nfrag < PODINDEX_FRAGS) {
        memcpy(f->frag[f->nfrag], cur, *len);
        f->frag[f->nfrag][*len] = '\0';
        f->fraglen[f->nfrag] = (uint8_t)*len;
        f->frag_suffix[f->nfrag] = suffix;
        f->nfrag++;
    }
    *len = 0;
}

/* Skips the bracket expression starting at pat[i] == '['; returns the index after it. */
static size_t skip_bracket(const char *pat, size_t i)
{
    size_t j = i + 1;
    if (pat[j] == '^')
        j++;
    if (pat[j] == ']')
        j++;
    while (pat[j] && pat[j] != ']') {
        if (pat[j] == '[' && (pat[j + 1] == ':' || pat[j + 1] == '.' || pat[j + 1] == '=')) {
            char close[3] = {pat[j + 1], ']', '\0'};
            const char *end = strstr(pat + j + 2, close);
            j = end ? (size_t)(end - pat) + 2 : strlen(pat);
            continue;
        }
        j++;
    }
    return pat[j] ? j + 1 : j;
}

/* The literal pieces every match of the extended regex pat must contain: runs of plain
 * characters outside groups, a character followed by *, ? or {} left out; nothing at all when
 * the pattern has an alternation. Only a prefilter: regexec still decides. */
static void regex_frags(struct podindex_filter *f, const char *pat)
{
    f->nfrag = 0;
    if (strchr(pat, '|'))
        return;
    char cur[64];
    size_t len = 0;
    int depth = 0;
    for (size_t i = 0; pat[i];) {
        unsigned char c = (unsigned char)pat[i];
        if (c == '\\' && pat[i + 1]) {
            unsigned char e = (unsigned char)pat[i + 1];
            bool plain = e < 0x80 && !(e >= '0' && e <= '9') && !(e >= 'a' && e <= 'z') &&
                         !(e >= 'A' && e <= 'Z');
            if (plain && depth == 0 && len + 1 < sizeof cur)
                cur[len++] = (char)e;
            else
                frag_flush(f, cur, &len, false);
            i += 2;
        } else if (c == '[') {
            frag_flush(f, cur, &len, false);
            i = skip_bracket(pat, i);
        } else if (c == '(' || c == ')') {
            frag_flush(f, cur, &len, false);
            depth += c == '(' ? 1 : -1;
            i++;
        } else if (c == '*' || c == '?' || c == '{') {
            if (len > 0)
                len--; /* the character before is optional */
            frag_flush(f, cur, &len, false);
            const char *end = c == '{' ? strchr(pat + i, '}') : NULL;
            i = c != '{' ? i + 1 : end ? (size_t)(end - pat) + 1 : strlen(pat);
        } else if (c == '$') {
            frag_flush(f, cur, &len, pat[i + 1] == '\0' && depth == 0);
            i++;
        } else if (c == '+' || c == '.' || c == '^' || c >= 0x80 || depth > 0 ||
                   len + 1 >= sizeof cur) {
            frag_flush(f, cur, &len, false);
            i++;
        } else {
            cur[len++] = (char)lower(c);
            i++;
        }
    }
    frag_flush(f, cur, &len, false);
}

int podindex_filter_set(struct podindex_filter *f, const char *expr, const char *ns, char *err,
                        size_t err_len)
{
    struct podindex_filter nf;
    memset(&nf, 0, sizeof nf);
    snprintf(nf.ns, sizeof nf.ns, "%s", ns ? ns : "");
    if (expr && expr[0] && strcmp(expr, "!") != 0) {
        nf.active = true;
        nf.invert = expr[0] == '!';
        const char *pat = nf.invert ? expr + 1 : expr;
        snprintf(nf.expr, sizeof nf.expr, "%s", expr);
        nf.literal = strlen(pat) < sizeof nf.lit;
        for (const char *s = pat; *s && nf.literal; s++)
            nf.literal = !strchr(".[]()*+?{}|^$\\", *s) && (unsigned char)*s < 0x80;
        if (nf.literal) {
            for (const char *s = pat; *s; s++)
                nf.lit[nf.litlen++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
            nf.lit[nf.litlen] = '\0';
        } else {
            regex_frags(&nf, pat);
            /* the flags of the dashboard's filter (widget_filter_set) */
            int rc = regcomp(&nf.re, pat, REG_EXTENDED | REG_NOSUB | REG_ICASE);
            if (rc != 0) {
                if (err && err_len)
                    regerror(rc, &nf.re, err, err_len);
                return -1;
            }
        }
    }
    podindex_filter_fini(f);
    *f = nf;
    return 0;
}

void podindex_filter_fini(struct podindex_filter *f)
{
    if (f->active && !f->literal)
        regfree(&f->re);
    f->active = false;
    f->literal = false;
    f->invert = false;
}

bool podindex_filter_all(const struct podindex_filter *f)
{
    return f == NULL || (!f->active && f->ns[0] == '\0');
}

/* hay contains lit (lower-case ASCII, len bytes), ignoring ASCII case. */
static bool ci_contains(const char *hay, const char *lit, size_t len, bool hay_lower)
{
    if (len == 0)
        return true;
    if (hay_lower)
        return strstr(hay, lit) != NULL;
    for (; *hay; hay++) {
        if (lower((unsigned char)*hay) != lit[0])
            continue;
        size_t k = 1;
        while (k < len && hay[k] && lower((unsigned char)hay[k]) == lit[k])
            k++;
        if (k == len)
            return true;
    }
    return false;
}

/* s starts (at_end false) or ends (at_end true) with lit, ignoring ASCII case. */
static bool ci_affix(const char *s, const char *lit, size_t len, bool at_end)
{
    size_t sl = strlen(s);
    if (sl < len)
        return false;
    const char *p = at_end ? s + sl - len : s;
    for (size_t k = 0; k < len; k++)
        if (lower((unsigned char)p[k]) != lit[k])
            return false;
    return true;
}

/* Text t contains lit (lower-case, len bytes), or ends with it (suffix), ignoring ASCII case;
 * low: t has no upper-case letter, so a plain search does. */
static bool text_has(const char *t, const char *lit, size_t len, bool suffix, bool low)
{
    if (suffix)
        return ci_affix(t, lit, len, true);
    return ci_contains(t, lit, len, low);
}

bool podindex_filter_match(const struct podindex_filter *f, const struct podindex *idx, uint32_t i)
{
    if (f == NULL)
        return true;
    const struct podindex_row *r = &idx->rows[i];
    const char *t = idx->text + r->text;
    if (f->ns[0]) {
        size_t nl = strlen(f->ns);
        if (r->flags & PODINDEX_ROW_NS_SLASH) {
            if (r->pod->obj.ns == NULL || strcmp(r->pod->obj.ns, f->ns) != 0)
                return false;
        } else if (strncmp(t, f->ns, nl) != 0 || t[nl] != '/') {
            return false; /* the text starts with the namespace and a '/' */
        }
    }
    return podindex_filter_text(f, t, r->flags & PODINDEX_ROW_LOWER);
}

bool podindex_filter_text(const struct podindex_filter *f, const char *t, bool low)
{
    if (f == NULL || !f->active)
        return true;
    bool m;
    if (f->literal) {
        m = text_has(t, f->lit, f->litlen, false, low);
    } else {
        m = true;
        for (int k = 0; k < f->nfrag && m; k++)
            m = text_has(t, f->frag[k], f->fraglen[k], f->frag_suffix[k], low);
        if (m)
            m = regexec(&f->re, t, 0, NULL, 0) == 0;
    }
    return f->invert ? !m : m;
}

bool podindex_filter_narrows(const struct podindex_filter *f, const struct podindex_filter *prev)
{
    if (f == NULL || prev == NULL || strcmp(f->ns, prev->ns) != 0)
        return false;
    if (!prev->active)
        return true; /* prev kept the namespace, f keeps part of it */
    return f->active && f->literal && prev->literal && !f->invert && !prev->invert &&
           strstr(f->lit, prev->lit) != NULL;
}

static uint32_t run_range(const struct podindex_filter *f, const struct podindex *idx,
                          const uint8_t *within, uint8_t *out, uint32_t lo, uint32_t hi)
{
    uint32_t hits = 0;
    for (uint32_t i = lo; i < hi; i++) {
        bool m = (within == NULL || within[i]) && podindex_filter_match(f, idx, i);
        out[i] = m;
        hits += m;
    }
    return hits;
}

struct run_part {
    const struct podindex_filter *f;
    const struct podindex *idx;
    const uint8_t *within;
    uint8_t *out;
    uint32_t lo, hi, hits;
};

static void *run_part_main(void *arg)
{
    struct run_part *p = arg;
    p->hits = run_range(p->f, p->idx, p->within, p->out, p->lo, p->hi);
    return NULL;
}

/* Rows from which a filter run is split between this thread and a helper (two cores). */
#define RUN_SPLIT_ROWS 65536

uint32_t podindex_filter_run(const struct podindex_filter *f, const struct podindex *idx,
                             const uint8_t *within, uint8_t *out)
{
    if (idx->n < RUN_SPLIT_ROWS || f == NULL)
        return run_range(f, idx, within, out, 0, idx->n);
    /* the helper gets a regex of its own: glibc's regexec serialises callers of one regex_t */
    struct podindex_filter copy = *f;
    if (f->active && !f->literal &&
        regcomp(&copy.re, f->invert ? f->expr + 1 : f->expr,
                REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
        return run_range(f, idx, within, out, 0, idx->n);
    struct run_part part = {
        .f = &copy, .idx = idx, .within = within, .out = out, .lo = idx->n / 2, .hi = idx->n};
    pthread_t t;
    XPTHREAD(pthread_create(&t, NULL, run_part_main, &part));
    uint32_t hits = run_range(f, idx, within, out, 0, idx->n / 2);
    XPTHREAD(pthread_join(t, NULL));
    if (f->active && !f->literal)
        regfree(&copy.re);
    return hits + part.hits;
}

/* ---- the worker thread ----------------------------------------------------------------------- */

struct podindex_worker {
    pthread_t thread;
    int wake_fd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* guarded by mu: */
    const struct model_cluster *want[2]; /* the pair to build next (references held) */
    bool pending;                        /* want is new */
    const struct model_cluster *last[2]; /* the pair last submitted (identity only) */
    uint64_t submitted;                  /* generation of the last submit */
    uint64_t taken;                      /* generation of the last index taken */
    struct podindex *result;             /* newest finished, not taken yet */
    uint64_t result_gen;
    char expr[256], ns[256]; /* the filter for the matches */
    bool drop;               /* the view was closed: let go of last_built */
    bool stop;
    struct podindex *last_built; /* the last index built, to skip an unchanged pair */
};

/* Same rows: the pods and nodes of a and b are the same row objects (a poller republishing
 * unchanged lists), so an index of a serves b. */
static bool same_rows(const struct model_cluster *a, const struct model_cluster *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL)
        return false;
    static const enum model_res res[] = {MODEL_RES_PODS, MODEL_RES_NODES};
    for (size_t i = 0; i < 2; i++) {
        const struct model_list *x = &a->lists[res[i]], *y = &b->lists[res[i]];
        if (x->n != y->n || (x->n && x->items != y->items &&
                             memcmp(x->items, y->items, x->n * sizeof *x->items) != 0))
            return false;
    }
    return true;
}

static void *worker_main(void *arg)
{
    struct podindex_worker *w = arg;
    XPTHREAD(pthread_mutex_lock(&w->mu));
    for (;;) {
        while (!w->pending && !w->stop && !w->drop)
            XPTHREAD(pthread_cond_wait(&w->cv, &w->mu));
        if (w->stop)
            break;
        if (w->drop && !w->pending) {
            w->drop = false;
            struct podindex *lb = w->last_built;
            w->last_built = NULL;
            XPTHREAD(pthread_mutex_unlock(&w->mu));
            podindex_unref(lb);
            XPTHREAD(pthread_mutex_lock(&w->mu));
            continue;
        }
        w->drop = false;
        const struct model_cluster *pair[2] = {w->want[0], w->want[1]};
        w->want[0] = w->want[1] = NULL;
        w->pending = false;
        uint64_t gen = w->submitted;
        char expr[256], ns[256];
        memcpy(expr, w->expr, sizeof expr);
        memcpy(ns, w->ns, sizeof ns);
        struct podindex *lb = w->last_built;
        if (lb && same_rows(lb->snap[0], pair[0]) && same_rows(lb->snap[1], pair[1])) {
            /* nothing to build: the index shown (or waiting to be taken) is this pair's too */
            if (w->result)
                w->result_gen = gen;
            else
                w->taken = gen;
            XPTHREAD(pthread_mutex_unlock(&w->mu));
            model_cluster_unref(pair[0]);
            model_cluster_unref(pair[1]);
            XPTHREAD(pthread_mutex_lock(&w->mu));
            continue;
        }
        XPTHREAD(pthread_mutex_unlock(&w->mu));

        struct podindex_filter f;
        memset(&f, 0, sizeof f);
        bool have_f = podindex_filter_set(&f, expr, ns, NULL, 0) == 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct podindex *idx = podindex_build(pair[0], pair[1], have_f ? &f : NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        podindex_filter_fini(&f);
        /* bench/latency.sh reads this line: the cost of a snapshot off the UI thread */
        log_info("podindex: %u pods indexed in %.1f ms", idx->n,
                 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        model_cluster_unref(pair[0]);
        model_cluster_unref(pair[1]);

        XPTHREAD(pthread_mutex_lock(&w->mu));
        /* shown even when a newer pair waits: under churn faster than a build, the view still
         * moves on (the newer pair's index replaces it when done) */
        struct podindex *old = w->result, *old_built = NULL;
        if (w->last[0] == NULL && w->last[1] == NULL) {
            old = idx; /* dropped (the view was closed) while it was built */
        } else {
            w->result = idx;
            w->result_gen = gen;
            old_built = w->last_built;
            w->last_built = podindex_ref(idx);
        }
        XPTHREAD(pthread_mutex_unlock(&w->mu));
        podindex_unref(old);
        podindex_unref(old_built);
        if (w->wake_fd >= 0) {
            ssize_t r = write(w->wake_fd, "p", 1);
            (void)r; /* a full pipe already wakes the UI */
        }
        XPTHREAD(pthread_mutex_lock(&w->mu));
    }
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return NULL;
}

struct podindex_worker *podindex_worker_new(int wake_fd)
{
    struct podindex_worker *w = xcalloc(1, sizeof *w);
    w->wake_fd = wake_fd;
    XPTHREAD(pthread_mutex_init(&w->mu, NULL));
    XPTHREAD(pthread_cond_init(&w->cv, NULL));
    XPTHREAD(pthread_create(&w->thread, NULL, worker_main, w));
    return w;
}

void podindex_worker_free(struct podindex_worker *w)
{
    if (w == NULL)
        return;
    worker_stop_join(&w->mu, &w->cv, &w->stop, w->thread);
    model_cluster_unref(w->want[0]);
    model_cluster_unref(w->want[1]);
    podindex_unref(w->result);
    podindex_unref(w->last_built);
    XPTHREAD(pthread_cond_destroy(&w->cv));
    XPTHREAD(pthread_mutex_destroy(&w->mu));
    free(w);
}

void podindex_worker_submit(struct podindex_worker *w, const struct model_cluster *src,
                            const struct model_cluster *tgt)
{
    const struct model_cluster *drop[2] = {NULL, NULL};
    struct podindex *stale = NULL;
    XPTHREAD(pthread_mutex_lock(&w->mu));
    if (src == NULL && tgt == NULL) {
        drop[0] = w->want[0];
        drop[1] = w->want[1];
        w->want[0] = w->want[1] = NULL;
        w->last[0] = w->last[1] = NULL;
        w->pending = false;
        stale = w->result;
        w->result = NULL;
        w->taken = w->submitted; /* nothing is awaited */
        w->drop = true;          /* the worker lets go of its last index too */
        XPTHREAD(pthread_cond_signal(&w->cv));
    } else if (src != w->last[0] || tgt != w->last[1]) {
        drop[0] = w->want[0];
        drop[1] = w->want[1];
        w->want[0] = src ? model_cluster_ref(src) : NULL;
        w->want[1] = tgt ? model_cluster_ref(tgt) : NULL;
        w->last[0] = src;
        w->last[1] = tgt;
        w->pending = true;
        w->submitted++;
        XPTHREAD(pthread_cond_signal(&w->cv));
    }
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    model_cluster_unref(drop[0]);
    model_cluster_unref(drop[1]);
    podindex_unref(stale);
}

void podindex_worker_set_filter(struct podindex_worker *w, const char *expr, const char *ns)
{
    XPTHREAD(pthread_mutex_lock(&w->mu));
    snprintf(w->expr, sizeof w->expr, "%s", expr ? expr : "");
    snprintf(w->ns, sizeof w->ns, "%s", ns ? ns : "");
    XPTHREAD(pthread_mutex_unlock(&w->mu));
}

struct podindex *podindex_worker_take(struct podindex_worker *w)
{
    XPTHREAD(pthread_mutex_lock(&w->mu));
    struct podindex *idx = w->result;
    w->result = NULL;
    if (idx)
        w->taken = w->result_gen;
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return idx;
}

bool podindex_worker_busy(struct podindex_worker *w)
{
    XPTHREAD(pthread_mutex_lock(&w->mu));
    bool busy = w->taken != w->submitted;
    XPTHREAD(pthread_mutex_unlock(&w->mu));
    return busy;
}
