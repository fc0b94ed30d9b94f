# tests/layers/: the runtime's folders include only downward (tools/check-layers).
CHECK_TESTS += tests/layers/run
