"""The project's own endpoints, apart from the apps': health, signed local media, broker metrics."""
