#ifndef CUTOVER_HAPROXY_CLI_H
#define CUTOVER_HAPROXY_CLI_H

/* HAProxy's runtime API ("stats socket ... level admin") over a unix socket or TCP, in
 * non-interactive mode: one connection per command, the command and a newline are sent, and the
 * answer is everything HAProxy writes until it closes the connection. Bounded by a timeout.
 *
 * read_only (observer mode) refuses every command that is not a single `show ...` or `get ...`
 * BEFORE anything is sent; refusals are counted and logged.
 *
 * The parser reads `show servers state [backend]` (format version 1): columns are found by the
 * names of the "# be_id be_name srv_id srv_name ..." header line, not by their position. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cutover/error.h"

/* Return codes of haproxy_cli_run / haproxy_cli_exec (besides 0). */
enum haproxy_cli_rc {
    HAPROXY_CLI_EREFUSED = -2, /* read_only: not sent */
    HAPROXY_CLI_ECONNECT = -3, /* could not connect or write: nothing reached HAProxy */
    HAPROXY_CLI_EIO = -4,      /* sent, but the answer was cut off or timed out: outcome unknown */
    HAPROXY_CLI_EANSWER = -5,  /* HAProxy answered with an error ("No such server.") */
    HAPROXY_CLI_EINVAL = -6,   /* the command itself is unusable (empty, newline in it) */
};

struct haproxy_cli;

/* Counters of one client (thread-safe copies). */
struct haproxy_cli_stats {
    uint64_t sent;    /* commands written to a socket */
    uint64_t refused; /* commands refused by read_only, never sent */
};

/* A client for address "unix:/path" or "tcp:host:port" ("tcp:[::1]:9999" for IPv6). timeout_ms
 * bounds each command (connect, write and read together); 0 means 5000. Does no I/O. */
int haproxy_cli_new(const char *address, int timeout_ms, bool read_only, struct haproxy_cli **out,
                    struct error *err);
/* Frees the client; NULL does nothing. */
void haproxy_cli_free(struct haproxy_cli *c);
/* The address as given to _new. */
const char *haproxy_cli_address(const struct haproxy_cli *c);
/* A copy of the counters. */
void haproxy_cli_get_stats(struct haproxy_cli *c, struct haproxy_cli_stats *out);

/* True when cmd only reads: one command (no ';' separator, no newline) starting "show " or
 * "get ". This is what read_only lets through. */
bool haproxy_cli_command_reads(const char *cmd);
/* True when name can be put into a command as a backend or server name: HAProxy's own rule
 * (letters, digits, '-', '_', '.', ':'), non-empty; anything else could inject a command. */
bool haproxy_cli_name_valid(const char *name);

/* Sends cmd on a new connection and reads the answer until HAProxy closes it. *answer gets the
 * raw answer (a new string, possibly empty). Returns 0 or a negative haproxy_cli_rc with err. */
int haproxy_cli_run(struct haproxy_cli *c, const char *cmd, char **answer, struct error *err);
/* Runs a command that answers a bare newline when it succeeds (`set weight`, `set server`):
 * any non-blank answer is HAProxy's error, returned as HAPROXY_CLI_EANSWER with its (sanitized)
 * text in err; a connection closed without a byte is HAPROXY_CLI_EIO (outcome unknown). */
int haproxy_cli_exec(struct haproxy_cli *c, const char *cmd, struct error *err);

/* srv_op_state values (HAProxy's enum srv_state). */
enum haproxy_op_state {
    HAPROXY_OP_STOPPED = 0,
    HAPROXY_OP_STARTING = 1,
    HAPROXY_OP_RUNNING = 2,
    HAPROXY_OP_STOPPING = 3,
};

/* srv_admin_state masks (HAProxy's SRV_ADMF_MAINT and SRV_ADMF_DRAIN). */
#define HAPROXY_ADMIN_MAINT 0x23
#define HAPROXY_ADMIN_DRAIN 0x18

/* One line of `show servers state`. Strings owned; a number HAProxy did not give is -1. */
struct haproxy_server_state {
    int be_id;
    char *be_name;
    int srv_id;
    char *srv_name;
    char *srv_addr; /* NULL when absent */
    int op_state;   /* enum haproxy_op_state */
    int admin_state;
    int uweight; /* the current (user-set) weight */
    int iweight; /* the weight in the configuration */
    int port;
};

struct haproxy_servers {
    struct haproxy_server_state *v;
    size_t n;
};

/* Parses the answer of `show servers state [backend]`. An answer that is not that table
 * ("Can't find backend.", "Unknown command...") is an error carrying HAProxy's first line. */
int haproxy_servers_parse(const char *text, size_t len, struct haproxy_servers *out,
                          struct error *err);
/* Frees what _parse allocated; the struct is left empty. */
void haproxy_servers_fini(struct haproxy_servers *s);
/* The server named srv in backend be, or NULL. */
const struct haproxy_server_state *haproxy_servers_find(const struct haproxy_servers *s,
                                                        const char *be, const char *srv);

/* How a server stands: "MAINT" (any maintenance flag), "DRAIN", "DOWN", "STARTING",
 * "STOPPING" or "UP", in that order of precedence; "UNKNOWN" when the states are missing. */
const char *haproxy_server_status(const struct haproxy_server_state *s);

#endif
