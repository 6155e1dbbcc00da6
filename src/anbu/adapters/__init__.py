"""Adapters: one module per outside thing (storage, carrier formats, secrets)."""
