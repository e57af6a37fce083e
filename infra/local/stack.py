"""The resources of infra/resources.yaml, created in moto for tests and the local run.

The template itself goes to CloudFormation `create_stack`, restricted to the resource types moto's
CloudFormation implements. What the application needs beyond that is completed from the same
template through the services' own APIs, so the local stack cannot drift from the deployed one:

- types moto's CloudFormation lacks (SES sender identity, Secrets Manager secret) are created
  directly from their template properties;
- properties moto's CloudFormation ignores but the application relies on (table TTL, bucket CORS
  for browser uploads) are applied afterwards.

Resources that only matter in AWS (edge protection, alarms, access control, log groups) are left
out, except the edge's security headers, which the local server sends too (`security_headers`);
a resource type in the template that is in neither list is an error, so adding one forces a
decision here. No endpoint is named: boto3 honours AWS_ENDPOINT_URL (a moto server for the local
run) and `moto.mock_aws()` intercepts the same calls in tests.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from chalicelib.core.config import get_settings

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "resources.yaml"

# Created by moto's CloudFormation.
_VIA_CLOUDFORMATION = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::S3::Bucket",
        "AWS::SNS::Topic",
    }
)

# No local counterpart: the application never calls them, and moto's CloudFormation skips them.
# The local server plays the edge's part itself (infra/local/run.py sends SecurityHeadersPolicy's
# headers, see security_headers below).
_NOT_LOCAL = frozenset(
    {
        "AWS::WAFv2::WebACL",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Subscription",
        "AWS::S3::BucketPolicy",
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
        "AWS::Logs::LogGroup",
        "AWS::ApiGateway::Account",
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::Function",
        "AWS::CloudFront::ResponseHeadersPolicy",
    }
)

_PSEUDO_PREFIX = "AWS::"
# Where the site's presigned uploads go in AWS (SecurityHeadersPolicy's connect-src).
_BUCKET_ENDPOINT = "https://${AttachmentsBucket.RegionalDomainName}"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")

Clients = Callable[[str], Any]


class _TemplateLoader(yaml.SafeLoader):
    """CloudFormation YAML: short-form intrinsics (`!Ref`, `!Sub`, ...) become their long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass


def create_local_stack(
    session_or_clients: Any,
    stage: str = "local",
    mail_from: str = "noreply@kabinet.local",
    site_origin: str = "http://127.0.0.1:8000",
) -> dict[str, str]:
    """Create (or complete) stack `kabinet-<stage>` and return its outputs by name.

    `session_or_clients` is a boto3 Session or a mapping of service name to client. Calling it
    again against the same backend creates nothing twice.
    """
    clients = _client_factory(session_or_clients)
    template = load_template()
    parameters = {"Stage": stage, "MailFrom": mail_from, "SiteOrigin": site_origin}

    resources = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        # Entries without a type amend Chalice-generated resources (see resources.yaml).
        if "Type" in resource
    }
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind not in _VIA_CLOUDFORMATION and kind not in _DIRECT and kind not in _NOT_LOCAL:
            raise ValueError(
                f"{logical_id}: {kind} is neither created nor deliberately skipped by "
                f"infra/local/stack.py; classify it there"
            )
    stacked = {k: v for k, v in resources.items() if v["Type"] in _VIA_CLOUDFORMATION}
    direct = {k: v for k, v in resources.items() if v["Type"] in _DIRECT}
    known = set(template.get("Parameters", {}))
    for logical_id, resource in stacked.items():
        unknown = _references(resource) - known - set(stacked)
        if unknown:
            raise ValueError(
                f"{logical_id} refers to {sorted(unknown)}, which the local stack "
                f"does not create through CloudFormation"
            )

    outputs = template.get("Outputs", {})
    stack_outputs = {k: v for k, v in outputs.items() if _references(v) <= known | set(stacked)}
    cfn = clients("cloudformation")
    stack_name = f"kabinet-{stage}"
    stack = _existing_stack(cfn, stack_name)
    if stack is None:
        body = {
            "AWSTemplateFormatVersion": template["AWSTemplateFormatVersion"],
            "Parameters": template.get("Parameters", {}),
            "Conditions": template.get("Conditions", {}),
            "Resources": stacked,
            "Outputs": stack_outputs,
        }
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(body),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        cfn.get_waiter("stack_create_complete").wait(StackName=stack_name)
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]

    # What `Ref` means for every name the template may use locally.
    _, partition, _, region, account, _ = stack["StackId"].split(":", 5)
    refs: dict[str, str] = {
        **{name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items() if "Default" in spec},
        **parameters,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": partition,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com",
    }
    for summary in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
        refs[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]

    for logical_id, resource in stacked.items():
        completion = _COMPLETIONS.get(resource["Type"])
        if completion is not None:
            completion(clients, refs[logical_id], resource.get("Properties", {}), refs)
    for logical_id, resource in direct.items():
        refs[logical_id] = _DIRECT[resource["Type"]](clients, _resolve(resource.get("Properties", {}), refs))

    result = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    for key, output in outputs.items():
        if key not in result and _references(output) <= set(refs):
            result[key] = _resolve(output["Value"], refs)
    return result


def security_headers(s3_origin: str) -> dict[str, str]:
    """The response headers of the template's SecurityHeadersPolicy, as the local server sends them.

    `s3_origin` takes the place of the attachments bucket's regional endpoint in the CSP: locally,
    presigned uploads go to the S3 endpoint the app uses (the moto server).
    """
    config = load_template()["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"].replace(_BUCKET_ENDPOINT, s3_origin)
    if _SUB_VARIABLE.search(csp):
        raise ValueError(
            f"the CSP of SecurityHeadersPolicy names more than {_BUCKET_ENDPOINT}; "
            f"decide its local counterpart in infra/local/stack.py"
        )
    headers = {
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else ""),
        "Content-Security-Policy": csp,
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        "X-Content-Type-Options": "nosniff",
    }
    headers.update({item["Header"]: item["Value"] for item in config["CustomHeadersConfig"]["Items"]})
    return headers


def local_security_headers() -> dict[str, str]:
    """`security_headers` for this process: presigned uploads go to the endpoint boto3 uses
    (AWS_ENDPOINT_URL, the moto server of the local run), else to the bucket's regional endpoint."""
    settings = get_settings()
    endpoint = (
        os.environ.get("AWS_ENDPOINT_URL")
        or f"https://{settings.attachments_bucket}.s3.{settings.aws_region}.amazonaws.com"
    )
    return _cached_security_headers(endpoint)


@lru_cache(maxsize=4)
def _cached_security_headers(endpoint: str) -> dict[str, str]:
    parts = urlsplit(endpoint)
    return security_headers(f"{parts.scheme}://{parts.netloc}")


def _client_factory(session_or_clients: Any) -> Clients:
    if isinstance(session_or_clients, Mapping):
        return session_or_clients.__getitem__
    cache: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in cache:
            cache[service] = session_or_clients.client(service)
        return cache[service]

    return get


def _existing_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except cfn.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationError":  # CloudFormation's "does not exist"
            return None
        raise
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {name} is {stack['StackStatus']}; delete it and start again")
    return stack


# --- references and a resolver for the intrinsics the completions need ------------------------


def _references(value: Any) -> set[str]:
    """Parameters and resources a template fragment refers to (pseudo parameters excluded)."""
    return {name for name in _walk_references(value) if not name.startswith(_PSEUDO_PREFIX)}


def _walk_references(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _walk_references(item)
    elif isinstance(value, dict):
        if set(value) == {"Ref"}:
            yield value["Ref"]
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            yield (target.split(".", 1) if isinstance(target, str) else target)[0]
        elif set(value) == {"Fn::Sub"}:
            text, variables = _sub_parts(value["Fn::Sub"])
            for name in _SUB_VARIABLE.findall(text):
                if name not in variables:
                    yield name.split(".", 1)[0]
            yield from _walk_references(list(variables.values()))
        else:
            for item in value.values():
                yield from _walk_references(item)


def _sub_parts(argument: Any) -> tuple[str, dict[str, Any]]:
    return (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])


def _resolve(value: Any, refs: Mapping[str, str]) -> Any:
    """Evaluate `Ref` and `Fn::Sub` over known names; other intrinsics are not needed locally."""
    if isinstance(value, list):
        return [_resolve(item, refs) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return refs[value["Ref"]]
    if set(value) == {"Fn::Sub"}:
        text, variables = _sub_parts(value["Fn::Sub"])
        scope = {**refs, **{k: _resolve(v, refs) for k, v in variables.items()}}
        return _SUB_VARIABLE.sub(lambda match: scope[match.group(1)], text)
    intrinsic = next((key for key in value if key.startswith("Fn::")), None)
    if intrinsic is not None:
        raise NotImplementedError(f"{intrinsic} is not evaluated by infra/local/stack.py")
    return {key: _resolve(item, refs) for key, item in value.items()}


# --- properties moto's CloudFormation ignores ------------------------------------------------


def _complete_table(clients: Clients, table_name: str, properties: dict[str, Any], refs: Mapping[str, str]) -> None:
    spec = properties.get("TimeToLiveSpecification")
    if not spec or not spec.get("Enabled"):
        return
    dynamodb = clients("dynamodb")
    current = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": spec["AttributeName"], "Enabled": True}
        )


def _complete_bucket(clients: Clients, bucket_name: str, properties: dict[str, Any], refs: Mapping[str, str]) -> None:
    cors = _resolve(properties.get("CorsConfiguration"), refs)
    if not cors:
        return
    # CloudFormation's CORS rule names differ from the S3 API's.
    renamed = {"Id": "ID", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    rules = [{renamed.get(key, key): value for key, value in rule.items()} for rule in cors["CorsRules"]]
    clients("s3").put_bucket_cors(Bucket=bucket_name, CORSConfiguration={"CORSRules": rules})


_COMPLETIONS: dict[str, Callable[[Clients, str, dict[str, Any], Mapping[str, str]], None]] = {
    "AWS::DynamoDB::Table": _complete_table,
    "AWS::S3::Bucket": _complete_bucket,
}


# --- types moto's CloudFormation lacks ----------------------------------------------------------
# Each returns what `Ref` of the resource returns in CloudFormation.


def _verify_sender(clients: Clients, properties: dict[str, Any]) -> str:
    """moto accepts the address as verified at once, which the application needs to send."""
    address = properties["EmailIdentity"]
    clients("ses").verify_email_identity(EmailAddress=address)
    return address


def _create_secret(clients: Clients, properties: dict[str, Any]) -> str:
    secrets = clients("secretsmanager")
    name = properties["Name"]
    try:
        return secrets.describe_secret(SecretId=name)["ARN"]
    except secrets.exceptions.ResourceNotFoundException:
        pass
    generate = dict(properties["GenerateSecretString"])
    template = json.loads(generate.pop("SecretStringTemplate"))
    key = generate.pop("GenerateStringKey")
    # The remaining GenerateSecretString fields are GetRandomPassword's parameters.
    template[key] = secrets.get_random_password(**generate)["RandomPassword"]
    return secrets.create_secret(
        Name=name, Description=properties.get("Description", ""), SecretString=json.dumps(template)
    )["ARN"]


_DIRECT: dict[str, Callable[[Clients, dict[str, Any]], str]] = {
    "AWS::SES::EmailIdentity": _verify_sender,
    "AWS::SecretsManager::Secret": _create_secret,
}
