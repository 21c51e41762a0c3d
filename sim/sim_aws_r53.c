/* Route53 (REST-XML 2013-04-01): being written; answers that it is not served yet. */
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"
#include "sim_aws.h"

struct sim_aws_r53 {
    int unused;
};

struct sim_aws_r53 *sim_aws_r53_new(const struct sim_aws_spec *spec)
{
    (void)spec;
    return xcalloc(1, sizeof(struct sim_aws_r53));
}

void sim_aws_r53_free(struct sim_aws_r53 *r)
{
    free(r);
}

const char *sim_aws_r53_action(const char *method, const char *path)
{
    (void)method;
    (void)path;
    return NULL;
}

void sim_aws_r53_handle(struct sim_aws_r53 *r, const struct sim_aws_call *c,
                        struct sim_aws_reply *out)
{
    (void)r;
    sim_aws_xml_error(out, 501, "https://route53.amazonaws.com/doc/2013-04-01/", "NotImplemented",
                      "Route53 is not served yet", c->request_id);
}
