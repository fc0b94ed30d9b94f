#!/usr/bin/env python3
"""pygen.py - the Python module actorc --python generates for idl/types.actor
(and idl/common.actor), against the C codecs of the same schema.

    pygen.py write GEN DIR   encode every case xlang.py shares with
                             xlang_test.c through the generated classes into
                             DIR/<case>.bin (with xlang.py's own decode-only
                             and hostile bodies beside them), for
                             `xlang_test decode DIR` to check in C
    pygen.py check GEN DIR   read the bodies `xlang_test encode DIR` wrote:
                             each decodes to the value built here, and the
                             generated encoder writes exactly the C bytes;
                             then the hostile cases: every body the C
                             decoders refuse raises DecodeError, values a
                             field cannot hold raise EncodeError, references
                             to out-of-band frames resolve

GEN is the directory holding the generated package `generated` (types.py,
common.py, actor_runtime.py). Ends with "N passed, N failed".
"""

import dataclasses
import math
import os
import re
import struct
import sys

import msgpack

import xlang
from wire import encode

I8, I16, I32, I64 = 2**7, 2**15, 2**31, 2**63
U64_MAX = 2**64 - 1


def load(gen):
    """Imports the generated package from GEN as T (types), C (common) and
    rt (its support module)."""
    sys.path.insert(0, gen)
    global T, C, rt
    from generated import actor_runtime as rt
    from generated import common as C
    from generated import types as T


def f32(x):
    return struct.unpack(">f", struct.pack(">f", x))[0]


def nested(label="", origin=(0, 0), scalars=None, child=None, children=(), kind=None,
           named=()):
    return T.Nested(origin=C.Point(*origin), scalars=scalars or T.Scalars(), child=child,
                    children=list(children), kind=T.Kind.SMALL if kind is None else kind,
                    label=label, named=dict(named))


def nested_chain(depth):
    m = T.Nested(label="leaf")
    for _ in range(depth - 1):
        m = T.Nested(child=m)
    return m


def shared_cases():
    """The values of xlang.SHARED_CASES, built with the generated classes."""
    S = T.Scalars
    return {
        "scalars_zero": S(),
        "scalars_max": S(True, I8 - 1, I16 - 1, I32 - 1, I64 - 1, 255, 65535, 2**32 - 1,
                         U64_MAX, xlang.FLT_MAX, xlang.DBL_MAX, xlang.UNICODE,
                         bytes(range(256))),
        "scalars_min": S(False, -I8, -I16, -I32, -I64, 0, 0, 0, 0, f32(xlang.FLT_TRUE_MIN),
                         -xlang.DBL_TRUE_MIN, "", b""),
        "scalars_mixed": S(True, -1, -33, -32769, -2147483649, 128, 256, 65536, 2**32, -0.0,
                           0.1, "\x7f tab\t nl\n \\ \"", b"\x00\xff\x80"),
        "scalars_special": S(f32=math.inf, f64=-math.inf, s=xlang.LONG_STRING,
                             data=xlang.LONG_BYTES),
        "scalars_nan": S(f32=math.nan, f64=math.nan),
        "optionals_absent": T.Optionals(),
        "optionals_present": T.Optionals(False, -8, -16, -32, -64, 8, 16, 32, 64, 0.5, 0.25,
                                         "opt", b"\x01\x02\x03", T.Kind.NEGATIVE,
                                         C.Color.GREEN, C.Point(-3, 4), S(i32=5)),
        "optionals_unknown_enum": T.Optionals(kind=99, color=-5),
        "defaults_init": T.Defaults(),
        "lists_empty": T.Lists(),
        "lists_full": T.Lists(
            bools=[True, False, True], i8s=[-128, 0, 127], i16s=[-32768, 32767],
            i32s=[-I32, -1, 0, I32 - 1], i64s=[-I64, I64 - 1], u8s=[0, 255], u16s=[65535],
            u32s=[2**32 - 1], u64s=[U64_MAX, 0], f32s=[1.5, -0.25], f64s=[3.5, -1e300],
            strings=["", "a", "\u00fc"], blobs=[b"", b"\xff\x00"],
            kinds=[T.Kind.UNKNOWN, T.Kind.SMALL, T.Kind.LARGE, T.Kind.NEGATIVE, 42],
            points=[C.Point(1, 2), C.Point(-1, -2)], matrix=[[1, 2], [], [3]],
            dicts=[{"a": 1, "b": -2}, {}], cube=[[["x", "y"], []], []]),
        "maps_empty": T.Maps(),
        "maps_full": T.Maps(
            by_name={"one": 1, "minus": -1}, i8_keys={-128: "min", 127: "max"},
            i16_keys={-1: True, 300: False}, i32_keys={7: 1.25}, i64_keys={-I64: I64 - 1},
            u8_keys={255: b"\x01\x02"}, u16_keys={65535: 0.5}, u32_keys={2**32 - 1: 1},
            u64_keys={U64_MAX: U64_MAX}, kinds={"n": T.Kind.NEGATIVE, "u": 77},
            points={"p": C.Point(5, 6)}, lists={"l": [1, 2, 3], "e": []},
            nested={"outer": {1: "a", -2: "b"}, "empty": {}}, messages={3: S(s="three")}),
        "nested": nested("root", (1, 2), S(u8=9),
                         child=nested("child", child=nested("grandchild", kind=T.Kind.LARGE)),
                         children=[nested("c0"), nested("c1", (3, 4))],
                         named=[("x", nested("nx"))]),
        "empty": T.Empty(),
        "point": C.Point(-1, 1),
    }


def decode_cases(shared):
    """What the generated decoder must give for xlang.DECODE_CASES."""
    S = T.Scalars
    return {
        "scalars_missing": S(),
        "scalars_reordered": shared["scalars_max"],
        "scalars_float_as_int": S(f32=3.0, f64=-7.0),
        "scalars_float_big_int": S(f32=f32(float(U64_MAX)), f64=float(-I64)),
        "scalars_float_widths": S(f32=f32(0.1), f64=f32(0.1)),
        "scalars_wide_ints": S(i8=-5, u8=200, i64=5, u64=7, u32=2**31, i32=-100, i16=1),
        "scalars_unknown_fields": shared["scalars_mixed"],
        "defaults_missing": T.Defaults(),
        "defaults_other": T.Defaults(False, 5, 0, 1, 0, 0, 0.0, 0.0, "", T.Kind.UNKNOWN,
                                     T.Kind.SMALL, 0, 0.0, "", False, C.Color.RED, 9),
        "lists_missing": T.Lists(),
        "maps_missing": T.Maps(),
        "empty_unknown": T.Empty(),
        "nested_chain": nested_chain(30),
        "nested_partial": T.Nested(child=T.Nested(label="c"), label="p"),
    }


def case_classes():
    """Case name -> the generated class, read off xlang_test.c's table."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "xlang_test.c")) as f:
        text = f.read()
    out = {}
    for kind, name, pkg, cls in re.findall(r'\b(OK|BAD|LIMITED)\("(\w+)", (\w+?)_(\w+),',
                                           text):
        out[name] = (kind, getattr(T if pkg == "types" else C, cls))
    return out


# ------------------------------------------------------------------ checks

def same(a, b):
    """Equal values, NaN equal to NaN, enum members to their numbers."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and
                                                     math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def write(gen, directory):
    load(gen)
    os.makedirs(directory, exist_ok=True)
    bodies = {name: encode(body) for name, body in xlang.WRITE_CASES.items()}
    for name, value in shared_cases().items():
        bodies[name] = value.encode()
    for name, data in bodies.items():
        with open(os.path.join(directory, name + ".bin"), "wb") as f:
            f.write(data)
    print("wrote %d bodies to %s" % (len(bodies), directory))
    return 0


def check_shared(t, directory, shared, classes):
    for name, want in shared.items():
        cls = classes[name][1]
        with open(os.path.join(directory, name + ".bin"), "rb") as f:
            data = f.read()
        t.check(name + " (class)", None if type(want) is cls else
                "built a %s, xlang_test.c has %s" % (type(want).__name__, cls.__name__))
        mine = want.encode()
        t.check(name + " (encode = C bytes)", None if mine == data else
                "generated %s..., C %s... (%d vs %d bytes)" % (
                    mine[:24].hex(), data[:24].hex(), len(mine), len(data)))
        try:
            got = cls.decode(data)
        except rt.DecodeError as e:
            t.check(name + " (decode)", "DecodeError: %s" % e)
            continue
        t.check(name + " (decode = value)", None if same(want, got) else
                "decoded %s" % xlang.shorten(got))
        t.check(name + " (re-encode)", None if got.encode() == data else "differs")


def check_decode_only(t, shared, classes):
    for name, want in decode_cases(shared).items():
        cls = classes[name][1]
        try:
            got = cls.decode(encode(xlang.DECODE_CASES[name]))
        except rt.DecodeError as e:
            t.check(name, "DecodeError: %s" % e)
            continue
        t.check(name, None if same(want, got) else "decoded %s" % xlang.shorten(got))


def check_refused(t, classes):
    """Every body xlang_test.c expects the C decoder to refuse."""
    for name, (kind, cls) in classes.items():
        if kind != "BAD":
            continue
        try:
            got = cls.decode(encode(xlang.BAD_CASES[name]))
            t.check(name, "decoded to %s" % xlang.shorten(got))
        except rt.DecodeError as e:
            t.check(name, None if str(e).startswith(cls._schema.name) else
                    "the error does not name the message: %s" % e)
    # Nesting far beyond the limit, in a field the schema does not know.
    for depth in (1000, 5000):
        data = b"\x81\x64" + b"\x91" * depth + b"\x90"
        try:
            T.Scalars.decode(data)
            t.check("unknown field %d deep" % depth, "decoded")
        except rt.DecodeError:
            t.check("unknown field %d deep" % depth, None)
        except RecursionError:
            t.check("unknown field %d deep" % depth, "RecursionError")
    # Every prefix of valid bodies is refused too.
    for name in ("nested", "maps_full", "lists_full", "optionals_present"):
        data = encode(xlang.SHARED_CASES[name])
        cls = classes[name][1]
        accepted = []
        for n in range(len(data)):
            try:
                cls.decode(data[:n])
                accepted.append(n)
            except rt.DecodeError:
                pass
        t.check(name + " (every prefix refused)", None if not accepted else
                "decoded prefixes of %s bytes" % accepted[:5])


def check_named_errors(t):
    """Errors name the message and the field, as the C decoders' do."""
    for cls, body, want in [
            (T.Scalars, {4: "x"}, "types.Scalars field 4 (i32): expected integer, got str"),
            (T.Scalars, {2: 128}, "types.Scalars field 2 (i8): 128 is out of the range of int8"),
            (T.Nested, {4: [{6: 5}]}, "types.Nested field 6 (label): expected str, got integer"),
            (T.Lists, {12: ["a", b"\xed\xa0\x80"]},
             "types.Lists field 12 (strings): not valid UTF-8"),
    ]:
        raw = msgpack.packb(body).replace(b"\xc4\x03\xed", b"\xa3\xed")  # that bin as a str
        try:
            cls.decode(raw)
            t.check("error for %r" % body, "decoded")
        except rt.DecodeError as e:
            t.check("error for %r" % body, None if str(e) == want else "got %r" % str(e))


def check_encode_refuses(t):
    bad = {
        "i8 128": T.Scalars(i8=128),
        "u64 -1": T.Scalars(u64=-1),
        "i64 2**63": T.Scalars(i64=I64),
        "bool as int": T.Scalars(b=1),
        "int as bool": T.Scalars(i32=True),
        "bytes for str": T.Scalars(s=b"x"),
        "str for bytes": T.Scalars(data="x"),
        "float32 1e300": T.Scalars(f32=1e300),
        "NUL in str": T.Scalars(s="a\0b"),
        "lone surrogate": T.Scalars(s="\ud800"),
        "str in list<int32>": T.Lists(i32s=[1, "x"]),
        "enum beyond int32": T.Optionals(kind=I32),
        "None for a message": T.Nested(scalars=None),
        "Point for Scalars": T.Nested(scalars=C.Point()),
        "map key range": T.Maps(i8_keys={200: "x"}),
    }
    for name, value in bad.items():
        try:
            value.encode()
            t.check("encode refuses " + name, "encoded")
        except rt.EncodeError as e:
            t.check("encode refuses " + name, None if "field" in str(e) else str(e))


def check_frames(t):
    """References to out-of-band frames (docs/PROTOCOL.md, "Large payloads")."""
    ref = b"\xd6\x01\x00\x00\x00\x00"
    blob = bytes(range(256)) * 300
    got = T.Scalars.decode(b"\x81\x0d" + ref, [blob])
    t.check("frame reference in a bytes field", None if got.data == blob else "wrong bytes")
    got = T.Lists.decode(b"\x81\x0d\x92" + ref + ref, [blob])
    t.check("frame references in a list<bytes>", None if got.blobs == [blob, blob] else
            "wrong bytes")
    for what, cls, data, frames in [
            ("a frame that is not there", T.Scalars, b"\x81\x0d" + ref, []),
            ("a reference in a string field", T.Scalars, b"\x81\x0c" + ref, [blob])]:
        try:
            cls.decode(data, frames)
            t.check(what, "decoded")
        except rt.DecodeError:
            t.check(what, None)


def check(gen, directory):
    load(gen)
    t = xlang.Tally()
    shared, classes = shared_cases(), case_classes()
    check_shared(t, directory, shared, classes)
    check_decode_only(t, shared, classes)
    check_refused(t, classes)
    check_named_errors(t)
    check_encode_refuses(t)
    check_frames(t)
    return t.summary()


def main(argv):
    if len(argv) != 4 or argv[1] not in ("write", "check"):
        sys.stderr.write("usage: pygen.py write|check GEN DIR\n")
        return 2
    return (write if argv[1] == "write" else check)(argv[2], argv[3])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
