"""Zalo Official Account: the signed-webhook adapter (channel), customer-service messages out
(sender), its OAuth tokens (tokens) and what it remembers across restarts (store)."""

CHANNEL = "zalo_oa"
