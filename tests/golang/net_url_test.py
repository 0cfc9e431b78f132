"""golang.net_url: Go's url.Parse as metawsm uses it (an http or https URL with a host)."""

from __future__ import annotations

import pytest

from metawsm_hooks.golang import net_url


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        pytest.param("http://127.0.0.1:8787", True, id="plain"),
        pytest.param("https://docs.example.com/a/b?c=d#e", True, id="full"),
        pytest.param("HTTP://x", True, id="scheme-lower-cased"),
        pytest.param("http://[::1]:80", True, id="ipv6-port"),
        pytest.param("http://[fe80::1%25en0]:8080/", True, id="ipv6-zone"),
        pytest.param("http://[fe80::1%en0]", False, id="zone-not-escaped"),
        pytest.param("http://[fe80::1%25]", False, id="zone-empty"),
        pytest.param("http://[::ffff:1.2.3.4]", True, id="ipv4-mapped"),
        pytest.param("http://[127.0.0.1]", False, id="ipv4-in-brackets"),
        pytest.param("http://[v1.x]", False, id="ipvfuture"),
        pytest.param("http://[::1", False, id="missing-bracket"),
        pytest.param("http://[::1]x", False, id="junk-after-bracket"),
        pytest.param("http://a[::1]", False, id="bracket-later-in-host-fails-the-port"),
        pytest.param("http://[1::2::3]", False, id="two-ellipses"),
        pytest.param("http://[1:2:3:4:5:6:7:8]", True, id="eight-groups"),
        pytest.param("http://[12345::1]", False, id="five-digit-group"),
        pytest.param("http://a b", False, id="space-in-host"),
        pytest.param("http://a{b}", False, id="brace-in-host"),
        pytest.param("http:///path", False, id="empty-host"),
        pytest.param("http://user@:80", True, id="userinfo-and-port-only"),
        pytest.param("http://:8080", True, id="port-only-is-a-host"),
        pytest.param("http://@h", True, id="empty-userinfo"),
        pytest.param("http://@", False, id="userinfo-no-host"),
        pytest.param("http://us er@h", False, id="space-in-userinfo"),
        pytest.param("http://u%zz@h", False, id="bad-escape-in-userinfo"),
        pytest.param("http:x", False, id="opaque"),
        pytest.param("http:/x", False, id="no-authority"),
        pytest.param("//h", False, id="no-scheme"),
        pytest.param("ftp://h", False, id="other-scheme"),
        pytest.param("1http://h", False, id="scheme-starts-with-digit"),
        pytest.param("://h", False, id="missing-scheme"),
        pytest.param("http://h:port", False, id="port-not-digits"),
        pytest.param("http://h:", True, id="empty-port"),
        pytest.param("http://h:99999", True, id="no-port-range-check"),
        pytest.param("http://a:b:80", True, id="colons-before-port"),
        pytest.param("http://h%41", False, id="ascii-escape-in-host"),
        pytest.param("http://h%c3%a9", True, id="utf8-escape-in-host"),
        pytest.param("http://\u00e9t\u00e9.example", True, id="utf8-host"),
        pytest.param("http://h/%zz", False, id="bad-escape-in-path"),
        pytest.param("http://h/%4", False, id="short-escape-in-path"),
        pytest.param("http://h/?q=%zz", True, id="bad-escape-in-query"),
        pytest.param("http://h/#%zz", False, id="bad-escape-in-fragment"),
        pytest.param("http://h/\x7f", False, id="control-in-path"),
        pytest.param("http://h/?\x01", False, id="control-in-query"),
        pytest.param("http://h/#\x01", True, id="control-in-fragment-passes"),
        pytest.param("http://h/a?b?", True, id="question-marks"),
    ],
)
def test_urls_are_judged_like_go(url: str, ok: bool) -> None:
    assert net_url.is_http_url(url) is ok
