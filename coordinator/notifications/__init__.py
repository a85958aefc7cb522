"""Notifications: the transactional outbox, its delivery worker (in-app
inbox, e-mail, signed webhook) and the inbox page."""
