# tests/readme: the README's example compiles and runs as shown.
CHECK_DEPS += $(ACTORC) $(LIBACTOR_A)
CHECK_TESTS += tests/readme/readme-example.sh
