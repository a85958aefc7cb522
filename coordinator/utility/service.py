"""A provider's own settings: its webhook endpoint and signing secret."""
from __future__ import annotations

import secrets
from urllib.parse import urlparse

from sqlalchemy import select

from ..accounts.models import Organisation, utcnow
from ..extensions import db
from ..hookups.models import ProviderWebhook

SECRET_PREFIX = "whsec_"


class WebhookError(ValueError):
    """The webhook URL is not an absolute http(s) URL."""


def webhook_of(org: Organisation) -> ProviderWebhook | None:
    return db.session.scalar(select(ProviderWebhook).where(ProviderWebhook.organisation_id == org.id))


def check_url(url: str) -> str:
    """An absolute ``http``/``https`` URL of at most 500 characters."""
    url = (url or "").strip()
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise WebhookError(url)
    return url


def register_webhook(org: Organisation, url: str) -> tuple[ProviderWebhook, str | None]:
    """Set the provider's webhook URL; a first registration creates the
    signing secret and returns it (shown once), a change of URL keeps it."""
    url = check_url(url)
    hook = webhook_of(org)
    clear = None
    if hook is None:
        clear = SECRET_PREFIX + secrets.token_hex(24)
        hook = ProviderWebhook(organisation_id=org.id, url=url, secret=clear)
        db.session.add(hook)
    hook.url = url
    db.session.commit()
    return hook, clear


def rotate_secret(org: Organisation) -> str | None:
    """A new signing secret for the provider's webhook (returned once);
    ``None`` when it has no webhook. Deliveries from now on use it."""
    hook = webhook_of(org)
    if hook is None:
        return None
    hook.secret = SECRET_PREFIX + secrets.token_hex(24)
    hook.secret_rotated_at = utcnow()
    db.session.commit()
    return hook.secret

