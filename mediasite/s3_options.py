"""Options for the S3 storage backend (kept apart from settings so tests can build their own)."""

from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MiB = 1024 * 1024


def s3_storage_options(
    *,
    bucket: str,
    endpoint_url: str | None,
    public_endpoint_url: str | None,
    access_key: str | None,
    secret_key: str | None,
    region: str = "us-east-1",
    expiry: int = 600,
) -> dict:
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "public_endpoint_url": public_endpoint_url or endpoint_url,
        "access_key": access_key,
        "secret_key": secret_key,
        "region_name": region,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "querystring_auth": True,
        "querystring_expire": expiry,
        "file_overwrite": True,
        "default_acl": None,
        "client_config": s3_client_config(),
        "transfer_config": s3_transfer_config(),
    }


def s3_transfer_config() -> TransferConfig:
    # A big upload goes up in 5 MiB parts (S3's smallest; s3transfer makes them larger when a file
    # would need more than 10,000). boto3's defaults, 8 MiB parts with ten in memory and ten PUTs in
    # flight, grew the web process by 142 MiB during a 1 GB upload (bench/upload.py --s3); 8 MiB with
    # three of each, by 70 MiB; 5 MiB with two of each, by 47 MiB, at the same throughput on a local
    # S3 (53–57 MiB/s), and the same for 256 MiB and 1 GiB.
    config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)
    config.max_in_memory_upload_chunks = 2  # s3transfer's own setting; boto3's constructor does not take it
    return config


def s3_client_config() -> Config:
    # S3-compatible servers (MinIO, SeaweedFS) reject the checksum headers that boto3 sends by
    # default since 1.36; send them only when an operation requires one.
    return Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=32,
    )
