"""Organisations' webhooks: where an organisation (a utility provider or an
agency; the organisation kinds in :data:`WEBHOOK_KINDS`) wants its
notifications POSTed, the secret that signs them, and the POST itself.

Requests go out from inside the city's network, so an address is only
accepted — at registration and again at every delivery — when every
address its host name resolves to is a public one: not loopback, private,
link-local (the cloud metadata service), multicast, reserved or shared,
and not one of the service's own addresses. The delivery connects to the
address it checked (the name is not resolved a second time by the HTTP
client), follows no redirects, and has one deadline for the whole
exchange (:func:`post`). ``WEBHOOK_ALLOWED_NETWORKS`` lists networks that
are allowed all the same (an intranet receiver; the tests' loopback one).

Every POST is signed over ``timestamp.body`` (:func:`sign`), with the
timestamp in ``X-Signature-Timestamp``, so a receiver can refuse old or
replayed messages (the README shows the check).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
import threading
import time
from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import select

from ..planning import limits
from ..accounts.models import Organisation, OrganisationKind, utcnow
from ..extensions import db
from .models import OrganisationWebhook

SECRET_PREFIX = "whsec_"
URL_MAX_LENGTH = limits.URL
#: The organisation kinds that may register a webhook: utility providers and intermediary agencies.
WEBHOOK_KINDS = (OrganisationKind.utility, OrganisationKind.agency)
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
#: At most this much of a receiver's answer is read (it is not used).
RESPONSE_READ_LIMIT = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookError(ValueError):
    """The webhook address is refused; ``str()`` says why (for the ``url``
    field), ``code`` is one of ``invalid``, ``unresolvable``, ``not_public``."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


class WebhookTimeout(OSError):
    """The receiver did not answer within the delivery's deadline."""


# --- the organisation's webhook ---------------------------------------------------


def may_have_webhook(org: Organisation | None) -> bool:
    return org is not None and org.kind in WEBHOOK_KINDS


def webhook_of(org: Organisation) -> OrganisationWebhook | None:
    return db.session.scalar(select(OrganisationWebhook).where(OrganisationWebhook.organisation_id == org.id))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def register_webhook(org: Organisation, url: str, *, rotate: bool = False) -> tuple[OrganisationWebhook, str | None]:
    """Set the organisation's webhook URL (checked with :func:`check_url`).
    A first registration — or ``rotate`` — creates a new signing secret and
    returns it (shown once); a change of URL alone keeps the secret."""
    url = check_url(url)
    hook = webhook_of(org)
    clear = None
    if hook is None:
        clear = new_secret()
        hook = OrganisationWebhook(organisation_id=org.id, url=url, secret=clear)
        db.session.add(hook)
    elif rotate:
        clear = hook.secret = new_secret()
        hook.secret_rotated_at = utcnow()
    hook.url = url
    db.session.commit()
    return hook, clear


def rotate_secret(org: Organisation) -> str | None:
    """A new signing secret for the organisation's webhook (returned once);
    ``None`` when it has no webhook. Deliveries from now on use it."""
    hook = webhook_of(org)
    if hook is None:
        return None
    hook.secret = new_secret()
    hook.secret_rotated_at = utcnow()
    db.session.commit()
    return hook.secret


def delete_webhook(org: Organisation) -> bool:
    """Remove the organisation's webhook; False when it had none. Webhook
    notifications not yet delivered fail and end as dead letters."""
    hook = webhook_of(org)
    if hook is None:
        return False
    db.session.delete(hook)
    db.session.commit()
    return True


# --- which addresses may be called ----------------------------------------------------


def check_url(url: str) -> str:
    """An absolute ``http``/``https`` URL of at most :data:`URL_MAX_LENGTH`
    characters, without credentials, whose host resolves only to public
    addresses (:func:`public_addresses`); :class:`WebhookError` otherwise."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookError("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("an absolute http:// or https:// URL")
    if len(url) > URL_MAX_LENGTH:
        raise WebhookError(f"at most {URL_MAX_LENGTH} characters")
    if parts.username is not None or parts.password is not None:
        raise WebhookError("no user name or password in the URL")
    public_addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url


def public_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, when each of them may be called;
    :class:`WebhookError` naming the first refused one otherwise."""
    try:
        infos = resolve(host, port)
    except (OSError, UnicodeError):
        raise WebhookError(f"the host {host} does not resolve", "unresolvable") from None
    addresses = _unique(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos)
    if not addresses:
        raise WebhookError(f"the host {host} does not resolve", "unresolvable")
    allowed, own = allowed_networks(), own_addresses()
    for address in addresses:
        if any(address in network for network in allowed):
            continue
        if not _public(address):
            raise WebhookError(f"{host} resolves to {address}, which is not a public address", "not_public")
        if address in own:
            raise WebhookError(f"{host} is this service itself", "not_public")
    return addresses


def resolve(host: str, port: int | None) -> list[tuple]:
    """``socket.getaddrinfo`` for TCP (the tests replace it to give names addresses)."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``WEBHOOK_ALLOWED_NETWORKS``: comma-separated networks called although not public."""
    text = current_app.config.get("WEBHOOK_ALLOWED_NETWORKS") or ""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in text.split(",") if n.strip()]


def own_addresses() -> set[IPAddress]:
    """The service's own addresses: its host name's, ``SERVER_NAME``'s and,
    during a request, those of the host the client called."""
    names = {socket.gethostname(), (current_app.config.get("SERVER_NAME") or "").split(":")[0]}
    if has_request_context():
        names.add(request.host.rsplit(":", 1)[0].strip("[]"))
    found: set[IPAddress] = set()
    for name in filter(None, names):
        try:
            found.update(ipaddress.ip_address(i[4][0].split("%", 1)[0])
                         for i in resolve(name, None))
        except (OSError, UnicodeError, ValueError):
            continue
    return found


def _unique(addresses: Iterable[IPAddress]) -> list[IPAddress]:
    return list(dict.fromkeys(addresses))


# --- signing and sending ----------------------------------------------------------


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Signature``: HMAC-SHA256 (hex) with the organisation's secret of ``timestamp.body``."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


class _Pinned:
    """Connects to the checked address, whatever the name resolves to now."""

    address: str

    def connect(self):  # noqa: D401 (http.client's hook)
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self, http.client.HTTPSConnection):
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    pass


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    pass


def post(url: str, body: bytes, headers: dict[str, str], deadline: float) -> int:
    """POST ``body`` to ``url`` and return the status, all within ``deadline``
    seconds (a receiver that trickles its answer is cut off when it passes:
    :class:`WebhookTimeout`). The host is checked and pinned
    (:func:`public_addresses`, :class:`WebhookError`); a redirect is
    returned as its status, never followed."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    started = time.monotonic()
    address = public_addresses(parts.hostname, port)[0]
    remaining = deadline - (time.monotonic() - started)
    if remaining <= 0:
        raise WebhookTimeout(f"no answer within {deadline:g} s")
    if https:
        conn: http.client.HTTPConnection = _PinnedHTTPS(parts.hostname, port, timeout=remaining,
                                                          context=ssl.create_default_context())
    else:
        conn = _PinnedHTTP(parts.hostname, port, timeout=remaining)
    conn.address = str(address)
    expired = threading.Event()

    def cut_off():
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(remaining, cut_off)
    timer.daemon = True
    timer.start()
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        if expired.is_set():
            raise WebhookTimeout(f"no answer within {deadline:g} s")
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise WebhookTimeout(f"no answer within {deadline:g} s") from exc
        raise
    finally:
        timer.cancel()
        conn.close()
