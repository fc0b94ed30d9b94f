# tests/: everything `make check` runs. Each fragment below adds commands to
# CHECK_TESTS and the programs they need to CHECK_DEPS.

CPPFLAGS_tests = -Itests -Igen -Iruntime/include $(MSGPACK_CFLAGS) $(ZMQ_CFLAGS)

-include $(wildcard tests/*/build.mk)
