"""The local stack: infra/resources.yaml created in moto, including what moto's CloudFormation
skips (TTL, bucket CORS, the SES sender, the secret).

Expectations are spelled out here rather than read back from the template, so a change to the
template that the application would notice fails here too.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local import stack
from infra.local.stack import create_local_stack

STAGE = "infratest"
MAIL_FROM = "sender@infratest.kabinet.local"
SITE_ORIGIN = "http://127.0.0.1:8000"

TABLES = {
    "identity": {
        "keys": {"pk": "HASH", "sk": "RANGE"},
        "ttl": "ttl",
        "indexes": {
            "by_login": {"login_key": "HASH"},
            "by_email": {"email_key": "HASH"},
            "by_phone": {"phone_key": "HASH"},
        },
    },
    "notifications": {
        "keys": {"pk": "HASH", "sk": "RANGE"},
        "ttl": "ttl",
        "indexes": {"pending": {"pending_pk": "HASH", "pending_at": "RANGE"}},
    },
    "idempotency": {"keys": {"id": "HASH"}, "ttl": "expiration", "indexes": {}},
    "throttle": {"keys": {"pk": "HASH"}, "ttl": "ttl", "indexes": {}},
}


@pytest.fixture(scope="module")
def session() -> Any:
    # A backend of this module's own; its stage keeps the resource names apart from the app's.
    with mock_aws():
        yield boto3.session.Session(region_name="eu-central-1")


@pytest.fixture(scope="module")
def outputs(session: Any) -> dict[str, str]:
    return create_local_stack(session, stage=STAGE, mail_from=MAIL_FROM, site_origin=SITE_ORIGIN)


def name(resource: str) -> str:
    return f"kabinet-{STAGE}-{resource}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_table_has_its_keys_indexes_and_ttl(session: Any, outputs: dict[str, str], table: str) -> None:
    dynamodb = session.client("dynamodb")
    expected = TABLES[table]
    description = dynamodb.describe_table(TableName=name(table))["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in description["KeySchema"]} == expected["keys"]
    indexes = {
        index["IndexName"]: (
            {k["AttributeName"]: k["KeyType"] for k in index["KeySchema"]},
            index["Projection"]["ProjectionType"],
        )
        for index in description.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {index: (keys, "ALL") for index, keys in expected["indexes"].items()}
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=name(table))["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", expected["ttl"])
    assert outputs[f"{table.capitalize()}TableName"] == name(table)


def test_queue_redrives_to_its_dead_letter_queue(session: Any, outputs: dict[str, str]) -> None:
    sqs = session.client("sqs")
    queue = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=name("notifications"))["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    dlq = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=name("notifications-dlq"))["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 5}
    assert queue["VisibilityTimeout"] == "360"
    assert dlq["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert outputs["NotificationsQueueArn"] == queue["QueueArn"]
    assert outputs["NotificationsDlqArn"] == dlq["QueueArn"]


def test_sender_is_verified_and_can_send(session: Any, outputs: dict[str, str]) -> None:
    ses = session.client("ses")
    status = ses.get_identity_verification_attributes(Identities=[MAIL_FROM])["VerificationAttributes"]
    assert status[MAIL_FROM]["VerificationStatus"] == "Success"
    ses.send_email(
        Source=MAIL_FROM,
        Destination={"ToAddresses": ["user@example.ru"]},
        Message={"Subject": {"Data": "Проверка"}, "Body": {"Text": {"Data": "Текст"}}},
    )


def test_secret_holds_a_generated_signing_key(session: Any, outputs: dict[str, str]) -> None:
    secret = session.client("secretsmanager").get_secret_value(SecretId=name("app-secrets"))
    key = json.loads(secret["SecretString"])["signing_key"]
    assert len(key) == 64 and key.isalnum()
    assert outputs["AppSecretName"] == name("app-secrets")
    assert outputs["AppSecretArn"] == secret["ARN"]


def test_bucket_accepts_uploads_from_the_site(session: Any, outputs: dict[str, str]) -> None:
    s3 = session.client("s3")
    bucket = outputs["AttachmentsBucketName"]
    assert bucket == name("attachments-123456789012")  # moto's default account
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert [(r["AllowedOrigins"], sorted(r["AllowedMethods"])) for r in rules] == [
        ([SITE_ORIGIN], ["GET", "HEAD", "POST"])
    ]


def test_alarm_topic_exists(session: Any, outputs: dict[str, str]) -> None:
    topics = [t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]]
    assert outputs["AlarmTopicArn"] in topics
    assert outputs["AlarmTopicArn"].endswith(":" + name("alarms"))


def test_creating_again_changes_nothing(session: Any, outputs: dict[str, str]) -> None:
    assert create_local_stack(session, stage=STAGE, mail_from=MAIL_FROM, site_origin=SITE_ORIGIN) == outputs


def test_an_unclassified_resource_type_is_refused(session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    template = stack.load_template()
    template["Resources"]["Extra"] = {"Type": "AWS::Kinesis::Stream", "Properties": {}}
    monkeypatch.setattr(stack, "load_template", lambda: template)
    with pytest.raises(ValueError, match="Extra: AWS::Kinesis::Stream"):
        create_local_stack(session, stage="other", mail_from=MAIL_FROM)
