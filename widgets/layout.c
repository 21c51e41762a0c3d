/* Dashboard layout: pure arithmetic. */
#include "cutover/layout.h"

#include <string.h>

static const char *const panel_names[PANEL_COUNT] = {"nodes", "workloads", "traffic", "secrets",
                                                     "findings"};

const char *layout_panel_name(enum panel_id id)
{
    return (unsigned)id < PANEL_COUNT ? panel_names[id] : "?";
}

int layout_panel_from_name(const char *name)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (strcmp(name, panel_names[i]) == 0)
            return i;
    return -1;
}

void layout_split2(struct rect r, struct rect *left, struct rect *right)
{
    int lw = (r.w - 1 + 1) / 2;
    if (lw < 0)
        lw = 0;
    int rw = r.w - 1 - lw;
    if (rw < 0)
        rw = 0;
    *left = (struct rect){r.y, r.x, r.h, lw};
    *right = (struct rect){r.y, r.x + lw + 1, r.h, rw};
}

bool layout_rect_overlap(struct rect a, struct rect b)
{
    if (a.h <= 0 || a.w <= 0 || b.h <= 0 || b.w <= 0)
        return false;
    return a.y < b.y + b.h && b.y < a.y + a.h && a.x < b.x + b.w && b.x < a.x + a.w;
}

/* Rows the nodes panel needs in full: box edges, a column header and one row per zone. */
static int nodes_height(int nodes_rows)
{
    if (nodes_rows < 1)
        nodes_rows = 1;
    return nodes_rows + 3;
}

#define TRAFFIC_ROWS 3
#define WORKLOADS_MIN 10
#define FINDINGS_MIN 6

void layout_compute(const struct layout_in *in, struct layout *out)
{
    memset(out, 0, sizeof *out);
    int h = in->h, w = in->w;
    if (w < LAYOUT_MIN_W || h < LAYOUT_MIN_H) {
        out->too_small = true;
        out->status = (struct rect){0, 0, h > 0 ? 1 : 0, w > 0 ? w : 0};
        return;
    }
    out->header = (struct rect){0, 0, LAYOUT_HEADER_ROWS, w};
    layout_split2(out->header, &out->header_col[0], &out->header_col[1]);
    out->status = (struct rect){h - 1, 0, 1, w};
    out->body = (struct rect){LAYOUT_HEADER_ROWS, 0, h - LAYOUT_HEADER_ROWS - 1, w};

    int bh = out->body.h, y = out->body.y;
    if (in->runbook_rows > 0) {
        /* the follow screen: the Runbook panel first, taking at most half of the body or all but
         * ten rows (the folded panels' summaries and a focused panel of five); the other panels
         * share the rest as usual (folded when it is short) */
        int rr = in->runbook_rows < 3 ? 3 : in->runbook_rows;
        int most = bh - 10 > bh / 2 ? bh - 10 : bh / 2;
        if (rr > most)
            rr = most;
        out->runbook = (struct rect){y, 0, rr, w};
        y += rr;
        bh -= rr;
    }
    int nh = nodes_height(in->nodes_rows);
    if (bh >= nh + TRAFFIC_ROWS + WORKLOADS_MIN + FINDINGS_MIN) {
        int rest = bh - nh - TRAFFIC_ROWS;
        int wl = rest * 3 / 5;
        /* a short table gives its spare rows to the findings */
        if (in->workloads_rows > 0 && in->workloads_rows + 3 < wl)
            wl = in->workloads_rows + 3;
        if (wl < WORKLOADS_MIN)
            wl = WORKLOADS_MIN;
        int fd = rest - wl;
        out->panel[PANEL_NODES] = (struct rect){y, 0, nh, w};
        y += nh;
        out->panel[PANEL_WORKLOADS] = (struct rect){y, 0, wl, w};
        y += wl;
        struct rect row = {y, 0, TRAFFIC_ROWS, w};
        layout_split2(row, &out->panel[PANEL_TRAFFIC], &out->panel[PANEL_SECRETS]);
        y += TRAFFIC_ROWS;
        out->panel[PANEL_FINDINGS] = (struct rect){y, 0, fd, w};
        return;
    }

    out->folded = true;
    enum panel_id focus = (unsigned)in->focus < PANEL_COUNT ? in->focus : PANEL_NODES;
    int main_h = bh - (PANEL_COUNT - 1);
    for (int i = 0; i < PANEL_COUNT; i++) {
        if ((enum panel_id)i == focus) {
            out->panel[i] = (struct rect){y, 0, main_h, w};
            y += main_h;
        } else {
            out->summary[i] = (struct rect){y, 0, 1, w};
            y++;
        }
    }
}
