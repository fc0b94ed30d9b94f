# examples/calculator: a calculator and a counter as typed actors,
# in one process (calculator-local) and as a tcp server and client
# (demo.sh runs those), plus calculator-test on actor/testing.h.
CALC_DIR := $(BUILD)/examples/calculator
CALC_GEN := $(CALC_DIR)/gen

$(CALC_GEN)/calculator.c $(CALC_GEN)/calculator.h &: examples/calculator/calculator.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(CALC_GEN) $<
$(CALC_GEN)/calculator.o: $(CALC_GEN)/calculator.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@

CPPFLAGS_examples += -I$(CALC_GEN)
CALC_SRCS := $(wildcard examples/calculator/*.c)
$(CALC_SRCS:%.c=$(BUILD)/%.o): $(CALC_GEN)/calculator.h

# The handlers and the calls, shared by every program.
CALC_COMMON := $(CALC_DIR)/calculator_actors.o $(CALC_DIR)/calculator_calls.o \
               $(CALC_GEN)/calculator.o
CALC_LIBS := $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread

$(CALC_DIR)/calculator-local: $(CALC_DIR)/local.o $(CALC_COMMON) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(CALC_LIBS) -o $@
$(CALC_DIR)/calculator-test: $(CALC_DIR)/calculator_test.o $(CALC_COMMON) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(CALC_LIBS) -o $@

$(CALC_DIR)/calculator-server: $(CALC_DIR)/server.o $(CALC_COMMON) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(CALC_LIBS) -o $@
$(CALC_DIR)/calculator-client: $(CALC_DIR)/client.o $(CALC_COMMON) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(CALC_LIBS) -o $@
# Beside the programs it runs, so that it finds them without arguments
# (DEMO_COMMANDS entries are single words).
$(CALC_DIR)/demo.sh: examples/calculator/demo.sh
	@mkdir -p $(@D)
	cp $< $@

CALC_PROGRAMS := $(CALC_DIR)/calculator-local $(CALC_DIR)/calculator-test \
                 $(CALC_DIR)/calculator-server $(CALC_DIR)/calculator-client $(CALC_DIR)/demo.sh
ALL_TARGETS += $(CALC_PROGRAMS)
DEMO_COMMANDS += $(CALC_DIR)/calculator-local $(CALC_DIR)/demo.sh
CHECK_TESTS += $(CALC_DIR)/calculator-local $(CALC_DIR)/calculator-test $(CALC_DIR)/demo.sh
CHECK_DEPS += $(CALC_PROGRAMS)
