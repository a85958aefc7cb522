"""``/api/v1/webhook``: an organisation registers, rotates and removes its
webhook (any organisation kind in
:data:`~coordinator.notifications.webhooks.WEBHOOK_KINDS`)."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..notifications import webhooks
from . import blueprint
from .auth import protected
from .schemas import ErrorSchema


class WebhookRequestSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=webhooks.URL_MAX_LENGTH), metadata={
        "description": "absolute http(s) URL whose host resolves only to public addresses"})


class WebhookSchema(Schema):
    url = fields.String()
    secret = fields.String(metadata={"description": "the new signing secret, shown once (only in the answer to PUT)"})
    secret_rotated_at = fields.DateTime()
    created_at = fields.DateTime()


def _organisation():
    org = current_user.organisation
    if not webhooks.may_have_webhook(org):
        abort(403, error="forbidden", message="only utility providers and agencies register a webhook")
    return org


_FORBIDDEN = {"schema": ErrorSchema, "description": "the caller's organisation does not receive webhooks"}


def _json(hook, secret: str | None = None) -> dict:
    out = {"url": hook.url, "secret_rotated_at": hook.secret_rotated_at, "created_at": hook.created_at}
    if secret:
        out["secret"] = secret
    return out


@blueprint.route("/webhook", methods=["GET"])
@protected()
@blueprint.response(200, WebhookSchema)
@blueprint.alt_response(403, **_FORBIDDEN)
@blueprint.alt_response(404, schema=ErrorSchema, description="no webhook registered")
def get_webhook():
    """The caller's organisation's webhook, without its secret."""
    hook = webhooks.webhook_of(_organisation())
    if hook is None:
        abort(404, error="not_found", message="no webhook registered")
    return _json(hook)


@blueprint.route("/webhook", methods=["PUT"])
@protected()
@blueprint.arguments(WebhookRequestSchema)
@blueprint.response(200, WebhookSchema)
@blueprint.alt_response(400, schema=ErrorSchema, description="the URL is refused (`fields.url` says why): not "
                        "http(s), credentials in it, a host that does not resolve, or one that resolves to a "
                        "loopback, private, link-local, reserved or the service's own address")
@blueprint.alt_response(403, **_FORBIDDEN)
def put_webhook(body):
    """Register the organisation's webhook, or change its URL, with a new
    signing secret every time (returned once: store it; this is also how
    to rotate it). Deliveries are signed with it from now on."""
    try:
        hook, secret = webhooks.register_webhook(_organisation(), body["url"], rotate=True)
    except webhooks.WebhookError as exc:
        abort(400, error="invalid_url", message="the webhook URL is refused", errors={"url": [str(exc)]})
    return _json(hook, secret)


@blueprint.route("/webhook", methods=["DELETE"])
@protected()
@blueprint.response(204)
@blueprint.alt_response(403, **_FORBIDDEN)
@blueprint.alt_response(404, schema=ErrorSchema, description="no webhook registered")
def delete_webhook():
    """Stop webhook deliveries (the in-app inbox and e-mail go on)."""
    if not webhooks.delete_webhook(_organisation()):
        abort(404, error="not_found", message="no webhook registered")
    return None
