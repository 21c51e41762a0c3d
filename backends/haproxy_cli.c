#include "cutover/haproxy_cli.h"

#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX (64u << 20) /* a `show servers state` of a huge config stays far below */
#define DEFAULT_TIMEOUT_MS 5000

struct haproxy_cli {
    char *address; /* as given */
    bool is_unix;
    char *path; /* unix socket path */
    char *host; /* tcp */
    char *port;
    int timeout_ms;
    bool read_only;
    bool mu_init;                   /* mu exists (a client _new returned) */
    pthread_mutex_t mu;             /* guards stats */
    struct haproxy_cli_stats stats; /* guarded by mu */
};

/* ---- set-up -------------------------------------------------------------------------------- */

int haproxy_cli_new(const char *address, int timeout_ms, bool read_only, struct haproxy_cli **out,
                    struct error *err)
{
    *out = NULL;
    if (address == NULL || *address == '\0') {
        error_set(err, "haproxy: no address (want unix:/path or tcp:host:port)");
        return -1;
    }
    struct haproxy_cli *c = xcalloc(1, sizeof(*c));
    c->address = xstrdup(address);
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    c->read_only = read_only;
    if (strncmp(address, "unix:", 5) == 0) {
        c->is_unix = true;
        c->path = xstrdup(address + 5);
        struct sockaddr_un sun;
        if (*c->path == '\0' || strlen(c->path) >= sizeof(sun.sun_path)) {
            char buf[300];
            error_set(err, "haproxy: bad unix socket path in '%s' (empty or over %zu bytes)",
                      text_sanitize_buf(address, buf, sizeof(buf)), sizeof(sun.sun_path) - 1);
            haproxy_cli_free(c);
            return -1;
        }
    } else if (strncmp(address, "tcp:", 4) == 0) {
        const char *hp = address + 4;
        const char *colon;
        if (*hp == '[') {
            const char *close = strchr(hp, ']');
            colon = close ? close + 1 : NULL;
            if (colon == NULL || *colon != ':')
                colon = NULL;
            else
                c->host = xstrndup(hp + 1, (size_t)(close - hp - 1));
        } else {
            colon = strrchr(hp, ':');
            if (colon != NULL)
                c->host = xstrndup(hp, (size_t)(colon - hp));
        }
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (colon == NULL || c->host == NULL || *c->host == '\0' || end == colon + 1 ||
            *end != '\0' || port < 1 || port > 65535) {
            char buf[300];
            error_set(err, "haproxy: bad address '%s' (want tcp:host:port)",
                      text_sanitize_buf(address, buf, sizeof(buf)));
            haproxy_cli_free(c);
            return -1;
        }
        c->port = xstrdup(colon + 1);
    } else {
        char buf[300];
        error_set(err, "haproxy: bad address '%s' (want unix:/path or tcp:host:port)",
                  text_sanitize_buf(address, buf, sizeof(buf)));
        haproxy_cli_free(c);
        return -1;
    }
    XPTHREAD(pthread_mutex_init(&c->mu, NULL));
    c->mu_init = true;
    *out = c;
    return 0;
}

void haproxy_cli_free(struct haproxy_cli *c)
{
    if (c == NULL)
        return;
    if (c->mu_init)
        XPTHREAD(pthread_mutex_destroy(&c->mu));
    free(c->address);
    free(c->path);
    free(c->host);
    free(c->port);
    free(c);
}

const char *haproxy_cli_address(const struct haproxy_cli *c)
{
    return c->address;
}

void haproxy_cli_get_stats(struct haproxy_cli *c, struct haproxy_cli_stats *out)
{
    XPTHREAD(pthread_mutex_lock(&c->mu));
    *out = c->stats;
    XPTHREAD(pthread_mutex_unlock(&c->mu));
}

/* ---- what may be sent ----------------------------------------------------------------------- */

bool haproxy_cli_command_reads(const char *cmd)
{
    if (cmd == NULL)
        return false;
    if (strncmp(cmd, "show ", 5) != 0 && strncmp(cmd, "get ", 4) != 0)
        return false;
    /* ';' separates commands on one line; a newline would start another one. */
    return strpbrk(cmd, ";\n\r") == NULL;
}

bool haproxy_cli_name_valid(const char *name)
{
    if (name == NULL || *name == '\0')
        return false;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == ':';
        if (!ok)
            return false;
    }
    return true;
}

/* ---- one command ---------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    if (left < 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int ms = remaining(deadline);
        int rc = poll(&pfd, 1, ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        return 1;
    }
}

/* Connects a non-blocking socket to addr before the deadline; 0 or -1 with errno. */
static int connect_until(int fd, const struct sockaddr *addr, socklen_t alen, int64_t deadline)
{
    if (connect(fd, addr, alen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EAGAIN)
        return -1;
    int w = wait_fd(fd, POLLOUT, deadline);
    if (w <= 0) {
        if (w == 0)
            errno = ETIMEDOUT;
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        return -1;
    if (soerr != 0) {
        errno = soerr;
        return -1;
    }
    return 0;
}

static int open_conn(struct haproxy_cli *c, int64_t deadline, struct error *err)
{
    if (c->is_unix) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error_set(err, "haproxy %s: socket: %s", c->address, strerror(errno));
            return -1;
        }
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
        if (connect_until(fd, (struct sockaddr *)&sun, sizeof(sun), deadline) < 0) {
            error_set(err, "haproxy %s: connect: %s", c->address, strerror(errno));
            close(fd);
            return -1;
        }
        return fd;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(c->host, c->port, &hints, &res);
    if (gai != 0) {
        error_set(err, "haproxy %s: %s", c->address, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    int last_errno = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect_until(fd, ai->ai_addr, ai->ai_addrlen, deadline) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        error_set(err, "haproxy %s: connect: %s", c->address, strerror(last_errno));
    return fd;
}

static void count(struct haproxy_cli *c, bool refused)
{
    XPTHREAD(pthread_mutex_lock(&c->mu));
    if (refused)
        c->stats.refused++;
    else
        c->stats.sent++;
    XPTHREAD(pthread_mutex_unlock(&c->mu));
}

int haproxy_cli_run(struct haproxy_cli *c, const char *cmd, char **answer, struct error *err)
{
    *answer = NULL;
    char cbuf[256];
    if (cmd == NULL || *cmd == '\0' || strpbrk(cmd, "\n\r") != NULL) {
        error_set(err, "haproxy %s: unusable command '%s'", c->address,
                  text_sanitize_buf(cmd ? cmd : "", cbuf, sizeof(cbuf)));
        return HAPROXY_CLI_EINVAL;
    }
    text_sanitize_buf(cmd, cbuf, sizeof(cbuf));
    if (c->read_only && !haproxy_cli_command_reads(cmd)) {
        count(c, true);
        log_warn("haproxy %s: observer mode: refused '%s' (not sent)", c->address, cbuf);
        error_set(err, "haproxy %s: observer mode: '%s' refused, nothing sent", c->address, cbuf);
        return HAPROXY_CLI_EREFUSED;
    }

    int64_t deadline = now_ms() + c->timeout_ms;
    int fd = open_conn(c, deadline, err);
    if (fd < 0)
        return HAPROXY_CLI_ECONNECT;

    /* The whole command goes out before HAProxy can act on it: it waits for the newline. */
    size_t clen = strlen(cmd);
    char *line = xmalloc(clen + 2);
    memcpy(line, cmd, clen);
    line[clen] = '\n';
    line[clen + 1] = '\0';
    size_t off = 0;
    int rc = 0;
    while (off < clen + 1) {
        ssize_t n = send(fd, line + off, clen + 1 - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(fd, POLLOUT, deadline);
            if (w > 0)
                continue;
            if (w == 0)
                errno = ETIMEDOUT;
        }
        if (n < 0) {
            error_set(err, "haproxy %s: '%s' not sent: %s", c->address, cbuf, strerror(errno));
            rc = HAPROXY_CLI_ECONNECT;
            break;
        }
        off += (size_t)n;
    }
    free(line);
    if (rc == 0) {
        count(c, false);
        log_debug("haproxy %s: sent '%s'", c->address, cbuf);
    }

    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    while (rc == 0) {
        if (len + 1 >= cap) {
            if (cap >= ANSWER_MAX) {
                error_set(err, "haproxy %s: '%s': answer over %u bytes", c->address, cbuf,
                          ANSWER_MAX);
                rc = HAPROXY_CLI_EIO;
                break;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (n == 0)
            break; /* HAProxy closed: the answer is whole */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w > 0)
                continue;
            if (w == 0)
                error_set(err, "haproxy %s: '%s': no complete answer within %d ms", c->address,
                          cbuf, c->timeout_ms);
            else
                error_set(err, "haproxy %s: '%s': %s", c->address, cbuf, strerror(errno));
            rc = HAPROXY_CLI_EIO;
            break;
        }
        /* ECONNRESET and the like: the socket went away under us. */
        error_set(err, "haproxy %s: '%s': connection lost: %s", c->address, cbuf, strerror(errno));
        rc = HAPROXY_CLI_EIO;
        break;
    }
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *answer = buf;
    return 0;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != '\n' && *s != ' ' && *s != '\r' && *s != '\t')
            return false;
    return true;
}

/* The first non-empty line of an answer, sanitized, into buf. */
static const char *first_line(const char *s, char *buf, size_t len)
{
    while (*s == '\n' || *s == ' ')
        s++;
    size_t n = strcspn(s, "\n");
    char *tmp = xstrndup(s, n);
    text_sanitize_buf(tmp, buf, len);
    free(tmp);
    return buf;
}

int haproxy_cli_exec(struct haproxy_cli *c, const char *cmd, struct error *err)
{
    char *answer = NULL;
    int rc = haproxy_cli_run(c, cmd, &answer, err);
    if (rc != 0)
        return rc;
    if (*answer == '\0') {
        /* HAProxy answers even a success with a newline: a connection closed without a byte
         * means it went away after taking the command, and whether it acted is unknown. */
        char cbuf[256];
        error_set(err, "haproxy %s: '%s': connection closed without an answer", c->address,
                  text_sanitize_buf(cmd, cbuf, sizeof(cbuf)));
        free(answer);
        return HAPROXY_CLI_EIO;
    }
    if (!blank(answer)) {
        char cbuf[256], abuf[256];
        error_set(err, "haproxy %s: '%s': %s", c->address,
                  text_sanitize_buf(cmd, cbuf, sizeof(cbuf)),
                  first_line(answer, abuf, sizeof(abuf)));
        free(answer);
        return HAPROXY_CLI_EANSWER;
    }
    free(answer);
    return 0;
}

/* ---- show servers state --------------------------------------------------------------------- */

enum col {
    COL_BE_ID,
    COL_BE_NAME,
    COL_SRV_ID,
    COL_SRV_NAME,
    COL_SRV_ADDR,
    COL_OP_STATE,
    COL_ADMIN_STATE,
    COL_UWEIGHT,
    COL_IWEIGHT,
    COL_PORT,
    COLS
};

static const char *const col_names[COLS] = {
    [COL_BE_ID] = "be_id",
    [COL_BE_NAME] = "be_name",
    [COL_SRV_ID] = "srv_id",
    [COL_SRV_NAME] = "srv_name",
    [COL_SRV_ADDR] = "srv_addr",
    [COL_OP_STATE] = "srv_op_state",
    [COL_ADMIN_STATE] = "srv_admin_state",
    [COL_UWEIGHT] = "srv_uweight",
    [COL_IWEIGHT] = "srv_iweight",
    [COL_PORT] = "srv_port",
};

#define MAX_FIELDS 64

/* Splits line (modified) on spaces into at most MAX_FIELDS fields; returns the count. */
static size_t split(char *line, char **fields)
{
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t", &save); tok != NULL && n < MAX_FIELDS;
         tok = strtok_r(NULL, " \t", &save))
        fields[n++] = tok;
    return n;
}

/* A non-negative decimal that fits an int, or -1. */
static int parse_num(const char *s)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > INT_MAX)
            return -1;
    }
    return (int)v;
}

void haproxy_servers_fini(struct haproxy_servers *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].be_name);
        free(s->v[i].srv_name);
        free(s->v[i].srv_addr);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

int haproxy_servers_parse(const char *text, size_t len, struct haproxy_servers *out,
                          struct error *err)
{
    out->v = NULL;
    out->n = 0;
    char *copy = xstrndup(text, len);
    if (strlen(copy) != len) {
        error_set(err, "haproxy: servers state: NUL byte in the answer");
        free(copy);
        return -1;
    }
    int pos[COLS];
    for (int i = 0; i < COLS; i++)
        pos[i] = -1;
    size_t cap = 0;
    int rc = 0;
    int lineno = 0;
    bool have_header = false;
    char *save = NULL;
    /* strtok_r on "\n" skips empty lines, which HAProxy ends the answer with. */
    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "1") != 0) {
                char buf[200];
                if (parse_num(line) > 1)
                    error_set(err, "haproxy: servers state format version %s is not supported",
                              text_sanitize_buf(line, buf, sizeof(buf)));
                else
                    error_set(err, "haproxy: %s", text_sanitize_buf(line, buf, sizeof(buf)));
                rc = -1;
                break;
            }
            continue;
        }
        char *fields[MAX_FIELDS];
        if (line[0] == '#') {
            if (have_header)
                continue;
            size_t nf = split(line + 1, fields);
            for (size_t f = 0; f < nf; f++)
                for (int col = 0; col < COLS; col++)
                    if (strcmp(fields[f], col_names[col]) == 0 && pos[col] < 0)
                        pos[col] = (int)f;
            static const enum col required[] = {COL_BE_NAME, COL_SRV_NAME, COL_OP_STATE,
                                                COL_ADMIN_STATE, COL_UWEIGHT};
            for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
                if (pos[required[r]] < 0) {
                    error_set(err, "haproxy: servers state: header line has no %s column",
                              col_names[required[r]]);
                    rc = -1;
                    goto done;
                }
            }
            have_header = true;
            continue;
        }
        if (!have_header) {
            error_set(err, "haproxy: servers state: line %d comes before the header", lineno);
            rc = -1;
            break;
        }
        size_t nf = split(line, fields);
        if (nf == 0)
            continue;
        for (int col = 0; col < COLS; col++) {
            if (pos[col] >= (int)nf && (col == COL_BE_NAME || col == COL_SRV_NAME)) {
                error_set(err, "haproxy: servers state: line %d has %zu fields, too few", lineno,
                          nf);
                rc = -1;
                goto done;
            }
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->v = xreallocarray(out->v, cap, sizeof(*out->v));
        }
        struct haproxy_server_state *s = &out->v[out->n++];
        memset(s, 0, sizeof(*s));
#define FIELD(col) (pos[col] >= 0 && pos[col] < (int)nf ? fields[pos[col]] : NULL)
        s->be_name = xstrdup(FIELD(COL_BE_NAME));
        s->srv_name = xstrdup(FIELD(COL_SRV_NAME));
        const char *addr = FIELD(COL_SRV_ADDR);
        s->srv_addr = addr && strcmp(addr, "-") != 0 ? xstrdup(addr) : NULL;
        s->be_id = parse_num(FIELD(COL_BE_ID));
        s->srv_id = parse_num(FIELD(COL_SRV_ID));
        s->op_state = parse_num(FIELD(COL_OP_STATE));
        s->admin_state = parse_num(FIELD(COL_ADMIN_STATE));
        s->uweight = parse_num(FIELD(COL_UWEIGHT));
        s->iweight = parse_num(FIELD(COL_IWEIGHT));
        s->port = parse_num(FIELD(COL_PORT));
#undef FIELD
    }
    if (rc == 0 && lineno == 0) {
        error_set(err, "haproxy: servers state: empty answer");
        rc = -1;
    } else if (rc == 0 && !have_header) {
        error_set(err, "haproxy: servers state: no header line");
        rc = -1;
    }
done:
    free(copy);
    if (rc != 0)
        haproxy_servers_fini(out);
    return rc;
}

const struct haproxy_server_state *haproxy_servers_find(const struct haproxy_servers *s,
                                                        const char *be, const char *srv)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].be_name, be) == 0 && strcmp(s->v[i].srv_name, srv) == 0)
            return &s->v[i];
    return NULL;
}

const char *haproxy_server_status(const struct haproxy_server_state *s)
{
    if (s->admin_state >= 0 && (s->admin_state & HAPROXY_ADMIN_MAINT))
        return "MAINT";
    if (s->admin_state >= 0 && (s->admin_state & HAPROXY_ADMIN_DRAIN))
        return "DRAIN";
    switch (s->op_state) {
    case HAPROXY_OP_STOPPED:
        return "DOWN";
    case HAPROXY_OP_STARTING:
        return "STARTING";
    case HAPROXY_OP_RUNNING:
        return "UP";
    case HAPROXY_OP_STOPPING:
        return "STOPPING";
    default:
        return "UNKNOWN";
    }
}
