# examples/pools: pool-chaos, requests through a pool whose instances keep
# dying (thread or process isolation), checked for exactly one right reply
# each. `make chaos` runs the long version.
POOLS_DIR := $(BUILD)/examples/pools
POOLS_GEN := $(POOLS_DIR)/gen

$(POOLS_GEN)/chaos.c $(POOLS_GEN)/chaos.h &: examples/pools/chaos.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(POOLS_GEN) $<
$(POOLS_GEN)/chaos.o: $(POOLS_GEN)/chaos.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@

CPPFLAGS_examples += -I$(POOLS_GEN)
$(BUILD)/examples/pools/pool_chaos.o: $(POOLS_GEN)/chaos.h
$(POOLS_DIR)/pool-chaos: $(BUILD)/examples/pools/pool_chaos.o $(POOLS_GEN)/chaos.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

# Beside the program it runs, so that it finds it without arguments
# (DEMO_COMMANDS entries are single words).
$(POOLS_DIR)/chaos-check.sh: examples/pools/chaos-check.sh
	@mkdir -p $(@D)
	cp $< $@

ALL_TARGETS += $(POOLS_DIR)/pool-chaos $(POOLS_DIR)/chaos-check.sh
DEMO_COMMANDS += $(POOLS_DIR)/chaos-check.sh
# The process-isolation runs fork: under UBSan alone (CHECK_FORK_TESTS).
CHECK_TESTS += "$(POOLS_DIR)/chaos-check.sh thread"
CHECK_DEPS += $(POOLS_DIR)/pool-chaos $(POOLS_DIR)/chaos-check.sh
CHECK_FORK_TESTS += "$(FORK_BUILD)/examples/pools/chaos-check.sh process"
CHECK_FORK_DEPS += $(POOLS_DIR)/pool-chaos $(POOLS_DIR)/chaos-check.sh

# The long run: 100k requests, an instance killed every 5 ms.
.PHONY: chaos
chaos: $(POOLS_DIR)/pool-chaos
	$(POOLS_DIR)/pool-chaos --instances 4 --requests 100000 --isolation process --kill-every 5
	$(POOLS_DIR)/pool-chaos --instances 4 --requests 100000 --isolation thread --kill-every 5
