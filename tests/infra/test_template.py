"""The deployable package: the real app packaged by infra/package.sh, linted and checked for the
properties the design depends on (partial batch failures, encryption, recovery, least privilege).

cfn-lint validates the SAM template as such; the checks below cover what it cannot see, such as
SAM event properties and the contents of IAM policies.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

pytest.importorskip("chalice", reason="packaging needs chalice")

from cfnlint.api import lint_file

REPO = Path(__file__).resolve().parents[2]
SAM_FUNCTION = "AWS::Serverless::Function"


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    # The interpreter running the tests is the one with chalice and the app's dependencies.
    result = subprocess.run(
        ["bash", str(REPO / "infra" / "package.sh"), str(out)],
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def template(package_dir: Path) -> dict[str, Any]:
    # Chalice writes long-form intrinsics, so plain YAML reads it.
    return yaml.safe_load((package_dir / "sam.yaml").read_text(encoding="utf-8"))


def resources_of(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] in types}


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def policy_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every identity policy in the template, with the resource it is on (a role
    for its inline policies, the policy resource for the others)."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        if resource["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """What a role may do: its inline policies and the stack's managed policies attached to it."""
    resources = template["Resources"]
    props = resources[role]["Properties"]
    statements = [s for policy in props.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for arn in props.get("ManagedPolicyArns", []):
        statements += resources[arn["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    # A policy resource naming the role itself would escape this reading: there must be none.
    assert not resources_of(template, "AWS::IAM::RolePolicy", "AWS::IAM::Policy")
    return statements


def arn_text(value: Any) -> str:
    """An ARN of the template as one `Fn::Sub`-style string: `${Table.Arn}`, `${Secret}` (a Ref),
    `${Bucket.Arn}/inbox/*`, or a literal such as `*`."""
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return "${%s}" % (".".join(target) if isinstance(target, list) else target)
    if "Ref" in value:
        return "${%s}" % value["Ref"]
    if "Fn::Sub" in value:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        for key, variable in variables.items():
            # Other functions (the SES sender's domain, split from MailFrom) stay a named variable.
            if isinstance(variable, str) or {"Ref", "Fn::GetAtt"} & set(variable):
                text = text.replace("${%s}" % key, arn_text(variable))
        return text
    raise AssertionError(f"unexpected intrinsic in an IAM resource: {value}")


def statement_resources(statement: dict[str, Any]) -> list[str]:
    assert "NotResource" not in statement
    return [arn_text(resource) for resource in as_list(statement["Resource"])]


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's evaluation over one role's statements (conditions aside): an allow and no deny."""

    def matches(statement: dict[str, Any]) -> bool:
        return any(
            fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in as_list(statement["Action"])
        ) and any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement_resources(statement))

    return any(matches(s) for s in statements if s["Effect"] == "Allow") and not any(
        matches(s) for s in statements if s["Effect"] == "Deny"
    )


def function_roles(template: dict[str, Any]) -> dict[str, str]:
    return {
        name: fn["Properties"]["Role"]["Fn::GetAtt"][0] for name, fn in resources_of(template, SAM_FUNCTION).items()
    }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_package_contains_template_and_code(package_dir: Path) -> None:
    assert (package_dir / "sam.yaml").is_file()
    assert (package_dir / "deployment.zip").stat().st_size > 0


def test_the_package_holds_exactly_the_locked_runtime_set(package_dir: Path) -> None:
    import zipfile

    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        packaged = {
            re.sub(r"[-_.]+", "-", m[1]).lower(): m[2]
            for m in (re.match(r"([^/]+)-([^-/]+)\.dist-info/METADATA$", name) for name in archive.namelist())
            if m
        }
    locked = {
        re.sub(r"[-_.]+", "-", m[1]).lower(): m[2]
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", (REPO / "requirements.lock").read_text(), re.M)
    }
    assert packaged == locked


def test_cfn_lint_reports_nothing(package_dir: Path) -> None:
    # No suppressions are configured: any finding, warnings included, is to be fixed or
    # suppressed deliberately (with a reason) in infra/resources.yaml.
    matches = lint_file(package_dir / "sam.yaml")
    assert [f"{m.rule.id} {m.path} {m.message}" for m in matches] == []


def test_every_sqs_event_source_reports_batch_item_failures(template: dict[str, Any]) -> None:
    # SAM turns each SQS event of a function into an AWS::Lambda::EventSourceMapping.
    sources = [
        (name, event["Properties"])
        for name, fn in resources_of(template, SAM_FUNCTION).items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]
    sources += [
        (name, mapping["Properties"])
        for name, mapping in resources_of(template, "AWS::Lambda::EventSourceMapping").items()
        if ":sqs:" in json.dumps(mapping["Properties"]["EventSourceArn"])
    ]
    assert "NotificationsConsumer" in {name for name, _ in sources}
    for name, props in sources:
        assert "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []), name


def test_sqs_event_sources_read_queues_of_this_stack_with_room_to_finish(template: dict[str, Any]) -> None:
    queues = resources_of(template, "AWS::SQS::Queue")
    for name, fn in resources_of(template, SAM_FUNCTION).items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            # A reference (not a name in a string) orders the mapping after the queue.
            queue = event["Properties"]["Queue"]["Fn::Sub"].removeprefix("${").removesuffix(".Arn}")
            assert queue in queues, name
            # AWS: visibility timeout at least six times the function timeout.
            assert queues[queue]["Properties"]["VisibilityTimeout"] >= 6 * fn["Properties"]["Timeout"]


def test_every_queue_has_a_dead_letter_queue(template: dict[str, Any]) -> None:
    queues = resources_of(template, "AWS::SQS::Queue")
    dead_letter = {
        policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if (policy := q["Properties"].get("RedrivePolicy"))
    }
    assert dead_letter
    # Lambda's on-failure destinations are the end of the line too: nobody consumes them.
    dead_letter |= {
        config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for fn in resources_of(template, SAM_FUNCTION).values()
        if (config := fn["Properties"].get("EventInvokeConfig"))
    }
    for name, queue in queues.items():
        props = queue["Properties"]
        assert props.get("SqsManagedSseEnabled") is True, name
        if name in dead_letter:
            assert props["MessageRetentionPeriod"] == 14 * 24 * 3600, name
        else:
            assert props["RedrivePolicy"]["maxReceiveCount"] == 5, name


def test_tables_are_encrypted_recoverable_and_retained(template: dict[str, Any]) -> None:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert {t["Properties"]["TableName"]["Fn::Sub"] for t in tables.values()} == {
        f"kabinet-${{Stage}}-{name}"
        for name in (
            "identity",
            "notifications",
            "idempotency",
            "throttle",
            "metering",
            "outages",
            "reference",
            "audit",
            "cases",
            "aiis",
            "agents",
        )
    }
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["SSESpecification"] == {"SSEEnabled": True}, name
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["TimeToLiveSpecification"]["Enabled"] is True, name
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name


def test_no_policy_allows_scans_or_wildcard_actions(template: dict[str, Any]) -> None:
    statements = list(policy_statements(template))
    assert statements
    for name, statement in statements:
        if statement["Effect"] != "Allow":
            continue
        assert "NotAction" not in statement, name
        for action in as_list(statement["Action"]):
            # IAM matches actions case-insensitively, with the same * and ? wildcards as fnmatch.
            assert not fnmatch.fnmatchcase("dynamodb:scan", action.lower()), (name, action)
            assert not action.endswith(":*") and action != "*", (name, action)


def test_table_grants_match_the_tables(template: dict[str, Any]) -> None:
    """Every table is reachable by some function, and nothing else is."""
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    granted = {
        arn.removeprefix("${").split(".Arn}", 1)[0]
        for _, statement in policy_statements(template)
        if statement["Effect"] == "Allow"
        for arn in statement_resources(statement)
        if any(action.startswith("dynamodb:") for action in as_list(statement["Action"]))
    }
    assert granted == tables


def test_only_the_consumer_sends_mail_and_sms(template: dict[str, Any]) -> None:
    senders = {
        name
        for name, statement in policy_statements(template)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action.startswith(("ses:", "sns:"))
    }
    assert senders == {"NotificationsConsumerRole"}


def test_functions_run_the_designed_runtime_and_sizes(template: dict[str, Any]) -> None:
    functions = resources_of(template, SAM_FUNCTION)
    assert {"APIHandler", "NotificationsConsumer", "OutboxRelay"} <= set(functions)
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.11", name
        # The stage comes from the Stage parameter (Globals), never from the packaging.
        assert "KABINET_STAGE" not in props.get("Environment", {}).get("Variables", {}), name
        # The exchange imports whole billing drops: it gets Lambda's longest run and more CPU.
        # The reminders tick fans a notice out to every account (200,000 in a minute or so; Lambda's
        # longest run as margin).
        expected = {"APIHandler": (512, 15), "ExchangeRun": (1024, 900), "RemindersTick": (512, 900)}.get(
            name, (256, 60)
        )
        assert (props["MemorySize"], props["Timeout"]) == expected, name
    log_group = template["Globals"]["Function"]["LoggingConfig"]["LogGroup"]
    assert log_group == {"Ref": "AppLogGroup"}
    assert template["Globals"]["Function"]["Environment"]["Variables"]["KABINET_STAGE"] == {"Ref": "Stage"}


def test_every_function_is_watched_for_errors_and_throttles(template: dict[str, Any]) -> None:
    functions = set(resources_of(template, SAM_FUNCTION))
    for alarm in ("LambdaErrorsAlarm", "LambdaThrottlesAlarm"):
        watched = {
            query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
            for query in template["Resources"][alarm]["Properties"]["Metrics"]
            if "MetricStat" in query
        }
        assert watched == functions, alarm


def test_stage_references_name_the_chalice_api(template: dict[str, Any]) -> None:
    # cfn-lint does not resolve SAM's `<Api>.Stage` references; a typo would fail only at deploy.
    apis = set(resources_of(template, "AWS::Serverless::Api"))
    stage_refs = {
        node["Ref"]
        for node in walk(template["Resources"])
        if isinstance(node, dict) and isinstance(node.get("Ref"), str) and node["Ref"].endswith(".Stage")
    }
    assert stage_refs == {f"{api}.Stage" for api in apis} == {"RestAPI.Stage"}


def test_the_api_decompresses_agents_gzip_bodies(template: dict[str, Any]) -> None:
    # Without compression enabled API Gateway would pass an agent's gzip body (Content-Type
    # application/json) as text and mangle its bytes; with it, the body arrives decompressed and the
    # signature is checked against the canonical re-compression (chalicelib/aiis/ingestion/signing.py).
    assert template["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == 1024


def test_waf_protects_the_api_stage(template: dict[str, Any]) -> None:
    association = template["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn, variables = association["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${RestAPI}/stages/${StageName}")
    assert variables == {"StageName": {"Ref": "RestAPI.Stage"}}
    rules = {rule["Name"]: rule for rule in template["Resources"]["ApiWebAcl"]["Properties"]["Rules"]}
    # Both rate rules count per viewer, in the header only the edge sets (see the viewer-IP test).
    for name in ("api-rate-limit", "auth-rate-limit"):
        rate = rules[name]["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "FORWARDED_IP", name
        assert rate["ForwardedIPConfig"]["HeaderName"] == {"Ref": "ClientIpHeader"}, name
        assert rate["EvaluationWindowSec"] == 300, name
        assert "Block" in rules[name]["Action"], name
    auth = rules["auth-rate-limit"]["Statement"]["RateBasedStatement"]
    assert auth["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/api/v1/auth/"
    assert auth["Limit"] == {"Ref": "AuthRateLimit"}
    # The global rule: every path of the API, per IP.
    api = rules["api-rate-limit"]["Statement"]["RateBasedStatement"]
    assert "ScopeDownStatement" not in api
    assert api["Limit"] == {"Ref": "ApiRateLimit"}
    assert rules["aws-common-rules"]["Statement"]["ManagedRuleGroupStatement"]["Name"] == "AWSManagedRulesCommonRuleSet"


# --- least privilege per function ----------------------------------------------------------------

SCHEDULED = {"OutboxRelay", "AttachmentsSweep", "ExchangeRun", "PeriodClose", "ConnectionDeadlines", "RemindersTick"}
TOPIC = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:kabinet-alarms"
SENDER = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailFrom}"

# (function, action, resource, allowed?) — what each function's code calls (read from the code it
# runs, see infra/resources.yaml), and what it must not be able to do.
GRANTS = [
    ("APIHandler", "dynamodb:PutItem", "${IdentityTable.Arn}", True),
    ("APIHandler", "dynamodb:Query", "${CasesTable.Arn}/index/by_owner", True),
    ("APIHandler", "dynamodb:ConditionCheckItem", "${MeteringTable.Arn}", True),
    ("APIHandler", "sqs:SendMessage", "${NotificationsQueue.Arn}", True),
    ("APIHandler", "s3:PutObject", "${AttachmentsBucket.Arn}/uploads/u1/x", True),
    ("APIHandler", "s3:PutObject", "${ExchangeBucket.Arn}/inbox/drop.csv", True),
    ("APIHandler", "secretsmanager:GetSecretValue", "${AppSecret}", True),
    ("APIHandler", "secretsmanager:GetSecretValue", "${DataKeySecret}", True),
    # The dispute trail and the queue are out of the public function's reach.
    ("APIHandler", "s3:DeleteObjectVersion", "${ExchangeBucket.Arn}/inbox/drop.csv", True),
    ("APIHandler", "s3:DeleteObjectVersion", "${ExchangeBucket.Arn}/processed/r1/drop.csv", False),
    ("APIHandler", "s3:DeleteObject", "${ExchangeBucket.Arn}/processed/r1/drop.csv", False),
    ("APIHandler", "s3:DeleteObjectVersion", "${AttachmentsBucket.Arn}/uploads/u1/x", False),
    ("APIHandler", "sqs:ReceiveMessage", "${NotificationsQueue.Arn}", False),
    ("APIHandler", "sqs:DeleteMessage", "${NotificationsQueue.Arn}", False),
    ("APIHandler", "dynamodb:PutItem", "${IdempotencyTable.Arn}", False),
    ("APIHandler", "ses:SendEmail", SENDER, False),
    ("APIHandler", "sns:Publish", "*", False),
    ("NotificationsConsumer", "sqs:ReceiveMessage", "${NotificationsQueue.Arn}", True),
    ("NotificationsConsumer", "sqs:DeleteMessage", "${NotificationsQueue.Arn}", True),
    ("NotificationsConsumer", "dynamodb:GetItem", "${NotificationsTable.Arn}", True),
    ("NotificationsConsumer", "dynamodb:PutItem", "${IdempotencyTable.Arn}", True),
    ("NotificationsConsumer", "ses:SendEmail", SENDER, True),
    ("NotificationsConsumer", "sns:Publish", "*", True),
    ("NotificationsConsumer", "sns:Publish", TOPIC, False),
    ("NotificationsConsumer", "dynamodb:GetItem", "${IdentityTable.Arn}", False),
    ("NotificationsConsumer", "secretsmanager:GetSecretValue", "${AppSecret}", False),
    ("NotificationsConsumer", "secretsmanager:GetSecretValue", "${DataKeySecret}", False),
    # Reminders find recipients on the sparse index only, and never send mail or SMS themselves.
    ("RemindersTick", "dynamodb:Query", "${MeteringTable.Arn}/index/by_schedule", True),
    ("RemindersTick", "dynamodb:Query", "${MeteringTable.Arn}", False),
    ("RemindersTick", "dynamodb:PutItem", "${MeteringTable.Arn}", False),
    ("RemindersConsumer", "dynamodb:BatchGetItem", "${IdentityTable.Arn}", True),
    ("RemindersConsumer", "dynamodb:UpdateItem", "${IdentityTable.Arn}", False),
    ("RemindersConsumer", "ses:SendEmail", SENDER, False),
    ("OutboxRelay", "dynamodb:Query", "${NotificationsTable.Arn}/index/pending", True),
    ("OutboxRelay", "dynamodb:UpdateItem", "${NotificationsTable.Arn}", True),
    ("OutboxRelay", "sqs:SendMessage", "${NotificationsQueue.Arn}", True),
    ("OutboxRelay", "sqs:ReceiveMessage", "${NotificationsQueue.Arn}", False),
    ("OutboxRelay", "dynamodb:DeleteItem", "${NotificationsTable.Arn}", False),
    ("AttachmentsSweep", "dynamodb:Query", "${CasesTable.Arn}/index/by_queue", True),
    ("AttachmentsSweep", "dynamodb:DeleteItem", "${CasesTable.Arn}", True),
    ("AttachmentsSweep", "s3:DeleteObject", "${AttachmentsBucket.Arn}/uploads/u1/x", True),
    ("AttachmentsSweep", "s3:GetObject", "${AttachmentsBucket.Arn}/uploads/u1/x", False),
    ("AttachmentsSweep", "s3:DeleteObject", "${ExchangeBucket.Arn}/inbox/drop.csv", False),
    ("ExchangeRun", "s3:ListBucket", "${ExchangeBucket.Arn}", True),
    ("ExchangeRun", "s3:GetObject", "${ExchangeBucket.Arn}/inbox/drop.csv", True),
    ("ExchangeRun", "s3:DeleteObjectVersion", "${ExchangeBucket.Arn}/inbox/drop.csv", True),
    ("ExchangeRun", "s3:PutObject", "${ExchangeBucket.Arn}/processed/r1/drop.csv", True),
    ("ExchangeRun", "s3:PutObject", "${ExchangeBucket.Arn}/outbox/readings-r1.csv", True),
    ("ExchangeRun", "dynamodb:BatchWriteItem", "${MeteringTable.Arn}", True),
    ("ExchangeRun", "dynamodb:UpdateItem", "${AgentsTable.Arn}", True),
    ("ExchangeRun", "s3:DeleteObjectVersion", "${ExchangeBucket.Arn}/processed/r1/drop.csv", False),
    ("ExchangeRun", "s3:DeleteObject", "${ExchangeBucket.Arn}/outbox/readings-r1.csv", False),
    ("ExchangeRun", "dynamodb:GetItem", "${IdentityTable.Arn}", False),
    # The ticks read the company settings in force (time zone, lock windows); only the API writes them.
    ("ExchangeRun", "dynamodb:GetItem", "${ReferenceTable.Arn}", True),
    ("ExchangeRun", "dynamodb:PutItem", "${ReferenceTable.Arn}", False),
    ("PeriodClose", "dynamodb:GetItem", "${ReferenceTable.Arn}", True),
    ("AttachmentsSweep", "dynamodb:GetItem", "${ReferenceTable.Arn}", True),
    ("PeriodClose", "dynamodb:PutItem", "${MeteringTable.Arn}", True),
    ("PeriodClose", "dynamodb:DeleteItem", "${MeteringTable.Arn}", False),
    ("PeriodClose", "s3:GetObject", "${ExchangeBucket.Arn}/inbox/drop.csv", False),
]


def test_every_function_has_a_role_of_its_own(template: dict[str, Any]) -> None:
    roles = function_roles(template)
    assert set(roles) == {"APIHandler", "NotificationsConsumer", "RemindersConsumer"} | SCHEDULED
    assert len(set(roles.values())) == len(roles)
    for function, role in roles.items():
        resource = template["Resources"][role]
        assert resource["Type"] == "AWS::IAM::Role", function
        trust = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ], function
        # Every function writes its logs, to the stage's log group only.
        assert allowed(
            role_statements(template, role),
            "logs:PutLogEvents",
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${AppLogGroup}:*",
        )


@pytest.mark.parametrize(
    "function,action,resource,expected",
    GRANTS,
    ids=[f"{f}-{a}-{r.split('}')[0].removeprefix('${')}-{e}" for f, a, r, e in GRANTS],
)
def test_each_role_grants_what_its_function_does_and_no_more(
    template: dict[str, Any], function: str, action: str, resource: str, expected: bool
) -> None:
    role = function_roles(template)[function]
    assert allowed(role_statements(template, role), action, resource) is expected


def test_only_the_scheduled_functions_report_failures(template: dict[str, Any]) -> None:
    reporters = {
        function
        for function, role in function_roles(template).items()
        if allowed(role_statements(template, role), "sqs:SendMessage", "${ScheduledFailuresQueue.Arn}")
    }
    assert reporters == SCHEDULED


def test_no_statement_allows_every_resource_but_the_sms_one(template: dict[str, Any]) -> None:
    everything = [
        (name, statement)
        for name, statement in policy_statements(template)
        if statement["Effect"] == "Allow" and "*" in statement_resources(statement)
    ]
    # SNS authorises a publish to a phone number against no ARN at all, and X-Ray has no resources
    # (infra/resources.yaml).
    assert [(name, statement["Sid"], statement["Action"]) for name, statement in everything] == [
        ("FunctionLogsPolicy", "Traces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
        ("NotificationsConsumerRole", "SendSmsToPhoneNumbers", "sns:Publish"),
    ]
    consumer = role_statements(template, "NotificationsConsumerRole")
    for target in (
        TOPIC,
        "arn:${AWS::Partition}:sns:us-east-1:111122223333:someone-elses-topic",
        "arn:${AWS::Partition}:sns:eu-central-1:123456789012:endpoint/GCM/app/1",
    ):
        assert not allowed(consumer, "sns:Publish", target), target
    for name, statement in policy_statements(template):
        for resource in statement_resources(statement):
            # Partition, region and account come from the stack, never written out or wildcarded.
            assert not resource.startswith("arn:aws:"), (name, resource)
            assert ":*:" not in resource, (name, resource)


def test_no_name_or_arn_is_written_for_one_stage(template: dict[str, Any]) -> None:
    def strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "Tags":  # Chalice labels its functions with the configuration it packaged
                    yield from strings(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from strings(item, (*path, index))
        elif isinstance(value, str):
            yield path, value

    found = [
        (path, text)
        for path, text in strings(template["Resources"], ())
        if re.search(r"(?<![a-z])prod(?![a-z])", text, re.IGNORECASE)
    ]
    assert found == []
    names = [
        props[key]
        for resource in template["Resources"].values()
        for props in [resource.get("Properties", {})]
        for key in ("TableName", "QueueName", "BucketName", "LogGroupName", "AlarmName", "TopicName")
        if key in props
    ]
    assert names and all("${Stage}" in name["Fn::Sub"] for name in names)


# --- the edge ---------------------------------------------------------------------------------------


def api_behaviour(template: dict[str, Any]) -> dict[str, Any]:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    [behaviour] = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "api"]
    return behaviour


def test_the_execute_api_endpoint_refuses_requests_without_the_origin_secret(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    api = origins["api"]
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    [header] = api["OriginCustomHeaders"]
    condition, when_a, when_b = header["HeaderValue"]["Fn::If"]
    secrets = {"OriginSecretA", "OriginSecretB"}
    sent = {when_a["Fn::Sub"], when_b["Fn::Sub"]}
    assert sent == {"{{resolve:secretsmanager:${%s}:SecretString:value}}" % s for s in secrets}
    for secret in secrets:
        assert template["Resources"][secret]["Type"] == "AWS::SecretsManager::Secret"
        assert template["Resources"][secret]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32

    # WAF on the API stage: its first rule blocks whatever lacks both secrets in that header.
    rules = sorted(template["Resources"]["ApiWebAcl"]["Properties"]["Rules"], key=lambda rule: rule["Priority"])
    first = rules[0]
    assert first["Name"] == "origin-verify"
    assert first["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 403
    accepted = first["Statement"]["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    matches = [statement["ByteMatchStatement"] for statement in accepted]
    assert {m["FieldToMatch"]["SingleHeader"]["Name"] for m in matches} == {header["HeaderName"].lower()}
    assert {m["PositionalConstraint"] for m in matches} == {"EXACTLY"}
    assert {m["SearchString"]["Fn::Sub"] for m in matches} == sent
    assert all(m["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}] for m in matches)
    body = template["Resources"]["ApiWebAcl"]["Properties"]["CustomResponseBodies"]["forbidden"]
    assert json.loads(body["Content"])["error"]["code"] == "forbidden"


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the CloudFront function in node")
def test_the_viewer_ip_header_is_set_by_the_edge_whatever_the_client_sent(template: dict[str, Any]) -> None:
    [association] = api_behaviour(template)["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": ["ViewerIpFunction", "FunctionMetadata.FunctionARN"]},
    }
    function = template["Resources"]["ViewerIpFunction"]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    header = template["Parameters"]["ClientIpHeader"]["Default"]
    code = function["FunctionCode"]["Fn::Sub"].replace("${ClientIpHeader}", header)
    # CloudFront hands functions lower-case header names; a client's forged value must not survive.
    event = {
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": "GET",
            "uri": "/api/v1/health",
            "headers": {header.lower(): {"value": "10.0.0.1"}, "host": {"value": "lk.example.ru"}},
        },
    }
    script = f"{code}\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    result = json.loads(
        subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout
    )
    assert result["headers"][header.lower()] == {"value": "198.51.100.7"}
    assert result["headers"]["host"] == {"value": "lk.example.ru"}
    # The functions read the same header name the edge writes.
    assert template["Globals"]["Function"]["Environment"]["Variables"]["KABINET_CLIENT_IP_HEADER"] == {
        "Ref": "ClientIpHeader"
    }


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_every_response_of_the_distribution_carries_the_security_headers(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    for behaviour in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    policy = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 31536000,
        "IncludeSubdomains": True,
        "Preload": False,
        "Override": True,
    }
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["ContentSecurityPolicy"]["Override"] is True
    custom = {item["Header"]: item for item in policy["CustomHeadersConfig"]["Items"]}
    assert custom["Permissions-Policy"]["Override"] is True
    assert "camera=()" in custom["Permissions-Policy"]["Value"]

    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = csp_directives(csp)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    # The site and the API share the origin; presigned uploads go to the attachments bucket itself.
    assert directives["connect-src"] == ["'self'", "https://${AttachmentsBucket.RegionalDomainName}"]
    for local in ("127.0.0.1", "localhost", "http:", "*.amazonaws.com", "'unsafe-inline'", "'unsafe-eval'"):
        assert local not in csp, local


def test_the_site_is_served_from_its_private_bucket_through_the_distribution(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "site"
    assert origins["site"]["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert origins["site"]["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert api_behaviour(template)["PathPattern"] == "/api/*"
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    [reader] = [
        s
        for s in template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert "${Distribution}" in reader["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]


def test_the_local_server_sends_the_edge_headers_with_its_own_upload_endpoint() -> None:
    from infra.local.run import LocalStack
    from infra.local.stack import load_template, security_headers

    local = security_headers("http://127.0.0.1:4566")
    policy = load_template()["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    deployed = csp_directives(
        policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    )
    # Same policy as the edge's, but uploads go to the local S3 endpoint.
    assert csp_directives(local["Content-Security-Policy"]) == {
        **deployed,
        "connect-src": ["'self'", "http://127.0.0.1:4566"],
    }

    stack = LocalStack(port=0)
    url = stack.serve()
    try:
        for path in ("/", "/docs.html", "/staff.html", "/missing.js"):
            try:
                response = urllib.request.urlopen(url + path, timeout=10)
            except urllib.error.HTTPError as error:
                response = error
            headers = response.headers
            assert headers["X-Frame-Options"] == "DENY", path
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
            assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
            assert headers["X-Content-Type-Options"] == "nosniff", path
            assert headers["Permissions-Policy"], path
            csp = csp_directives(headers["Content-Security-Policy"])
            assert {k: v for k, v in csp.items() if k != "connect-src"} == {
                k: v for k, v in deployed.items() if k != "connect-src"
            }, path
            assert csp["connect-src"][0] == "'self'" and len(csp["connect-src"]) == 2, path
    finally:
        stack.stop_api()
    # No page of the site narrows or widens the policy with a <meta> of its own.
    for page in (REPO / "static-site").glob("*.html"):
        assert 'http-equiv="Content-Security-Policy"' not in page.read_text(encoding="utf-8"), page.name


# --- operations ----------------------------------------------------------------------------------------


def test_the_api_stage_is_throttled_and_access_logged_without_bodies(template: dict[str, Any]) -> None:
    props = template["Resources"]["RestAPI"]["Properties"]
    [settings] = props["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    assert settings["LoggingLevel"] == "OFF" and settings["DataTraceEnabled"] is False
    log = props["AccessLogSetting"]
    assert log["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert template["Resources"]["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == 90
    fields = json.loads(log["Format"])
    assert {"requestId", "ip", "status", "latency"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"
    assert fields["status"] == "$context.status"
    for variable in fields.values():
        assert not any(part in variable for part in ("$input", "body", "path}", "$context.path")), variable
    # Access logs need the account's CloudWatch role; the stage is created after it is set.
    assert template["Resources"]["RestAPI"]["DependsOn"] == "ApiGatewayAccount"
    account = template["Resources"]["ApiGatewayAccount"]["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}


def test_what_api_gateway_and_waf_answer_themselves_is_in_the_error_shape(template: dict[str, Any]) -> None:
    # These requests never reach the function (an unknown path or method, stage throttling, a body over
    # 10 MB, a failed invocation): by default API Gateway answers them in English, outside the contract,
    # e.g. 403 {"message": "Missing Authentication Token"} for /api/v1/no-such-route.
    responses = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]
    expected = {
        "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
        "THROTTLED": (None, "rate_limited"),
        "REQUEST_TOO_LARGE": (None, "payload_too_large"),
        "UNSUPPORTED_MEDIA_TYPE": (None, "unsupported_media_type"),
        "DEFAULT_4XX": (None, "bad_request"),
        "DEFAULT_5XX": (None, "internal_error"),
    }
    assert set(responses) == set(expected)
    bodies = []
    for kind, (status, code) in expected.items():
        response = responses[kind]
        assert response.get("statusCode") == status, kind
        assert response["responseParameters"] == {"gatewayresponse.header.Cache-Control": "'no-store'"}
        body = json.loads(response["responseTemplates"]["application/json"])
        assert body["error"]["code"] == code, kind
        bodies.append(body)
    waf = template["Resources"]["ApiWebAcl"]["Properties"]["CustomResponseBodies"]
    bodies += [json.loads(item["Content"]) for item in waf.values()]
    for body in bodies:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
        assert body["error"]["fields"] == []
        assert re.search("[А-Яа-яЁё]", body["error"]["message"]), body
    # The codes the API documents (docs/api-accounts.md), so clients treat them as any other answer.
    assert {json.loads(item["Content"])["error"]["code"] for item in waf.values()} == {"rate_limited", "forbidden"}


def test_failed_scheduled_invocations_land_in_an_alarmed_queue(template: dict[str, Any]) -> None:
    scheduled = {
        name
        for name, fn in resources_of(template, SAM_FUNCTION).items()
        if any(event["Type"] == "Schedule" for event in fn["Properties"].get("Events", {}).values())
    }
    assert scheduled == SCHEDULED
    for name in scheduled:
        config = template["Resources"][name]["Properties"]["EventInvokeConfig"]
        assert config["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": {"Fn::GetAtt": ["ScheduledFailuresQueue", "Arn"]},
        }, name
    alarm = alarm_on(template, "ScheduledFailuresQueue", "ApproximateNumberOfMessagesVisible")
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_notifications_waiting_too_long_raise_an_alarm(template: dict[str, Any]) -> None:
    alarm = alarm_on(template, "NotificationsQueue", "ApproximateAgeOfOldestMessage")
    assert alarm["Statistic"] == "Maximum" and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert 0 < alarm["Threshold"] <= 900


def test_scheduled_notices_waiting_too_long_raise_an_alarm(template: dict[str, Any]) -> None:
    alarm = alarm_on(template, "RemindersQueue", "ApproximateAgeOfOldestMessage")
    assert alarm["Statistic"] == "Maximum" and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # Above the age a message reaches through its retries (visibility timeout × receives before the DLQ),
    # which the DLQ alarm covers; below a day, the reminders' own rhythm.
    queue = template["Resources"]["RemindersQueue"]["Properties"]
    retries = queue["VisibilityTimeout"] * queue["RedrivePolicy"]["maxReceiveCount"]
    assert retries < alarm["Threshold"] <= 3 * 3600


def alarm_on(template: dict[str, Any], queue: str, metric: str) -> dict[str, Any]:
    [alarm] = [
        a["Properties"]
        for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == metric
        and a["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    return alarm


# --- the roles against what the functions really call ------------------------------------------------


class Recorder:
    """Every AWS call made through botocore (boto3 and PynamoDB alike) while `calls_of` runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import botocore.client

        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.active = False
        original = botocore.client.BaseClient._make_api_call
        recorder = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if recorder.active:
                recorder.calls.append((client.meta.service_model.service_name, operation, params))
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)

    def calls_of(self, run: Any) -> tuple[Any, list[tuple[str, str, dict[str, Any]]]]:
        self.calls, self.active = [], True
        try:
            return run(), self.calls
        finally:
            self.active = False


def physical_names(template: dict[str, Any], stage: str, account: str) -> dict[tuple[str, str], str]:
    """(TableName|BucketName|QueueName, physical name) of the template's resources → logical id.
    A table and a queue may share a name (`kabinet-<stage>-notifications`)."""
    names = {}
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("TableName", "BucketName", "QueueName"):
            if key in props:
                physical = props[key]["Fn::Sub"].replace("${Stage}", stage).replace("${AWS::AccountId}", account)
                names[key, physical] = logical
    return names


def iam_requests(call: tuple[str, str, dict[str, Any]], names: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """The (action, resource) pairs IAM authorises for one API call, resources as the template
    writes them (`${Table.Arn}`)."""
    service, operation, params = call

    def table(name: str, index: str | None = None) -> str:
        return "${%s.Arn}" % names["TableName", name] + (f"/index/{index}" if index else "")

    def obj(bucket: str, key: str) -> str:
        return "${%s.Arn}/%s" % (names["BucketName", bucket], key)

    if service == "dynamodb":
        if operation == "TransactWriteItems":
            verbs = {
                "Put": "PutItem",
                "Update": "UpdateItem",
                "Delete": "DeleteItem",
                "ConditionCheck": "ConditionCheckItem",
            }
            return [
                (f"dynamodb:{verbs[kind]}", table(item[kind]["TableName"]))
                for item in params["TransactItems"]
                for kind in item
            ]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
        return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    if service == "s3":
        bucket = params["Bucket"]
        if operation == "ListObjectsV2":
            return [("s3:ListBucket", "${%s.Arn}" % names["BucketName", bucket])]
        if operation in ("GetObject", "HeadObject"):
            return [("s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject", obj(bucket, params["Key"]))]
        if operation == "PutObject":
            return [("s3:PutObject", obj(bucket, params["Key"]))]
        if operation == "CopyObject":
            source = params["CopySource"]  # "bucket/key" once botocore has encoded it
            if isinstance(source, str):
                source_bucket, _, source_key = unquote(source.split("?", 1)[0]).partition("/")
            else:
                source_bucket, source_key = source["Bucket"], source["Key"]
            return [("s3:GetObject", obj(source_bucket, source_key)), ("s3:PutObject", obj(bucket, params["Key"]))]
        if operation == "DeleteObject":
            return [
                ("s3:DeleteObjectVersion" if params.get("VersionId") else "s3:DeleteObject", obj(bucket, params["Key"]))
            ]
        if operation == "DeleteObjects":
            return [("s3:DeleteObject", obj(bucket, item["Key"])) for item in params["Delete"]["Objects"]]
    if service == "sqs":
        name = params.get("QueueName") or params["QueueUrl"].rsplit("/", 1)[1]
        action = "sqs:SendMessage" if operation == "SendMessageBatch" else f"sqs:{operation}"
        return [(action, "${%s.Arn}" % names["QueueName", name])]
    if service == "ses" and operation in ("SendEmail", "SendRawEmail"):
        from chalicelib.core.config import get_settings

        assert params["Source"] == get_settings().mail_from
        return [(f"ses:{operation}", SENDER)]
    if service == "sns" and operation == "Publish" and "PhoneNumber" in params:
        return [("sns:Publish", "*")]
    if service == "secretsmanager" and operation == "GetSecretValue":
        secret = "DataKeySecret" if params["SecretId"].endswith("-data-key") else "AppSecret"
        return [("secretsmanager:GetSecretValue", "${%s}" % secret)]
    raise AssertionError(f"no IAM mapping for {service}:{operation}; add it to iam_requests")


def test_each_function_is_allowed_every_call_its_code_makes(
    template: dict[str, Any], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled functions and the consumer, run on a moto stack as Lambda runs them: every
    call each one makes is allowed by its role (and each does make calls)."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    import boto3

    from chalicelib.accounts.privacy import PrivacyService
    from chalicelib.attachments.models import UploadRequest
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.core import clock
    from chalicelib.core.dynamo import transaction
    from chalicelib.exchange.demo import demo_drop
    from chalicelib.exchange.schedule import exchange_tick, period_close_tick
    from chalicelib.metering.periods import current_period
    from chalicelib.notifications import outbox
    from chalicelib.notifications.consumer import handle_batch
    from chalicelib.settings import service as company_settings
    from infra.local.run import sqs_event

    names = physical_names(template, "test", "123456789012")
    roles = function_roles(template)
    recorder = Recorder(monkeypatch)
    s3 = boto3.client("s3", region_name="eu-central-1")
    sqs = boto3.client("sqs", region_name="eu-central-1")
    made: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}

    # The exchange imports a billing drop waiting in the inbox and archives it.
    s3.put_object(
        Bucket=aws["ExchangeBucketName"], Key="inbox/demo.csv", Body=demo_drop(current_period().previous().key)
    )
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 300_000)
    # Each scheduled function reads the company settings itself (a cold container: nothing cached),
    # and the exchange's tick claims its lock window before running.
    company_settings.reset_cache()
    moscow = ZoneInfo("Europe/Moscow")
    in_lock_window = datetime.now(moscow).replace(hour=12, minute=56)  # today, inside 12:55–13:25
    clock.set_clock(lambda: in_lock_window)
    try:
        run, made["ExchangeRun"] = recorder.calls_of(lambda: exchange_tick(context))
    finally:
        clock.set_clock(None)
    assert run is not None and run.status == "ok" and run.drops and run.drops[0]["applied"] > 0
    company_settings.reset_cache()
    closed, made["PeriodClose"] = recorder.calls_of(period_close_tick)
    assert closed is not None
    company_settings.reset_cache()

    # An upload never attached, a day old, is swept: its record, then its object.
    user = SimpleNamespace(user_id="u-roles", is_staff=False)
    ticket = AttachmentService().start_upload(
        user, UploadRequest(file_name="scan.pdf", content_type="application/pdf", size=4, purpose="appeal")
    )
    s3.put_object(Bucket=aws["AttachmentsBucketName"], Key=f"uploads/u-roles/{ticket.upload_id}", Body=b"%PDF")
    later = clock.now() + timedelta(hours=25)
    clock.set_clock(lambda: later)
    try:
        # As app.py's attachments_sweep: the uploads, then the retention sweep (in the company's zone).
        swept, made["AttachmentsSweep"] = recorder.calls_of(
            lambda: (AttachmentService().sweep(), PrivacyService().sweep_retention())[0]
        )
    finally:
        clock.set_clock(None)
    assert swept >= 1

    # A notification whose hand-off to SQS was lost is relayed, then delivered by e-mail and SMS.
    earlier = clock.now() - timedelta(minutes=5)
    clock.set_clock(lambda: earlier)
    try:
        with transaction() as tx:
            outbox.stage(
                tx,
                outbox.Notification(
                    "phone_changed", {"phone": "+79990001122"}, email="roles@example.ru", phone="+79990001122"
                ),
            )
    finally:
        clock.set_clock(None)
    # The PP 861 deadline watcher at noon company time: one application waiting for documents due
    # tomorrow (its applicant is reminded), one whose term has passed (annulled, audited).
    from chalicelib.connection import calendar
    from chalicelib.connection.repository import ApplicationItem
    from chalicelib.connection.watcher import watch_deadlines

    noon = datetime.now(moscow).replace(hour=12, minute=0)
    today = noon.date()
    for app_id, requested in (
        ("roles-remind", calendar.working_days_before(calendar.add_working_days(today, 1), 20)),
        ("roles-annul", today - timedelta(days=60)),
    ):
        at = f"{requested.isoformat()}T09:00:00Z"
        ApplicationItem(
            f"TP#{app_id}",
            "TP",
            application_id=app_id,
            owner_id="u-roles",
            owner_pk="TP#OWNER#u-roles",
            kind="person",
            category="household_15",
            reason="first",
            status="awaiting_documents",
            applicant={"email": "roles@example.ru", "phone": "+79990001122"},
            milestones={"checking": at, "awaiting_documents": at},
            number=f"2026-01-01-{app_id}-1",
            created_at=at,
            updated_at=at,
            version=2,
            due_pk="TP#DUE",
            due_on=today.isoformat(),
        ).save()
    company_settings.reset_cache()
    clock.set_clock(lambda: noon)
    try:
        watched, made["ConnectionDeadlines"] = recorder.calls_of(watch_deadlines)
    finally:
        clock.set_clock(None)
    assert watched.reminded == 1 and watched.annulled == 1

    relayed, made["OutboxRelay"] = recorder.calls_of(outbox.relay_pending)
    assert relayed >= 1
    url = sqs.get_queue_url(QueueName="kabinet-test-notifications")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    event = sqs_event(messages)
    result, made["NotificationsConsumer"] = recorder.calls_of(lambda: handle_batch(event))
    assert messages and result == {"batchItemFailures": []}
    assert {(service, operation) for service, operation, _ in made["NotificationsConsumer"]} >= {
        ("ses", "SendEmail"),
        ("sns", "Publish"),
    }

    # Reminders: an account holding the demo contract hears that the window opened (tick → queue →
    # consumer), on the company's wall clock.
    from chalicelib.accounts.provisioning import create_active_user
    from chalicelib.accounts.repository import UserRepository
    from chalicelib.exchange.demo import DEMO_CONTRACT
    from chalicelib.metering.access import stage_grant
    from chalicelib.metering.repository import MeteringRepository, contract_key
    from chalicelib.reminders.service import handle_batch as reminders_batch, reminders_tick

    holder_id = create_active_user(
        login="rolesreminder",
        password="Secret123pass",
        email="reminder@example.ru",
        phone="+79990002233",
        kind="person",
        role="consumer",
        profile={"last_name": "Иванов", "first_name": "Иван"},
    )
    metering = MeteringRepository()
    contract, objects = metering.contract_with_objects(DEMO_CONTRACT)
    with transaction() as tx:
        stage_grant(
            tx,
            UserRepository().get(holder_id),
            contract,
            objects,
            metering.meters_of(contract_key(DEMO_CONTRACT)),
            "holder",
            "proof",
            clock.iso(clock.now()),
        )
    # Next month's window: this month's period may have been closed above.
    window_open = (datetime.now(moscow).replace(day=1) + timedelta(days=32)).replace(day=25, hour=10, minute=0)
    clock.set_clock(lambda: window_open)
    try:
        company_settings.reset_cache()
        ran, made["RemindersTick"] = recorder.calls_of(reminders_tick)
        url = sqs.get_queue_url(QueueName="kabinet-test-reminders")["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert messages, ran
        event = sqs_event(messages)
        company_settings.reset_cache()
        result, made["RemindersConsumer"] = recorder.calls_of(lambda: reminders_batch(event))
    finally:
        clock.set_clock(None)
    assert f"window_open#{window_open:%Y-%m}" in ran and result == {"batchItemFailures": []}
    assert ("dynamodb", "TransactWriteItems") in {(service, op) for service, op, _ in made["RemindersConsumer"]}

    for function, calls in made.items():
        assert calls, function
        statements = role_statements(template, roles[function])
        refused = [
            (action, resource)
            for call in calls
            for action, resource in iam_requests(call, names)
            if not allowed(statements, action, resource)
        ]
        assert refused == [], function
