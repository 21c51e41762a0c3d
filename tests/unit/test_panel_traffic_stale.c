/* Issue #7, the Traffic panel's one-line layout (a panel too short for blocks) with a target
 * whose read fails: the line says STALE with the age AND the error, as the cluster columns do;
 * an AWS answer's status and code come first (HTTP 429 TooManyRequestsException ...), the
 * provider's kind and the operation are not repeated, the error is cut with "~" at the edge, the
 * last reading (the percent to new) stays, and a target that is fine keeps its step and weights.
 * Text from the API is sanitized: an escape sequence in the error never reaches the screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cutover/canvas_grid.h"
#include "cutover/panel_traffic.h"
#include "cutover/traffic.h"
#include "cutover/xalloc.h"
#include "../lib/traffic_fixture.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1750000000

/* A Route53 target onprem/eks, not production and with no tolerance set, last read fine 12 s
 * ago, whose last read failed with error (NULL: it did not). */
static void set_target(struct traffic_target_state *t, const char *name, int old_w, int new_w,
                       const char *error)
{
    traffic_fixture_target(t, name, TRAFFIC_ROUTE53, "onprem", "eks", old_w, new_w, NOW - 12);
    t->cfg.production = false;
    t->cfg.tolerance_pct = 0;
    t->error = error ? xstrdup(error) : NULL;
}

/* The panel at h x wd (4 rows: one line per target) with api-dns failing with error. */
static char *draw(const char *error, int wd)
{
    struct traffic_snapshot *s = traffic_snapshot_new(2);
    set_target(&s->targets[0], "api-dns", 70, 30, error);
    set_target(&s->targets[1], "web-dns", 100, 0, NULL);
    struct widget *w = panel_traffic_new();
    panel_traffic_set(w, s);
    traffic_snapshot_unref(s);
    struct canvas c;
    struct canvas_grid *g = canvas_grid_new(4, wd, true, &c);
    struct widget_view v = {.context = {"onprem-prod", "eks-prod"}, .now = NOW};
    widget_layout(w, (struct rect){0, 0, 4, wd});
    widget_update(w, &v);
    widget_draw(w, &c, &v, false);
    char *t = canvas_grid_text(g);
    canvas_grid_free(g);
    widget_free(w);
    return t;
}

/* The screen line holding needle (a new string without the border), or fails. */
static char *line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (p == NULL)
        fail_msg("no '%s' on the screen:\n%s", needle, text);
    const char *a = p, *b = p;
    while (a > text && a[-1] != '\n')
        a--;
    while (*b && *b != '\n')
        b++;
    return xstrndup(a, (size_t)(b - a));
}

static void test_aws_error_on_the_line(void **state)
{
    (void)state;
    char *t = draw("api-dns: route53 ListResourceRecordSets: TooManyRequestsException: Rate "
                   "exceeded (HTTP 429)",
                   80);
    char *l = line_with(t, "api-dns");
    assert_non_null(strstr(l, "30% to new STALE 12s HTTP 429 TooManyRequestsException: Rat~|"));
    assert_null(strstr(l, "ListResourceRecordSets"));
    free(l);
    l = line_with(t, "web-dns");
    assert_non_null(strstr(l, "0% to new step 1/5 old 100 new 0"));
    assert_null(strstr(l, "STALE"));
    free(l);
    free(t);
}

static void test_short_error_keeps_the_weights(void **state)
{
    (void)state;
    char *t = draw("api-dns: refused", 80);
    char *l = line_with(t, "api-dns");
    assert_non_null(strstr(l, "30% to new step 3/5 old 70 new 30 STALE 12s refused "));
    free(l);
    free(t);
}

static void test_narrow_and_sanitized(void **state)
{
    (void)state;
    char *t =
        draw("route53 ListResourceRecordSets: Couldn't connect to server\x1b]0;pwned\x07 x", 50);
    char *l = line_with(t, "api-dns");
    assert_non_null(strstr(l, "30% to new STALE 12s Couldn't~|"));
    assert_null(strchr(t, '\x1b'));
    assert_null(strchr(t, '\x07'));
    assert_int_equal(strlen(l), 50);
    free(l);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_error_on_the_line),
        cmocka_unit_test(test_short_error_keeps_the_weights),
        cmocka_unit_test(test_narrow_and_sanitized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
