"""Go's ``net/url.Parse``, reduced to what metawsm asks of it: does the URL parse with scheme
http or https and a non-empty host. Bracketed hosts are checked as Go 1.25 checks them (only an
IPv6 address, optionally with a %25-escaped zone, may stand in brackets)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Final

_ALNUM: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_HOST_OK: Final = _ALNUM | frozenset(b"!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_OK: Final = _ALNUM | frozenset(b"-._:~!$&'()*+,;=%@")


def _unescape_ok(s: bytes, mode: str) -> bool:
    """Go's ``unescape`` error checks for ``mode`` in path, fragment, user, host, zone."""
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == 0x25:  # %
            if i + 2 >= n or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                return False
            escape = s[i : i + 3]
            if mode == "host" and int(chr(s[i + 1]), 16) < 8 and escape != b"%25":
                return False
            if mode == "zone":
                value = int(escape[1:], 16)
                if escape != b"%25" and value != 0x20 and value not in _HOST_OK:
                    return False
            i += 3
        else:
            if mode in ("host", "zone") and c < 0x80 and c not in _HOST_OK:
                return False
            i += 1
    return True


def _valid_port(port: bytes) -> bool:
    return port == b"" or (port[:1] == b":" and all(0x30 <= b <= 0x39 for b in port[1:]))


def _ipv4_fields_ok(s: bytes) -> bool:
    value = digits = dots = 0
    for i, c in enumerate(s):
        if 0x30 <= c <= 0x39:
            if digits == 1 and value == 0:
                return False
            value = value * 10 + c - 0x30
            digits += 1
            if value > 255:
                return False
        elif c == 0x2E:
            if i == 0 or i == len(s) - 1 or s[i - 1] == 0x2E or dots == 3:
                return False
            dots += 1
            value = digits = 0
        else:
            return False
    return dots == 3


def _ipv6_ok(address: bytes) -> bool:
    """Go's ``netip.ParseAddr`` success for an address that it parses as IPv6."""
    s = address
    cut = s.find(b"%")
    if cut >= 0:
        if cut == len(s) - 1:
            return False
        s = s[:cut]
    ellipsis = -1
    if s[:2] == b"::":
        ellipsis = 0
        s = s[2:]
        if not s:
            return True
    i = 0
    while i < 16:
        off = 0
        while off < len(s) and s[off] in _HEX:
            off += 1
            if off > 4:
                return False
        if off == 0:
            return False
        if off < len(s) and s[off] == 0x2E:
            if (ellipsis < 0 and i != 12) or i + 4 > 16 or not _ipv4_fields_ok(s):
                return False
            s = b""
            i += 4
            break
        i += 2
        s = s[off:]
        if not s:
            break
        if s[0] != 0x3A or len(s) == 1:
            return False
        s = s[1:]
        if s[0] == 0x3A:
            if ellipsis >= 0:
                return False
            ellipsis = i
            s = s[1:]
            if not s:
                break
    if s:
        return False
    if i < 16:
        return ellipsis >= 0
    return ellipsis < 0


def _ip_literal_ok(address: bytes) -> bool:
    """``netip.ParseAddr(address)`` succeeds and is not IPv4."""
    for c in address:
        if c == 0x2E:  # parsed as IPv4: either an error or an IPv4 address, both rejected
            return False
        if c == 0x3A:
            return _ipv6_ok(address)
        if c == 0x25:
            return False
    return False


def _host_ok(host: bytes) -> bool:
    """Go's ``parseHost`` succeeds and yields a non-empty host. Only a host that starts with
    ``[`` is an IP literal; a ``[`` later (``a[::1]``) leaves the host to the port check, which
    ``:1]`` fails."""
    open_bracket = 0 if host.startswith(b"[") else -1
    if open_bracket >= 0:
        close_bracket = host.rfind(b"]")
        if close_bracket < 0:
            return False
        colon_port = host[close_bracket + 1 :]
        if not _valid_port(colon_port) or not _unescape_ok(colon_port, "host"):
            return False
        hostname = host[open_bracket + 1 : close_bracket]
        zone = hostname.find(b"%25")
        if zone >= 0:
            if not _unescape_ok(hostname[:zone], "host"):
                return False
            if not _unescape_ok(hostname[zone:], "zone"):
                return False
            unescaped = _percent_decode(hostname[:zone]) + _percent_decode(hostname[zone:])
        else:
            if not _unescape_ok(hostname, "host"):
                return False
            unescaped = _percent_decode(hostname)
        return _ip_literal_ok(unescaped)
    colon = host.rfind(b":")
    if colon >= 0 and not _valid_port(host[colon:]):
        return False
    return _unescape_ok(host, "host") and host != b""


def _percent_decode(s: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == 0x25:
            out.append(int(s[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(s[i])
            i += 1
    return bytes(out)


def is_http_url(raw: str) -> bool:
    """metawsm's endpoint URL test: ``url.Parse`` succeeds, the scheme (lower-cased) is http or
    https and the host is not empty. ``raw`` is taken as given (metawsm trims it first)."""
    data = raw.encode("utf-8", "surrogatepass")
    before_fragment, hash_sign, fragment = data.partition(b"#")
    if any(b < 0x20 or b == 0x7F for b in before_fragment):
        return False
    colon = -1
    for i, c in enumerate(before_fragment):
        if c in _ALNUM and not (i == 0 and 0x30 <= c <= 0x39):
            continue
        if c in b"+-." and i > 0:
            continue
        if c == 0x3A and i > 0:
            colon = i
        break
    if colon < 0 or before_fragment[:colon].lower() not in (b"http", b"https"):
        return False
    rest = before_fragment[colon + 1 :]
    # Go: a single trailing "?" is an empty forced query, else the query starts at the first "?"
    single_trailing = rest.endswith(b"?") and rest.count(b"?") == 1
    rest = rest[:-1] if single_trailing else rest.partition(b"?")[0]
    if not rest.startswith(b"//"):
        return False
    authority, slash, path = rest[2:].partition(b"/")
    at = authority.rfind(b"@")
    if not _host_ok(authority[at + 1 :]):
        return False
    if at >= 0:
        userinfo = authority[:at]
        if not _valid_userinfo(userinfo):
            return False
        for part in userinfo.split(b":", 1):
            if not _unescape_ok(part, "user"):
                return False
    if not _unescape_ok(slash + path, "path"):
        return False
    return not hash_sign or _unescape_ok(fragment, "fragment")


def _valid_userinfo(userinfo: bytes) -> bool:
    return all(c in _USERINFO_OK for c in userinfo)
