/*
 * schema.h - an actor type's schema as its system describes it (the JSON
 * of actor_type.schema, from the introspection service's describe): the
 * methods, and the messages and enums they use. With it, actorctl turns a
 * JSON body keyed by field names into the msgpack a method expects, and a
 * reply back into JSON keyed by field names, enums by member name.
 */
#ifndef ACTORCTL_SCHEMA_H
#define ACTORCTL_SCHEMA_H

#include <stdbool.h>
#include <stdio.h>

#include <msgpack.h>

typedef struct schema {
    msgpack_sbuffer packed; /* the JSON as msgpack */
    msgpack_unpacked tree;  /* over `packed` */
    const msgpack_object *methods, *messages, *enums;
} schema;

/* Parses `json` into *s (schema_free releases it). 0, or -1 with why in
 * err[size]. */
int schema_load(schema *s, const char *json, char *err, size_t size);
void schema_free(schema *s);

/* The longest type name kept ("map<string, list<pkg.Msg>>"). */
#define SCHEMA_TYPE_MAX 256

/* The parameter and result types of `method` into param[] and result[]
 * (SCHEMA_TYPE_MAX each; "" for ()): false when the type has no such
 * method; then err[size] lists the methods it has. */
bool schema_method(const schema *s, const char *method, char *param, char *result, char *err,
                   size_t size);

/* Packs `value` (a JSON body, as json_to_msgpack made it) as type `type`:
 * field names to ids, enum members to numbers, base64 text to bytes. 0, or
 * -1 with why in err[size]. */
int schema_pack(const schema *s, const char *type, const msgpack_object *value,
                msgpack_packer *pk, char *err, size_t size);

/* Writes `value` (a reply of type `type`) as JSON with field and member
 * names. */
void schema_write(FILE *f, const schema *s, const char *type, const msgpack_object *value);

#endif /* ACTORCTL_SCHEMA_H */
