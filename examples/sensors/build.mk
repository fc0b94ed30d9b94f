# examples/sensors: the codec on its own (encode, decode, a hostile input).
SENSORS_DIR := $(BUILD)/examples/sensors
$(SENSORS_DIR)/sensors.c $(SENSORS_DIR)/sensors.h: examples/sensors/sensors.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(SENSORS_DIR) $<
$(SENSORS_DIR)/sensors.o: $(SENSORS_DIR)/sensors.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/examples/sensors/main.o: $(SENSORS_DIR)/sensors.h
CPPFLAGS_examples += -Iruntime/include -I$(SENSORS_DIR) $(MSGPACK_CFLAGS) $(ZMQ_CFLAGS)
$(SENSORS_DIR)/sensors-demo: $(BUILD)/examples/sensors/main.o $(SENSORS_DIR)/sensors.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) -o $@
ALL_TARGETS += $(SENSORS_DIR)/sensors-demo
DEMO_COMMANDS += $(SENSORS_DIR)/sensors-demo
CHECK_TESTS += $(SENSORS_DIR)/sensors-demo
