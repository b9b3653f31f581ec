"""Zalo Bot Platform: the adapter that polls or receives webhooks and sends plain text."""
