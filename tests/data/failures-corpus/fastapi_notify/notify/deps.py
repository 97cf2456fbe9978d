import os
from functools import lru_cache

from notify.clients.directory import Directory
from notify.clients.push import PushClient
from notify.clients.sms import SmsClient
from notify.services.dispatch import Dispatcher


@lru_cache
def get_sms_client() -> SmsClient:
    return SmsClient(os.environ.get("SMS_URL", "https://sms.example.com"), os.environ.get("SMS_TOKEN", ""))


@lru_cache
def get_dispatcher() -> Dispatcher:
    directory = Directory(os.environ.get("DIRECTORY_URL", "http://directory.internal"))
    push = PushClient(os.environ.get("PUSH_URL", "https://push.example.com"), os.environ.get("PUSH_KEY", ""))
    return Dispatcher(directory=directory, sms=get_sms_client(), push=push)
