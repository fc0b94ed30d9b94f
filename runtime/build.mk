# runtime/: libactor (static and shared). Public headers in runtime/include/actor/.

RUNTIME_SRCS := $(wildcard runtime/*/*.c)
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(BUILD)/%.o)
# The wire envelope's codec, generated from idl/actor_protocol.actor (wire.c).
RUNTIME_OBJS += $(BUILD)/gen/actor_protocol.o
# The system's own services, generated from idl/actor_system.actor (registry.c).
RUNTIME_OBJS += $(BUILD)/gen/actor_system.o
# The queue, barrier and object store services, generated from
# idl/queue.actor, idl/barrier.actor and idl/store.actor (queue/).
RUNTIME_OBJS += $(BUILD)/gen/queue.o $(BUILD)/gen/barrier.o $(BUILD)/gen/store.o
CPPFLAGS_runtime = -Iruntime -Iruntime/include -Igen $(MSGPACK_CFLAGS) $(ZMQ_CFLAGS)

$(LIBACTOR_A): $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
# The shared library is versioned like any C library: the file carries
# the full version, its soname the major one (a program linked against it
# loads libactor.so.MAJOR), and libactor.so, for the linker, points there.
$(LIBACTOR_SO_FILE): $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,$(LIBACTOR_SONAME) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@
$(BUILD)/lib/$(LIBACTOR_SONAME): $(LIBACTOR_SO_FILE)
	ln -sf $(notdir $<) $@
$(LIBACTOR_SO): $(BUILD)/lib/$(LIBACTOR_SONAME)
	ln -sf $(notdir $<) $@

ALL_TARGETS += $(LIBACTOR_A) $(LIBACTOR_SO)
