"""Twilio-compatible SMS helpers: webhook signature checks and sending a message.

Plain Python, no Rasa and no Twilio SDK. Phone numbers and message bodies are a parent's private
data, so nothing here logs them or puts them in an exception.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import SplitResult, quote, urlencode, urlsplit, urlunsplit

import aiohttp

API_VERSION = "2010-04-01"
DEFAULT_PORTS = MappingProxyType({"https": 443, "http": 80})

Params = Mapping[str, str | Sequence[str]]  # form fields; a repeated name maps to its values


class TwilioError(Exception):
    """Twilio answered with a non-2xx status. Carries only numbers, never the request's content."""

    def __init__(self, status: int, code: int | None = None) -> None:
        super().__init__(f"Twilio returned HTTP {status}" + (f" (error {code})" if code is not None else ""))
        self.status = status
        self.code = code  # Twilio's numeric error code (e.g. 21211), when the response had one


def signature(auth_token: str, url: str, params: Params) -> str:
    """Twilio's X-Twilio-Signature for a POST to `url` with these form parameters.

    The signed string is the full URL followed by each parameter name and value, names sorted;
    a repeated name contributes name+value once per value, values sorted. HMAC-SHA1 keyed with
    the auth token, base64.
    """
    signed = url
    for name in sorted(params):
        signed += "".join(name + value for value in sorted(_values(params[name])))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_signature(auth_token: str, url: str, params: Params, given: str | None) -> bool:
    """Whether `given` (the X-Twilio-Signature header) signs this request.

    Like Twilio's own validator, the URL is also tried without its port and, when it has none,
    with the scheme's default port: proxies in between add or drop them. A missing signature or
    an empty auth token (anyone could sign with that) is never valid.
    """
    if not given or not auth_token:
        return False
    offered = given.encode("utf-8")
    # Check every variant, no early exit, so timing says nothing about which one matched.
    matches = [hmac.compare_digest(signature(auth_token, u, params).encode("ascii"), offered)
               for u in url_variants(url)]
    return any(matches)


def url_variants(url: str) -> tuple[str, ...]:
    """The URL as given, without its port, and with the default port when it has none."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a number: nothing sensible to add or drop
        return (url,)
    if port is not None:
        return (url, _with_port(parts, None))
    default = DEFAULT_PORTS.get(parts.scheme.lower())
    return (url,) if default is None else (url, _with_port(parts, default))


def _with_port(parts: SplitResult, port: int | None) -> str:
    # Rebuild the netloc by hand: SplitResult.hostname would lowercase it and drop the userinfo.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: its colons are not a port separator
        host = hostport[: hostport.index("]") + 1]
    else:
        host = hostport.partition(":")[0]
    netloc = userinfo + at + host + ("" if port is None else f":{port}")
    return urlunsplit(parts._replace(netloc=netloc))


def _values(value: str | Sequence[str]) -> Sequence[str]:
    # A str is itself a Sequence[str]; it is one value, not a list of characters.
    return (value,) if isinstance(value, str) else value


@dataclass(frozen=True, kw_only=True)
class TwilioClient:
    """Sends SMS through Twilio's Messages API (or anything speaking it, such as a test server)."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str
    api_base: str = "https://api.twilio.com"
    timeout: float = 10.0

    @property
    def messages_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/{API_VERSION}/Accounts/{quote(self.account_sid, safe='')}/Messages.json"

    async def send(self, to: str, body: str) -> str | None:
        """Send `body` to `to`; the new message's SID, or None if the response names none.

        Raises TwilioError for a non-2xx answer; network failures and timeouts surface as
        aiohttp.ClientError / asyncio.TimeoutError.
        """
        # Percent-encoded UTF-8, as Twilio reads it: "¡Hola!" arrives exactly as typed.
        form = urlencode({"To": to, "From": self.from_number, "Body": body}, encoding="utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        auth = aiohttp.BasicAuth(self.account_sid, self.auth_token, encoding="utf-8")
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                self.messages_url, data=form.encode("ascii"), headers=headers, auth=auth) as response:
            payload = await _json(response)
            if not 200 <= response.status < 300:
                code = payload.get("code")
                raise TwilioError(response.status, code if isinstance(code, int) else None)
        sid = payload.get("sid")
        return sid if isinstance(sid, str) and sid else None


async def _json(response: aiohttp.ClientResponse) -> Mapping[str, Any]:
    # Error pages from proxies are not JSON; an unreadable body is treated as an empty one.
    try:
        payload = await response.json(content_type=None)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return {}
    return payload if isinstance(payload, Mapping) else {}
