/* imbalancer: geopm_imbalancer.h's calls, with the fraction of the file
 * IMBALANCER_CONFIG names (if any). Prints "name code message" per call. */
#include <stdio.h>

#include "geopm_error.h"
#include "geopm_imbalancer.h"

static void print_code(const char *name, int err)
{
    char message[512] = "";
    if (err != 0) {
        geopm_error_message(err, message, sizeof(message));
    }
    printf("%s %d %s\n", name, err, message);
}

int main(void)
{
    print_code("enter", geopm_imbalancer_enter());
    print_code("exit", geopm_imbalancer_exit());
    print_code("negative", geopm_imbalancer_frac(-0.5));
    print_code("frac", geopm_imbalancer_frac(0.25));
    print_code("enter", geopm_imbalancer_enter());
    print_code("exit", geopm_imbalancer_exit());
    return 0;
}
