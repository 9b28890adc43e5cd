# ruff: noqa: E501
"""Fuzz each adapter through the real endpoint: nothing may answer 500."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from relaydesk.channels import meta
from relaydesk.channels.demo import (
    EMAIL_SECRET,
    INSTAGRAM_APP_SECRET,
    MESSENGER_APP_SECRET,
    TELEGRAM_SECRET_TOKEN,
    TWILIO_AUTH_TOKEN,
    WHATSAPP_APP_SECRET,
)
from tests.webhooks.conftest import BASE_URL


def wa(msg=None, statuses=None, contacts=None, **value):
    v = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1", "phone_number_id": "100000000000001"},
    }
    if contacts is not None:
        v["contacts"] = contacts
    if msg is not None:
        v["messages"] = [msg]
    if statuses is not None:
        v["statuses"] = statuses
    v.update(value)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": v}]}],
    }


def watext(**over):
    m = {
        "from": "6281234500003",
        "id": "wamid.X1",
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": "hi"},
    }
    m.update(over)
    return m


def tg(**over):
    m = {
        "message_id": 5,
        "from": {"id": 77, "is_bot": False, "first_name": "A"},
        "chat": {"id": 77, "type": "private"},
        "date": 1700000000,
        "text": "hi",
    }
    m.update(over)
    return {"update_id": 1, "message": m}


def ms(obj="page", **over):
    ev = {
        "sender": {"id": "111"},
        "recipient": {"id": "200000000000002"},
        "timestamp": 1700000000000,
        "message": {"mid": "m_1", "text": "hi"},
    }
    ev.update(over)
    return {
        "object": obj,
        "entry": [{"id": "200000000000002", "time": 1700000000000, "messaging": [ev]}],
    }


CASES = {
    "wa_huge_timestamp": ("whatsapp", wa(watext(timestamp="99999999999999999999"))),
    "wa_status_huge_ts": (
        "whatsapp",
        wa(
            statuses=[
                {
                    "id": "wamid.S",
                    "status": "delivered",
                    "timestamp": "99999999999999999999",
                    "recipient_id": "1",
                }
            ]
        ),
    ),
    "wa_nul_name": (
        "whatsapp",
        wa(
            watext(id="wamid.N1"),
            contacts=[{"wa_id": "6281234500003", "profile": {"name": "a\u0000b"}}],
        ),
    ),
    "wa_long_name": (
        "whatsapp",
        wa(
            watext(id="wamid.N2"),
            contacts=[{"wa_id": "6281234500003", "profile": {"name": "n" * 300}}],
        ),
    ),
    "wa_long_id": ("whatsapp", wa(watext(id="wamid." + "x" * 300))),
    "wa_nul_id": ("whatsapp", wa(watext(id="wamid.\u0000"))),
    "wa_nul_button": (
        "whatsapp",
        wa(
            watext(
                id="wamid.B",
                type="interactive",
                text=None,
                interactive={
                    "type": "button_reply",
                    "button_reply": {"id": "x\u0000", "title": "ok"},
                },
            )
        ),
    ),
    "wa_long_filename": (
        "whatsapp",
        wa(
            watext(
                id="wamid.F",
                type="document",
                text=None,
                document={"id": "1", "filename": "f" * 300, "mime_type": "application/pdf"},
            )
        ),
    ),
    "wa_long_mime": (
        "whatsapp",
        wa(
            watext(id="wamid.M", type="image", text=None, image={"id": "1", "mime_type": "i" * 200})
        ),
    ),
    "wa_lone_surrogate": (
        "whatsapp",
        b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"6281234500003","id":"wamid.S2","timestamp":"1700000000","type":"text","text":{"body":"\\ud800"}}]}}]}]}',
    ),
    "wa_value_null": (
        "whatsapp",
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": None}]}],
        },
    ),
    "wa_empty_from": ("whatsapp", wa(watext(id="wamid.E", **{"from": ""}))),
    "wa_status_long_error": (
        "whatsapp",
        wa(
            statuses=[
                {
                    "id": "wamid.S9",
                    "status": "failed",
                    "timestamp": "1700000000",
                    "errors": [{"code": 1, "title": "t" * 600}],
                }
            ]
        ),
    ),
    "wa_deep": ("whatsapp", b"[" * 5000 + b"]" * 5000),
    "tg_huge_date": ("telegram", tg(date=10**20)),
    "tg_nul_name": (
        "telegram",
        tg(**{"from": {"id": 78, "first_name": "a\u0000"}, "chat": {"id": 78, "type": "private"}}),
    ),
    "tg_big_file": (
        "telegram",
        tg(message_id=6, text=None, document={"file_id": "f", "file_size": 3_000_000_000}),
    ),
    "tg_long_filename": (
        "telegram",
        tg(message_id=7, text=None, document={"file_id": "f", "file_name": "x" * 300}),
    ),
    "tg_deep_reply": ("telegram", None),
    "ms_huge_ts": ("messenger", ms(timestamp=10**20)),
    "ms_long_mid": ("messenger", ms(message={"mid": "m" * 300, "text": "hi"})),
    "ms_null_entry": ("messenger", {"object": "page", "entry": [None]}),
    "ms_delivery_huge_wm": ("messenger", ms(message=None, delivery={"watermark": 10**20})),
    "ms_read_huge_wm": ("messenger", ms(message=None, read={"watermark": 10**20})),
    "ig_huge_ts": (
        "instagram",
        ms(obj="instagram", timestamp=10**20, recipient={"id": "17841400000000003"}),
    ),
}


def deep_tg(n=400):
    m = {"message_id": 1, "chat": {"id": 1, "type": "private"}, "date": 1}
    for i in range(n):
        m = {
            "message_id": i + 2,
            "chat": {"id": 1, "type": "private"},
            "date": 1,
            "reply_to_message": m,
        }
    m["from"] = {"id": 79, "first_name": "d"}
    m["text"] = "x"
    return {"update_id": 2, "message": m}


def sign(channel, body):
    if channel in ("whatsapp", "messenger", "instagram"):
        secret = {
            "whatsapp": WHATSAPP_APP_SECRET,
            "messenger": MESSENGER_APP_SECRET,
            "instagram": INSTAGRAM_APP_SECRET,
        }[channel]
        return {
            "content-type": "application/json",
            meta.SIGNATURE_HEADER: meta.signature(secret, body),
        }
    if channel == "telegram":
        return {
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": TELEGRAM_SECRET_TOKEN,
        }
    raise ValueError


@pytest.mark.parametrize("case", list(CASES))
async def test_no_500(client: httpx.AsyncClient, case: str) -> None:
    channel, data = CASES[case]
    if case == "tg_deep_reply":
        data = deep_tg()
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    r = await client.post(f"/webhooks/{channel}", content=body, headers=sign(channel, body))
    print(case, r.status_code, r.text[:200])
    assert r.status_code != 500, (case, r.status_code, r.text[:300])


SMS = {
    "sms_nul_from": {"MessageSid": "SM1", "From": "\u0000", "Body": "hi"},
    "sms_long_from": {"MessageSid": "SM2", "From": "a" * 400, "Body": "hi"},
    "sms_long_sid": {"MessageSid": "SM" + "3" * 300, "From": "+6281234500004", "Body": "hi"},
    "sms_long_mime": {
        "MessageSid": "SM4",
        "From": "+6281234500004",
        "Body": "",
        "NumMedia": "1",
        "MediaUrl0": "http://x/y",
        "MediaContentType0": "i" * 200,
    },
    "sms_status_long_err": {
        "MessageSid": "SM5",
        "MessageStatus": "failed",
        "ErrorCode": "1",
        "ErrorMessage": "e" * 600,
    },
}


@pytest.mark.parametrize("case", list(SMS))
async def test_sms_no_500(client: httpx.AsyncClient, case: str) -> None:
    params = SMS[case]
    url = f"{BASE_URL}/webhooks/sms"
    sig = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, params)
    r = await client.post(
        "/webhooks/sms",
        content=urlencode(params).encode(),
        headers={"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig},
    )
    print(case, r.status_code, r.text[:200])
    assert r.status_code != 500, (case, r.status_code, r.text[:300])


MAILS = {
    "mail_long_msgid": b"From: a@b.example\r\nTo: support@shop.example\r\nMessage-ID: <"
    + b"x" * 300
    + b"@b.example>\r\nSubject: hi\r\n\r\nhello\r\n",
    "mail_long_name": b"From: "
    + b"N" * 250
    + b" <c@b.example>\r\nTo: support@shop.example\r\nMessage-ID: <m2@b.example>\r\nSubject: hi\r\n\r\nhello\r\n",
    "mail_nul_name": b"From: =?utf-8?q?a=00b?= <d@b.example>\r\nTo: support@shop.example\r\nMessage-ID: <m3@b.example>\r\nSubject: hi\r\n\r\nhello\r\n",
    "mail_nul_subject": b"From: e@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m4@b.example>\r\nSubject: =?utf-8?q?a=00b?=\r\n\r\nhello\r\n",
    "mail_long_filename": b'From: f@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m5@b.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
    + b"f" * 300
    + b'.pdf"\r\n\r\nAAAA\r\n--XX--\r\n',
    "mail_bad_charset_subject": b"From: g@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m6@b.example>\r\nSubject: =?x-unknown?q?abc?=\r\n\r\nhello\r\n",
    "mail_no_from_addr": b"From: undisclosed-recipients:;\r\nTo: support@shop.example\r\nSubject: hi\r\n\r\nhello\r\n",
    "mail_bad_date": b"From: h@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m7@b.example>\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\nhello\r\n",
    "mail_report_no_parts": b"From: MAILER-DAEMON@x.example\r\nTo: support@shop.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n--B--\r\n",
    "mail_report_rfc822_empty": b"From: MAILER-DAEMON@x.example\r\nTo: support@shop.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n--B--\r\n",
    "mail_html_bad": b"From: i@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m8@b.example>\r\nContent-Type: text/html\r\n\r\n<?xml version='1.0' encoding='utf-8'?><p>hi</p>\r\n",
    "mail_html_only_comment": b"From: j@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m9@b.example>\r\nContent-Type: text/html\r\n\r\n<!-- -->\r\n",
    "mail_multipart_no_boundary": b"From: k@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m10@b.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nhello\r\n",
    "mail_b64_bad": b"From: l@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m11@b.example>\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
    "mail_long_addr": b"From: "
    + b"a" * 330
    + b"@b.example\r\nTo: support@shop.example\r\nMessage-ID: <m12@b.example>\r\n\r\nhello\r\n",
}


@pytest.mark.parametrize("case", list(MAILS))
async def test_mail_no_500(client: httpx.AsyncClient, case: str) -> None:
    r = await client.post(
        "/webhooks/email",
        content=MAILS[case],
        headers={"authorization": f"Bearer {EMAIL_SECRET}", "content-type": "message/rfc822"},
    )
    print(case, r.status_code, r.text[:200])
    assert r.status_code != 500, (case, r.status_code, r.text[:300])


SURR = {
    "wa_surrogate_name": (
        "whatsapp",
        b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"contacts":[{"wa_id":"6281234500009","profile":{"name":"\\ud800"}}],"messages":[{"from":"6281234500009","id":"wamid.SN","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]}}]}]}',
    ),
    "wa_surrogate_id": (
        "whatsapp",
        b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"6281234500009","id":"wamid.\\udc00","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]}}]}]}',
    ),
    "wa_from_letters": ("whatsapp", wa(watext(id="wamid.L1", **{"from": "abc"}))),
}


@pytest.mark.parametrize("case", list(SURR))
async def test_surrogates(client, container, case):
    channel, body = SURR[case]
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = await client.post(f"/webhooks/{channel}", content=body, headers=sign(channel, body))
    from sqlalchemy import select

    from relaydesk.store.models import ContactIdentity

    async with container.reader() as uow:
        ids = [
            (i.kind, i.value)
            for i in (await uow.session.execute(select(ContactIdentity))).scalars()
        ]
    print(case, r.status_code, ids)
    assert r.status_code != 500
