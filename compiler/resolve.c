/* resolve.c - STUB until the semantic stage lands (owned by the sema work). */
#include "actorc.h"

int resolve_program(program *p)
{
    (void)p;
    return 0;
}
