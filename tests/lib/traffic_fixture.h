#ifndef CUTOVER_TRAFFIC_FIXTURE_H
#define CUTOVER_TRAFFIC_FIXTURE_H

/* Traffic targets for the panel tests: a target state as the worker would publish it. */

#include <time.h>

#include "cutover/traffic.h"

/* Fills t (zeroed, e.g. from traffic_snapshot_new) with a production target name of kind whose
 * plan is 0 10 30 50 100 and tolerance 5%, read fine at last_ok: both sides present and up with
 * weights old_w/new_w (no observed rate), the percent to new and the plan step that follow. */
void traffic_fixture_target(struct traffic_target_state *t, const char *name,
                            enum traffic_kind kind, const char *old_id, const char *new_id,
                            int old_w, int new_w, time_t last_ok);

#endif
