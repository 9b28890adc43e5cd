"""`relaydesk serve --demo`: every channel on, with the documented demo secrets below, and
each provider's API pointed at the server's own stand-ins under /demo/providers (they
record what the outbound side sends and answer as the provider would).

These secrets are public: never use them outside the demo. docs/channels.md lists them.
"""

from __future__ import annotations

from pydantic import SecretStr

from relaydesk.channels.mail import MailSettings
from relaydesk.channels.messenger import InstagramSettings, MessengerSettings
from relaydesk.channels.registry import Channels, ChannelsConfig
from relaydesk.channels.sms import SmsSettings
from relaydesk.channels.telegram import TelegramSettings
from relaydesk.channels.whatsapp import TemplateSpec, WhatsAppSettings
from relaydesk.settings import Settings

DEMO_VERIFY_TOKEN = "demo_verify_token"
WHATSAPP_APP_SECRET = "demo_whatsapp_app_secret"
WHATSAPP_PHONE_NUMBER_ID = "100000000000001"
MESSENGER_APP_SECRET = "demo_messenger_app_secret"
MESSENGER_PAGE_ID = "200000000000002"
INSTAGRAM_APP_SECRET = "demo_instagram_app_secret"
INSTAGRAM_ACCOUNT_ID = "17841400000000003"
TELEGRAM_BOT_TOKEN = "123456:demo-telegram-bot-token"
TELEGRAM_SECRET_TOKEN = "demo_telegram_secret"
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "demo_twilio_auth_token"
TWILIO_NUMBER = "+15005550006"
EMAIL_ADDRESS = "support@shop.example"
EMAIL_SECRET = "demo_email_secret"

FOLLOW_UP_TEMPLATE = TemplateSpec(
    name="case_follow_up",
    lang="en",
    text="Hi {{1}}, this is {{2}} from support about your case. Reply to this message to "
    "continue the conversation.",
    params=2,
)


def demo_config(
    api_base: str, *, smtp_port: int = 2526, listen_port: int | None = 0
) -> ChannelsConfig:
    """Every channel with the demo secrets, its provider API at `api_base` + a path of
    its own. `listen_port` 0 leaves the SMTP listener off (the demo page posts mail to
    /webhooks/email instead)."""
    base = api_base.rstrip("/")
    return ChannelsConfig(
        whatsapp=WhatsAppSettings(
            app_secret=SecretStr(WHATSAPP_APP_SECRET),
            verify_token=SecretStr(DEMO_VERIFY_TOKEN),
            access_token=SecretStr("demo_whatsapp_access_token"),
            phone_number_id=WHATSAPP_PHONE_NUMBER_ID,
            api_base=f"{base}/graph",
            templates=[FOLLOW_UP_TEMPLATE],
        ),
        messenger=MessengerSettings(
            app_secret=SecretStr(MESSENGER_APP_SECRET),
            verify_token=SecretStr(DEMO_VERIFY_TOKEN),
            page_access_token=SecretStr("demo_messenger_page_token"),
            page_id=MESSENGER_PAGE_ID,
            api_base=f"{base}/graph",
        ),
        instagram=InstagramSettings(
            app_secret=SecretStr(INSTAGRAM_APP_SECRET),
            verify_token=SecretStr(DEMO_VERIFY_TOKEN),
            page_access_token=SecretStr("demo_instagram_page_token"),
            account_id=INSTAGRAM_ACCOUNT_ID,
            api_base=f"{base}/graph",
        ),
        telegram=TelegramSettings(
            bot_token=SecretStr(TELEGRAM_BOT_TOKEN),
            secret_token=SecretStr(TELEGRAM_SECRET_TOKEN),
            api_base=f"{base}/telegram",
        ),
        sms=SmsSettings(
            account_sid=TWILIO_ACCOUNT_SID,
            auth_token=SecretStr(TWILIO_AUTH_TOKEN),
            from_number=TWILIO_NUMBER,
            api_base=f"{base}/twilio",
        ),
        email=MailSettings(
            address=EMAIL_ADDRESS,
            inbound_secret=SecretStr(EMAIL_SECRET),
            listen_port=listen_port,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
        ),
    )


def demo_channels(settings: Settings) -> Channels:
    base = settings.public_url or "http://127.0.0.1:8000"
    return Channels(demo_config(f"{base}/demo/providers"))
