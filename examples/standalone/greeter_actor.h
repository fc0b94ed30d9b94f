/*
 * greeter_actor.h - the hello.Greeter of greeter.actor: greets, counts
 * greetings and waves. Its state is made by init and freed by cleanup.
 */
#ifndef GREETER_ACTOR_H
#define GREETER_ACTOR_H

#include "greeter.h"

/* Give it to hello_Greeter_spawn (or _spawn_pool); the argument is unused. */
extern const hello_Greeter_handlers greeter_handlers;

#endif
