# tests/install: make install lays out bin, lib, include and libactor.pc, and
# the README's pkg-config recipe links against it (shared and static);
# examples/standalone builds and runs against the installed files alone.
CHECK_DEPS += $(ACTORC) $(LIBACTOR_A) $(LIBACTOR_SO)
CHECK_TESTS += tests/install/install.sh tests/install/standalone.sh
