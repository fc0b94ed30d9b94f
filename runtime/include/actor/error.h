/*
 * actor/error.h - libactor's error codes. Every function that can fail
 * returns int: 0 on success or one of these negative codes; actor_strerror()
 * names them. libzmq's -1/errno is translated at the boundary.
 */
#ifndef ACTOR_ERROR_H
#define ACTOR_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro: (name, value, description). Values are stable: never renumber. */
#define ACTOR_ERRORS(X)                                                        \
    X(ACTOR_ENOMEM, -1, "out of memory")                                       \
    X(ACTOR_EINVAL, -2, "invalid argument")                                    \
    X(ACTOR_ETRUNCATED, -10, "input ends inside a value")                      \
    X(ACTOR_ETRAILING, -11, "bytes after the end of the message")              \
    X(ACTOR_ETYPE, -12, "value of the wrong type")                             \
    X(ACTOR_ERANGE, -13, "integer out of the field's range")                   \
    X(ACTOR_EKEY, -14, "map key is not a positive field id")                   \
    X(ACTOR_EDUPLICATE, -15, "field id appears twice")                         \
    X(ACTOR_EUTF8, -16, "string is not valid UTF-8")                           \
    X(ACTOR_EDEPTH, -17, "nesting deeper than the limit")                      \
    X(ACTOR_ELIMIT, -18, "length or count beyond the configured limit")        \
    X(ACTOR_EMALFORMED, -19, "not valid msgpack")                             \
    X(ACTOR_ETOOLONG, -20, "string, bytes, list or map too long to encode")   \
    X(ACTOR_ECLOSED, -30, "actor system or actor is shutting down")            \
    X(ACTOR_EFULL, -31, "mailbox full")                                        \
    X(ACTOR_ETIMEDOUT, -32, "deadline passed")                                 \
    X(ACTOR_ENOTFOUND, -33, "no such actor or method")                         \
    X(ACTOR_ESTATE, -34, "not allowed in the actor's current state")           \
    X(ACTOR_ESYSTEM, -35, "operating system call failed")                      \
    X(ACTOR_EUNAVAILABLE, -36, "no instance available")                        \
    X(ACTOR_EUNREACHABLE, -37, "peer unreachable")

typedef enum actor_error {
    ACTOR_OK = 0,
#define ACTOR_ERROR_ENUM_(name, value, text) name = value,
    ACTOR_ERRORS(ACTOR_ERROR_ENUM_)
#undef ACTOR_ERROR_ENUM_
} actor_error;

/* A static description of `code` ("out of memory"); never NULL. */
const char *actor_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_ERROR_H */
