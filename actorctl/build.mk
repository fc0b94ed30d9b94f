# actorctl/: the command-line window into a running system (docs/man/actorctl.1).
ACTORCTL := $(BUILD)/bin/actorctl
ACTORCTL_SRCS := $(wildcard actorctl/*.c)
CPPFLAGS_actorctl = -Iactorctl -Iruntime/include -Igen $(MSGPACK_CFLAGS) $(ZMQ_CFLAGS)

$(ACTORCTL): $(ACTORCTL_SRCS:%.c=$(BUILD)/%.o) $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

ALL_TARGETS += $(ACTORCTL)
