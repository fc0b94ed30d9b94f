# runtime/: libactor (static and shared). Public headers in runtime/include/actor/.

RUNTIME_SRCS := $(wildcard runtime/*/*.c)
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(BUILD)/%.o)
# The wire envelope's codec, generated from idl/actor_protocol.actor (wire.c).
RUNTIME_OBJS += $(BUILD)/gen/actor_protocol.o
CPPFLAGS_runtime = -Iruntime -Iruntime/include -Igen $(MSGPACK_CFLAGS) $(ZMQ_CFLAGS)

$(LIBACTOR_A): $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
$(LIBACTOR_SO): $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,libactor.so $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

ALL_TARGETS += $(LIBACTOR_A) $(LIBACTOR_SO)
