#ifndef CUTOVER_WIDGET_H
#define CUTOVER_WIDGET_H

/* Widgets as a small vtable (htop PanelClass, tmux window_mode): `layout` stores the rectangle,
 * `update` reads a new view of the data, `draw` paints onto a canvas, `key` handles a movement
 * command and returns what to redo. Widgets read immutable snapshots and the analysis of the
 * pair; they never do I/O and never touch curses. */

#include "cutover/analysis.h"
#include "cutover/canvas.h"
#include "cutover/model.h"
#include "cutover/theme.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an action or a key asks the UI to do next (htop Htop_Reaction). */
#define ACT_NONE 0x0
#define ACT_REDRAW 0x1
#define ACT_RELAYOUT 0x2
#define ACT_QUIT 0x4

/* Movement and selection commands a widget understands. */
enum widget_cmd {
    WIDGET_UP,
    WIDGET_DOWN,
    WIDGET_PGUP,
    WIDGET_PGDN,
    WIDGET_TOP,
    WIDGET_BOTTOM,
    WIDGET_ENTER,
};

/* The `/` filter and the `:ns` namespace, applied to rows that name objects. */
struct widget_filter {
    bool active;    /* a regex is set */
    bool invert;    /* the expression started with '!' */
    regex_t re;     /* compiled when active */
    char expr[256]; /* as typed, for the status bar */
    char ns[256];   /* "" = all namespaces */
};

/* Everything a widget may read: borrowed for the duration of one update/draw. */
struct widget_view {
    const struct model_cluster *snap[2]; /* source, target; NULL until the first snapshot */
    const char *context[2];              /* the contexts asked for (shown before any data) */
    const struct analysis *an;           /* never NULL once the dashboard has run an analysis */
    int64_t now;                         /* unix seconds the view is drawn at */
    const struct widget_filter *filter;
};

struct widget;

struct widget_class {
    const char *name;
    /* Stores r and recomputes anything that depends on the size. */
    void (*layout)(struct widget *w, struct rect r);
    /* Re-reads the view (new snapshot, filter or namespace). */
    void (*update)(struct widget *w, const struct widget_view *v);
    /* Draws into c (already the widget's rectangle). */
    void (*draw)(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused);
    /* Handles a command; returns ACT_* flags (ACT_NONE when not handled). */
    int (*key)(struct widget *w, enum widget_cmd cmd);
    /* One line saying what the panel would show, for the folded layout. */
    void (*summary)(struct widget *w, const struct widget_view *v, char *buf, size_t len);
    /* Frees the widget's own data (not w). */
    void (*fini)(struct widget *w);
};

struct widget {
    const struct widget_class *cls;
    struct rect r;
    int sel;   /* selected row (widgets with a selection) */
    int top;   /* first row shown */
    int nrows; /* rows the widget has */
    void *priv;
};

/* Allocates a widget of class cls with private data priv (owned; freed by fini/free). */
struct widget *widget_new(const struct widget_class *cls, void *priv);
/* Calls fini and frees; NULL does nothing. */
void widget_free(struct widget *w);

/* Stores r in w and calls the class's layout (a NULL slot in any dispatcher does nothing). */
void widget_layout(struct widget *w, struct rect r);
/* Calls the class's update with a new view. */
void widget_update(struct widget *w, const struct widget_view *v);
/* Calls the class's draw onto c. */
void widget_draw(struct widget *w, struct canvas *c, const struct widget_view *v, bool focused);
/* Calls the class's key handler; ACT_NONE when it has none. */
int widget_key(struct widget *w, enum widget_cmd cmd);
/* The class's one-line summary into buf ("" when it has none). */
void widget_summary(struct widget *w, const struct widget_view *v, char *buf, size_t len);

/* Moves w->sel/w->top for a list of w->nrows rows with `visible` rows on screen; returns
 * ACT_REDRAW when something moved, ACT_NONE otherwise. */
int widget_list_move(struct widget *w, enum widget_cmd cmd, int visible);
/* Keeps w->sel inside [0, nrows) and on screen for `visible` rows. */
void widget_list_clamp(struct widget *w, int visible);

/* "CRIT", "WARN", "INFO": severity as text, never by colour alone. */
const char *widget_sev_marker(enum finding_severity sev);
/* THEME_ROLE_FINDING_* for a severity. */
int widget_sev_role(enum finding_severity sev);
/* "source"/"target"/"both". */
const char *widget_side_name(enum analysis_side side);
/* Short age: "42s", "5m", "3h", "2d"; "?" for a negative age. */
void widget_age(int64_t secs, char *buf, size_t len);
/* Short kind: "deploy", "sts", "ds", "rs", else the kind lower-cased into buf. */
const char *widget_kind_short(const char *kind, char *buf, size_t len);

/* Compiles expr ("" clears; a leading '!' inverts) into f, keeping f unchanged on error.
 * Returns 0 or -1 with the regex error in err (err_len bytes). */
int widget_filter_set(struct widget_filter *f, const char *expr, char *err, size_t err_len);
/* Frees the compiled expression (the namespace is kept). */
void widget_filter_fini(struct widget_filter *f);
/* True when an object in namespace ns (NULL: cluster-scoped) described by text passes the
 * namespace and the regex filter. NULL f passes everything. */
bool widget_filter_match(const struct widget_filter *f, const char *ns, const char *text);

/* Freshness of one side: the age in seconds of its newest good data (-1: never), whether it
 * counts as stale, and its error (borrowed; NULL when none). */
struct widget_fresh {
    int64_t age;
    bool stale;
    const char *error;
};
/* Fills out for side 0 (source) or 1 (target) of v. */
void widget_freshness(const struct widget_view *v, int side, struct widget_fresh *out);

#endif
