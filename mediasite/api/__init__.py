"""Conventions shared by every REST endpoint: error shape, throttles, pagination, auth, uploads, schema."""
