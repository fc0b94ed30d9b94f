/* emit.c - STUB until the emitters land (owned by the back-end work). */
#include "actorc.h"

int emit_module(program *p, const ast_module *m, const char *outdir)
{
    (void)p;
    (void)m;
    (void)outdir;
    return 0;
}
