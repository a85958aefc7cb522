"""The append-only audit of every admin change (who, when, before → after)."""
