"""Support module of the Python clients that actorc --python writes.

Every module actorc generates imports this one. It holds what they share:

- the msgpack writer and the checks that give exactly the bytes of the C
  encoders (docs/CODEC.md, "The bytes"), and the decoder that refuses what
  the C decoders refuse, raising DecodeError;
- the base classes of generated messages (Message) and error codes
  (BusinessError), and the exceptions of the status categories;
- the envelope and the connections of docs/PROTOCOL.md: Connection (a
  DEALER socket, blocking) and AsyncConnection (asyncio, several calls in
  flight), with the runtime's own CONTROL operations (ping, names,
  lookup), and the bases of generated clients, Client and AsyncClient.

It depends on msgpack and pyzmq only.
"""

import asyncio
import itertools
import math
import struct
import time

import msgpack
import zmq
import zmq.asyncio

PROTOCOL_VERSION = 1
# Message kinds (docs/PROTOCOL.md section 4).
REQUEST, RESPONSE, CAST, CONTROL = 1, 2, 3, 4
# Envelope keys (docs/PROTOCOL.md section 3).
_VERSION, _KIND, _MESSAGE_ID, _CORRELATION_ID = 1, 2, 3, 4
_PRIORITY, _DEADLINE_MS, _TARGET, _METHOD, _TYPE = 5, 6, 7, 9, 11
_STATUS, _OOB = 12, 13
# Status block keys, and the out-of-band frame list's.
_CATEGORY, _CODE, _MESSAGE = 1, 2, 3
_OOB_FRAMES, _OOB_SIZE = 1, 2
# The msgpack ext type of a reference to an out-of-band frame.
_EXT_FRAME = 1

#: How long a call waits when neither the caller nor its method's
#: @timeout says: the server's default.
DEFAULT_TIMEOUT_MS = 30000
PRIORITY_MIN, PRIORITY_MAX = 0, 255
DEADLINE_MAX_MS = 2**32 - 1

# Decoder limits, the C decoders' defaults (docs/CODEC.md).
MAX_DEPTH = 64
MAX_STRING = 16 << 20
MAX_BYTES = 64 << 20
MAX_ITEMS = 1 << 20
MAX_FIELD_ID = 65535

_FLOAT32_MAX = struct.unpack(">f", b"\x7f\x7f\xff\xff")[0]


# ---------------------------------------------------------------- errors

class ActorError(Exception):
    """A call that did not succeed: the status category, code and message.

    Subclasses name the category; `code` is the IDL error code for a
    business error (category ERROR), else 0.
    """

    category = 8
    category_name = "INTERNAL"

    def __init__(self, message="", code=0):
        super().__init__(message)
        self.message = message
        self.code = code


class BusinessError(ActorError):
    """ERROR: the handler raised an error code its method declares.

    Each `errors` block of an .actor file becomes a subclass, and each of
    its codes a subclass of that, whose `code` and `name` are the IDL's.
    """

    category = 1
    category_name = "ERROR"
    code = 0
    name = ""

    def __init__(self, message="", code=None):
        super().__init__(message, type(self).code if code is None else code)

    @classmethod
    def for_code(cls, code):
        """The subclass of this error set for `code`, or None."""
        for sub in cls.__subclasses__():
            if sub.code == code:
                return sub
        return None


class Timeout(ActorError, TimeoutError):
    """TIMEOUT: no answer within the deadline, the server's or the caller's."""

    category, category_name = 2, "TIMEOUT"


class Died(ActorError):
    """DIED: the actor terminated before it answered."""

    category, category_name = 3, "DIED"


class Rejected(ActorError):
    """REJECTED: the actor's mailbox (or the server) refused the call."""

    category, category_name = 4, "REJECTED"


class DecodeError(ActorError, ValueError):
    """DECODE: a body or envelope that does not decode, on either side."""

    category, category_name = 5, "DECODE"


class NotFound(ActorError):
    """NOT_FOUND: no such actor, method, or an actor of another type."""

    category, category_name = 6, "NOT_FOUND"


class Unauthorized(ActorError):
    """UNAUTHORIZED: the caller may not make this call."""

    category, category_name = 7, "UNAUTHORIZED"


class Internal(ActorError):
    """INTERNAL: an undeclared error code, or the server failed."""


class Unavailable(ActorError):
    """UNAVAILABLE: no instance of the pool can take the call now."""

    category, category_name = 9, "UNAVAILABLE"


class Unreachable(ActorError):
    """UNREACHABLE: a peer of the server could not be reached."""

    category, category_name = 10, "UNREACHABLE"


class EncodeError(ValueError):
    """A message that cannot be encoded: a value of the wrong type or range."""


_CATEGORIES = {cls.category: cls for cls in (
    Timeout, Died, Rejected, DecodeError, NotFound, Unauthorized, Internal,
    Unavailable, Unreachable)}


class _Invalid(Exception):
    """A value a field cannot hold; the message names the field."""


# ---------------------------------------------------------------- writer

# msgpack's integer forms: (type byte, struct format, bound), smallest first.
_UNSIGNED_FORMS = ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF),
                   (0xCE, ">I", 0xFFFFFFFF), (0xCF, ">Q", 2**64 - 1))
_SIGNED_FORMS = ((0xD0, ">b", -2**7), (0xD1, ">h", -2**15),
                 (0xD2, ">i", -2**31), (0xD3, ">q", -2**63))


class Writer:
    """msgpack in the C encoders' forms: the smallest integer form (the
    unsigned ones for non-negative values), str8 and bin for strings and
    bytes, float 32 or float 64 as the field declares."""

    def __init__(self):
        self._buf = bytearray()

    def getvalue(self):
        return bytes(self._buf)

    def _head(self, value, small, small_limit, codes):
        """A length or count: `small | value` below small_limit, else the
        first of codes (8, 16, 32 bits; None: no such form) that holds it."""
        if small is not None and value < small_limit:
            self._buf.append(small | value)
            return
        forms = zip(codes, (">B", ">H", ">I"), (0xFF, 0xFFFF, 0xFFFFFFFF))
        for code, fmt, limit in forms:
            if code is not None and value <= limit:
                self._buf.append(code)
                self._buf += struct.pack(fmt, value)
                return
        raise _Invalid("%d elements or bytes do not fit in msgpack" % value)

    def int(self, v):
        if 0 <= v < 0x80 or -32 <= v < 0:
            self._buf.append(v & 0xFF)
        elif v >= 0:
            for code, fmt, limit in _UNSIGNED_FORMS:
                if v <= limit:
                    self._buf.append(code)
                    self._buf += struct.pack(fmt, v)
                    return
        else:
            for code, fmt, limit in _SIGNED_FORMS:
                if v >= limit:
                    self._buf.append(code)
                    self._buf += struct.pack(fmt, v)
                    return

    def bool(self, v):
        self._buf.append(0xC3 if v else 0xC2)

    def float32(self, v):
        self._buf.append(0xCA)
        self._buf += struct.pack(">f", v)

    def float64(self, v):
        self._buf.append(0xCB)
        self._buf += struct.pack(">d", v)

    def str(self, utf8):
        self._head(len(utf8), 0xA0, 32, (0xD9, 0xDA, 0xDB))
        self._buf += utf8

    def bin(self, data):
        self._head(len(data), None, 0, (0xC4, 0xC5, 0xC6))
        self._buf += data

    def array(self, n):
        self._head(n, 0x90, 16, (None, 0xDC, 0xDD))

    def map(self, n):
        self._head(n, 0x80, 16, (None, 0xDE, 0xDF))


# ----------------------------------------------------------------- types
# One object per IDL type, shared by the generated field tables: write()
# checks and writes a value, read() checks and converts what msgpack
# decoded (maps arrive as _Pairs, so that duplicate keys stay visible).

class _Pairs(list):
    """A decoded msgpack map: its (key, value) pairs in wire order."""


def _wire_name(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, bytes):
        return "bin"
    if isinstance(v, _Pairs):
        return "map"
    if isinstance(v, list):
        return "array"
    if v is None:
        return "nil"
    return "ext"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class _Reading:
    """The state of one decode: the out-of-band frames and the depth."""

    def __init__(self, depth=0):
        self.depth = depth

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Invalid("nesting deeper than %d" % MAX_DEPTH)

    def leave(self):
        self.depth -= 1


def _deeper_than(v, room):
    """Whether a skipped value nests more than `room` containers deep
    (looking no deeper than that)."""
    if isinstance(v, _Pairs):
        items = [x for pair in v for x in pair]
    elif isinstance(v, list):
        items = v
    else:
        return False
    return room <= 0 or any(_deeper_than(x, room - 1) for x in items)


class Bool:
    idl = "bool"

    def write(self, w, v):
        if not isinstance(v, bool):
            raise _Invalid("expected bool, got %s" % type(v).__name__)
        w.bool(v)

    def read(self, v, r):
        if not isinstance(v, bool):
            raise _Invalid("expected bool, got %s" % _wire_name(v))
        return v


class Int:
    """An integer type of the IDL, by its range."""

    def __init__(self, idl, lo, hi):
        self.idl, self.lo, self.hi = idl, lo, hi

    def _check(self, v):
        if not self.lo <= v <= self.hi:
            raise _Invalid("%d is out of the range of %s" % (v, self.idl))

    def write(self, w, v):
        if not _is_int(v):
            raise _Invalid("expected int, got %s" % type(v).__name__)
        self._check(v)
        w.int(int(v))

    def read(self, v, r):
        if not _is_int(v):
            raise _Invalid("expected integer, got %s" % _wire_name(v))
        self._check(v)
        return v


class Float:
    """float32 or float64: any integer or float is read; float32 values
    are rounded to single precision, as the C struct holds them."""

    def __init__(self, bits):
        self.bits = bits
        self.idl = "float%d" % bits

    def write(self, w, v):
        if not (isinstance(v, float) or _is_int(v)):
            raise _Invalid("expected float, got %s" % type(v).__name__)
        if self.bits == 64:
            w.float64(float(v))
            return
        try:
            w.float32(float(v))
        except OverflowError:
            raise _Invalid("%r is out of the range of float32" % v) from None

    def read(self, v, r):
        if not (isinstance(v, float) or _is_int(v)):
            raise _Invalid("expected float, got %s" % _wire_name(v))
        v = float(v)
        if self.bits == 64 or not math.isfinite(v):
            return v
        if abs(v) > _FLOAT32_MAX:
            raise _Invalid("%r is out of the range of float32" % v)
        return struct.unpack(">f", struct.pack(">f", v))[0]


class String:
    idl = "string"

    def write(self, w, v):
        if not isinstance(v, str):
            raise _Invalid("expected str, got %s" % type(v).__name__)
        if "\0" in v:
            raise _Invalid("a string may not contain NUL")
        try:
            w.str(v.encode("utf-8"))
        except UnicodeEncodeError as e:
            raise _Invalid("not valid UTF-8: %s" % e.reason) from None

    def read(self, v, r):
        if not isinstance(v, str):
            raise _Invalid("expected str, got %s" % _wire_name(v))
        if "\0" in v:
            raise _Invalid("a string may not contain NUL")
        if v.isascii():
            size = len(v)
        else:
            # Bytes that are not UTF-8 arrive as lone surrogates (the
            # decoder's surrogateescape), which UTF-8 cannot encode.
            try:
                size = len(v.encode("utf-8"))
            except UnicodeEncodeError:
                raise _Invalid("not valid UTF-8") from None
        if size > MAX_STRING:
            raise _Invalid("a string longer than %d bytes" % MAX_STRING)
        return v


class Bytes:
    idl = "bytes"

    def write(self, w, v):
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise _Invalid("expected bytes, got %s" % type(v).__name__)
        w.bin(bytes(v))

    def read(self, v, r):
        if not isinstance(v, bytes):
            raise _Invalid("expected bin, got %s" % _wire_name(v))
        if len(v) > MAX_BYTES:
            raise _Invalid("a bin longer than %d bytes" % MAX_BYTES)
        return v


class EnumOf(Int):
    """An enum: an int32 on the wire; decoded to its member, or kept as a
    plain int when this version does not know the value."""

    def __init__(self, enum_class):
        super().__init__("int32", -2**31, 2**31 - 1)
        self.enum_class = enum_class

    def read(self, v, r):
        v = super().read(v, r)
        try:
            return self.enum_class(v)
        except ValueError:
            return v


class List:
    def __init__(self, elem):
        self.elem = elem

    def write(self, w, v):
        if not isinstance(v, (list, tuple)):
            raise _Invalid("expected list, got %s" % type(v).__name__)
        w.array(len(v))
        for item in v:
            self.elem.write(w, item)

    def read(self, v, r):
        if isinstance(v, _Pairs) or not isinstance(v, list):
            raise _Invalid("expected array, got %s" % _wire_name(v))
        if len(v) > MAX_ITEMS:
            raise _Invalid("an array of more than %d elements" % MAX_ITEMS)
        r.enter()
        out = [self.elem.read(item, r) for item in v]
        r.leave()
        return out


class Map:
    """A map field: a dict (entries are written in its order)."""

    def __init__(self, key, value):
        self.key, self.value = key, value

    def write(self, w, v):
        if not isinstance(v, dict):
            raise _Invalid("expected dict, got %s" % type(v).__name__)
        w.map(len(v))
        for k, x in v.items():
            self.key.write(w, k)
            self.value.write(w, x)

    def read(self, v, r):
        if not isinstance(v, _Pairs):
            raise _Invalid("expected map, got %s" % _wire_name(v))
        if len(v) > MAX_ITEMS:
            raise _Invalid("a map of more than %d entries" % MAX_ITEMS)
        r.enter()
        out = {self.key.read(k, r): self.value.read(x, r) for k, x in v}
        r.leave()
        return out


class Msg:
    """A message field: the generated class."""

    def __init__(self, message_class):
        self.message_class = message_class

    def write(self, w, v):
        if not isinstance(v, self.message_class):
            raise _Invalid("expected %s, got %s" % (
                self.message_class.__name__, type(v).__name__))
        v._write(w)

    def read(self, v, r):
        if not isinstance(v, _Pairs):
            raise _Invalid("expected map, got %s" % _wire_name(v))
        return self.message_class._read(v, r)


BOOL = Bool()
INT8 = Int("int8", -2**7, 2**7 - 1)
INT16 = Int("int16", -2**15, 2**15 - 1)
INT32 = Int("int32", -2**31, 2**31 - 1)
INT64 = Int("int64", -2**63, 2**63 - 1)
UINT8 = Int("uint8", 0, 2**8 - 1)
UINT16 = Int("uint16", 0, 2**16 - 1)
UINT32 = Int("uint32", 0, 2**32 - 1)
UINT64 = Int("uint64", 0, 2**64 - 1)
FLOAT32 = Float(32)
FLOAT64 = Float(64)
STRING = String()
BYTES = Bytes()


# -------------------------------------------------------------- messages

class Field:
    """One field of a message: its id, IDL name, type, and whether it is
    optional; `attr` is the Python attribute when it differs from the
    name (a Python keyword gets a trailing underscore)."""

    def __init__(self, field_id, name, type_, *, optional=False, attr=None):
        self.id, self.name, self.type = field_id, name, type_
        self.optional = optional
        self.attr = attr or name


class Schema:
    def __init__(self, name, fields):
        self.name = name
        self.fields = tuple(sorted(fields, key=lambda f: f.id))
        self.by_id = {f.id: f for f in self.fields}


def describe(message_class, name, *fields):
    """Gives a generated message class its IDL name and field table."""
    message_class._schema = Schema(name, fields)


def _frame_hook(frames):
    def hook(code, data):
        if code != _EXT_FRAME or len(data) != 4:
            return msgpack.ExtType(code, data)
        index = struct.unpack(">I", data)[0]
        if index >= len(frames):
            raise _Invalid("refers to out-of-band frame %d of %d"
                           % (index, len(frames)))
        return bytes(frames[index])
    return hook


class Message:
    """Base of the generated message dataclasses.

    `encode()` gives the body the C encoder gives for the same values;
    `decode(data, frames)` reads one, resolving references to out-of-band
    frames (docs/PROTOCOL.md, "Large payloads"), and raises DecodeError,
    naming the message and field, for what the C decoder refuses.
    """

    _schema = None

    def encode(self):
        """This message's msgpack body, as bytes."""
        w = Writer()
        self._write(w)
        return w.getvalue()

    @classmethod
    def decode(cls, data, frames=()):
        """The message in `data`, exactly one msgpack map."""
        name = cls._schema.name
        try:
            value = msgpack.unpackb(
                bytes(data), raw=False, strict_map_key=False,
                unicode_errors="surrogateescape", object_pairs_hook=_Pairs,
                ext_hook=_frame_hook(frames))
        except _Invalid as e:
            raise DecodeError("%s: %s" % (name, e)) from None
        except msgpack.ExtraData:
            raise DecodeError("%s: bytes after the message" % name) from None
        except (ValueError, msgpack.UnpackException) as e:
            raise DecodeError("%s: not one msgpack value (truncated or "
                              "malformed): %s" % (name, e)) from None
        if not isinstance(value, _Pairs):
            raise DecodeError("%s: expected map, got %s"
                              % (name, _wire_name(value)))
        return cls._read(value, _Reading())

    def _write(self, w):
        schema = self._schema
        present = [(f, getattr(self, f.attr)) for f in schema.fields]
        present = [(f, v) for f, v in present
                   if not (f.optional and v is None)]
        w.map(len(present))
        for f, v in present:
            try:
                if v is None:
                    raise _Invalid("is not optional: None is not a value")
                w.int(f.id)
                f.type.write(w, v)
            except _Invalid as e:
                raise EncodeError("%s field %d (%s): %s"
                                  % (schema.name, f.id, f.name, e)) from None

    @classmethod
    def _read(cls, pairs, r):
        schema = cls._schema
        values, seen = {}, set()
        try:
            r.enter()
        except _Invalid as e:
            raise DecodeError("%s: %s" % (schema.name, e)) from None
        for key, v in pairs:
            if not _is_int(key) or not 1 <= key <= MAX_FIELD_ID:
                raise DecodeError("%s: a key that is not a field id "
                                  "(1..%d): %r"
                                  % (schema.name, MAX_FIELD_ID, key))
            if key in seen:
                raise DecodeError("%s: field %d appears twice"
                                  % (schema.name, key))
            seen.add(key)
            f = schema.by_id.get(key)
            try:
                if f is None:
                    if _deeper_than(v, MAX_DEPTH - r.depth):
                        raise _Invalid("nesting deeper than %d" % MAX_DEPTH)
                    continue
                values[f.attr] = f.type.read(v, r)
            except _Invalid as e:
                where = "%d" % key if f is None else "%d (%s)" % (f.id, f.name)
                raise DecodeError("%s field %s: %s"
                                  % (schema.name, where, e)) from None
        r.leave()
        return cls(**values)


# -------------------------------------------------------------- envelope

class Response:
    """A RESPONSE read from the wire: its status and body."""

    def __init__(self, correlation_id, category, code, message, body, frames):
        self.correlation_id = correlation_id
        self.category, self.code, self.message = category, code, message
        self.body, self.frames = body, frames

    def raise_for_status(self, raises=()):
        """Raises the exception of a status other than OK: the error code's
        class from `raises` (the method's error sets) for ERROR."""
        if self.category == 0:
            return
        if self.category == BusinessError.category:
            for error_set in raises:
                cls = error_set.for_code(self.code)
                if cls is not None:
                    raise cls(self.message)
            raise BusinessError(self.message, self.code)
        raise _CATEGORIES.get(self.category, Internal)(self.message, self.code)


def _envelope(kind, message_id, call):
    """A call's envelope; a CONTROL carries no deadline, type or priority."""
    deadline = call.timeout_ms if kind != CONTROL else None
    fields = [(_VERSION, PROTOCOL_VERSION), (_KIND, kind),
              (_MESSAGE_ID, message_id), (_PRIORITY, call.priority),
              (_DEADLINE_MS, deadline), (_TARGET, call.target),
              (_METHOD, call.method), (_TYPE, call.type_name)]
    fields = [(key, value) for key, value in fields if value is not None]
    w = Writer()
    w.map(len(fields))
    for key, value in fields:
        w.int(key)
        if isinstance(value, str):
            w.str(value.encode("utf-8"))
        else:
            w.int(value)
    return w.getvalue()


def _read_response(frames):
    """The Response in a message's frames; DecodeError if they hold none."""
    if len(frames) < 2:
        raise DecodeError("a message of %d frames" % len(frames))
    try:
        env = msgpack.unpackb(bytes(frames[0]), raw=False,
                              strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as e:
        raise DecodeError("bad envelope: %s" % e) from None
    if not isinstance(env, dict) or env.get(_VERSION) != PROTOCOL_VERSION:
        raise DecodeError("not a version %d envelope" % PROTOCOL_VERSION)
    if env.get(_KIND) != RESPONSE:
        raise DecodeError("not a RESPONSE (kind %r)" % env.get(_KIND))
    status, oob_field = env.get(_STATUS, {}), env.get(_OOB, {})
    described = oob_field.get(_OOB_FRAMES, []) \
        if isinstance(oob_field, dict) else None
    if not isinstance(status, dict) or not isinstance(described, list) or \
            not all(isinstance(e, dict) for e in described):
        raise DecodeError("bad envelope: a status or oob that is not a map")
    oob = [bytes(f) for f in frames[2:]]
    sizes = [e.get(_OOB_SIZE) for e in described]
    if sizes != [len(f) for f in oob]:
        raise DecodeError("the envelope describes %d out-of-band frames, "
                          "%d came" % (len(sizes), len(oob)))
    body = bytes(frames[1]) or b"\x80"
    return Response(env.get(_CORRELATION_ID, 0), status.get(_CATEGORY, 0),
                    status.get(_CODE, 0), status.get(_MESSAGE, ""), body, oob)


def _z85(key):
    return key.encode() if isinstance(key, str) else key


def _connect(sock, endpoint, curve):
    sock.setsockopt(zmq.LINGER, 0)
    if curve is not None:
        server_key, public_key, secret_key = curve
        sock.curve_serverkey = _z85(server_key)
        sock.curve_publickey = _z85(public_key)
        sock.curve_secretkey = _z85(secret_key)
    sock.connect(endpoint)


class Call:
    """One call as the envelope describes it: the target's registered
    name, the method's IDL name (for a CONTROL, the operation), the actor
    type (package.Actor), the deadline in milliseconds and the priority;
    None leaves a field out."""

    def __init__(self, target, method, type_name, timeout_ms, priority):
        self.target, self.method, self.type_name = target, method, type_name
        self.timeout_ms, self.priority = timeout_ms, priority


def _control_body(response):
    """The plain msgpack body of a CONTROL's answer."""
    response.raise_for_status()
    try:
        body = msgpack.unpackb(response.body, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as e:
        raise DecodeError("the answer to a CONTROL: %s" % e) from None
    if not isinstance(body, dict):
        raise DecodeError("the answer to a CONTROL is not a map")
    return body


def _names_of(body):
    return [(e.get(1, ""), e.get(2, ""), e.get(3, 0)) for e in body.get(1, [])]


def _lookup_of(body):
    return body.get(1, 0), body.get(2, "")


class Connection:
    """A DEALER socket connected to one server, for blocking calls.

    `curve` is (server public key, client public key, client secret key),
    Z85, for an endpoint that requires CURVE. Several clients may share one
    connection; it belongs to one thread at a time.
    """

    def __init__(self, endpoint, *, context=None, curve=None):
        self._sock = (context or zmq.Context.instance()).socket(zmq.DEALER)
        _connect(self._sock, endpoint, curve)
        self._ids = itertools.count(1)

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def ping(self, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL ping: returns when the server's runtime answers."""
        _control_body(self.request(Call(None, "ping", None, timeout_ms, None),
                                   b"\x80", CONTROL))

    def names(self, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL names: (name, actor type, id) of every name registered
        in the server's system whose actor is alive."""
        call = Call(None, "names", None, timeout_ms, None)
        return _names_of(_control_body(self.request(call, b"\x80", CONTROL)))

    def lookup(self, name, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL lookup: (id, actor type) of the actor registered as
        `name`; NotFound when none is."""
        call = Call(name, "lookup", None, timeout_ms, None)
        return _lookup_of(_control_body(self.request(call, b"\x80", CONTROL)))

    def request(self, call, body, kind=REQUEST):
        """Sends a REQUEST (or a CONTROL) and waits up to call.timeout_ms
        for its Response; responses to earlier calls that timed out are
        dropped."""
        message_id = next(self._ids)
        deadline = time.monotonic() + call.timeout_ms / 1000
        self._sock.send_multipart([_envelope(kind, message_id, call), body])
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sock.poll(math.ceil(left * 1000)):
                if time.monotonic() >= deadline:
                    raise Timeout("no response within %d ms" % call.timeout_ms)
                continue
            try:
                response = _read_response(self._sock.recv_multipart())
            except DecodeError:
                continue  # not an answer this client can match
            if response.correlation_id == message_id:
                return response

    def cast(self, call, body):
        """Sends a CAST; nothing comes back."""
        env = _envelope(CAST, next(self._ids), call)
        self._sock.send_multipart([env, body])


class AsyncConnection:
    """A DEALER socket for asyncio: any number of calls in flight, each
    response matched to its call by correlation id. Use it from one event
    loop; close it with `await connection.close()`."""

    def __init__(self, endpoint, *, context=None, curve=None):
        context = context or zmq.asyncio.Context.instance()
        self._sock = context.socket(zmq.DEALER)
        _connect(self._sock, endpoint, curve)
        self._ids = itertools.count(1)
        self._waiting = {}
        self._reader = None

    async def close(self):
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
            self._reader = None
        self._sock.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def _read(self):
        """Hands each response to the call waiting for it. When the socket
        fails, every waiting call fails with Unreachable, and the next call
        starts reading again."""
        try:
            while True:
                frames = await self._sock.recv_multipart()
                try:
                    response = _read_response(frames)
                except DecodeError:
                    continue
                future = self._waiting.pop(response.correlation_id, None)
                if future is not None and not future.done():
                    future.set_result(response)
        except zmq.ZMQError as e:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(
                        Unreachable("the connection failed: %s" % e))
            self._reader = None

    async def ping(self, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL ping: returns when the server's runtime answers."""
        call = Call(None, "ping", None, timeout_ms, None)
        _control_body(await self.request(call, b"\x80", CONTROL))

    async def names(self, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL names: (name, actor type, id) of every name registered
        in the server's system whose actor is alive."""
        call = Call(None, "names", None, timeout_ms, None)
        return _names_of(_control_body(
            await self.request(call, b"\x80", CONTROL)))

    async def lookup(self, name, timeout_ms=DEFAULT_TIMEOUT_MS):
        """CONTROL lookup: (id, actor type) of the actor registered as
        `name`; NotFound when none is."""
        call = Call(name, "lookup", None, timeout_ms, None)
        return _lookup_of(_control_body(
            await self.request(call, b"\x80", CONTROL)))

    async def request(self, call, body, kind=REQUEST):
        """Sends a REQUEST (or a CONTROL) and waits up to call.timeout_ms
        for its Response."""
        loop = asyncio.get_running_loop()
        if self._reader is None:
            self._reader = loop.create_task(self._read())
        message_id = next(self._ids)
        env = _envelope(kind, message_id, call)
        future = self._waiting[message_id] = loop.create_future()
        try:
            await self._sock.send_multipart([env, body])
            return await asyncio.wait_for(future, call.timeout_ms / 1000)
        except asyncio.TimeoutError:
            raise Timeout("no response within %d ms"
                          % call.timeout_ms) from None
        finally:
            self._waiting.pop(message_id, None)

    async def cast(self, call, body):
        """Sends a CAST; nothing comes back."""
        env = _envelope(CAST, next(self._ids), call)
        await self._sock.send_multipart([env, body])


# --------------------------------------------------------------- clients

class Method:
    """What a generated client method sends and expects: the method's IDL
    name, its parameter and result message classes (None for ()), the
    error sets it raises, and its @timeout and @priority (None: unset)."""

    def __init__(self, name, *, param=None, result=None, raises=(), cast=False,
                 timeout_ms=None, priority=None):
        self.name, self.param, self.result = name, param, result
        self.raises, self.cast = raises, cast
        self.timeout_ms, self.priority = timeout_ms, priority

    def prepare(self, client, arg, timeout_ms, priority):
        """(Call, body) of one call of `client`'s."""
        if self.param is None:
            body = b"\x80"
        elif isinstance(arg, self.param):
            body = arg.encode()
        else:
            raise TypeError("%s takes a %s, not %s" % (
                self.name, self.param.__name__, type(arg).__name__))
        if timeout_ms is None:
            timeout_ms = self.timeout_ms
        if timeout_ms is None:
            timeout_ms = DEFAULT_TIMEOUT_MS
        if not _is_int(timeout_ms) or not 0 <= timeout_ms <= DEADLINE_MAX_MS:
            raise ValueError("timeout_ms must be an int in 0..%d"
                             % DEADLINE_MAX_MS)
        if priority is None:
            priority = self.priority
        if priority is not None and not (
                _is_int(priority) and
                PRIORITY_MIN <= priority <= PRIORITY_MAX):
            raise ValueError("priority must be an int in %d..%d"
                             % (PRIORITY_MIN, PRIORITY_MAX))
        call = Call(client.name, self.name, client.TYPE, timeout_ms, priority)
        return call, body

    def result_of(self, response):
        response.raise_for_status(self.raises)
        if self.result is None:
            return None
        return self.result.decode(response.body, response.frames)


class Client:
    """Base of the generated blocking clients: calls to the actor
    registered as `name` on a server, over `connection` (a Connection, or
    an endpoint string for a connection of the client's own)."""

    TYPE = ""
    NAME = ""

    def __init__(self, connection, name=None):
        self._owned = isinstance(connection, str)
        self.connection = Connection(connection) if self._owned else connection
        self.name = name if name is not None else self.NAME

    def close(self):
        """Closes the connection if the client made it."""
        if self._owned:
            self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, arg, timeout_ms, priority):
        call, body = method.prepare(self, arg, timeout_ms, priority)
        return method.result_of(self.connection.request(call, body))

    def _cast(self, method, arg, timeout_ms, priority):
        call, body = method.prepare(self, arg, timeout_ms, priority)
        self.connection.cast(call, body)


class AsyncClient:
    """Base of the generated asyncio clients, over an AsyncConnection (or
    an endpoint string for a connection of the client's own)."""

    TYPE = ""
    NAME = ""

    def __init__(self, connection, name=None):
        self._owned = isinstance(connection, str)
        self.connection = (AsyncConnection(connection) if self._owned
                           else connection)
        self.name = name if name is not None else self.NAME

    async def close(self):
        """Closes the connection if the client made it."""
        if self._owned:
            await self.connection.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def _call(self, method, arg, timeout_ms, priority):
        call, body = method.prepare(self, arg, timeout_ms, priority)
        return method.result_of(await self.connection.request(call, body))

    async def _cast(self, method, arg, timeout_ms, priority):
        call, body = method.prepare(self, arg, timeout_ms, priority)
        await self.connection.cast(call, body)
