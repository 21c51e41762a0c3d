/* The UI thread's loop: poll() on stdin and the publishers' self-pipe. */
#include "cutover/tui.h"

#include "cutover/actions.h"
#include "cutover/canvas_curses.h"
#include "cutover/dashboard.h"
#include "cutover/drift_reader.h"
#include "cutover/drift_worker.h"
#include "cutover/panel_drift.h"
#include "cutover/keymap.h"
#include "cutover/log.h"
#include "cutover/runbook_follow.h"
#include "cutover/runbook_drive.h"
#include "cutover/theme.h"
#include "cutover/traffic_poller.h"
#include "cutover/traffic_worker.h"
#include "cutover/xalloc.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;
static int signal_fd = -1; /* write end of the self-pipe, for the signal handler */

static void on_signal(int sig)
{
    got_signal = sig;
    if (signal_fd >= 0) {
        int saved = errno;
        ssize_t r = write(signal_fd, "s", 1);
        (void)r;
        errno = saved;
    }
}

static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
}

int tui_wake_pipe(int fds[2])
{
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return -errno;
    return 0;
}

/* Maps what wget_wch returned to a keymap key code; -1 for nothing usable, -2 for a resize. */
static int map_key(int rc, wint_t wch)
{
    if (rc == KEY_CODE_YES) {
        switch (wch) {
        case KEY_RESIZE:
            return -2;
        case KEY_UP:
            return KEYMAP_KEY_UP;
        case KEY_DOWN:
            return KEYMAP_KEY_DOWN;
        case KEY_LEFT:
            return KEYMAP_KEY_LEFT;
        case KEY_RIGHT:
            return KEYMAP_KEY_RIGHT;
        case KEY_NPAGE:
            return KEYMAP_KEY_PGDN;
        case KEY_PPAGE:
            return KEYMAP_KEY_PGUP;
        case KEY_HOME:
            return KEYMAP_KEY_HOME;
        case KEY_END:
            return KEYMAP_KEY_END;
        case KEY_BTAB:
            return KEYMAP_KEY_BTAB;
        case KEY_ENTER:
            return KEYMAP_KEY_ENTER;
        case KEY_BACKSPACE:
            return KEYMAP_KEY_BACKSPACE;
        case KEY_DC:
            return KEYMAP_KEY_DELETE;
        case KEY_IC:
            return KEYMAP_KEY_INSERT;
        default:
            if (wch >= KEY_F(1) && wch <= KEY_F(12))
                return KEYMAP_KEY_F((int)(wch - KEY_F0));
            return -1;
        }
    }
    if (rc != OK)
        return -1;
    if (wch < 0x20 || wch == 0x7f)
        return keymap_key_from_byte((int)wch);
    return (int)wch;
}

struct loop {
    const struct tui_opts *o;
    struct dashboard *dash;
    struct keymap *km;
    struct canvas canvas;
    struct canvas_curses *cc;
    struct action_ctx actx;
    bool observer;
    struct traffic_worker *traffic; /* the change flow; NULL in observer mode or without targets */
    struct drift_worker *drift;     /* diffs and force-sync; NULL without a drift reader */
    struct drift_snapshot *drift_snap; /* the snapshot the dashboard borrows from */
    bool drift_contents;               /* contents asked of the reader (the view is open) */
    bool quit;
    bool redraw;
};

static void take_snapshots(struct loop *l)
{
    /* the pair goes to the analysis worker (two references: cheap); what it finishes is
     * installed when its own pipe wakes the loop (take_analysis) */
    struct model_cluster *s = model_publisher_get(l->o->pub[0]);
    struct model_cluster *t = model_publisher_get(l->o->pub[1]);
    dashboard_submit_snapshots(l->dash, s, t, (int64_t)time(NULL));
    model_cluster_unref(s);
    model_cluster_unref(t);
    if (l->o->traffic) {
        struct traffic_snapshot *ts = traffic_poller_get(l->o->traffic);
        dashboard_set_traffic(l->dash, ts);
        traffic_snapshot_unref(ts);
        l->redraw = true;
    }
    if (l->traffic && traffic_worker_poll(l->traffic, l->dash))
        l->redraw = true;
    if (l->o->drift) {
        struct drift_snapshot *ds = drift_reader_get(l->o->drift);
        if (ds != NULL && ds != l->drift_snap) {
            struct drift_ui_data dd = {
                .configured = true, .report = ds->report, .taken = (int64_t)ds->taken.tv_sec};
            dashboard_set_drift(l->dash, &dd);
            drift_snapshot_unref(l->drift_snap); /* after the dashboard let go of it */
            l->drift_snap = ds;
            l->redraw = true;
        } else {
            drift_snapshot_unref(ds);
        }
    }
    if (l->drift && drift_worker_poll(l->drift, l->dash))
        l->redraw = true;
    if (l->o->runbook && runbook_follow_take(l->o->runbook, l->dash))
        l->redraw = true;
    if (l->o->runbook_drive && runbook_drive_take(l->o->runbook_drive, l->dash))
        l->redraw = true;
}

/* Installs the analysis the worker finished (swapping pointers, updating the panels' rows). */
static void take_analysis(struct loop *l)
{
    if (dashboard_analysis_poll(l->dash))
        l->redraw = true;
}

/* Secret contents are asked of the reader exactly while the drift view is open. */
static void drift_follow_view(struct loop *l)
{
    if (l->o->drift == NULL)
        return;
    bool open = dashboard_drift_view(l->dash) != NULL;
    if (open != l->drift_contents) {
        drift_reader_want_contents(l->o->drift, open);
        l->drift_contents = open;
        log_info("drift: Secret contents %s (drift view %s)", open ? "asked" : "no longer asked",
                 open ? "opened" : "closed");
    }
}

static void do_resize(struct loop *l)
{
    canvas_curses_resize(l->cc, &l->canvas);
    dashboard_resize(l->dash, LINES, COLS);
    clearok(stdscr, TRUE);
    l->redraw = true;
}

static void handle_key(struct loop *l, int key)
{
    int act;
    if (l->o->runbook_drive && runbook_drive_has_dialog(l->o->runbook_drive, l->dash)) {
        act = runbook_drive_key(l->o->runbook_drive, l->dash, key);
        if (key == (KEYMAP_MOD_CTRL | 'c'))
            act |= runbook_drive_quit(l->o->runbook_drive, l->dash);
    } else if (l->traffic && traffic_worker_has_dialog(l->traffic, l->dash)) {
        act = traffic_worker_key(l->traffic, l->dash, key);
    } else if (l->drift && drift_worker_has_dialog(l->drift, l->dash)) {
        act = drift_worker_key(l->drift, l->dash, key);
    } else if (dashboard_prompt(l->dash) != DASHBOARD_PROMPT_NONE) {
        act = dashboard_prompt_key(l->dash, key);
        /* Ctrl-C quits even from a prompt */
        if (key == (KEYMAP_MOD_CTRL | 'c'))
            act |= ACT_QUIT;
    } else {
        act = actions_run_key(&l->actx, l->km, key);
    }
    if (l->drift)
        act |= drift_worker_after_key(l->drift, l->dash);
    drift_follow_view(l);
    if (act & ACT_QUIT)
        l->quit = true;
    if (act & (ACT_REDRAW | ACT_RELAYOUT))
        l->redraw = true;
}

/* ---- CUTOVER_LATENCY_LOG=FILE: key-to-redraw latency for bench/latency.sh -------------------
 * One line per key: the monotonic ms it was read, the ms the redraw after it was flushed, and
 * its action ("scroll-down", "prompt Enter" for a key typed into a prompt). UI thread only. */
struct lat_key {
    double read_ms;
    char action[48];
};
static FILE *lat_fp;                /* NULL: not asked for */
static struct lat_key lat_keys[64]; /* keys read since the last flush */
static size_t lat_n;

static double lat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void lat_open(void)
{
    const char *path = getenv("CUTOVER_LATENCY_LOG");
    if (path == NULL || path[0] == '\0')
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0 && (lat_fp = fdopen(fd, "a")) == NULL)
        close(fd);
    if (lat_fp == NULL)
        log_warn("tui: cannot open the latency log %s: %s", path, strerror(errno));
}

static void lat_key_read(const struct keymap *km, bool prompt, int key)
{
    if (lat_fp == NULL || lat_n == sizeof lat_keys / sizeof lat_keys[0])
        return;
    struct lat_key *k = &lat_keys[lat_n++];
    k->read_ms = lat_now_ms();
    char name[32];
    if (prompt) {
        snprintf(k->action, sizeof k->action, "prompt %s", keymap_key_name(key, name, sizeof name));
    } else {
        const char *a = keymap_lookup(km, key);
        snprintf(k->action, sizeof k->action, "%s", a ? a : "unbound");
    }
}

static void lat_flushed(void)
{
    if (lat_fp == NULL || lat_n == 0)
        return;
    double now = lat_now_ms();
    for (size_t i = 0; i < lat_n; i++)
        fprintf(lat_fp, "%.3f %.3f %s\n", lat_keys[i].read_ms, now, lat_keys[i].action);
    (void)fflush(lat_fp);
    lat_n = 0;
}

/* A line for work on the UI thread that is not a key (a snapshot taken): started at t0 ms. */
static void lat_span(double t0, const char *what)
{
    if (lat_fp != NULL)
        fprintf(lat_fp, "%.3f %.3f %s\n", t0, lat_now_ms(), what);
}

static void lat_close(void)
{
    if (lat_fp != NULL)
        (void)fclose(lat_fp);
    lat_fp = NULL;
    lat_n = 0;
}

static void read_keys(struct loop *l)
{
    for (;;) {
        wint_t wch;
        int rc = get_wch(&wch);
        if (rc == ERR)
            return;
        int key = map_key(rc, wch);
        if (key == -2)
            do_resize(l);
        else if (key >= 0) {
            lat_key_read(l->km, dashboard_prompt(l->dash) != DASHBOARD_PROMPT_NONE, key);
            handle_key(l, key);
        }
        if (l->quit)
            return;
    }
}

static void close_pipe(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static void drain(int fd)
{
    char buf[256];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

static void setup_help(struct loop *l)
{
    size_t n;
    struct panel_help_entry *e =
        actions_help_screen(l->km, l->observer, l->o->runbook_drive != NULL, &n);
    dashboard_set_help(l->dash, e, n);
    actions_help_free(e, n);
    char hints[256];
    dashboard_set_hints(l->dash, actions_hints(l->km, hints, sizeof hints));
    /* an observer has no traffic keys, so no hints for them either */
    if (!l->observer) {
        char th[256], both[520];
        actions_traffic_hints(l->km, th, sizeof th);
        snprintf(both, sizeof both, "%s%s%s", th, th[0] ? "  " : "", hints);
        dashboard_set_traffic_hints(l->dash, th[0] ? both : NULL);
    }
    if (l->o->runbook_drive) {
        char rh[256];
        runbook_drive_set_hints(l->o->runbook_drive, actions_runbook_hints(l->km, rh, sizeof rh));
    }
    char ah[256];
    dashboard_set_allpods_hints(l->dash, actions_allpods_hints(l->km, ah, sizeof ah));
    char dh[256];
    dashboard_set_drift_hints(l->dash, actions_drift_hints(l->km, l->observer, dh, sizeof dh));
    if (l->o->drift) {
        int k[2] = {0, 0};
        char kn[2][32] = {"", ""}, ph[520];
        const char *names[2] = {"select", "drift-view"};
        for (int i = 0; i < 2; i++)
            if (keymap_keys_for(l->km, names[i], &k[i], 1) > 0)
                keymap_key_name(k[i], kn[i], sizeof kn[i]);
        if (kn[0][0] || kn[1][0]) {
            snprintf(ph, sizeof ph, "%s%s%s:drift view  %s", kn[0], kn[0][0] && kn[1][0] ? "/" : "",
                     kn[1], hints);
            dashboard_set_drift_panel_hints(l->dash, ph);
        }
    }
}

int tui_run(const struct tui_opts *o, struct error *err)
{
    struct loop l = {.o = o};
    size_t nnames;
    const char *const *names = actions_names(&nnames);
    l.km = keymap_new_default(names, nnames, err);
    if (l.km == NULL)
        return -1;
    if (o->runbook_drive) /* the guided screen's keys, before the config's */
        actions_bind_runbook(l.km);
    if (o->config)
        config_apply_keys(o->config, l.km);
    /* runbook keys exist on the guided screen only; there, the runbook makes every change */
    actions_unbind_screen(l.km, o->runbook_drive != NULL);
    /* an observer has no key that could change anything, whatever the config binds */
    l.observer = o->mode && strcmp(o->mode, "OBSERVER") == 0;
    if (l.observer)
        actions_unbind_mutating(l.km);

    struct theme theme;
    struct error terr;
    error_clear(&terr);
    const char *theme_name = o->config && o->config->theme ? o->config->theme : "dark";
    bool theme_failed = theme_find(theme_name, &theme, &terr) != 0;

    bool opened_log = false;
    if (log_path() == NULL && !(opened_log = log_open(NULL) == 0))
        log_warn("tui: cannot open the log file; messages are dropped while the screen is up");

    struct dashboard_opts dopts = {.context = {o->context[0], o->context[1]}, .mode = o->mode};
    analysis_config_init(&dopts.analysis);
    if (o->config && o->config->zone_spread_ratio > 1.0)
        dopts.analysis.zone_spread_ratio = o->config->zone_spread_ratio;
    l.dash = dashboard_new(&dopts);
    dashboard_set_index_worker(l.dash, o->traffic_wake_fd); /* the all-pods view's sort orders */
    /* the panels' analysis, on a worker with a pipe of its own (some screens have no
     * traffic_wake_fd); no pipe: analysed on this thread */
    int anpipe[2] = {-1, -1};
    if (tui_wake_pipe(anpipe) == 0)
        dashboard_set_analysis_worker(l.dash, anpipe[1]);
    l.actx =
        (struct action_ctx){.dash = l.dash, .refresh = o->refresh, .refresh_arg = o->refresh_arg};
    if (!l.observer && o->traffic && !o->runbook_drive) {
        struct traffic_worker_opts wo = {
            .poller = o->traffic, .journal = o->journal, .wake_fd = o->traffic_wake_fd};
        struct error werr;
        error_clear(&werr);
        if (traffic_worker_new(&wo, &l.traffic, &werr) != 0) {
            char buf[600];
            log_error("traffic: %s", error_format(&werr, buf, sizeof buf));
            l.traffic = NULL;
        }
        l.actx.traffic = l.traffic;
    }
    l.actx.runbook = o->runbook_drive;
    if (o->drift) {
        /* an observer gets diffs (reads only) but no force-sync: no journal, action unbound */
        struct drift_worker_opts dwo = {.http = {o->drift_http[0], o->drift_http[1]},
                                        .reader = o->drift,
                                        .journal = l.observer ? NULL : o->journal,
                                        .wake_fd = o->traffic_wake_fd};
        struct error derr;
        error_clear(&derr);
        if (drift_worker_new(&dwo, &l.drift, &derr) != 0) {
            char buf[600];
            log_error("drift: %s", error_format(&derr, buf, sizeof buf));
            l.drift = NULL;
        }
        l.actx.drift = l.observer ? NULL : l.drift;
        struct drift_ui_data dd = {.configured = true};
        dashboard_set_drift(l.dash, &dd);
    }
    setup_help(&l);
    if (o->message)
        dashboard_message(l.dash, "%s", o->message);
    if (theme_failed) {
        char buf[700];
        log_warn("theme: %s", error_format(&terr, buf, sizeof buf));
        dashboard_message(l.dash, "using the default theme (%s): %s", theme_name,
                          error_format(&terr, buf, sizeof buf));
    }

    bool ascii = !canvas_curses_locale_utf8();
    SCREEN *screen = NULL;
    if (!isatty(STDIN_FILENO) || (screen = newterm(NULL, stdout, stdin)) == NULL) {
        const char *term = getenv("TERM");
        if (!isatty(STDIN_FILENO))
            error_set(err, "the dashboard needs a terminal (stdin is not one)");
        else
            error_set(err, "cannot use terminal type '%s' (is TERM right?)", term ? term : "");
        traffic_worker_free(l.traffic);
        drift_worker_free(l.drift);
        dashboard_free(l.dash);
        close_pipe(anpipe); /* after the worker stopped */
        drift_snapshot_unref(l.drift_snap);
        keymap_free(l.km);
        if (opened_log)
            log_close();
        return -1;
    }
    xalloc_set_fatal_hook(restore_terminal);
    raw(); /* Ctrl-C arrives as a key (bound to quit); signals below still restore the terminal */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    l.cc = canvas_curses_new(&theme, ascii, &l.canvas);
    dashboard_resize(l.dash, LINES, COLS);

    /* signals: a byte on a pipe of our own wakes poll(); the handler does nothing else */
    int sigpipe[2] = {-1, -1};
    if (tui_wake_pipe(sigpipe) == 0)
        signal_fd = sigpipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int, old_term, old_hup;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    take_snapshots(&l);
    l.redraw = true;
    lat_open();
    time_t last_tick = time(NULL);
    log_info("tui: dashboard up (%dx%d, %d colours, %s)", COLS, LINES, canvas_curses_colors(l.cc),
             ascii ? "ASCII" : "UTF-8");
    while (!l.quit && !got_signal) {
        if (l.redraw) {
            dashboard_draw(l.dash, &l.canvas);
            refresh();
            lat_flushed();
            l.redraw = false;
        }
        struct pollfd pfd[4] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = o->wake_fd, .events = POLLIN},
            {.fd = sigpipe[0], .events = POLLIN},
            {.fd = anpipe[0], .events = POLLIN}, /* -1: ignored by poll */
        };
        int n = poll(pfd, 4, 1000);
        if (n < 0 && errno != EINTR)
            fatal("tui: poll: %s", strerror(errno));
        if (n <= 0) {
            /* a resize interrupts poll(); curses reports it as KEY_RESIZE */
            read_keys(&l);
        }
        if (n > 0 && (pfd[1].revents & POLLIN)) {
            double t0 = lat_now_ms();
            drain(o->wake_fd);
            take_snapshots(&l);
            if (dashboard_allpods_poll(l.dash)) /* an all-pods index built off this thread */
                l.redraw = true;
            lat_span(t0, "snapshot");
        }
        if (n > 0 && (pfd[3].revents & POLLIN)) {
            double t0 = lat_now_ms();
            drain(anpipe[0]);
            take_analysis(&l);
            lat_span(t0, "analysis"); /* the UI thread's share of an analysis */
        }
        if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (pfd[0].revents & (POLLHUP | POLLERR) && !(pfd[0].revents & POLLIN))
                l.quit = true; /* the terminal went away */
            read_keys(&l);
        }
        time_t now = time(NULL);
        if (now != last_tick) {
            /* ages on screen move with the clock */
            dashboard_set_now(l.dash, (int64_t)now);
            last_tick = now;
            l.redraw = true;
        }
    }
    lat_close();
    if (got_signal)
        log_info("tui: quitting on signal %d", (int)got_signal);
    endwin();
    delscreen(screen);
    xalloc_set_fatal_hook(NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    signal_fd = -1;
    if (sigpipe[0] >= 0) {
        close(sigpipe[0]);
        close(sigpipe[1]);
    }
    canvas_curses_free(l.cc);
    traffic_worker_free(l.traffic);
    drift_worker_free(l.drift);
    dashboard_free(l.dash);
    close_pipe(anpipe); /* after the worker stopped */
    drift_snapshot_unref(l.drift_snap);
    if (l.drift_contents)
        drift_reader_want_contents(o->drift, false);
    keymap_free(l.km);
    if (opened_log)
        log_close();
    return 0;
}
