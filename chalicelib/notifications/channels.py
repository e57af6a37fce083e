"""Delivery channels: e-mail through SES, SMS through SNS."""

from __future__ import annotations

from chalicelib.accounts.identifiers import ascii_email
from chalicelib.core.aws import client
from chalicelib.core.config import get_settings


def send_email(to: str, subject: str, text: str) -> str:
    """`to` as the user typed it; SES gets its ASCII form (an internationalised domain in punycode)."""
    response = client("ses").send_email(
        Source=get_settings().mail_from,
        Destination={"ToAddresses": [ascii_email(to)]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )
    message_id: str = response["MessageId"]
    return message_id


def send_sms(phone: str, text: str) -> str:
    response = client("sns").publish(
        PhoneNumber=phone,
        Message=text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )
    message_id: str = response["MessageId"]
    return message_id
