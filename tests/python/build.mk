# tests/python/: the Python clients actorc --python generates, against the
# example servers: clients.py calls examples/calculator's calculator-server
# and examples/pools' pool-chaos --serve through the package generated from
# their .actor files ($(PY_CLIENTS_GEN)/generated).

PY_CLIENTS_GEN := $(BUILD)/tests/python
$(PY_CLIENTS_GEN)/generated/calculator.py: examples/calculator/calculator.actor \
        examples/pools/chaos.actor $(ACTORC)
	$(ACTORC) --python -o $(@D) examples/calculator/calculator.actor examples/pools/chaos.actor

CHECK_DEPS += $(PY_CLIENTS_GEN)/generated/calculator.py $(BUILD)/examples/calculator/calculator-server \
              $(BUILD)/examples/pools/pool-chaos
CHECK_TESTS += "$(PYTHON) tests/python/clients.py $(BUILD)/examples/calculator/calculator-server $(BUILD)/examples/pools/pool-chaos $(PY_CLIENTS_GEN)"
