"""A provider's own settings: its webhook endpoint and signing secret (the
organisation-generic service of :mod:`coordinator.notifications.webhooks`)."""
from __future__ import annotations

from ..notifications.webhooks import (  # noqa: F401
    SECRET_PREFIX, WebhookError, check_url, delete_webhook, register_webhook, rotate_secret, webhook_of,
)
