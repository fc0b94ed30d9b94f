/*
 * actor/naming.h - named actors in namespaces (Ray's named actors, Erlang's
 * registered names): register an actor or a pool under a name, spawn one
 * only if the name is free (get-if-exists), look up, list and kill by name,
 * and tie a named actor's life to its owner's or let it outlive its creator.
 *
 * A name lives in a namespace: `ns` "" (or NULL) is the default one. On the
 * wire (the envelope's `target`, actor_connect's `name`) a name is
 * "ns/name", or just "name" in the default namespace, so another process
 * calls a named actor with actor_connect(sys, endpoint, "ns/name", ...)
 * and lists the names with the CONTROL "names" (docs/PROTOCOL.md).
 * Neither part may contain '/'; the whole is at most 255 bytes.
 *
 * Namespace "actor" (ACTOR_SERVICE_NAMESPACE) is the system's own: once
 * the system is bound, its registry answers there as "actor/registry"
 * (the actor_sys.Registry service of idl/actor_system.actor, declared in
 * <actor/actor_system.h>), so that another process, in C or another
 * language, looks up, lists, kills, creates and watches named actors by
 * calling it; and "actor/introspect" (actor_sys.Introspect) reports the
 * metrics of every named actor and pool. Registering a name in that
 * namespace is ACTOR_EINVAL.
 *
 * Names are unique within a system: registering a name that a live actor
 * holds fails with ACTOR_ESTATE. A name is released as soon as its actor
 * is gone (terminated, failed, killed by name, ended with its owner).
 *
 * Lifetime: a named actor with an `owner` (an actor or pool of the same
 * system, typically its creator) is terminated (with drain) when the owner
 * is gone. Without one it is *detached*: it lives until it is terminated
 * or killed by name, or the system ends, whatever becomes of its creator.
 *
 * Errors: 0 or a negative ACTOR_E* code (actor/error.h). Any thread.
 */
#ifndef ACTOR_NAMING_H
#define ACTOR_NAMING_H

#include <stdbool.h>
#include <stddef.h>

#include "actor/actor.h"
#include "actor/supervise.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTOR_NAME_MAX 255u
/* The namespace of the system's own services, and its registry's name. */
#define ACTOR_SERVICE_NAMESPACE "actor"
#define ACTOR_REGISTRY_NAME "registry"
/* Where the metrics of its named actors are read (actor_sys.Introspect). */
#define ACTOR_INTROSPECT_NAME "introspect"

/* Splits a full name, "ns/name" or "name" (the default namespace), at its
 * first '/' into ns and name (each ACTOR_NAME_MAX + 1 bytes, written; a
 * part that is longer is cut). 0, or ACTOR_EINVAL when a part was cut or
 * an argument is NULL. */
int actor_name_split(const char *full, char *ns, char *name);

/* Where a name lives and what ends its actor. NULL: the default
 * namespace, detached. */
typedef struct actor_name_opts {
    const char *ns;  /* NULL or "": the default namespace */
    actor_ref owner; /* ACTOR_REF_NONE: detached */
} actor_name_opts;

/* Registers `ref` (a live local actor or pool) as `name`. ACTOR_ESTATE
 * when a live actor holds the name already (unless it is `ref` itself:
 * then nothing changes), ACTOR_EINVAL for a bad name or namespace or a
 * remote ref, ACTOR_ENOTFOUND for a dead ref or a dead owner. */
int actor_name_register(actor_system *sys, actor_ref ref, const char *name,
                        const actor_name_opts *opts);

/* Spawns an actor (or pool) with spawn(sys, spec, spawn_opts, &ref) and
 * registers it as `name`, as one step: no one else can take the name in
 * between. When a live actor holds the name: with get_if_exists and the
 * same `type` (compared by name), *out receives it, *created (may be NULL)
 * false and nothing is spawned; otherwise ACTOR_ESTATE. A spawn that fails
 * returns its error. */
int actor_spawn_named(actor_system *sys, const char *name, const actor_name_opts *opts,
                      const actor_type *type, actor_spawn_fn spawn, const void *spec,
                      const actor_spawn_opts *spawn_opts, bool get_if_exists, actor_ref *out,
                      bool *created);

/* The live actor registered as `name` in `ns`; ACTOR_ENOTFOUND if none. */
int actor_name_lookup(actor_system *sys, const char *ns, const char *name, actor_ref *out);

/* Terminates the actor registered as `name` in `ns` (actor_terminate with
 * `drain`); its name is released once it is gone. ACTOR_ENOTFOUND if none. */
int actor_name_kill(actor_system *sys, const char *ns, const char *name, bool drain);

/* One named actor, as actor_names_list reports it. */
typedef struct actor_name_info {
    char ns[ACTOR_NAME_MAX + 1];
    char name[ACTOR_NAME_MAX + 1];
    actor_ref ref;
    const char *type; /* its actor type's name (static) */
    bool pool;        /* a pool's ref */
    bool detached;    /* no owner */
} actor_name_info;

/* The live actor registered as `name` in `ns`, described in *out;
 * ACTOR_ENOTFOUND if none. */
int actor_name_info_get(actor_system *sys, const char *ns, const char *name,
                        actor_name_info *out);

/* Lets other processes create actors of `type` by name: the registry's
 * create (with a name, a namespace, get-if-exists and an optional owner,
 * as actor_spawn_named) spawns one with spawn(sys, spec, NULL, &ref).
 * `spec` is borrowed and must stay valid while the system lives. Exporting
 * the same type again with the same arguments changes nothing; with other
 * ones it is ACTOR_ESTATE. */
int actor_export_type(actor_system *sys, const actor_type *type, actor_spawn_fn spawn,
                      const void *spec);

/* The live named actors of namespace `ns` (NULL: of every namespace), in no
 * particular order: *n receives how many there are, at most `cap` are
 * written to out[]. */
int actor_names_list(actor_system *sys, const char *ns, actor_name_info *out, size_t cap,
                     size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_NAMING_H */
