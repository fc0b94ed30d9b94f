# tests/python/: the Python clients actorc --python generates, against the
# example servers: clients.py calls examples/calculator's calculator-server
# and examples/pools' pool-chaos --serve through the package generated from
# their .actor files ($(PY_CLIENTS_GEN)/generated), and idl/types.actor's
# client against a scripted server.

PY_CLIENTS_GEN := $(BUILD)/tests/python
PY_CLIENTS_SCHEMAS := examples/calculator/calculator.actor examples/pools/chaos.actor \
                      idl/types.actor idl/common.actor
PY_CLIENTS_MODULES := $(patsubst %.actor,$(PY_CLIENTS_GEN)/generated/%.py,$(notdir $(PY_CLIENTS_SCHEMAS)))
$(PY_CLIENTS_MODULES) &: $(PY_CLIENTS_SCHEMAS) $(ACTORC)
	$(ACTORC) --python -o $(PY_CLIENTS_GEN)/generated $(PY_CLIENTS_SCHEMAS)

CHECK_DEPS += $(PY_CLIENTS_MODULES) $(BUILD)/examples/calculator/calculator-server \
              $(BUILD)/examples/pools/pool-chaos
CHECK_TESTS += "$(PYTHON) tests/python/clients.py $(BUILD)/examples/calculator/calculator-server $(BUILD)/examples/pools/pool-chaos $(PY_CLIENTS_GEN)"
