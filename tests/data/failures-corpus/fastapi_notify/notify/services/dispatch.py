import logging

from notify.clients.directory import Directory
from notify.clients.push import PushClient
from notify.clients.sms import SmsClient

logger = logging.getLogger(__name__)
TEMPLATES = {"en": "{message}", "de": "{message} (automatisch)"}


class Dispatcher:
    def __init__(self, directory: Directory, sms: SmsClient, push: PushClient) -> None:
        self.directory = directory
        self.sms = sms
        self.push = push

    async def dispatch(self, user_id: int, message: str, channels: list[str]) -> list[str]:
        contact = await self.directory.lookup(user_id)
        try:
            text = TEMPLATES[contact.locale].format(message=message)
        except KeyError:
            logger.debug("no template for locale %s", contact.locale)
            text = message
        delivered: list[str] = []
        if "sms" in channels and contact.phone:
            try:
                await self.sms.send(contact.phone, text)
                delivered.append("sms")
            except Exception:  # expect: RB207
                logger.info("sms to user %s not delivered", user_id)
        if "push" in channels:
            for token in contact.device_tokens:
                try:
                    await self.push.send(token, "Notification", text)
                    delivered.append("push")
                except Exception:
                    logger.exception("push to device %s failed", token)
        return delivered

    async def forget_device(self, token: str) -> None:
        try:
            await self.push.unregister(token)
        except Exception:
            logger.debug("unregister failed for %s", token)
            raise
