/* libFuzzer harness: any bytes as a kubeconfig, then every context resolved. */

#include "cutover/kubeconfig.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kubeconfig *kc = NULL;
    struct error err;
    error_clear(&err);
    if (kubeconfig_load_mem((const char *)data, size, "fuzz.yaml", &kc, &err) != 0)
        return 0;
    for (size_t i = 0; i <= kubeconfig_context_count(kc); i++) {
        /* i == count resolves the current context (or fails cleanly without one). */
        const char *name = i < kubeconfig_context_count(kc) ? kubeconfig_context_name(kc, i) : NULL;
        struct kube_context ctx;
        if (kubeconfig_resolve(kc, name, &ctx, &err) == 0)
            kube_context_fini(&ctx);
    }
    kubeconfig_free(kc);
    return 0;
}
