# tests/hosts/: a pool across hosts (actor_host_pool_spawn) between network
# namespaces (tests/hosts/run: a caller and two hosts, veth pairs, hosts cut
# off and links impaired with nftables, and tc netem where the kernel has
# it). Needs root; skips with a message where namespaces are not allowed.
# tests/hosts/farm.actor is compiled by the current actorc into $(BUILD).

HOSTS_GEN := $(BUILD)/tests/hosts/gen
HOSTS_TEST := $(BUILD)/tests/hosts/hosts_test
HOSTS_HOST := $(BUILD)/tests/hosts/host
HOSTS_GEN_CFLAGS = $(CSTD) $(WARNINGS) -Wpedantic -Wconversion $(CFLAGS) $(SANFLAGS) \
                   -I$(HOSTS_GEN) -Iruntime/include $(MSGPACK_CFLAGS)

$(HOSTS_GEN)/farm.c $(HOSTS_GEN)/farm.h &: tests/hosts/farm.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(HOSTS_GEN) tests/hosts/farm.actor

$(HOSTS_GEN)/farm.o: $(HOSTS_GEN)/farm.c
	$(CC) $(HOSTS_GEN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/hosts/%.o: tests/hosts/%.c $(HOSTS_GEN)/farm.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(HOSTS_GEN) $(CPPFLAGS_tests) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/hosts/%: $(BUILD)/tests/hosts/%.o $(HOSTS_GEN)/farm.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(HOSTS_TEST) $(HOSTS_HOST)
CHECK_TESTS += "tests/hosts/run $(HOSTS_HOST) $(HOSTS_TEST)"
