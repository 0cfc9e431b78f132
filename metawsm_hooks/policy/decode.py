"""Decoding a policy file as Go's ``encoding/json`` decodes it into metawsm's ``Config``, laid
over the defaults: arrays decoded into the default elements, keys matched case-insensitively,
duplicate keys applied in order, type mismatches reported and decoding carried on.

The decoded state mirrors Go's memory: a struct is a dict of field values and a slice is a
backing list plus a length. Go keeps a slice's backing array when a shorter JSON array cuts
the slice, so a later duplicate key that lengthens it again finds the old elements there;
`[]` and `null` drop the backing array.
"""

from __future__ import annotations

from metawsm_hooks.golang import encoding_json
from metawsm_hooks.golang.encoding_json import INT_MAX, INT_MIN, fold_key
from metawsm_hooks.policy.result import Finding
from metawsm_hooks.policy.schema import Policy
from metawsm_hooks.policy.struct import STRUCTS, Struct, fields

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any, Final

_STR, _INT, _BOOL, _OBJ, _LIST, _FLOAT = range(6)


class _Slice:
    __slots__ = ("items", "length")

    def __init__(self, items: list[Any], length: int) -> None:
        self.items = items
        self.length = length


class _Field:
    __slots__ = ("cls", "elem", "kind", "name")

    def __init__(self, name: str, kind: int, elem: int, cls: type | None) -> None:
        self.name = name
        self.kind = kind
        self.elem = elem
        self.cls = cls


class _Table:
    __slots__ = ("by_fold", "by_name", "fields", "names")

    def __init__(self, spec: list[_Field]) -> None:
        self.fields = spec
        self.names = [f.name for f in spec]
        self.by_name = {f.name: f for f in spec}
        self.by_fold = {fold_key(f.name): f for f in spec}


_SCALARS: Final = {"str": _STR, "int": _INT, "float": _FLOAT, "bool": _BOOL}
_TABLES: dict[type, _Table] = {}
_FLOAT_MAX: Final = 1.7976931348623157e308


def _table(cls: type) -> _Table:
    known = _TABLES.get(cls)
    if known is not None:
        return known
    spec: list[_Field] = []
    for f in fields(cls):
        annotation = f.type
        if annotation.startswith("tuple["):
            inner = annotation[len("tuple[") :].split(",")[0].strip()
            if inner in _SCALARS:
                spec.append(_Field(f.name, _LIST, _SCALARS[inner], None))
            else:
                spec.append(_Field(f.name, _LIST, _OBJ, STRUCTS[inner]))
        elif annotation in _SCALARS:
            spec.append(_Field(f.name, _SCALARS[annotation], 0, None))
        else:
            spec.append(_Field(f.name, _OBJ, 0, STRUCTS[annotation]))
    table = _Table(spec)
    _TABLES[cls] = table
    return table


def state_of(value: Any) -> Any:
    """Go-memory state of a schema value (used for the defaults)."""
    if isinstance(value, tuple):
        items = [state_of(item) for item in value]
        return _Slice(items, len(items))
    if isinstance(value, Struct):
        return {f.name: state_of(getattr(value, f.name)) for f in fields(value)}
    return value


def _zero(kind: int, cls: type | None) -> Any:
    if kind == _STR:
        return ""
    if kind == _INT:
        return 0
    if kind == _FLOAT:
        return 0.0
    if kind == _BOOL:
        return False
    if kind == _LIST:
        return _Slice([], 0)
    assert cls is not None
    return {f.name: _zero(f.kind, f.cls) for f in _table(cls).fields}


def build(cls: type, state: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in _table(cls).fields:
        value = state[f.name]
        if f.kind == _OBJ:
            assert f.cls is not None
            value = build(f.cls, value)
        elif f.kind == _LIST:
            visible = value.items[: value.length]
            if f.elem == _OBJ:
                assert f.cls is not None
                cls_ = f.cls
                value = tuple(build(cls_, item) for item in visible)
            else:
                value = tuple(visible)
        kwargs[f.name] = value
    return cls(**kwargs)


_KIND_WORDS: Final = {
    _STR: "a string",
    _INT: "an integer",
    _FLOAT: "a number",
    _BOOL: "true or false",
    _OBJ: "an object",
}
_NODE_WORDS: Final = {
    encoding_json.OBJECT: "an object",
    encoding_json.ARRAY: "a list",
    encoding_json.STRING: "a string",
    encoding_json.NUMBER: "a number",
    encoding_json.BOOL: "a boolean",
    encoding_json.NULL: "null",
}


def _join(path: str, key: str) -> str:
    if key.isascii() and key.replace("_", "a").replace("-", "a").isalnum():
        return f"{path}.{key}" if path else key
    import json

    return f"{path}[{json.dumps(key)}]"


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rfind("[")]
    cut = path.rfind(".")
    return path[:cut] if cut > 0 else ""


class Decoder:
    def __init__(self, data: bytes) -> None:
        self.columns = encoding_json.Columns(data)
        self.type_errors: list[Finding] = []  # metawsm cannot load the file
        self.hook_problems: list[Finding] = []  # inside the hooks block
        self.unknown: list[Finding] = []
        self.notes: list[Finding] = []  # duplicate keys
        self.nodes: dict[str, encoding_json.Node] = {}  # the node that last set each path
        self.beneath: dict[str, list[str]] = {}  # list path -> paths recorded under it

    def at(
        self, path: str, message: str, where: encoding_json.Node | encoding_json.Member
    ) -> Finding:
        return Finding(path, message, where.line, self.columns.of(where.line_start, where.offset))

    def decode_root(self, root: encoding_json.Node, state: dict[str, Any]) -> None:
        if root.kind == encoding_json.OBJECT:
            self.decode_struct(root, Policy, state, "", (), self.type_errors)
        elif root.kind != encoding_json.NULL:  # Go leaves the defaults alone for a top-level null
            word = _NODE_WORDS[root.kind]
            message = f"the policy must be a JSON object, not {word}"
            self.type_errors.append(self.at("", message, root))

    def decode_struct(
        self,
        node: encoding_json.Node,
        cls: type,
        state: dict[str, Any],
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        table = _table(cls)
        seen: dict[str, int] = {}
        for member in node.members:
            f = table.by_name.get(member.key) or table.by_fold.get(fold_key(member.key))
            if f is None:
                self.unknown_key(member, table.names, path, sink)
                continue
            field_path = _join(path, f.name)
            if f.name in seen:
                message = (
                    f'"{f.name}" is set more than once in this object (first at line '
                    f"{seen[f.name]}); metawsm applies them in order, so the last one wins"
                )
                self.notes.append(self.at(field_path, message, member))
            else:
                seen[f.name] = member.line
            target_sink = self.hook_problems if cls is Policy and f.name == "hooks" else sink
            self.decode_value(
                member.value, f, f.kind, state, f.name, field_path, lists, target_sink
            )

    def unknown_key(
        self, member: encoding_json.Member, names: list[str], path: str, sink: list[Finding]
    ) -> None:
        import difflib

        close = difflib.get_close_matches(member.key.lower(), names, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        if sink is self.hook_problems or path.startswith("hooks"):
            ignored = "it is ignored"
        else:
            ignored = "metawsm ignores it"
        message = f'unknown key "{member.key}"{hint}; {ignored}'
        self.unknown.append(self.at(_join(path, member.key), message, member))

    def decode_value(
        self,
        node: encoding_json.Node,
        f: _Field,
        kind: int,
        container: Any,
        slot: Any,
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        """Decode ``node`` into ``container[slot]``, of ``kind`` (``f.kind``, or ``f.elem`` for
        an element of the list field ``f``); ``lists`` are the enclosing list paths."""
        self.nodes[path] = node
        for owner in lists:
            self.beneath.setdefault(owner, []).append(path)
        got = node.kind
        if got == encoding_json.NULL:
            # Go: null empties a slice and leaves every other kind as it was.
            if kind == _LIST:
                self.reset(container[slot], path)
            return
        if kind == _OBJ:
            if got == encoding_json.OBJECT:
                assert f.cls is not None
                self.decode_struct(node, f.cls, container[slot], path, lists, sink)
                return
        elif kind == _LIST:
            if got == encoding_json.ARRAY:
                self.decode_array(node, f, container[slot], path, (*lists, path), sink)
                return
        elif kind == _STR:
            if got == encoding_json.STRING:
                container[slot] = node.text
                return
        elif kind == _BOOL:
            if got == encoding_json.BOOL:
                container[slot] = node.flag
                return
        elif kind == _FLOAT:
            if got == encoding_json.NUMBER:
                # Go's float64: any JSON number that does not overflow.
                value = float(node.text)
                if -_FLOAT_MAX <= value <= _FLOAT_MAX:
                    container[slot] = value
                    return
                sink.append(self.at(path, f"{node.text} does not fit in a 64-bit float", node))
                return
        elif got == encoding_json.NUMBER:
            text = node.text
            if "." in text or "e" in text or "E" in text:
                message = f"must be a whole number, not {text}"
            else:
                number = int(text)
                if INT_MIN <= number <= INT_MAX:
                    container[slot] = number
                    return
                message = f"{text} does not fit in a 64-bit integer"
            sink.append(self.at(path, message, node))
            return
        if kind == _LIST:
            expected = "a list of objects" if f.elem == _OBJ else "a list of strings"
        else:
            expected = _KIND_WORDS[kind]
        message = f"must be {expected}, not {_NODE_WORDS[got]}"
        sink.append(self.at(path, message, node))

    def decode_array(
        self,
        node: encoding_json.Node,
        f: _Field,
        target: _Slice,
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        elements = node.items
        if not elements:
            self.reset(target, path)
            return
        for i, element in enumerate(elements):
            if i >= len(target.items):
                target.items.append(_zero(f.elem, f.cls))
            if i >= target.length:
                target.length = i + 1
            self.decode_value(element, f, f.elem, target.items, i, f"{path}[{i}]", lists, sink)
        if len(elements) < target.length:
            target.length = len(elements)

    def reset(self, target: _Slice, path: str) -> None:
        """Go drops the backing array: forget the lines recorded for its old elements."""
        target.items = []
        target.length = 0
        for recorded in self.beneath.pop(path, ()):
            self.nodes.pop(recorded, None)

    def locate(self, path: str) -> tuple[int | None, int | None]:
        """Line and column of the value that set ``path``, else of its nearest set ancestor."""
        probe = path
        while probe:
            node = self.nodes.get(probe)
            if node is not None:
                return node.line, self.columns.of(node.line_start, node.offset)
            probe = _parent(probe)
        return None, None
