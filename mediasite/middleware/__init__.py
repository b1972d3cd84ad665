"""What every request passes through: its id, the upload size limit, the Content-Security-Policy,
and the sync-only innermost middleware. Each module says what upstream lacks that it stands in for."""
