#include "traffic_fixture.h"

void traffic_fixture_target(struct traffic_target_state *t, const char *name,
                            enum traffic_kind kind, const char *old_id, const char *new_id,
                            int old_w, int new_w, time_t last_ok)
{
    struct traffic_target_cfg c = {
        .name = (char *)name,
        .kind = kind,
        .production = true,
        .plan = {0, 10, 30, 50, 100},
        .nplan = 5,
        .old_id = (char *)old_id,
        .new_id = (char *)new_id,
        .tolerance_pct = 5,
    };
    traffic_target_cfg_copy(&t->cfg, &c);
    t->have_reading = true;
    for (int s = 0; s < 2; s++) {
        t->reading.side[s].present = true;
        t->reading.side[s].health = TRAFFIC_HEALTH_UP;
        t->reading.side[s].observed_rps = -1;
    }
    t->reading.side[0].weight = old_w;
    t->reading.side[1].weight = new_w;
    t->percent = traffic_percent_of(old_w, new_w);
    t->step = traffic_plan_index(&t->cfg, t->percent);
    t->last_ok.tv_sec = last_ok;
}
