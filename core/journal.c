/* The migration journal: append-only, checksummed, fsynced JSON lines (include/cutover/journal.h,
 * docs/journal.md). */
#include "cutover/journal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cutover/text.h"
#include "cutover/xalloc.h"

#define SUM_HEX 64
/* `,"sum":"` + 64 hex + `"}` */
#define SUM_SUFFIX_LEN (8 + SUM_HEX + 2)

struct journal {
    pthread_mutex_t lock;
    int fd;            /* guarded by lock */
    uint64_t next_seq; /* guarded by lock */
    bool need_newline; /* guarded by lock: a torn line is at the end of the file */
    char *path;        /* immutable */
    char *who;         /* immutable */
};

static const char *const kind_names[JOURNAL_KINDS] = {
    [JOURNAL_INTENT] = "intent",
    [JOURNAL_RESULT] = "result",
    [JOURNAL_NOTE] = "note",
    [JOURNAL_STATE] = "state",
};

static const char *const reserved_names[] = {"seq", "time", "who", "kind", "id", "sum"};
static const char *const secret_names[] = {
    "value", "data", "stringData", "binaryData", "secret_value", "SecretString", "SecretBinary"};

const char *journal_kind_name(enum journal_kind kind)
{
    if ((int)kind < 0 || kind >= JOURNAL_KINDS)
        return "?";
    return kind_names[kind];
}

int journal_kind_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int k = 0; k < JOURNAL_KINDS; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

static void safe_component(char *out, size_t len, const char *s)
{
    size_t o = 0;
    if (s == NULL || *s == '\0')
        s = "none";
    for (; *s != '\0' && o + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = (isalnum(c) || c == '.' || c == '-' || c == '_') ? (char)c : '_';
    }
    out[o] = '\0';
    if (out[0] == '.')
        out[0] = '_';
}

char *journal_default_path(const char *source, const char *target)
{
    char src[128], dst[128];
    safe_component(src, sizeof src, source);
    safe_component(dst, sizeof dst, target);
    const char *state = getenv("XDG_STATE_HOME");
    if (state != NULL && state[0] == '/')
        return xasprintf("%s/cutover/journal/%s--%s.jsonl", state, src, dst);
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0')
        return NULL;
    return xasprintf("%s/.local/state/cutover/journal/%s--%s.jsonl", home, src, dst);
}

char *journal_who(void)
{
    const char *user = getenv("USER");
    char ubuf[64];
    if (user == NULL || user[0] == '\0') {
        struct passwd pw, *res = NULL;
        char buf[1024];
        if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res != NULL) {
            snprintf(ubuf, sizeof ubuf, "%s", pw.pw_name);
        } else {
            snprintf(ubuf, sizeof ubuf, "uid%u", (unsigned)getuid());
        }
        user = ubuf;
    }
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    return xasprintf("%s@%s", user, host);
}

static void sha256_hex(const char *data, size_t len, const char *tail, size_t tlen,
                       char out[SUM_HEX + 1])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, data, len) != 1 || EVP_DigestUpdate(ctx, tail, tlen) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        fatal("journal: SHA-256 failed");
    EVP_MD_CTX_free(ctx);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[SUM_HEX] = '\0';
}

/* ---- reading ------------------------------------------------------------------------------ */

struct read_state {
    const char *name;
    journal_record_fn on_record;
    journal_problem_fn on_problem;
    void *ctx;
    size_t nproblems;
    uint64_t last_seq; /* of the last good record, 0 none */
    bool bad_since_ok; /* a bad line came after the last good record (explains a seq gap) */
    bool stop;
};

static void problem(struct read_state *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct read_state *st, int line, const char *fmt, ...)
{
    st->nproblems++;
    if (st->on_problem == NULL)
        return;
    struct error e;
    error_clear(&e);
    char msg[sizeof e.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_set_at(&e, st->name, line, 0, "%s", msg);
    error_sanitize(&e);
    st->on_problem(&e, st->ctx);
}

static const char *member_string(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static bool is_hex_lower(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* One line without its newline; torn: it had none (end of file). */
static void read_line(struct read_state *st, const char *s, size_t len, int line, bool torn)
{
    if (torn) {
        st->bad_since_ok = true;
        problem(st, line, "torn record at the end of the file (no newline: a write was cut off)");
        return;
    }
    if (len == 0) {
        st->bad_since_ok = true;
        problem(st, line, "empty line");
        return;
    }
    if (memchr(s, '\0', len) != NULL) {
        st->bad_since_ok = true;
        problem(st, line, "corrupt record (a NUL byte)");
        return;
    }
    if (len < SUM_SUFFIX_LEN + 2 || memcmp(s + len - SUM_SUFFIX_LEN, ",\"sum\":\"", 8) != 0 ||
        !is_hex_lower(s + len - SUM_SUFFIX_LEN + 8, SUM_HEX) ||
        memcmp(s + len - 2, "\"}", 2) != 0) {
        st->bad_since_ok = true;
        problem(st, line, "torn or corrupt record (no \"sum\" at its end)");
        return;
    }
    char sum[SUM_HEX + 1];
    sha256_hex(s, len - SUM_SUFFIX_LEN, "}", 1, sum);
    if (memcmp(sum, s + len - SUM_SUFFIX_LEN + 8, SUM_HEX) != 0) {
        st->bad_since_ok = true;
        problem(st, line, "checksum mismatch (the record was changed or damaged)");
        return;
    }
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    bool whole = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
                 (size_t)json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!whole || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        st->bad_since_ok = true;
        problem(st, line, "not a JSON object");
        return;
    }
    json_object *seqv;
    int64_t seq = -1;
    if (json_object_object_get_ex(o, "seq", &seqv) && json_object_is_type(seqv, json_type_int))
        seq = json_object_get_int64(seqv);
    const char *time = member_string(o, "time");
    const char *who = member_string(o, "who");
    const char *kind = member_string(o, "kind");
    const char *id = member_string(o, "id");
    int k = journal_kind_from_name(kind);
    if (seq <= 0 || time == NULL || who == NULL || kind == NULL || id == NULL || id[0] == '\0') {
        json_object_put(o);
        st->bad_since_ok = true;
        problem(st, line, "record lacks seq, time, who, kind or id");
        return;
    }
    if (k < 0) {
        char buf[64];
        text_sanitize_buf(kind, buf, sizeof buf);
        json_object_put(o);
        st->bad_since_ok = true;
        problem(st, line, "unknown kind \"%s\"", buf);
        return;
    }
    if ((uint64_t)seq <= st->last_seq) {
        json_object_put(o);
        st->bad_since_ok = true;
        problem(st, line, "seq %lld does not follow %llu (repeated or out of order)",
                (long long)seq, (unsigned long long)st->last_seq);
        return;
    }
    if ((uint64_t)seq != st->last_seq + 1 && !st->bad_since_ok) {
        /* the record itself is sound; records before it are missing */
        problem(st, line, "seq %lld follows %llu: records are missing before this one",
                (long long)seq, (unsigned long long)st->last_seq);
    }
    st->last_seq = (uint64_t)seq;
    st->bad_since_ok = false;

    json_object *fields = json_object_new_object();
    json_object_object_foreach(o, key, val)
    {
        bool reserved = false;
        for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++)
            if (strcmp(key, reserved_names[i]) == 0)
                reserved = true;
        if (!reserved)
            json_object_object_add(fields, key, json_object_get(val));
    }
    char *raw = xstrndup(s, len);
    struct journal_record rec = {
        .seq = (uint64_t)seq,
        .time = time,
        .who = who,
        .kind = (enum journal_kind)k,
        .id = id,
        .fields = fields,
        .raw = raw,
        .line = line,
    };
    if (st->on_record != NULL && st->on_record(&rec, st->ctx) != 0)
        st->stop = true;
    free(raw);
    json_object_put(fields);
    json_object_put(o);
}

static void read_text(struct read_state *st, const char *text, size_t len)
{
    size_t pos = 0;
    int line = 0;
    while (pos < len && !st->stop) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        read_line(st, text + pos, end - pos, line, nl == NULL);
        pos = nl != NULL ? end + 1 : len;
    }
}

int journal_read_text(const char *text, size_t len, const char *name, journal_record_fn on_record,
                      journal_problem_fn on_problem, void *ctx, size_t *nproblems)
{
    struct read_state st = {.name = name != NULL ? name : "journal",
                            .on_record = on_record,
                            .on_problem = on_problem,
                            .ctx = ctx};
    read_text(&st, text, len);
    if (nproblems != NULL)
        *nproblems = st.nproblems;
    return 0;
}

/* Reads all of fd from offset 0. */
/* Reads a journal file whole. A character device (the journal pointed at /dev/null, or at
 * /dev/full to see a full disk) holds no records: it is not read, since /dev/full and /dev/zero
 * never end; anything else that is not a regular file is refused. */
static int slurp_fd(int fd, char **out, size_t *len)
{
    *out = NULL; /* also on failure */
    *len = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return errno > 0 ? -errno : -EIO;
    if (S_ISDIR(sb.st_mode))
        return -EISDIR;
    if (S_ISCHR(sb.st_mode)) {
        *out = xstrdup("");
        return 0;
    }
    if (!S_ISREG(sb.st_mode))
        return -EINVAL;
    size_t cap = 8192, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = pread(fd, buf + n, cap - n, (off_t)n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno > 0 ? errno : EIO;
            free(buf);
            return -e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return 0;
}

int journal_read(const char *path, journal_record_fn on_record, journal_problem_fn on_problem,
                 void *ctx, size_t *nproblems, struct error *err)
{
    if (nproblems != NULL)
        *nproblems = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        error_set(err, "%s: %s", path, strerror(e));
        return -e;
    }
    char *text;
    size_t len;
    int rc = slurp_fd(fd, &text, &len);
    close(fd);
    if (rc < 0) {
        error_set(err, "%s: %s", path, strerror(-rc));
        return rc;
    }
    journal_read_text(text, len, path, on_record, on_problem, ctx, nproblems);
    free(text);
    return 0;
}

/* ---- pending intents ---------------------------------------------------------------------- */

struct pending_acc {
    struct journal_pending *v;
    size_t n;
};

static int pending_record(const struct journal_record *rec, void *ctx)
{
    struct pending_acc *acc = ctx;
    if (rec->kind == JOURNAL_INTENT) {
        acc->v = xreallocarray(acc->v, acc->n + 1, sizeof *acc->v);
        struct journal_pending *p = &acc->v[acc->n++];
        p->seq = rec->seq;
        p->time = xstrdup(rec->time);
        p->who = xstrdup(rec->who);
        p->id = xstrdup(rec->id);
        p->fields_json = xstrdup(json_object_to_json_string_ext(
            rec->fields, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        p->line = rec->line;
    } else if (rec->kind == JOURNAL_RESULT) {
        for (size_t i = 0; i < acc->n; i++) {
            if (strcmp(acc->v[i].id, rec->id) == 0) {
                free(acc->v[i].time);
                free(acc->v[i].who);
                free(acc->v[i].id);
                free(acc->v[i].fields_json);
                memmove(&acc->v[i], &acc->v[i + 1], (acc->n - i - 1) * sizeof *acc->v);
                acc->n--;
                break;
            }
        }
    }
    return 0;
}

int journal_pending(const char *path, struct journal_pending **out, size_t *n, struct error *err)
{
    struct pending_acc acc = {0};
    *out = NULL;
    *n = 0;
    int rc = journal_read(path, pending_record, NULL, &acc, NULL, err);
    if (rc == -ENOENT) {
        error_clear(err);
        return 0;
    }
    if (rc < 0) {
        journal_pending_free(acc.v, acc.n);
        return rc;
    }
    *out = acc.v;
    *n = acc.n;
    return 0;
}

void journal_pending_free(struct journal_pending *p, size_t n)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(p[i].time);
        free(p[i].who);
        free(p[i].id);
        free(p[i].fields_json);
    }
    free(p);
}

/* ---- writing ------------------------------------------------------------------------------ */

static int fsync_dir_of(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        free(dir);
        dir = xstrdup(".");
    } else if (slash == dir) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

/* mkdir -p of the directory holding path, 0700, fsyncing the parent of each new directory. */
static int make_parents(const char *path, struct error *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) == 0) {
            int rc = fsync_dir_of(dir);
            if (rc < 0) {
                error_set(err, "%s: fsync of its directory: %s", dir, strerror(-rc));
                free(dir);
                return rc;
            }
        } else if (errno != EEXIST) {
            int e = errno;
            error_set(err, "%s: %s", dir, strerror(e));
            free(dir);
            return -e;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(dir);
    return 0;
}

static int write_all(int fd, const char *buf, size_t len, size_t *written)
{
    *written = 0;
    while (*written < len) {
        ssize_t w = write(fd, buf + *written, len - *written);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        *written += (size_t)w;
    }
    return 0;
}

static int seq_record(const struct journal_record *rec, void *ctx)
{
    uint64_t *max = ctx;
    if (rec->seq > *max)
        *max = rec->seq;
    return 0;
}

int journal_open(const char *path, const char *who, struct journal **out, struct error *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        error_set(err, "journal: no path");
        return -EINVAL;
    }
    int rc = make_parents(path, err);
    if (rc < 0)
        return rc;
    bool created = true;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0) {
        int e = errno;
        error_set(err, "%s: %s", path, strerror(e));
        return -e;
    }
    if (created) {
        if (fchmod(fd, 0600) != 0 || fsync(fd) != 0 || (rc = fsync_dir_of(path)) < 0) {
            int e = rc < 0 ? -rc : errno;
            error_set(err, "%s: %s", path, strerror(e));
            close(fd);
            return -e;
        }
    }
    char *text;
    size_t len;
    rc = slurp_fd(fd, &text, &len);
    if (rc != 0) {
        error_set(err, "%s: %s", path, strerror(-rc));
        close(fd);
        return rc;
    }
    uint64_t max = 0;
    journal_read_text(text, len, path, seq_record, NULL, &max, NULL);
    bool torn = len > 0 && text[len - 1] != '\n';
    free(text);

    struct journal *j = xcalloc(1, sizeof *j);
    XPTHREAD(pthread_mutex_init(&j->lock, NULL));
    j->fd = fd;
    j->next_seq = max + 1;
    j->need_newline = torn;
    j->path = xstrdup(path);
    j->who = who != NULL ? xstrdup(who) : journal_who();
    if (torn) {
        /* keep the torn bytes (nothing is lost) but end their line now */
        size_t w;
        if (write_all(fd, "\n", 1, &w) == 0 && fsync(fd) == 0)
            j->need_newline = false;
    }
    *out = j;
    return 0;
}

void journal_free(struct journal *j)
{
    if (j == NULL)
        return;
    if (j->fd >= 0)
        close(j->fd);
    XPTHREAD(pthread_mutex_destroy(&j->lock));
    free(j->path);
    free(j->who);
    free(j);
}

const char *journal_path(const struct journal *j)
{
    return j->path;
}

uint64_t journal_next_seq(struct journal *j)
{
    XPTHREAD(pthread_mutex_lock(&j->lock));
    uint64_t s = j->next_seq;
    XPTHREAD(pthread_mutex_unlock(&j->lock));
    return s;
}

/* A member name that must not be written: one of secret_names at any depth. */
static const char *find_secret_name(json_object *o, int depth)
{
    if (depth > 32)
        return "(nested too deep)";
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, val)
        {
            for (size_t i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++)
                if (strcasecmp(key, secret_names[i]) == 0)
                    return key;
            const char *bad = find_secret_name(val, depth + 1);
            if (bad != NULL)
                return bad;
        }
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            const char *bad = find_secret_name(json_object_array_get_idx(o, i), depth + 1);
            if (bad != NULL)
                return bad;
        }
    }
    return NULL;
}

static void rfc3339_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

int journal_append(struct journal *j, enum journal_kind kind, const char *id,
                   struct json_object *fields, uint64_t *seq, struct error *err)
{
    return journal_append_as(j, NULL, kind, id, fields, seq, err);
}

int journal_append_as(struct journal *j, const char *who, enum journal_kind kind, const char *id,
                      struct json_object *fields, uint64_t *seq, struct error *err)
{
    if ((int)kind < 0 || kind >= JOURNAL_KINDS) {
        error_set(err, "journal: unknown record kind %d", (int)kind);
        return -1;
    }
    if (id == NULL || id[0] == '\0') {
        error_set(err, "journal: a record needs an id");
        return -1;
    }
    if (fields != NULL && !json_object_is_type(fields, json_type_object)) {
        error_set(err, "journal: fields must be a JSON object");
        return -1;
    }
    if (fields != NULL) {
        json_object_object_foreach(fields, key, val)
        {
            (void)val;
            for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++) {
                if (strcmp(key, reserved_names[i]) == 0) {
                    error_set(err, "journal: field \"%s\" is reserved", key);
                    return -1;
                }
            }
        }
        const char *bad = find_secret_name(fields, 0);
        if (bad != NULL) {
            char buf[64];
            error_set(err,
                      "journal: refusing a field named \"%s\" (secret values are never "
                      "journaled)",
                      text_sanitize_buf(bad, buf, sizeof buf));
            return -1;
        }
    }

    XPTHREAD(pthread_mutex_lock(&j->lock));
    uint64_t s = j->next_seq;
    char now[48];
    rfc3339_now(now, sizeof now);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "seq", json_object_new_int64((int64_t)s));
    json_object_object_add(o, "time", json_object_new_string(now));
    json_object_object_add(o, "who", json_object_new_string(who != NULL ? who : j->who));
    json_object_object_add(o, "kind", json_object_new_string(kind_names[kind]));
    json_object_object_add(o, "id", json_object_new_string(id));
    if (fields != NULL) {
        json_object_object_foreach(fields, key, val)
        {
            json_object_object_add(o, key, json_object_get(val));
        }
    }
    size_t blen;
    const char *body = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &blen);
    /* body ends with '}'; the sum covers it as is, and goes in before that '}' */
    char sum[SUM_HEX + 1];
    sha256_hex(body, blen - 1, "}", 1, sum);
    size_t cap = blen + SUM_SUFFIX_LEN + 3;
    char *line = xmalloc(cap);
    size_t n = 0;
    if (j->need_newline)
        line[n++] = '\n';
    memcpy(line + n, body, blen - 1);
    n += blen - 1;
    n += (size_t)snprintf(line + n, cap - n, ",\"sum\":\"%s\"}\n", sum);
    json_object_put(o);

    size_t written;
    int rc = write_all(j->fd, line, n, &written);
    free(line);
    if (rc < 0) {
        if (written > 0) {
            j->need_newline = true; /* a partial line is in the file: end it next time */
            j->next_seq = s + 1;
        }
        XPTHREAD(pthread_mutex_unlock(&j->lock));
        error_set(err, "%s: write: %s", j->path, strerror(-rc));
        return -1;
    }
    j->need_newline = false;
    j->next_seq = s + 1;
    if (fsync(j->fd) != 0) {
        int e = errno;
        XPTHREAD(pthread_mutex_unlock(&j->lock));
        error_set(err, "%s: fsync: %s (record %llu may not be on disk)", j->path, strerror(e),
                  (unsigned long long)s);
        return -1;
    }
    XPTHREAD(pthread_mutex_unlock(&j->lock));
    if (seq != NULL)
        *seq = s;
    return 0;
}

/* ---- the human format --------------------------------------------------------------------- */

struct sbuf {
    char *s;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void sb_adds(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

char *journal_format_human(const struct journal_record *rec)
{
    struct sbuf b = {0};
    char head[64];
    snprintf(head, sizeof head, "#%llu ", (unsigned long long)rec->seq);
    sb_adds(&b, head);
    sb_adds(&b, rec->time);
    sb_adds(&b, " ");
    sb_adds(&b, rec->who);
    sb_adds(&b, " ");
    sb_adds(&b, journal_kind_name(rec->kind));
    sb_adds(&b, " ");
    sb_adds(&b, rec->id);
    if (rec->fields != NULL) {
        json_object_object_foreach(rec->fields, key, val)
        {
            sb_adds(&b, " ");
            sb_adds(&b, key);
            sb_adds(&b, "=");
            if (json_object_is_type(val, json_type_string)) {
                const char *v = json_object_get_string(val);
                bool quote = v[0] == '\0' || strpbrk(v, " \"") != NULL;
                if (!quote) {
                    sb_adds(&b, v);
                } else {
                    sb_adds(&b, "\"");
                    for (const char *p = v; *p != '\0'; p++) {
                        if (*p == '"' || *p == '\\')
                            sb_adds(&b, "\\");
                        sb_add(&b, p, 1);
                    }
                    sb_adds(&b, "\"");
                }
            } else {
                sb_adds(&b, json_object_to_json_string_ext(
                                val, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
            }
        }
    }
    char *safe = text_sanitize(b.s);
    free(b.s);
    return safe;
}
