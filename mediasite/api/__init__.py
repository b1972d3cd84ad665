"""Conventions shared by every REST endpoint: error shape, throttles, pagination, token auth, schema."""
