/* ELBv2 (query 2015-12-01): being written; answers that it is not served yet. */
#include <stdlib.h>
#include <string.h>

#include "cutover/xalloc.h"
#include "sim_aws.h"

struct sim_aws_elb {
    int unused;
};

struct sim_aws_elb *sim_aws_elb_new(const struct sim_aws_spec *spec)
{
    (void)spec;
    return xcalloc(1, sizeof(struct sim_aws_elb));
}

void sim_aws_elb_free(struct sim_aws_elb *r)
{
    free(r);
}

void sim_aws_elb_handle(struct sim_aws_elb *r, const struct sim_aws_call *c,
                        struct sim_aws_reply *out)
{
    (void)r;
    sim_aws_xml_error(out, 501, "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
                      "NotImplemented", "ELBv2 is not served yet", c->request_id);
}
