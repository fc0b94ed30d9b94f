#!/usr/bin/env python3
"""xlang.py - the Python half of the cross-implementation tests.

python-msgpack is the second, independent msgpack implementation the C code
generated from idl/types.actor is checked against (DESIGN.md section 3 pins
the wire format: a map from field id to value).

    xlang.py write DIR   write one <case>.bin per case of WRITE_CASES: message
                         bodies built here with python-msgpack, which
                         tests/xlang/xlang_test.c decodes and checks field by
                         field (valid bodies) or expects to reject (bad_*,
                         limit_*).
    xlang.py check DIR   read the <case>.bin files xlang_test.c encoded and
                         check them key by key and type by type (float32 vs
                         float64, str vs bin, ...), against python-msgpack's
                         decoding, and byte for byte against what
                         python-msgpack writes for the same map with the
                         keys in ascending order.

Case names are shared with xlang_test.c: a case the other side does not
know is a failure on both sides. Ends with "N passed, N failed".
"""

import math
import os
import struct
import sys

import msgpack

from wire import A, B, Bin, Ext, F32, F64, I, M, Nil, Raw, S, diff, encode, msg, plain, walk

I8, I16, I32, I64 = 2**7, 2**15, 2**31, 2**63
U64_MAX = 2**64 - 1
FLT_MAX = 3.4028234663852886e38
FLT_TRUE_MIN = 1.401298464324817e-45
DBL_MAX = 1.7976931348623157e308
DBL_TRUE_MIN = 5e-324
UNICODE = "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \u65e5\u672c\u8a9e"
LONG_STRING = "ab" * 40000
LONG_BYTES = bytes(i % 251 for i in range(70000))

# Kind members of idl/types.actor and Color of idl/common.actor.
KIND_UNKNOWN, KIND_SMALL, KIND_LARGE, KIND_NEGATIVE = 0, 1, 2, -1
COLOR_GREEN, COLOR_BLUE = 1, 2


# ---------------------------------------------------------------- messages
# Each builds the tagged body the generated encoder must write for a message
# (every non-optional field, ascending ids).

def point(x=0, y=0):
    return msg({1: I(x), 2: I(y)})


def scalars(b=False, i8=0, i16=0, i32=0, i64=0, u8=0, u16=0, u32=0, u64=0,
            f32=0.0, f64=0.0, s="", data=b""):
    return msg({1: B(b), 2: I(i8), 3: I(i16), 4: I(i32), 5: I(i64), 6: I(u8), 7: I(u16),
                8: I(u32), 9: I(u64), 10: F32(f32), 11: F64(f64), 12: S(s), 13: Bin(data)})


def defaults(**over):
    fields = {1: B(True), 2: I(-128), 3: I(-42), 4: I(-I64), 5: I(65535), 6: I(U64_MAX),
              7: F32(1.5), 8: F64(-2.25), 9: S("h\u00e9llo \"quoted\"\n"), 10: I(KIND_LARGE),
              11: I(KIND_NEGATIVE), 12: I(16), 13: F64(0.25), 14: S("hello"), 15: B(True),
              16: I(COLOR_BLUE), 17: I(0)}
    fields.update(over)
    return msg(fields)


def lists(**over):
    fields = {i: A([]) for i in range(1, 19)}
    fields.update({int(k[1:]): v for k, v in over.items()})
    return msg(fields)


def maps(**over):
    fields = {i: M([]) for i in range(1, 15)}
    fields.update({int(k[1:]): v for k, v in over.items()})
    return msg(fields)


def nested(label="", origin=(0, 0), scalars_=None, child=None, children=(), kind=KIND_SMALL,
           named=()):
    fields = {1: point(*origin), 2: scalars_ or scalars(), 4: A(list(children)), 5: I(kind),
              6: S(label), 12: M([(S(k), v) for k, v in named])}
    if child is not None:
        fields[3] = child
    return msg(fields)


def nested_chain(depth):
    """A Nested whose `child` chain is `depth` messages long, written minimally."""
    body = msg({6: S("leaf")})
    for _ in range(depth - 1):
        body = msg({3: body})
    return body


def deep_arrays(depth):
    v = A([])
    for _ in range(depth - 1):
        v = A([v])
    return v


def ints(*xs):
    return A([I(x) for x in xs])


def strs(*xs):
    return A([S(x) for x in xs])


# ------------------------------------------------------------------- cases
# Written by C and checked here (and also written here and checked in C).

SHARED_CASES = {
    "scalars_zero": scalars(),
    "scalars_max": scalars(True, I8 - 1, I16 - 1, I32 - 1, I64 - 1, 255, 65535, 2**32 - 1,
                           U64_MAX, FLT_MAX, DBL_MAX, UNICODE, bytes(range(256))),
    "scalars_min": scalars(False, -I8, -I16, -I32, -I64, 0, 0, 0, 0, FLT_TRUE_MIN,
                           -DBL_TRUE_MIN, "", b""),
    "scalars_mixed": scalars(True, -1, -33, -32769, -2147483649, 128, 256, 65536, 2**32, -0.0,
                             0.1, "\x7f tab\t nl\n \\ \"", b"\x00\xff\x80"),
    "scalars_special": scalars(f32=math.inf, f64=-math.inf, s=LONG_STRING, data=LONG_BYTES),
    "scalars_nan": scalars(f32=math.nan, f64=math.nan),
    "optionals_absent": msg({}),
    "optionals_present": msg({1: B(False), 2: I(-8), 3: I(-16), 4: I(-32), 5: I(-64), 6: I(8),
                              7: I(16), 8: I(32), 9: I(64), 10: F32(0.5), 11: F64(0.25),
                              12: S("opt"), 13: Bin(b"\x01\x02\x03"), 14: I(KIND_NEGATIVE),
                              15: I(COLOR_GREEN), 16: point(-3, 4), 17: scalars(i32=5)}),
    "optionals_unknown_enum": msg({14: I(99), 15: I(-5)}),
    "defaults_init": defaults(),
    "lists_empty": lists(),
    "lists_full": lists(
        f1=A([B(True), B(False), B(True)]), f2=ints(-128, 0, 127), f3=ints(-32768, 32767),
        f4=ints(-I32, -1, 0, I32 - 1), f5=ints(-I64, I64 - 1), f6=ints(0, 255),
        f7=ints(65535), f8=ints(2**32 - 1), f9=ints(U64_MAX, 0),
        f10=A([F32(1.5), F32(-0.25)]), f11=A([F64(3.5), F64(-1e300)]),
        f12=strs("", "a", "\u00fc"), f13=A([Bin(b""), Bin(b"\xff\x00")]),
        f14=ints(0, 1, 2, -1, 42), f15=A([point(1, 2), point(-1, -2)]),
        f16=A([ints(1, 2), ints(), ints(3)]),
        f17=A([M([(S("a"), I(1)), (S("b"), I(-2))]), M([])]),
        f18=A([A([strs("x", "y"), strs()]), A([])])),
    "maps_empty": maps(),
    "maps_full": maps(
        f1=M([(S("one"), I(1)), (S("minus"), I(-1))]),
        f2=M([(I(-128), S("min")), (I(127), S("max"))]),
        f3=M([(I(-1), B(True)), (I(300), B(False))]),
        f4=M([(I(7), F64(1.25))]),
        f5=M([(I(-I64), I(I64 - 1))]),
        f6=M([(I(255), Bin(b"\x01\x02"))]),
        f7=M([(I(65535), F32(0.5))]),
        f8=M([(I(2**32 - 1), I(1))]),
        f9=M([(I(U64_MAX), I(U64_MAX))]),
        f10=M([(S("n"), I(KIND_NEGATIVE)), (S("u"), I(77))]),
        f11=M([(S("p"), point(5, 6))]),
        f12=M([(S("l"), ints(1, 2, 3)), (S("e"), ints())]),
        f13=M([(S("outer"), M([(I(1), S("a")), (I(-2), S("b"))])), (S("empty"), M([]))]),
        f14=M([(I(3), scalars(s="three"))])),
    "nested": nested("root", (1, 2), scalars(u8=9),
                     child=nested("child", child=nested("grandchild", kind=KIND_LARGE)),
                     children=[nested("c0"), nested("c1", (3, 4))],
                     named=[("x", nested("nx"))]),
    "empty": msg({}),
    "point": point(-1, 1),
}


def wide_int(fmt, value):
    """An int in a wider msgpack format than python-msgpack would choose."""
    codes = {"i8": 0xD0, "i16": 0xD1, "i32": 0xD2, "i64": 0xD3,
             "u8": 0xCC, "u16": 0xCD, "u32": 0xCE, "u64": 0xCF}
    size = {"8": 1, "16": 2, "32": 4, "64": 8}[fmt[1:]]
    return Raw(bytes([codes[fmt]]) + value.to_bytes(size, "big", signed=fmt[0] == "i"))


def without_ascending(body):
    """The same map with its pairs in descending key order."""
    return M(list(reversed(body.value)))


SCALARS_MIXED = SHARED_CASES["scalars_mixed"]

# Valid bodies only written here; xlang_test.c knows the struct each must give.
DECODE_CASES = {
    "scalars_missing": msg({}),
    "scalars_reordered": without_ascending(SHARED_CASES["scalars_max"]),
    "scalars_float_as_int": msg({10: I(3), 11: I(-7)}),
    "scalars_float_big_int": msg({10: I(U64_MAX), 11: I(-I64)}),
    "scalars_float_widths": msg({10: F64(0.1), 11: F32(0.1)}),
    "scalars_wide_ints": M([(wide_int("u16", 2), wide_int("i64", -5)),
                            (wide_int("i8", 6), wide_int("u64", 200)),
                            (wide_int("u64", 5), wide_int("u64", 5)),
                            (I(9), wide_int("i8", 7)),
                            (I(8), wide_int("i64", 2**31)),
                            (wide_int("i32", 4), wide_int("i32", -100)),
                            (I(3), wide_int("u16", 1))]),
    "scalars_unknown_fields": M([(I(14), Nil())] + SCALARS_MIXED.value[:3] + [
        (I(100), B(True)),
        (I(65535), A([I(1), M([(I(1), A([]))]), S("x")])),
        (I(30000), M([(S("k"), Bin(b"v"))])),
        (I(40000), Ext(5, b"xyz")),
        (I(20), F32(1.0)), (I(21), F64(2.0)),
        (I(22), Ext(-1, b"\x00" * 4)), (I(23), Ext(7, b"a" * 20)),
        (I(24), S("\u00e9" * 100)), (I(25), Bin(b"x" * 300)), (I(26), I(-I64)),
        (I(27), A([A([A([])])]))] + SCALARS_MIXED.value[3:]),
    "defaults_missing": msg({}),
    "defaults_other": msg({1: B(False), 2: I(5), 3: I(0), 4: I(1), 5: I(0), 6: I(0),
                           7: F32(0.0), 8: F64(0.0), 9: S(""), 10: I(KIND_UNKNOWN), 11: I(1),
                           12: I(0), 13: F64(0.0), 14: S(""), 15: B(False), 16: I(0),
                           17: I(9)}),
    "lists_missing": msg({}),
    "maps_missing": msg({}),
    "empty_unknown": msg({1: I(2), 2: strs("x"), 3: M([(S("a"), Nil())])}),
    "nested_chain": nested_chain(30),
    "nested_partial": msg({3: msg({6: S("c")}), 6: S("p")}),
}

BAD_SCALARS_BODY = encode(SHARED_CASES["scalars_max"])


def one(field_id, value):
    return msg({field_id: value})


# Bodies every decoder must reject; xlang_test.c knows the codes each may give.
BAD_CASES = {
    "bad_dup_key": M([(I(4), I(1)), (I(4), I(2))]),
    "bad_dup_unknown_key": M([(I(1000), I(1)), (I(4), I(2)), (I(1000), S("x"))]),
    "bad_key_above_max": M([(I(65536), I(1))]),
    "bad_key_u64_max": M([(I(U64_MAX), I(1))]),
    "bad_f32_beyond_range": one(10, F64(1e300)),
    "bad_key_zero": M([(I(0), I(1))]),
    "bad_key_negative": M([(I(-1), I(1))]),
    "bad_key_str": M([(S("1"), I(1))]),
    "bad_key_float": M([(F64(1.0), I(1))]),
    "bad_key_nil": M([(Nil(), I(1))]),
    "bad_key_bool": M([(B(True), I(1))]),
    "bad_not_map": A([]),
    "bad_type_int_str": one(4, S("x")),
    "bad_type_bool_int": one(1, I(1)),
    "bad_type_str_bin": one(12, Bin(b"x")),
    "bad_type_bin_str": one(13, S("x")),
    "bad_type_float_str": one(11, S("1.0")),
    "bad_type_int_float": one(4, F64(1.0)),
    "bad_type_int_nil": one(4, Nil()),
    "bad_type_list_map": one(4, M([])),
    "bad_type_list_elem": one(4, A([I(1), S("x")])),
    "bad_type_map_str_key": one(1, M([(I(1), I(1))])),
    "bad_type_map_int_key": one(2, M([(S("a"), S("b"))])),
    "bad_type_msg_array": one(1, ints(1, 2)),
    "bad_type_enum_str": one(14, S("SMALL")),
    "bad_range_i8_hi": one(2, I(128)),
    "bad_range_i8_lo": one(2, I(-129)),
    "bad_range_i16": one(3, I(32768)),
    "bad_range_i32": one(4, I(-I32 - 1)),
    "bad_range_i64": one(5, I(I64)),
    "bad_range_u8": one(6, I(256)),
    "bad_range_u8_neg": one(6, I(-1)),
    "bad_range_u16": one(7, I(65536)),
    "bad_range_u32": one(8, I(2**32)),
    "bad_range_u64_neg": one(9, I(-1)),
    "bad_range_enum": one(14, I(I32)),
    "bad_range_map_key": one(2, M([(I(200), S("x"))])),
    "bad_range_list_elem": one(6, ints(1, 256)),
    "bad_utf8_continuation": one(12, Raw(b"\xa1\x80")),
    "bad_utf8_overlong": one(12, Raw(b"\xa2\xc0\x80")),
    "bad_utf8_surrogate": one(12, Raw(b"\xa3\xed\xa0\x80")),
    "bad_utf8_truncated": one(12, Raw(b"\xa2\xe2\x82")),
    "bad_utf8_too_big": one(12, Raw(b"\xa4\xf4\x90\x80\x80")),
    "bad_utf8_in_list": one(12, A([Raw(b"\xa1\xff")])),
    "bad_utf8_map_key": one(1, M([(Raw(b"\xa1\xfe"), I(1))])),
    "bad_trailing": Raw(encode(SHARED_CASES["scalars_zero"]) + b"\xc0"),
    "bad_trailing_empty": Raw(b"\x80\x80"),
    "bad_truncated_empty": Raw(b""),
    "bad_truncated_mid": Raw(BAD_SCALARS_BODY[:-10]),
    "bad_truncated_header": Raw(b"\x81"),
    "bad_truncated_str": one(12, Raw(b"\xa5ab")),
    "bad_huge_array": one(4, Raw(b"\xdd\xff\xff\xff\xff")),
    "bad_huge_map": one(1, Raw(b"\xdf\xff\xff\xff\xff")),
    "bad_huge_str": one(12, Raw(b"\xdb\xff\xff\xff\xff")),
    "bad_huge_bin": one(13, Raw(b"\xc6\xff\xff\xff\xff")),
    "bad_huge_body": Raw(b"\xdf\xff\xff\xff\xff"),
    "bad_huge_unknown": one(100, Raw(b"\xdd\xff\xff\xff\xff")),
    "bad_malformed": one(4, Raw(b"\xc1")),
    "bad_malformed_unknown": one(100, Raw(b"\xc1")),
    "bad_ext_for_int": one(4, Ext(1, b"\x00")),
    "bad_depth_unknown": one(100, deep_arrays(100)),
    "bad_depth_nested": nested_chain(70),
    "bad_nested_late_error": msg({4: A([msg({6: S("ok")}), msg({6: I(5)})]), 6: S("root")}),
    "bad_lists_late_error": M([(I(12), strs("a", "b")), (I(13), A([Bin(b"x")])),
                               (I(17), A([M([(S("k"), I(1))])])), (I(4), S("x"))]),
    "bad_maps_late_error": one(1, M([(S("a"), I(1)), (S("b"), S("x"))])),
    "bad_optionals_late_error": M([(I(12), S("s")), (I(13), Bin(b"d")), (I(16), point(1, 2)),
                                   (I(17), msg({12: S("in")})), (I(5), S("bad"))]),
    # Bodies checked against small limits (the limits are in xlang_test.c).
    "limit_string": one(12, S("x" * 100)),
    "limit_string_ok": one(12, S("x" * 10)),
    "limit_bytes": one(13, Bin(b"y" * 100)),
    "limit_bytes_ok": one(13, Bin(b"y" * 10)),
    "limit_list": one(4, ints(*range(11))),
    "limit_list_ok": one(4, ints(*range(10))),
    "limit_map": one(1, M([(S("k%d" % i), I(i)) for i in range(11)])),
    "limit_depth": nested_chain(10),
    "limit_depth_ok": nested_chain(2),
    "limit_depth_unknown": one(100, deep_arrays(4)),
    "limit_total": one(12, A([S("x" * 1000)] * 20)),
}

WRITE_CASES = dict(SHARED_CASES, **DECODE_CASES, **BAD_CASES)


# ------------------------------------------------------------------ driver

class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, problem):
        if problem:
            self.failed += 1
            print("FAIL %s: %s" % (name, problem))
        else:
            self.passed += 1

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def write(directory):
    os.makedirs(directory, exist_ok=True)
    for name, body in WRITE_CASES.items():
        with open(os.path.join(directory, name + ".bin"), "wb") as f:
            f.write(encode(body))
    print("wrote %d bodies to %s" % (len(WRITE_CASES), directory))
    return 0


def check_typed(name, expected, data):
    """Key by key and type by type, by the raw-byte walker."""
    try:
        got = walk(data)
    except Exception as e:  # a malformed body is a failure, not a crash
        return "not one msgpack value: %s" % e
    d = diff(expected, got)
    return "%s (types: %s)" % (d, name) if d else None


def check_library(expected, data):
    """python-msgpack's own decoding must give the same values."""
    try:
        got = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception as e:
        return "python-msgpack rejects it: %s" % e
    want = plain(expected)
    if not same_plain(want, got):
        return "python-msgpack decodes %r, expected %r" % (shorten(got), shorten(want))
    return None


def same_plain(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isnan(a) and math.isnan(b) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_plain(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_plain(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def shorten(x):
    s = repr(x)
    return s if len(s) < 300 else s[:300] + "..."


def check_bytes(expected, data):
    """Byte for byte what python-msgpack writes for the same map."""
    want = encode(expected)
    if want == data:
        return None
    at = next((i for i, (a, b) in enumerate(zip(want, data)) if a != b), min(len(want), len(data)))
    return "bytes differ from python-msgpack's at offset %d: want %s..., got %s... (%d vs %d bytes)" % (
        at, want[at:at + 12].hex(), data[at:at + 12].hex(), len(want), len(data))


def check(directory):
    t = Tally()
    present = {f[:-4] for f in os.listdir(directory) if f.endswith(".bin")}
    for name in sorted(present - set(SHARED_CASES)):
        t.check(name, "C wrote a case this script does not know")
    for name, expected in SHARED_CASES.items():
        path = os.path.join(directory, name + ".bin")
        if name not in present:
            t.check(name, "C did not write %s" % path)
            continue
        with open(path, "rb") as f:
            data = f.read()
        t.check(name + " (types)", check_typed(name, expected, data))
        t.check(name + " (python-msgpack)", check_library(expected, data))
        t.check(name + " (bytes)", check_bytes(expected, data))
    return t.summary()


def main(argv):
    if len(argv) != 3 or argv[1] not in ("write", "check"):
        sys.stderr.write("usage: xlang.py write|check DIR\n")
        return 2
    return write(argv[2]) if argv[1] == "write" else check(argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
