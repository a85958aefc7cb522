"""Accounts: users, their roles and organisations, API tokens, login."""
