"""Tracking of plan items: lifecycle, deadlines, audit log, queue."""
