"""A JSON reader that accepts and rejects exactly what Go's ``encoding/json`` does.

metawsm reads its policy with ``json.Unmarshal``, so a policy file is JSON in Go's sense: RFC 8259
grammar with only space, tab, CR and LF as white space, no byte-order mark, nesting up to 10000
levels, invalid UTF-8 inside strings turned into U+FFFD (one per bad byte) and lone ``\\u``
surrogates turned into U+FFFD. Unlike Python's ``json`` module this keeps every object member in
order, duplicates included, and the line of every value, so callers can decode the tree the way
Go decodes it into a struct and point at the line that set each value.

The parser never recurses, so the deepest document Go accepts parses too, and on any input it
either returns a tree or raises :class:`GoJSONError`.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Final

MAX_DEPTH: Final = 10000

OBJECT: Final = "object"
ARRAY: Final = "array"
STRING: Final = "string"
NUMBER: Final = "number"
BOOL: Final = "bool"
NULL: Final = "null"

# Go's int on 64-bit platforms: the numbers json.Unmarshal puts into an int field.
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


class _Patterns:
    """Compiled on first use: a cached policy never needs them."""

    def __init__(self) -> None:
        self.ws = re.compile(rb"[ \t\r\n]*")
        self.string_plain = re.compile(rb'"([^"\\\x00-\x1f]*)"')
        self.string_run = re.compile(rb'[^"\\\x00-\x1f]*')
        self.integer_part = re.compile(rb"-?(?:0|[1-9][0-9]*)")
        self.digits = re.compile(rb"[0-9]+")
        self.hex4 = re.compile(rb"[0-9a-fA-F]{4}")


_patterns: _Patterns | None = None


def _compiled() -> _Patterns:
    global _patterns
    if _patterns is None:
        _patterns = _Patterns()
    return _patterns


# surrogateescape turns each undecodable byte into one of U+DC80..U+DCFF.
_ESCAPED_BYTES: Final = {0xDC00 + b: "\ufffd" for b in range(0x80, 0x100)}
_SIMPLE_ESCAPES: Final = {
    ord('"'): '"',
    ord("\\"): "\\",
    ord("/"): "/",
    ord("b"): "\b",
    ord("f"): "\f",
    ord("n"): "\n",
    ord("r"): "\r",
    ord("t"): "\t",
}
_NAMED_CONTROLS: Final = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_LITERALS: Final = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}


class GoJSONError(Exception):
    """The document is not JSON as Go reads it; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, *, offset: int, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


class Node:
    """One JSON value: ``kind`` is one of OBJECT, ARRAY, STRING, NUMBER, BOOL, NULL.

    ``text`` holds a string's decoded value or a number's literal spelling, ``flag`` a boolean,
    ``items`` an array's elements and ``members`` an object's members in document order.
    ``line`` is 1-based, ``offset`` is the byte offset where the value starts and
    ``line_start`` the byte offset where its line starts (see :class:`Columns`).
    """

    __slots__ = ("flag", "items", "kind", "line", "line_start", "members", "offset", "text")

    def __init__(self, kind: str, line: int, offset: int, line_start: int) -> None:
        self.kind = kind
        self.line = line
        self.offset = offset
        self.line_start = line_start
        self.text = ""
        self.flag = False
        self.items: list[Node] = _NO_ITEMS
        self.members: list[Member] = _NO_MEMBERS

    def __repr__(self) -> str:
        size = len(self.items) if self.kind == ARRAY else len(self.members)
        detail = repr(self.text) if self.kind in (STRING, NUMBER) else str(size)
        return f"<Node {self.kind} {detail} at line {self.line}>"


class Member:
    """One ``"key": value`` pair of an object; ``line``, ``offset`` and ``line_start`` locate
    the key."""

    __slots__ = ("key", "line", "line_start", "offset", "value")

    def __init__(self, key: str, line: int, offset: int, line_start: int, value: Node) -> None:
        self.key = key
        self.line = line
        self.offset = offset
        self.line_start = line_start
        self.value = value

    def __repr__(self) -> str:
        return f"<Member {self.key!r} at line {self.line}>"


_NO_ITEMS: Final[list[Node]] = []
_NO_MEMBERS: Final[list[Member]] = []
_PENDING: Final = Node(NULL, 0, 0, 0)


def parse(data: bytes) -> Node:
    """Parse ``data`` as Go's ``json.Unmarshal`` would; raises :class:`GoJSONError` on bad input."""
    return _Parser(bytes(data)).document()


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, one per undecodable byte) of byte ``offset``."""
    offset = max(0, min(offset, len(data)))
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "surrogateescape")) + 1
    return line, column


class Columns:
    """1-based character columns of nodes and members of one document.

    Counting characters back to the line start costs the length of the line, so for a long
    non-ASCII line each line remembers the last column computed and counts on from there.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.ascii = data.isascii()
        self.last: dict[int, tuple[int, int]] = {}

    def of(self, line_start: int, offset: int) -> int:
        if self.ascii:
            return offset - line_start + 1
        base, column = self.last.get(line_start, (line_start, 1))
        if offset < base:
            base, column = line_start, 1
        # Offsets of nodes and members sit on ASCII bytes, so slices never split a character.
        column += len(self.data[base:offset].decode("utf-8", "surrogateescape"))
        self.last[line_start] = (offset, column)
        return column


def decode_text(raw: bytes) -> str:
    """Bytes of a JSON string without escapes, as Go's decoder turns them into a string."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Go replaces each byte that does not start a valid sequence by one U+FFFD;
        # surrogateescape maps each such byte to one lone surrogate, which we then replace.
        return raw.decode("utf-8", "surrogateescape").translate(_ESCAPED_BYTES)


def _quote_char(c: int) -> str:
    """Go's ``quoteChar``: how its syntax errors name the offending byte."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    if c in _NAMED_CONTROLS:
        return f"'{_NAMED_CONTROLS[c]}'"
    if c == ord("\\"):
        return "'\\\\'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c < 0xA0 or c == 0xAD:
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


class _Parser:
    __slots__ = ("data", "line", "line_start", "re", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.line = 1
        self.line_start = 0
        self.re = _compiled()

    def fail(self, offset: int, message: str) -> GoJSONError:
        line, column = position(self.data, offset)
        return GoJSONError(message, offset=offset, line=line, column=column)

    def fail_at(self, offset: int, context: str) -> GoJSONError:
        if offset >= self.size:
            return self.fail(self.size, "unexpected end of JSON input")
        return self.fail(offset, f"invalid character {_quote_char(self.data[offset])} {context}")

    def skip_ws(self, pos: int) -> int:
        if pos < self.size and self.data[pos] in b" \t\r\n":
            run = self.re.ws.match(self.data, pos)  # [ \t\r\n]* matches at any position
            end = pos if run is None else run.end()
            newlines = self.data.count(b"\n", pos, end)
            if newlines:
                self.line += newlines
                self.line_start = self.data.rindex(b"\n", pos, end) + 1
            return end
        return pos

    def document(self) -> Node:
        data = self.data
        size = self.size
        stack: list[Node] = []
        pos = self.skip_ws(0)
        while True:
            # A value starts at pos.
            if pos >= size:
                raise self.fail(size, "unexpected end of JSON input")
            c = data[pos]
            if c == 0x7B or c == 0x5B:  # { or [
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(pos, f"invalid character {_quote_char(c)} exceeded max depth")
                container = Node(OBJECT if c == 0x7B else ARRAY, self.line, pos, self.line_start)
                pos = self.skip_ws(pos + 1)
                if pos < size and data[pos] == (0x7D if c == 0x7B else 0x5D):
                    pos += 1
                    node = container
                else:
                    if c == 0x7B:
                        container.members = []
                        pos = self.member_key(pos, container)
                    else:
                        container.items = []
                    stack.append(container)
                    continue
            elif c == 0x22:  # "
                node = Node(STRING, self.line, pos, self.line_start)
                node.text, pos = self.string(pos)
            elif c == 0x2D or 0x30 <= c <= 0x39:  # - or digit
                node = Node(NUMBER, self.line, pos, self.line_start)
                node.text, pos = self.number(pos)
            elif c in _LITERALS:
                word = _LITERALS[c]
                for k in range(1, len(word)):
                    if pos + k >= size or data[pos + k] != word[k]:
                        expecting = _quote_char(word[k])
                        context = f"in literal {word.decode()} (expecting {expecting})"
                        raise self.fail_at(pos + k, context)
                node = Node(NULL if c == 0x6E else BOOL, self.line, pos, self.line_start)
                node.flag = c == 0x74
                pos += len(word)
            else:
                raise self.fail_at(pos, "looking for beginning of value")

            # The value `node` is complete; attach it and find what comes next.
            while True:
                pos = self.skip_ws(pos)
                if not stack:
                    if pos != size:
                        raise self.fail_at(pos, "after top-level value")
                    return node
                top = stack[-1]
                if top.kind == ARRAY:
                    top.items.append(node)
                    closer, context = 0x5D, "after array element"
                else:
                    top.members[-1].value = node
                    closer, context = 0x7D, "after object key:value pair"
                if pos < size and data[pos] == 0x2C:  # ,
                    pos = self.skip_ws(pos + 1)
                    if top.kind == OBJECT:
                        pos = self.member_key(pos, top)
                    break
                if pos < size and data[pos] == closer:
                    pos += 1
                    node = stack.pop()
                    continue
                raise self.fail_at(pos, context)

    def member_key(self, pos: int, obj: Node) -> int:
        """Read `"key" :` at pos into a new member of obj; returns where its value starts."""
        if pos >= self.size or self.data[pos] != 0x22:
            raise self.fail_at(pos, "looking for beginning of object key string")
        line = self.line
        key, end = self.string(pos)
        obj.members.append(Member(key, line, pos, self.line_start, _PENDING))
        end = self.skip_ws(end)
        if end >= self.size or self.data[end] != 0x3A:  # :
            raise self.fail_at(end, "after object key")
        return self.skip_ws(end + 1)

    def string(self, pos: int) -> tuple[str, int]:
        """Decode the string literal starting at pos (a quote); returns (text, end)."""
        data = self.data
        plain = self.re.string_plain.match(data, pos)
        if plain is not None:
            return decode_text(plain.group(1)), plain.end()
        parts: list[str] = []
        i = pos + 1
        while True:
            run = self.re.string_run.match(data, i)
            assert run is not None  # the pattern matches the empty string
            if run.end() > i:
                parts.append(decode_text(run.group()))
                i = run.end()
            if i >= self.size:
                raise self.fail(self.size, "unexpected end of JSON input")
            c = data[i]
            if c == 0x22:
                return "".join(parts), i + 1
            if c != 0x5C:  # a control character
                raise self.fail_at(i, "in string literal")
            i += 1
            if i >= self.size:
                raise self.fail(self.size, "unexpected end of JSON input")
            e = data[i]
            if e in _SIMPLE_ESCAPES:
                parts.append(_SIMPLE_ESCAPES[e])
                i += 1
                continue
            if e != 0x75:  # u
                raise self.fail_at(i, "in string escape code")
            code = self.hex4(i + 1)
            i += 5
            if 0xD800 <= code < 0xE000:
                # A high surrogate pairs with an immediately following \u low surrogate;
                # anything else becomes U+FFFD and the next escape is read on its own.
                low = -1
                if 0xD800 <= code < 0xDC00 and data[i : i + 2] == b"\\u":
                    digits = self.re.hex4.match(data, i + 2)
                    if digits is not None:
                        low = int(digits.group(), 16)
                if 0xDC00 <= low < 0xE000:
                    parts.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    i += 6
                else:
                    parts.append("\ufffd")
            else:
                parts.append(chr(code))

    def hex4(self, pos: int) -> int:
        for k in range(4):
            if pos + k >= self.size or self.data[pos + k] not in b"0123456789abcdefABCDEF":
                raise self.fail_at(pos + k, "in \\u hexadecimal character escape")
        return int(self.data[pos : pos + 4], 16)

    def number(self, pos: int) -> tuple[str, int]:
        data = self.data
        integer = self.re.integer_part.match(data, pos)
        if integer is None:  # a minus sign without a digit after it
            raise self.fail_at(pos + 1, "in numeric literal")
        end = integer.end()
        if end < self.size and data[end] == 0x2E:  # .
            fraction = self.re.digits.match(data, end + 1)
            if fraction is None:
                raise self.fail_at(end + 1, "after decimal point in numeric literal")
            end = fraction.end()
        if end < self.size and data[end] in b"eE":
            start = end + 1
            if start < self.size and data[start] in b"+-":
                start += 1
            exponent = self.re.digits.match(data, start)
            if exponent is None:
                raise self.fail_at(start, "in exponent of numeric literal")
            end = exponent.end()
        return data[pos:end].decode("ascii"), end


def fold_key(key: str) -> str:
    """A key under Go's case-insensitive field matching (``bytes.EqualFold``).

    Every rune maps to the smallest rune of its simple case-folding orbit. The only non-ASCII
    runes whose orbit holds an ASCII letter are the Kelvin sign (k) and the long s (s); others
    fold to non-ASCII runes, which can never match metawsm's ASCII field names, so they are
    kept as they are.
    """
    if key.isascii():
        return key.upper()
    return "".join(_FOLD_SPECIAL.get(c, c.upper() if c.isascii() else c) for c in key)


_FOLD_SPECIAL: Final = {"\u212a": "K", "\u017f": "S"}
