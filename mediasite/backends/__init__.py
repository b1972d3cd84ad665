"""The project's connections to the outside: media storage (local or S3, one interface) and Redis
(one client and one cache pool per process)."""
