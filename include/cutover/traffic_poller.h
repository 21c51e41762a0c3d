#ifndef CUTOVER_TRAFFIC_POLLER_H
#define CUTOVER_TRAFFIC_POLLER_H

/* The traffic poller: one thread per traffic target reading its provider every refresh interval
 * (and at once when asked), publishing an immutable traffic_snapshot (traffic.h) by swapping one
 * pointer under a mutex and writing a byte to a wake fd, as model_publisher does. A failed read
 * keeps the last good reading and records the error (the target is then stale). With a
 * Prometheus source configured, the observed split is queried after each good read.
 *
 * The change worker gets exclusive use of a target's provider through
 * traffic_poller_with_provider(): the poller does not read that target meanwhile, the snapshot
 * shows it busy, and it is read again as soon as the change is over. */

#include <stdbool.h>
#include <stddef.h>

#include "cutover/error.h"
#include "cutover/traffic.h"
#include "cutover/traffic_provider.h"

struct traffic_poller;

struct traffic_poller_opts {
    int refresh_ms;                  /* between reads of one target; 0: 5000 */
    int wake_fd;                     /* write end of a pipe signalled on every publish, or -1 */
    struct traffic_provider_env env; /* for every provider; env.read_only is observer mode */
    int prom_timeout_ms;             /* observed-split queries; 0: env.timeout_ms or 10000 */
};

/* Starts one thread per target (cfg copied). A target whose provider cannot be built is still
 * shown, with that error and no reading. Publishes a first snapshot (no readings yet) before
 * returning. Returns 0, or -1 with err when the targets cannot be polled at all (two share a
 * name). */
int traffic_poller_start(const struct traffic_target_cfg *targets, size_t n,
                         const struct traffic_poller_opts *opts, struct traffic_poller **out,
                         struct error *err);
/* The latest snapshot, referenced (release with traffic_snapshot_unref); never NULL. */
struct traffic_snapshot *traffic_poller_get(struct traffic_poller *p);
/* Asks every target's thread to read now (the `r` key); returns at once. */
void traffic_poller_refresh(struct traffic_poller *p);
/* Asks one target's thread to read now; -1 when no target is called name. */
int traffic_poller_refresh_target(struct traffic_poller *p, const char *name);
/* Runs fn(provider, arg) with exclusive use of the provider of target: waits for a read in
 * progress, marks the target busy and publishes, runs fn on the caller's thread, reads the target
 * again at once and publishes the result with busy cleared. Returns fn's value, or -1 with
 * nothing run when no target is called target or it has no provider. Never call it from the UI
 * thread (fn does network I/O), nor from inside fn for the same target. */
int traffic_poller_with_provider(struct traffic_poller *p, const char *target,
                                 int (*fn)(struct traffic_provider *prov, void *arg), void *arg);
/* Sets what the running change of target is doing ("applying 70/30", "waiting for INSYNC"),
 * shown while it is busy, and publishes; NULL clears it. Ignored unless target is busy. */
void traffic_poller_set_busy_text(struct traffic_poller *p, const char *target, const char *text);
/* Blocks until a snapshot with a generation above gen is published or timeout_ms passed; returns
 * the latest snapshot, referenced. For tests and `cutover status`. */
struct traffic_snapshot *traffic_poller_wait(struct traffic_poller *p, uint64_t gen,
                                             int timeout_ms);
/* Stops the threads (a read in flight finishes or times out first), waits, frees. Stop whoever
 * calls traffic_poller_with_provider() first. NULL: nothing. */
void traffic_poller_stop(struct traffic_poller *p);

#endif
