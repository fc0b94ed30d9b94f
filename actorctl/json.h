/*
 * json.h - the JSON actorctl reads and writes: a JSON text to msgpack (a
 * call's body) and a msgpack object to JSON (its reply), with no schema:
 * an object key made of digits becomes an integer key (a field id), any
 * other key a string.
 */
#ifndef ACTORCTL_JSON_H
#define ACTORCTL_JSON_H

#include <stdio.h>

#include <msgpack.h>

/* Appends the msgpack of the JSON text `json` to `out`. 0, or -1 with
 * why (and where) in err[size]. */
int json_to_msgpack(const char *json, msgpack_sbuffer *out, char *err, size_t size);

/* Writes `o` as JSON to f: map keys as strings, bin as base64 text. */
void json_write_object(FILE *f, const msgpack_object *o);

/* Writes s as a JSON string, quoted and escaped. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif /* ACTORCTL_JSON_H */
