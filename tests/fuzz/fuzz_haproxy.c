/* libFuzzer harness: any bytes as an answer of HAProxy's `show servers state`. A parse either
 * fails with an empty result and a message, or gives servers whose names are non-empty and
 * findable, whose numbers are -1 (absent) or not negative, and whose status is one of the known
 * words. */

#include "cutover/haproxy_cli.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const statuses[] = {"MAINT",    "DRAIN", "DOWN",   "STARTING",
                                       "STOPPING", "UP",    "UNKNOWN"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct haproxy_servers s;
    struct error err;
    error_clear(&err);
    if (haproxy_servers_parse((const char *)data, size, &s, &err) != 0) {
        if (s.n != 0 || s.v != NULL || err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < s.n; i++) {
        const struct haproxy_server_state *v = &s.v[i];
        if (v->be_name == NULL || v->srv_name == NULL || *v->be_name == '\0' ||
            *v->srv_name == '\0')
            abort();
        if (haproxy_servers_find(&s, v->be_name, v->srv_name) == NULL)
            abort();
        int nums[] = {v->be_id,   v->srv_id,  v->op_state, v->admin_state,
                      v->uweight, v->iweight, v->port};
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
            if (nums[k] < -1)
                abort();
        const char *st = haproxy_server_status(v);
        bool known = false;
        for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++)
            known = known || strcmp(st, statuses[k]) == 0;
        if (!known)
            abort();
    }
    haproxy_servers_fini(&s);
    return 0;
}
