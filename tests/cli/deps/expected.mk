OUT/main.h OUT/main.c: tests/cli/import/order/main.actor \
 tests/cli/import/order/dep.actor \
 tests/cli/import/order/inc1/lib.actor
OUT/calc.h OUT/calc.c: tests/cli/ok/calc.actor \
 tests/cli/ok/common.actor

tests/cli/import/order/dep.actor:

tests/cli/import/order/inc1/lib.actor:

tests/cli/ok/common.actor:
