# tests/actorctl: actorctl against a running example (calculator-server):
# text and --json output, calls, kill, unreachable endpoints, usage errors.
CHECK_DEPS += $(ACTORCTL) $(BUILD)/examples/calculator/calculator-server
CHECK_TESTS += "$(PYTHON) tests/actorctl/actorctl_test.py $(ACTORCTL) $(BUILD)/examples/calculator/calculator-server"
