/* The Workloads panel's rows made off the UI thread (issue #7): every precomputed order equals
 * a fresh sort with the table's rules, the block-scan filter keeps exactly the rows the regex
 * filter kept (literals, regexes, inverted, namespaces), and the selected workload stays
 * selected when a new analysis is installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cutover/panel_workloads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NW 600

/* An analysis of NW workloads (strings and counts from seed), built by hand. */
struct fake {
    struct analysis an;
    struct workload_pair wp[NW];
    struct model_workload side[NW][2];
    char str[NW][3][48];
};

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

static void fake_init(struct fake *f, uint32_t seed)
{
    static const char *const kinds[] = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"};
    static const char *const nss[] = {"shop", "Payments", "kube-system", "shop-eu", "default"};
    memset(f, 0, sizeof *f);
    uint32_t s = seed;
    for (int i = 0; i < NW; i++) {
        struct workload_pair *wp = &f->wp[i];
        snprintf(f->str[i][0], sizeof f->str[i][0], "%s", kinds[rnd(&s) % 4]);
        snprintf(f->str[i][1], sizeof f->str[i][1], "%s", nss[rnd(&s) % 5]);
        /* names repeat across namespaces and kinds (kind, namespace and name together are
         * unique, as in an analysis); some upper case. The draws in sequence: the same data
         * with every compiler. */
        const char *stem = rnd(&s) % 7 == 0 ? "Cart-API" : "svc";
        unsigned num = rnd(&s) % 200;
        const char *tail = rnd(&s) % 5 == 0 ? "-canary" : "";
        snprintf(f->str[i][2], sizeof f->str[i][2], "%s-%u-%03d%s", stem, num, i, tail);
        wp->kind = f->str[i][0];
        wp->ns = f->str[i][1];
        wp->name = f->str[i][2];
        wp->severity = (enum finding_severity)(rnd(&s) % 3);
        for (int k = 0; k < 2; k++) {
            if (rnd(&s) % 9 == 0)
                continue; /* missing on that side */
            struct model_workload *m = &f->side[i][k];
            m->desired = rnd(&s) % 11 == 0 ? MODEL_COUNT_UNKNOWN : (int32_t)(rnd(&s) % 6);
            m->ready = rnd(&s) % 13 == 0 ? MODEL_COUNT_UNKNOWN : (int32_t)(rnd(&s) % 6);
            wp->side[k] = m;
            wp->restarts[k] = rnd(&s) % 8 == 0 ? MODEL_COUNT_UNKNOWN : (int32_t)(rnd(&s) % 4);
        }
    }
    f->an.workloads = f->wp;
    f->an.nworkloads = NW;
}

/* The table's order, written out independently: the key, then the analysis's order; unknown
 * values last in both directions. */
static const struct analysis *ref_an;
static enum panel_workloads_col ref_col;
static bool ref_desc;

static bool ref_num(const struct workload_pair *wp, double *v)
{
    bool tgt =
        ref_col == PANEL_WORKLOADS_COL_TGT_READY || ref_col == PANEL_WORKLOADS_COL_TGT_RESTARTS;
    int s = tgt ? 1 : 0;
    if (wp->side[s] == NULL)
        return false;
    if (ref_col == PANEL_WORKLOADS_COL_SRC_RESTARTS ||
        ref_col == PANEL_WORKLOADS_COL_TGT_RESTARTS) {
        *v = wp->restarts[s];
        return wp->restarts[s] != MODEL_COUNT_UNKNOWN;
    }
    const struct model_workload *m = wp->side[s];
    if (m->ready == MODEL_COUNT_UNKNOWN || m->desired == MODEL_COUNT_UNKNOWN)
        return false;
    *v = m->desired > 0 ? (double)m->ready / m->desired : 1.0;
    return true;
}

static int ref_cmp(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const struct workload_pair *x = &ref_an->workloads[i], *y = &ref_an->workloads[j];
    int byidx = (i > j) - (i < j), c = 0;
    if (ref_col == PANEL_WORKLOADS_COL_SEVERITY) {
        c = byidx;
    } else if (ref_col == PANEL_WORKLOADS_COL_KIND) {
        c = strcmp(x->kind, y->kind);
    } else if (ref_col == PANEL_WORKLOADS_COL_NAME) {
        c = strcmp(x->ns, y->ns);
        c = c ? c : strcmp(x->name, y->name);
    } else {
        double vx = 0, vy = 0;
        bool kx = ref_num(x, &vx), ky = ref_num(y, &vy);
        if (!kx && !ky)
            return byidx;
        if (kx != ky)
            return kx ? -1 : 1;
        c = (vx > vy) - (vx < vy);
    }
    c = ref_desc ? -c : c;
    return c ? c : byidx;
}

static void orders_equal_a_fresh_sort(void **state)
{
    (void)state;
    static struct fake f;
    fake_init(&f, 7);
    struct panel_workloads_prep *p = panel_workloads_prepare(&f.an);
    assert_int_equal(p->n, NW);
    uint32_t want[NW];
    for (int c = 0; c < PANEL_WORKLOADS_COLS; c++)
        for (int d = 0; d < 2; d++) {
            for (uint32_t i = 0; i < NW; i++)
                want[i] = i;
            ref_an = &f.an;
            ref_col = (enum panel_workloads_col)c;
            ref_desc = d != 0;
            qsort(want, NW, sizeof *want, ref_cmp);
            for (uint32_t i = 0; i < NW; i++)
                if (p->order[c][d][i] != want[i])
                    fail_msg("column %s %s: row %u is %u, want %u", panel_workloads_col_key(c),
                             d ? "desc" : "asc", i, p->order[c][d][i], want[i]);
        }
    /* the filter text of every row, in one block */
    char t[160];
    snprintf(t, sizeof t, "%s %s/%s", f.wp[5].kind, f.wp[5].ns, f.wp[5].name);
    assert_string_equal(p->text + p->text_at[5], t);
    panel_workloads_prep_free(p);
    panel_workloads_prep_free(NULL);
}

/* The rows a widget shows, as workload indexes, in order. */
static int shown(struct widget *w, const struct analysis *an, uint32_t *out)
{
    int sel = w->sel;
    for (int r = 0; r < w->nrows; r++) {
        w->sel = r;
        out[r] = (uint32_t)(panel_workloads_selected(w) - an->workloads);
    }
    w->sel = sel;
    return w->nrows;
}

static void filter_equals_the_regex_path(void **state)
{
    (void)state;
    static struct fake f;
    fake_init(&f, 11);
    static const char *const exprs[] = {
        "svc-1",
        "SVC-1",
        "cart",
        "shop/",
        "deployment shop",
        "!canary",
        "^Stateful",
        "svc-1[0-9]-0[0-9]+$",
        "shop.*cart",
        "(eu|pay).*-9",
        "!^daemon",
        "ments/c",
        "canary$",
        "x-no-match-q",
        "a|b",
        "set kube-system",
        "1$",
        "^replicaset default/svc-[0-9]+-[0-9]+$",
    };
    static const char *const nss[] = {"", "shop", "Payments"};
    struct widget *w = panel_workloads_new();
    widget_layout(w, (struct rect){0, 0, 40, 160});
    uint32_t got[NW];
    size_t some = 0; /* filters that kept some rows but not all */
    for (size_t n = 0; n < sizeof nss / sizeof nss[0]; n++)
        for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
            struct widget_filter flt;
            memset(&flt, 0, sizeof flt);
            assert_int_equal(widget_filter_set(&flt, exprs[e], NULL, 0), 0);
            snprintf(flt.ns, sizeof flt.ns, "%s", nss[n]);
            struct widget_view v = {.an = &f.an, .filter = &flt};
            widget_update(w, &v);
            int ng = shown(w, &f.an, got), nw = 0;
            /* the old path: the text of every row built and matched by the regex */
            for (uint32_t i = 0; i < NW; i++) {
                char text[160];
                snprintf(text, sizeof text, "%s %s/%s", f.wp[i].kind, f.wp[i].ns, f.wp[i].name);
                if (!widget_filter_match(&flt, f.wp[i].ns, text))
                    continue;
                if (nw >= ng || got[nw] != i)
                    fail_msg("filter '%s' ns '%s': row %d is not workload %u", exprs[e], nss[n], nw,
                             i);
                nw++;
            }
            if (nw != ng)
                fail_msg("filter '%s' ns '%s': %d rows, want %d", exprs[e], nss[n], ng, nw);
            some += nw > 0 && nw < NW;
            widget_filter_fini(&flt);
        }
    assert_true(some > sizeof exprs / sizeof exprs[0]);
    widget_free(w);
}

static void sort_walks_the_filtered_order(void **state)
{
    (void)state;
    static struct fake f;
    fake_init(&f, 3);
    struct panel_workloads_prep *p = panel_workloads_prepare(&f.an);
    struct widget *w = panel_workloads_new();
    widget_layout(w, (struct rect){0, 0, 40, 160});
    panel_workloads_set_prep(w, p);
    struct widget_filter flt;
    memset(&flt, 0, sizeof flt);
    assert_int_equal(widget_filter_set(&flt, "svc", NULL, 0), 0);
    struct widget_view v = {.an = &f.an, .filter = &flt};
    widget_update(w, &v);
    panel_workloads_sort_by(w, PANEL_WORKLOADS_COL_TGT_READY, true);
    uint32_t got[NW];
    int ng = shown(w, &f.an, got), k = 0;
    for (uint32_t r = 0; r < NW; r++) {
        uint32_t i = p->order[PANEL_WORKLOADS_COL_TGT_READY][1][r];
        if (strstr(f.wp[i].name, "svc") == NULL)
            continue;
        assert_true(k < ng);
        assert_int_equal(got[k], i);
        k++;
    }
    assert_int_equal(k, ng);
    assert_true(ng > 0 && ng < NW);
    widget_free(w);
    widget_filter_fini(&flt);
    panel_workloads_prep_free(p);
}

static void selection_kept_across_an_install(void **state)
{
    (void)state;
    static struct fake a, b;
    fake_init(&a, 5);
    /* the next analysis: the same workloads in another (severity) order, new strings */
    memcpy(&b, &a, sizeof b);
    for (int i = 0; i < NW; i++) {
        int j = (i * 7 + 13) % NW; /* 7 and NW are coprime: a permutation */
        b.wp[j] = a.wp[i];
        memcpy(b.str[j], a.str[i], sizeof b.str[j]);
        b.wp[j].kind = b.str[j][0];
        b.wp[j].ns = b.str[j][1];
        b.wp[j].name = b.str[j][2];
        b.wp[j].side[0] = a.wp[i].side[0] ? &b.side[j][0] : NULL;
        b.wp[j].side[1] = a.wp[i].side[1] ? &b.side[j][1] : NULL;
        memcpy(b.side[j], a.side[i], sizeof b.side[j]);
    }
    b.an.workloads = b.wp;
    struct panel_workloads_prep *pa = panel_workloads_prepare(&a.an);
    struct widget *w = panel_workloads_new();
    widget_layout(w, (struct rect){0, 0, 40, 160});
    struct widget_filter flt;
    memset(&flt, 0, sizeof flt);
    assert_int_equal(widget_filter_set(&flt, "shop", NULL, 0), 0);
    struct widget_view v = {.an = &a.an, .filter = &flt};
    panel_workloads_set_prep(w, pa);
    widget_update(w, &v);
    panel_workloads_sort_by(w, PANEL_WORKLOADS_COL_NAME, false);
    for (int k = 0; k < 25; k++)
        widget_key(w, WIDGET_DOWN);
    const struct workload_pair *sel = panel_workloads_selected(w);
    assert_non_null(sel);
    char before[160];
    snprintf(before, sizeof before, "%s %s/%s", sel->kind, sel->ns, sel->name);
    int row = w->sel;
    /* in the new analysis one workload above the selection leaves the filter: the selected
     * workload moves up a row and stays selected */
    int moved = 0;
    for (int j = 0; j < NW && !moved; j++) {
        int c = strcmp(b.wp[j].ns, sel->ns);
        if (strstr(b.wp[j].ns, "shop") &&
            (c < 0 || (c == 0 && strcmp(b.wp[j].name, sel->name) < 0))) {
            snprintf(b.str[j][1], sizeof b.str[j][1], "zz-elsewhere");
            moved = 1;
        }
    }
    assert_true(moved);
    struct panel_workloads_prep *pb = panel_workloads_prepare(&b.an);

    panel_workloads_set_prep(w, pb); /* the install: a swap */
    v.an = &b.an;
    widget_update(w, &v);
    sel = panel_workloads_selected(w);
    assert_non_null(sel);
    assert_true(sel >= b.wp && sel < b.wp + NW); /* into the new analysis */
    char after[160];
    snprintf(after, sizeof after, "%s %s/%s", sel->kind, sel->ns, sel->name);
    assert_string_equal(after, before);
    assert_int_equal(w->sel, row - 1);
    bool desc = true;
    assert_int_equal(panel_workloads_sort_col(w, &desc), PANEL_WORKLOADS_COL_NAME);
    assert_false(desc);

    /* and without a preparation handed over (the panel makes its own) the same holds */
    panel_workloads_set_prep(w, NULL);
    v.an = &a.an;
    widget_update(w, &v);
    sel = panel_workloads_selected(w);
    snprintf(after, sizeof after, "%s %s/%s", sel->kind, sel->ns, sel->name);
    assert_string_equal(after, before);
    assert_true(sel >= a.wp && sel < a.wp + NW);
    widget_free(w);
    widget_filter_fini(&flt);
    panel_workloads_prep_free(pa);
    panel_workloads_prep_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orders_equal_a_fresh_sort),
        cmocka_unit_test(filter_equals_the_regex_path),
        cmocka_unit_test(sort_walks_the_filtered_order),
        cmocka_unit_test(selection_kept_across_an_install),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
