"""Configuration from the environment, with safe embedded defaults."""
from __future__ import annotations

import os


class Config:
    """Read once by :func:`coordinator.create_app`; tests pass overrides."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-change-me")
    RULES_DIR = os.environ.get("COORDINATOR_RULES") or None
    JSON_AS_ASCII = False

    API_TITLE = "拿地即开工 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
