/* Unified line diffs with Myers' algorithm (E. Myers, "An O(ND) Difference Algorithm and Its
 * Variations", 1986): greedy furthest-reaching D-paths, the V array kept per D for the way back. */
#include "cutover/udiff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"

/* The most V entries kept for the way back (ints); beyond it the diff is one replacing hunk. */
#define UDIFF_MAX_TRACE (16u * 1024u * 1024u)

struct lines {
    const char **p;
    size_t *len;
    size_t n;
};

static void split(const char *s, size_t len, struct lines *out)
{
    out->n = 0;
    size_t cap = 16;
    out->p = xmalloc(cap * sizeof *out->p);
    out->len = xmalloc(cap * sizeof *out->len);
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) : len;
        if (out->n == cap) {
            cap *= 2;
            out->p = xreallocarray(out->p, cap, sizeof *out->p);
            out->len = xreallocarray(out->len, cap, sizeof *out->len);
        }
        out->p[out->n] = s + i;
        out->len[out->n] = e - i;
        out->n++;
        i = e + 1;
    }
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* One edit step of the script: 0 keep, '-' delete a[i], '+' insert b[j]. */
struct step {
    char op;
    int i, j;
};

/* The edit script from a to b, in order; NULL when it would need more than the trace limit. */
static struct step *myers(const struct lines *a, const struct lines *b, size_t *nsteps)
{
    int n = (int)a->n, m = (int)b->n, max = n + m;
    size_t width = (size_t)(2 * max + 1);
    if (max == 0) {
        *nsteps = 0;
        return xcalloc(1, sizeof(struct step));
    }
    int *v = xcalloc(width, sizeof *v);
    int **trace = NULL;
    size_t ntrace = 0, used = 0;
    int dfound = -1;
    for (int d = 0; d <= max && dfound < 0; d++) {
        if (used + width > UDIFF_MAX_TRACE)
            break;
        int *copy = xmalloc(width * sizeof *copy);
        memcpy(copy, v, width * sizeof *copy);
        trace = xreallocarray(trace, ntrace + 1, sizeof *trace);
        trace[ntrace++] = copy;
        used += width;
        for (int k = -d; k <= d; k += 2) {
            int x;
            if (k == -d || (k != d && v[max + k - 1] < v[max + k + 1]))
                x = v[max + k + 1];
            else
                x = v[max + k - 1] + 1;
            int y = x - k;
            while (x < n && y < m && same(a, (size_t)x, b, (size_t)y)) {
                x++;
                y++;
            }
            v[max + k] = x;
            if (x >= n && y >= m) {
                dfound = d;
                break;
            }
        }
    }
    free(v);
    if (dfound < 0) {
        for (size_t i = 0; i < ntrace; i++)
            free(trace[i]);
        free(trace);
        return NULL;
    }
    /* the way back, collecting steps in reverse */
    size_t cap = (size_t)max + 1, ns = 0;
    struct step *rev = xmalloc(cap * sizeof *rev);
    int x = n, y = m;
    for (int d = dfound; d > 0; d--) {
        const int *vv = trace[d];
        int k = x - y;
        int pk;
        if (k == -d || (k != d && vv[max + k - 1] < vv[max + k + 1]))
            pk = k + 1;
        else
            pk = k - 1;
        int px = vv[max + pk], py = px - pk;
        while (x > px && y > py) {
            x--;
            y--;
            rev[ns++] = (struct step){0, x, y};
        }
        if (x == px) {
            y--;
            rev[ns++] = (struct step){'+', x, y};
        } else {
            x--;
            rev[ns++] = (struct step){'-', x, y};
        }
    }
    while (x > 0 && y > 0) {
        x--;
        y--;
        rev[ns++] = (struct step){0, x, y};
    }
    for (size_t i = 0; i < ntrace; i++)
        free(trace[i]);
    free(trace);
    for (size_t i = 0; i < ns / 2; i++) {
        struct step t = rev[i];
        rev[i] = rev[ns - 1 - i];
        rev[ns - 1 - i] = t;
    }
    *nsteps = ns;
    return rev;
}

static void add_line(struct udiff *d, size_t *cap, char op, int al, int bl, const char *t,
                     size_t len)
{
    if (d->n == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        d->lines = xreallocarray(d->lines, *cap, sizeof *d->lines);
    }
    struct udiff_line *l = &d->lines[d->n++];
    l->op = op;
    l->a_line = al;
    l->b_line = bl;
    l->text = xstrndup(t, len);
}

struct udiff *udiff_new(const char *a, size_t alen, const char *b, size_t blen, int context)
{
    struct udiff *d = xcalloc(1, sizeof *d);
    if (context < 0)
        context = 0;
    struct lines la, lb;
    split(a ? a : "", a ? alen : 0, &la);
    split(b ? b : "", b ? blen : 0, &lb);
    size_t ns = 0;
    struct step *st = myers(&la, &lb, &ns);
    if (!st) {
        /* too far apart to trace: all of a out, all of b in */
        d->too_big = true;
        ns = la.n + lb.n;
        st = xmalloc((ns + 1) * sizeof *st);
        for (size_t i = 0; i < la.n; i++)
            st[i] = (struct step){'-', (int)i, 0};
        for (size_t j = 0; j < lb.n; j++)
            st[la.n + j] = (struct step){'+', (int)la.n, (int)j};
    }
    size_t cap = 0;
    d->identical = true;
    for (size_t i = 0; i < ns; i++)
        if (st[i].op)
            d->identical = false;
    size_t i = 0;
    while (!d->identical && i < ns) {
        /* the next change */
        while (i < ns && st[i].op == 0)
            i++;
        if (i >= ns)
            break;
        size_t start = i >= (size_t)context ? i - (size_t)context : 0;
        /* extend while the gap of unchanged steps to the next change is <= 2 * context */
        size_t end = i;
        for (;;) {
            while (end < ns && st[end].op != 0)
                end++;
            size_t gap = end;
            while (gap < ns && st[gap].op == 0)
                gap++;
            if (gap < ns && gap - end <= (size_t)(2 * context)) {
                end = gap;
                continue;
            }
            end = end + (size_t)context < ns ? end + (size_t)context : ns;
            break;
        }
        /* the header */
        int a0 = -1, b0 = -1, an = 0, bn = 0;
        for (size_t k = start; k < end; k++) {
            int ai = st[k].i, bi = st[k].j;
            if (st[k].op != '+') {
                if (a0 < 0)
                    a0 = ai;
                an++;
            }
            if (st[k].op != '-') {
                if (b0 < 0)
                    b0 = bi;
                bn++;
            }
        }
        if (a0 < 0)
            a0 = st[start].i - 1 + 1; /* insertion: unified diff names the line before */
        if (b0 < 0)
            b0 = st[start].j;
        char hdr[96];
        snprintf(hdr, sizeof hdr, "@@ -%d,%d +%d,%d @@", an ? a0 + 1 : a0, an, bn ? b0 + 1 : b0,
                 bn);
        add_line(d, &cap, UDIFF_HUNK, 0, 0, hdr, strlen(hdr));
        for (size_t k = start; k < end; k++) {
            int ai = st[k].i, bi = st[k].j;
            if (st[k].op == 0) {
                add_line(d, &cap, UDIFF_CONTEXT, ai + 1, bi + 1, la.p[ai], la.len[ai]);
            } else if (st[k].op == '-') {
                add_line(d, &cap, UDIFF_DEL, ai + 1, 0, la.p[ai], la.len[ai]);
                d->removed++;
            } else {
                add_line(d, &cap, UDIFF_ADD, 0, bi + 1, lb.p[bi], lb.len[bi]);
                d->added++;
            }
        }
        i = end;
    }
    free(st);
    free(la.p);
    free(la.len);
    free(lb.p);
    free(lb.len);
    return d;
}

char *udiff_text(const struct udiff *d, const char *a_label, const char *b_label)
{
    if (d->identical)
        return xstrdup("");
    size_t len = strlen(a_label) + strlen(b_label) + 16;
    for (size_t i = 0; i < d->n; i++)
        len += strlen(d->lines[i].text) + 2;
    char *out = xmalloc(len + 1), *p = out;
    p += sprintf(p, "--- %s\n+++ %s\n", a_label, b_label);
    for (size_t i = 0; i < d->n; i++) {
        const struct udiff_line *l = &d->lines[i];
        if (l->op == UDIFF_HUNK)
            p += sprintf(p, "%s\n", l->text);
        else
            p += sprintf(p, "%c%s\n", l->op, l->text);
    }
    return out;
}

void udiff_free(struct udiff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i].text);
    free(d->lines);
    free(d);
}
