#ifndef CUTOVER_SIM_JSON_H
#define CUTOVER_SIM_JSON_H

/* Turning a json-c object into a stored object (its Table cells, PartialObjectMetadata and
 * filter fields included), and JSON merge / JSON patch for PATCH. */

#include <json-c/json.h>

#include "cutover/error.h"
#include "sim_buf.h"
#include "sim_store.h"

/* Builds a stored object from o (metadata.name required; o is modified: its resourceVersion
 * becomes the store's slot). NULL with err set when o is not a usable object. */
struct sim_obj *sim_json_obj(enum sim_res r, json_object *o, struct error *err);
/* Parses the full JSON of a stored object (caller puts the result). */
json_object *sim_json_parse_obj(const struct sim_obj *o);
/* Pod Table cells from its facts (shared with the generator so both agree). */
void sim_json_pod_cells(const char *name, int ready, int total, const char *status, int restarts,
                        const char *ip, const char *node, struct sim_buf *pre,
                        struct sim_buf *post);
/* Node Table cells from its facts. */
void sim_json_node_cells(const char *name, const char *status, const char *roles,
                         const char *version, const char *ip, const char *os_image,
                         const char *kernel, const char *runtime, struct sim_buf *pre,
                         struct sim_buf *post);
/* Applies an RFC 7386 merge patch to *target (which may be replaced). */
void sim_json_merge_patch(json_object **target, json_object *patch);
/* Applies an RFC 6902 JSON patch (an array of operations) to *target: 0, or -1 with err. */
int sim_json_patch(json_object **target, json_object *ops, struct error *err);

#endif
