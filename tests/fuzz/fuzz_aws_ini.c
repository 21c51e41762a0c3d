/* libFuzzer harness: any bytes as an AWS config/credentials INI file; every section and key of
 * a file that parses is read back, and a failure must carry a "name:LINE: " message. */

#include "cutover/aws_creds.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aws_ini *ini = NULL;
    struct error err;
    error_clear(&err);
    if (aws_ini_parse((const char *)data, size, "config", &ini, &err) != 0) {
        if (ini || strncmp(err.msg, "config:", 7) != 0)
            abort();
        return 0;
    }
    size_t n = aws_ini_section_count(ini);
    for (size_t i = 0; i < n; i++) {
        const char *name = aws_ini_section_name(ini, i);
        if (!name || aws_ini_line(ini, name, NULL) <= 0)
            abort();
        const char *keys[] = {"region",         "aws_access_key_id",  "role_arn",
                              "source_profile", "credential_process", "sso_start_url"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const char *v = aws_ini_get(ini, name, keys[k]);
            if (v && aws_ini_line(ini, name, keys[k]) <= 0)
                abort();
        }
    }
    aws_ini_free(ini);
    return 0;
}
