"""The deployable package: the real app packaged by infra/package.sh, linted and checked for the
properties the design depends on (partial batch failures, encryption, recovery, least privilege).

cfn-lint validates the SAM template as such; the checks below cover what it cannot see, such as
SAM event properties and the contents of IAM policies.
"""
from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

pytest.importorskip("chalice", reason="packaging needs chalice")

from cfnlint.api import lint_file  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAM_FUNCTION = "AWS::Serverless::Function"


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    # The interpreter running the tests is the one with chalice and the app's dependencies.
    result = subprocess.run(["bash", str(REPO / "infra" / "package.sh"), str(out)], cwd=REPO,
                            env={**os.environ, "PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=600)
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
    """Every statement of every identity policy in the template, with the resource it is on."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        if resource["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_package_contains_template_and_code(package_dir: Path) -> None:
    assert (package_dir / "sam.yaml").is_file()
    assert (package_dir / "deployment.zip").stat().st_size > 0


def test_cfn_lint_reports_nothing(package_dir: Path) -> None:
    # No suppressions are configured: any finding, warnings included, is to be fixed or
    # suppressed deliberately (with a reason) in infra/resources.yaml.
    matches = lint_file(package_dir / "sam.yaml")
    assert [f"{m.rule.id} {m.path} {m.message}" for m in matches] == []


def test_every_sqs_event_source_reports_batch_item_failures(template: dict[str, Any]) -> None:
    # SAM turns each SQS event of a function into an AWS::Lambda::EventSourceMapping.
    sources = [(name, event["Properties"])
               for name, fn in resources_of(template, SAM_FUNCTION).items()
               for event in fn["Properties"].get("Events", {}).values() if event["Type"] == "SQS"]
    sources += [(name, mapping["Properties"])
                for name, mapping in resources_of(template, "AWS::Lambda::EventSourceMapping").items()
                if ":sqs:" in json.dumps(mapping["Properties"]["EventSourceArn"])]
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
    dead_letter = {policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
                   for q in queues.values() if (policy := q["Properties"].get("RedrivePolicy"))}
    assert dead_letter
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
        f"kabinet-${{Stage}}-{name}" for name in ("identity", "notifications", "idempotency", "throttle", "metering",
                                                           "outages", "reference", "audit", "cases", "aiis",
                                                           "agents")}
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
    """Every table is reachable by the functions, and nothing else is."""
    tables = {t["Properties"]["TableName"]["Fn::Sub"].replace("${Stage}", "prod")
              for t in resources_of(template, "AWS::DynamoDB::Table").values()}
    granted = set()
    for _, statement in policy_statements(template):
        for arn in as_list(statement.get("Resource", [])):
            if isinstance(arn, str) and ":dynamodb:" in arn:
                granted.add(arn.split(":table/", 1)[1].split("/", 1)[0])
    assert granted == tables


def test_only_the_consumer_sends_mail_and_sms(template: dict[str, Any]) -> None:
    senders = {name for name, statement in policy_statements(template)
               for action in as_list(statement["Action"]) if action.startswith(("ses:", "sns:"))}
    assert senders == {"NotificationsConsumerMessagingPolicy"}
    policy = template["Resources"]["NotificationsConsumerMessagingPolicy"]["Properties"]
    assert policy["RoleName"] == {"Ref": "NotificationsConsumerRole"}


def test_functions_run_the_designed_runtime_and_sizes(template: dict[str, Any]) -> None:
    functions = resources_of(template, SAM_FUNCTION)
    assert {"APIHandler", "NotificationsConsumer", "OutboxRelay"} <= set(functions)
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.11", name
        assert props["Environment"]["Variables"]["KABINET_STAGE"] == "prod", name
        # The exchange imports whole billing drops: it gets Lambda's longest run and more CPU.
        expected = {"APIHandler": (512, 15), "ExchangeRun": (1024, 900)}.get(name, (256, 60))
        assert (props["MemorySize"], props["Timeout"]) == expected, name
    log_group = template["Globals"]["Function"]["LoggingConfig"]["LogGroup"]
    assert log_group == {"Ref": "AppLogGroup"}


def test_every_function_is_watched_for_errors_and_throttles(template: dict[str, Any]) -> None:
    functions = set(resources_of(template, SAM_FUNCTION))
    for alarm in ("LambdaErrorsAlarm", "LambdaThrottlesAlarm"):
        watched = {query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
                   for query in template["Resources"][alarm]["Properties"]["Metrics"]
                   if "MetricStat" in query}
        assert watched == functions, alarm


def test_stage_references_name_the_chalice_api(template: dict[str, Any]) -> None:
    # cfn-lint does not resolve SAM's `<Api>.Stage` references; a typo would fail only at deploy.
    apis = set(resources_of(template, "AWS::Serverless::Api"))
    stage_refs = {node["Ref"] for node in walk(template["Resources"])
                  if isinstance(node, dict) and isinstance(node.get("Ref"), str) and node["Ref"].endswith(".Stage")}
    assert stage_refs == {f"{api}.Stage" for api in apis} == {"RestAPI.Stage"}


def test_the_api_decompresses_agents_gzip_bodies(template: dict[str, Any]) -> None:
    # Without compression enabled API Gateway would pass an agent's gzip body (Content-Type
    # application/json) as text and mangle its bytes; with it, the body arrives decompressed and the
    # signature is checked against the canonical re-compression (chalicelib/aiis/signing.py).
    assert template["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == 1024


def test_waf_protects_the_api_stage(template: dict[str, Any]) -> None:
    association = template["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn, variables = association["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${RestAPI}/stages/${StageName}")
    assert variables == {"StageName": {"Ref": "RestAPI.Stage"}}
    rules = {rule["Name"]: rule for rule in template["Resources"]["ApiWebAcl"]["Properties"]["Rules"]}
    rate = rules["auth-rate-limit"]["Statement"]["RateBasedStatement"]
    assert rate["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/api/v1/auth/"
    assert rules["aws-common-rules"]["Statement"]["ManagedRuleGroupStatement"]["Name"] == \
        "AWSManagedRulesCommonRuleSet"
