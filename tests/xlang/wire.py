"""wire.py - typed msgpack values for the cross-implementation tests.

python-msgpack decodes float32 and float64 alike to `float` and ints of every
width alike to `int`, so it cannot show which msgpack type a value had on the
wire. This module adds what the tests need beside it:

- tagged values (B, I, F32, F64, S, Bin, A, M, Nil) that say the msgpack type
  a test expects or writes;
- encode(): tagged value -> bytes, through python-msgpack for every scalar
  except float32 (struct), so the bytes are python-msgpack's own choices;
- walk(): bytes -> tagged value, a small independent reader of the raw bytes
  that keeps the wire type of every value;
- plain(): tagged value -> what msgpack.unpackb(raw=False) would return, to
  compare against python-msgpack's own decoding of the same bytes.
"""

import math
import struct

import msgpack


class Tagged:
    """A value with the msgpack type it has (or must have) on the wire."""

    tag = "?"

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "%s(%r)" % (self.tag, self.value)


class Nil(Tagged):
    tag = "nil"

    def __init__(self):
        super().__init__(None)


class B(Tagged):
    tag = "bool"


class I(Tagged):
    tag = "int"


class F32(Tagged):
    """A float32: the value is rounded to single precision on creation."""

    tag = "float32"

    def __init__(self, value):
        super().__init__(struct.unpack(">f", struct.pack(">f", value))[0])


class F64(Tagged):
    tag = "float64"


class S(Tagged):
    tag = "str"


class Bin(Tagged):
    tag = "bin"


class A(Tagged):
    """An array of tagged values."""

    tag = "array"


class M(Tagged):
    """A map: a list of (tagged key, tagged value) pairs, in wire order."""

    tag = "map"

    def __init__(self, pairs):
        if isinstance(pairs, dict):
            pairs = list(pairs.items())
        super().__init__([(tag_key(k), v) for k, v in pairs])


class Ext(Tagged):
    tag = "ext"

    def __init__(self, code, data):
        super().__init__((code, data))


class Raw(Tagged):
    """Bytes written to the wire as they are (for malformed input)."""

    tag = "raw"


def tag_key(k):
    if isinstance(k, Tagged):
        return k
    if isinstance(k, bool):
        return B(k)
    if isinstance(k, int):
        return I(k)
    if isinstance(k, str):
        return S(k)
    raise TypeError("untagged map key %r" % (k,))


def msg(fields):
    """A message body: field id -> tagged value, written in ascending id order."""
    return M(sorted(fields.items()))


# ------------------------------------------------------------------ encode

def _packer():
    return msgpack.Packer(use_bin_type=True)


def encode(v):
    """Bytes for a tagged value; every scalar but float32 by python-msgpack."""
    if isinstance(v, Raw):
        return v.value
    if isinstance(v, F32):
        return b"\xca" + struct.pack(">f", v.value)
    if isinstance(v, A):
        return _packer().pack_array_header(len(v.value)) + b"".join(encode(x) for x in v.value)
    if isinstance(v, M):
        out = [_packer().pack_map_header(len(v.value))]
        for k, x in v.value:
            out.append(encode(k))
            out.append(encode(x))
        return b"".join(out)
    if isinstance(v, Ext):
        return _encode_ext(*v.value)
    if isinstance(v, F64):
        return msgpack.packb(float(v.value), use_single_float=False)
    if isinstance(v, (Nil, B, I, S, Bin)):
        return msgpack.packb(v.value, use_bin_type=True)
    raise TypeError("cannot encode %r" % (v,))


def _encode_ext(code, data):
    """python-msgpack refuses the reserved negative codes (-1 is the
    timestamp), which a decoder skipping unknown fields must still handle."""
    if 0 <= code <= 127:
        return msgpack.packb(msgpack.ExtType(code, data))
    fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
    tail = struct.pack(">b", code) + data
    if len(data) in fixed:
        return bytes([fixed[len(data)]]) + tail
    if len(data) < 256:
        return b"\xc7" + struct.pack(">B", len(data)) + tail
    return b"\xc9" + struct.pack(">I", len(data)) + tail


# -------------------------------------------------------------------- walk

class WireError(Exception):
    pass


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise WireError("truncated at offset %d" % self.pos)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def sint(self, n):
        return int.from_bytes(self.take(n), "big", signed=True)


def _walk_value(r):
    b = r.uint(1)
    if b <= 0x7F:
        return I(b)
    if b >= 0xE0:
        return I(b - 0x100)
    if 0x80 <= b <= 0x8F:
        return _walk_map(r, b & 0x0F)
    if 0x90 <= b <= 0x9F:
        return _walk_array(r, b & 0x0F)
    if 0xA0 <= b <= 0xBF:
        return _walk_str(r, b & 0x1F)
    simple = {0xC0: Nil, 0xC2: lambda: B(False), 0xC3: lambda: B(True)}
    if b in simple:
        return simple[b]()
    if b in (0xC4, 0xC5, 0xC6):
        return Bin(bytes(r.take(r.uint(1 << (b - 0xC4)))))
    if b == 0xCA:
        return F32(struct.unpack(">f", r.take(4))[0])
    if b == 0xCB:
        return F64(struct.unpack(">d", r.take(8))[0])
    if 0xCC <= b <= 0xCF:
        return I(r.uint(1 << (b - 0xCC)))
    if 0xD0 <= b <= 0xD3:
        return I(r.sint(1 << (b - 0xD0)))
    if b in (0xD9, 0xDA, 0xDB):
        return _walk_str(r, r.uint(1 << (b - 0xD9)))
    if b in (0xDC, 0xDD):
        return _walk_array(r, r.uint(2 << (b - 0xDC)))
    if b in (0xDE, 0xDF):
        return _walk_map(r, r.uint(2 << (b - 0xDE)))
    if 0xD4 <= b <= 0xD8:
        code = r.sint(1)
        return Ext(code, bytes(r.take(1 << (b - 0xD4))))
    if b in (0xC7, 0xC8, 0xC9):
        n = r.uint(1 << (b - 0xC7))
        code = r.sint(1)
        return Ext(code, bytes(r.take(n)))
    raise WireError("byte 0x%02x at offset %d is not msgpack" % (b, r.pos - 1))


def _walk_str(r, n):
    raw = bytes(r.take(n))
    try:
        return S(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise WireError("str at offset %d is not UTF-8" % r.pos)


def _walk_array(r, n):
    return A([_walk_value(r) for _ in range(n)])


def _walk_map(r, n):
    pairs = []
    for _ in range(n):
        k = _walk_value(r)
        pairs.append((k, _walk_value(r)))
    m = M([])
    m.value = pairs
    return m


def walk(data):
    """The tagged value of one whole msgpack object; trailing bytes are an error."""
    r = _Reader(data)
    v = _walk_value(r)
    if r.pos != len(data):
        raise WireError("%d bytes after the value" % (len(data) - r.pos))
    return v


# ------------------------------------------------------------------- plain

def plain(v):
    """What msgpack.unpackb(raw=False, strict_map_key=False) returns for v."""
    if isinstance(v, A):
        return [plain(x) for x in v.value]
    if isinstance(v, M):
        return {_hashable(plain(k)): plain(x) for k, x in v.value}
    return v.value


def _hashable(x):
    return tuple(x) if isinstance(x, list) else x


# ----------------------------------------------------------------- compare

def same_float(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def diff(expected, got, path="$"):
    """The first difference between two tagged values, or None. Types must
    match exactly; floats compare bit for bit except that any NaN equals NaN."""
    if expected.tag != got.tag:
        return "%s: expected %s %r, got %s %r" % (path, expected.tag, expected.value,
                                                  got.tag, got.value)
    if isinstance(expected, (F32, F64)):
        if not same_float(expected.value, got.value):
            return "%s: expected %r, got %r" % (path, expected.value, got.value)
        return None
    if isinstance(expected, A):
        if len(expected.value) != len(got.value):
            return "%s: expected %d elements, got %d" % (path, len(expected.value), len(got.value))
        for i, (e, g) in enumerate(zip(expected.value, got.value)):
            d = diff(e, g, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(expected, M):
        ek = [k.value for k, _ in expected.value]
        gk = [k.value for k, _ in got.value]
        if ek != gk:
            return "%s: expected keys %r, got keys %r" % (path, ek, gk)
        for (k, e), (k2, g) in zip(expected.value, got.value):
            d = diff(k, k2, "%s.key(%r)" % (path, k.value)) or \
                diff(e, g, "%s[%r]" % (path, k.value))
            if d:
                return d
        return None
    if type(expected.value) is not type(got.value) or expected.value != got.value:
        return "%s: expected %r, got %r" % (path, expected.value, got.value)
    return None
