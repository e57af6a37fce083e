"""boto3 clients. Region and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL),
which boto3 reads itself — nothing here names an endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from .config import get_settings

# The services the functions call.
Service = Literal["dynamodb", "s3", "secretsmanager", "ses", "sns", "sqs"]


@cache
def client(service: Service) -> Any:
    import boto3  # deferred: routes that never touch boto3 directly don't pay its import
    from botocore.config import Config

    # Virtual-hosted S3 URLs name the region (bucket.s3.<region>.amazonaws.com): presigned links
    # handed to browsers then never hit the global endpoint's redirect, which breaks CORS.
    config = Config(s3={"addressing_style": "virtual"}) if service == "s3" else None
    return boto3.session.Session().client(service, region_name=get_settings().aws_region, config=config)


def reset_clients() -> None:
    """Tests start a fresh moto backend per test; cached clients would keep old state."""
    from .dynamo import connection

    client.cache_clear()
    connection.cache_clear()
