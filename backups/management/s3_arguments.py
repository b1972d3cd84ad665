"""The S3 options that `backup` and `restore` share: where an s3:// DEST or SRC is, and with which keys.

Each defaults to the BACKUP_S3_* setting (mediasite/settings.py, from the environment), then to the
installation's own S3 settings (backups.destinations), so a backup may go to another S3 than the media's.
"""

from django.conf import settings

OPTIONS = {
    "endpoint_url": ("--s3-endpoint-url", "BACKUP_S3_ENDPOINT_URL", "S3 endpoint of an s3:// backup"),
    "access_key": ("--s3-access-key-id", "BACKUP_S3_ACCESS_KEY_ID", "its access key"),
    "secret_key": ("--s3-secret-access-key", "BACKUP_S3_SECRET_ACCESS_KEY", "its secret key"),
    "region": ("--s3-region", "BACKUP_S3_REGION", "its region"),
}


def add_s3_arguments(parser) -> None:
    for dest, (flag, variable, meaning) in OPTIONS.items():
        parser.add_argument(
            flag, dest=f"s3_{dest}", default=getattr(settings, variable, None) or None,
            help=f"{meaning} (default: ${variable}, else the installation's S3 setting)",
        )


def s3_options(options: dict) -> dict:
    """The keyword arguments of destination_open, from the parsed options."""
    return {dest: options[f"s3_{dest}"] for dest in OPTIONS}
