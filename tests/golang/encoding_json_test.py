"""golang.encoding_json accepts and rejects what Go's encoding/json does, and keeps keys, order
and lines."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metawsm_hooks.golang import encoding_json
from testing.util import FUZZ


def to_python(node: encoding_json.Node) -> Any:
    """Plain Python value of a tree (last duplicate wins, as in a Go map); iterative."""
    results: dict[int, Any] = {}
    stack: list[tuple[encoding_json.Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if current.kind == encoding_json.OBJECT and not expanded:
            stack.append((current, True))
            stack.extend((m.value, False) for m in current.members)
        elif current.kind == encoding_json.ARRAY and not expanded:
            stack.append((current, True))
            stack.extend((item, False) for item in current.items)
        elif current.kind == encoding_json.OBJECT:
            results[id(current)] = {m.key: results[id(m.value)] for m in current.members}
        elif current.kind == encoding_json.ARRAY:
            results[id(current)] = [results[id(item)] for item in current.items]
        elif current.kind == encoding_json.STRING:
            results[id(current)] = current.text
        elif current.kind == encoding_json.NUMBER:
            text = current.text
            results[id(current)] = float(text) if any(c in text for c in ".eE") else int(text)
        elif current.kind == encoding_json.BOOL:
            results[id(current)] = current.flag
        else:
            results[id(current)] = None
    return results[id(node)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"{}", {}, id="empty-object"),
        pytest.param(b" \t\r\n[] \n", [], id="surrounding-json-white-space"),
        pytest.param(b"-0", 0, id="minus-zero"),
        pytest.param(b"[1e400]", [math.inf], id="huge-exponent-is-syntax-ok"),
        pytest.param(b"[0, -1.5e-3, 2E+2, 10]", [0, -0.0015, 200.0, 10], id="numbers"),
        pytest.param(b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\/\b\f\n\r\t', id="simple-escapes"),
        pytest.param(b'"\\u00e9\\u20AC"', "é€", id="unicode-escapes"),
        pytest.param(b'"\\ud83d\\ude00"', "😀", id="surrogate-pair"),
        pytest.param('"é😀"'.encode(), "é😀", id="raw-utf8"),
        pytest.param(b'{"a": [true, false, null]}', {"a": [True, False, None]}, id="literals"),
        pytest.param(b'"\x7f"', "\x7f", id="del-is-not-a-control-character-in-json"),
    ],
)
def test_valid_documents(data: bytes, expected: Any) -> None:
    assert to_python(encoding_json.parse(data)) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b'"a\xffb"', "a\ufffdb", id="invalid-byte"),
        pytest.param(b'"\xe2\x82A"', "\ufffd\ufffdA", id="truncated-sequence-one-per-byte"),
        pytest.param(b'"\xed\xa0\x80"', "\ufffd" * 3, id="utf8-encoded-surrogate"),
        pytest.param(b'"\xc0\x80"', "\ufffd\ufffd", id="overlong"),
        pytest.param(b'"\xf4\x90\x80\x80"', "\ufffd" * 4, id="beyond-unicode"),
        pytest.param(b'"\\ud800"', "\ufffd", id="lone-high-escape"),
        pytest.param(b'"\\udc00x"', "\ufffdx", id="lone-low-escape"),
        pytest.param(b'"\\ud800\\ud800\\udc00"', "\ufffd\U00010000", id="high-then-pair"),
        pytest.param(b'"\\ud800\\u0041"', "\ufffdA", id="high-then-other-escape"),
        pytest.param(b'"\\ud800\\n"', "\ufffd\n", id="high-then-simple-escape"),
        pytest.param(b'"\xff\\n\xfe"', "\ufffd\n\ufffd", id="invalid-bytes-around-escape"),
    ],
)
def test_strings_decode_like_go(data: bytes, expected: str) -> None:
    assert encoding_json.parse(data).text == expected


@pytest.mark.parametrize(
    ("data", "message", "line", "column"),
    [
        pytest.param(b"", "unexpected end of JSON input", 1, 1, id="empty"),
        pytest.param(b"   \n ", "unexpected end of JSON input", 2, 2, id="only-white-space"),
        pytest.param(
            b"\xef\xbb\xbf{}",
            "invalid character '\u00ef' looking for beginning of value",
            1,
            1,
            id="byte-order-mark",
        ),
        pytest.param(
            "{}".encode("utf-16"), "looking for beginning of value", 1, 1, id="utf-16-with-bom"
        ),
        pytest.param(
            "{}".encode("utf-16-le"),
            "invalid character '\\x00' looking for beginning of object",
            1,
            2,
            id="utf-16-without-bom",
        ),
        pytest.param(b"[NaN]", "invalid character 'N' looking for beginning", 1, 2, id="nan"),
        pytest.param(b"Infinity", "invalid character 'I'", 1, 1, id="infinity"),
        pytest.param(b"[-Infinity]", "invalid character 'I' in numeric literal", 1, 3, id="-inf"),
        pytest.param(
            b'{"a": 1,}', "looking for beginning of object key string", 1, 9, id="comma-obj"
        ),
        pytest.param(b"[1,]", "looking for beginning of value", 1, 4, id="trailing-comma-array"),
        pytest.param(b"[01]", "invalid character '1' after array element", 1, 3, id="leading-zero"),
        pytest.param(
            b"+1", "invalid character '+' looking for beginning of value", 1, 1, id="plus"
        ),
        pytest.param(b".5", "invalid character '.'", 1, 1, id="bare-fraction"),
        pytest.param(b"[1.]", "after decimal point in numeric literal", 1, 4, id="no-fraction"),
        pytest.param(b"[1e]", "in exponent of numeric literal", 1, 4, id="no-exponent"),
        pytest.param(b"0x10", "invalid character 'x' after top-level value", 1, 2, id="hex"),
        pytest.param(
            b'{"a":\n "b\tc"}', "invalid character '\\t' in string literal", 2, 4, id="tab"
        ),
        pytest.param(b'"a\nb"', "invalid character '\\n' in string literal", 1, 3, id="newline"),
        pytest.param(b'"\x00"', "invalid character '\\x00' in string literal", 1, 2, id="nul"),
        pytest.param(b'"\\x41"', "invalid character 'x' in string escape code", 1, 3, id="esc"),
        pytest.param(b'"\\u12g4"', "in \\u hexadecimal character escape", 1, 6, id="bad-hex"),
        pytest.param(b"{'a': 1}", "looking for beginning of object key string", 1, 2, id="quote"),
        pytest.param(b'{"a" 1}', "invalid character '1' after object key", 1, 6, id="no-colon"),
        pytest.param(b'{"a": 1 "b": 2}', "after object key:value pair", 1, 9, id="no-comma"),
        pytest.param(b"[1 2]", "after array element", 1, 4, id="array-no-comma"),
        pytest.param(b"{} {}", "after top-level value", 1, 4, id="two-documents"),
        pytest.param(b"// c\n{}", "looking for beginning of value", 1, 1, id="comment"),
        pytest.param(b"[tru]", "in literal true (expecting 'e')", 1, 5, id="short-true"),
        pytest.param(b"nul", "unexpected end of JSON input", 1, 4, id="truncated-null"),
        pytest.param(b'{"a": [1, 2', "unexpected end of JSON input", 1, 12, id="unterminated"),
        pytest.param('{\n  "é": x}'.encode(), "invalid character 'x'", 2, 8, id="column-chars"),
    ],
)
def test_invalid_documents(data: bytes, message: str, line: int, column: int) -> None:
    with pytest.raises(encoding_json.GoJSONError) as caught:
        encoding_json.parse(data)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def test_members_keep_order_duplicates_and_positions() -> None:
    data = b'{\n  "a": 1,\n  "A": {"x": [10,\n 20]},\n  "a": "two"\n}'
    root = encoding_json.parse(data)
    assert [(m.key, m.line) for m in root.members] == [("a", 2), ("A", 3), ("a", 5)]
    inner = root.members[1].value
    assert inner.kind == encoding_json.OBJECT
    assert (inner.line, inner.offset) == (3, data.index(b'{"x"'))
    items = inner.members[0].value.items
    assert [(n.text, n.line) for n in items] == [("10", 3), ("20", 4)]
    assert root.members[2].value.text == "two"
    assert encoding_json.position(data, root.members[2].value.offset) == (5, 8)


def test_keys_are_decoded_like_values() -> None:
    root = encoding_json.parse(b'{"\\u0076ersion": 1, "k\xff": 2}')
    assert [m.key for m in root.members] == ["version", "k\ufffd"]


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_limit_is_gos(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    node = encoding_json.parse((opener * 10000 + "0" + closer * 10000).encode())
    depth = 0
    while node.kind in (encoding_json.ARRAY, encoding_json.OBJECT):
        node = node.items[0] if node.kind == encoding_json.ARRAY else node.members[0].value
        depth += 1
    assert (depth, node.text) == (10000, "0")
    with pytest.raises(encoding_json.GoJSONError, match="exceeded max depth") as caught:
        encoding_json.parse((opener * 10001 + "0" + closer * 10001).encode())
    assert caught.value.column == 10000 * len(opener) + 1


def test_empty_containers_count_toward_the_limit() -> None:
    encoding_json.parse(b"[" * 9999 + b"[]" + b"]" * 9999)
    with pytest.raises(encoding_json.GoJSONError, match="exceeded max depth"):
        encoding_json.parse(b"[" * 10000 + b"[]" + b"]" * 10000)


def test_repr_is_shallow_even_for_deep_trees() -> None:
    node = encoding_json.parse(b"[" * 5000 + b"]" * 5000)
    assert repr(node) == "<Node array 1 at line 1>"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@FUZZ
@given(value=json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_json_written_by_python_reads_back(
    value: Any, ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    # Python writes lone surrogates from str values; Go reads those escapes as U+FFFD.
    expected = json.loads(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    assert to_python(encoding_json.parse(text.encode("utf-8", "surrogatepass"))) == _fffd(expected)


def _fffd(value: Any) -> Any:
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) < 0xE000 else c for c in value)
    if isinstance(value, list):
        return [_fffd(v) for v in value]
    if isinstance(value, dict):
        return {_fffd(k): _fffd(v) for k, v in value.items()}
    return value


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_only_gojsonerror(data: bytes) -> None:
    try:
        encoding_json.parse(data)
    except encoding_json.GoJSONError as exc:
        assert exc.line >= 1 and exc.column >= 1
        assert 0 <= exc.offset <= len(data)


json_pieces = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b" ",
        b"\n",
        b'"',
        b'"k"',
        b"1",
        b"-",
        b".",
        b"e",
        b"0",
        b"true",
        b"nul",
        b"\\",
        b"\\u",
        b"\\ud800",
        b"\xff",
        b"\xe2\x82",
        b"\x00",
    ]
)


@FUZZ
@given(pieces=st.lists(json_pieces, max_size=40))
def test_json_like_fragments_parse_or_raise_only_gojsonerror(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    try:
        encoding_json.parse(data)
    except encoding_json.GoJSONError as exc:
        assert exc.offset <= len(data)
