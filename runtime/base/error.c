/* error.c - actor_strerror(). */
#include "actor/error.h"

const char *actor_strerror(int code)
{
    switch (code) {
    case ACTOR_OK:
        return "success";
#define ACTOR_ERROR_CASE_(name, value, text)                                                       \
    case name:                                                                                     \
        return text;
        ACTOR_ERRORS(ACTOR_ERROR_CASE_)
#undef ACTOR_ERROR_CASE_
    default:
        return "unknown error";
    }
}
