from pydantic import BaseModel


class NotificationIn(BaseModel):
    user_id: int
    message: str
    channels: list[str] = ["push"]


class NotificationOut(BaseModel):
    user_id: int
    delivered: list[str]


class Contact(BaseModel):
    phone: str | None = None
    locale: str = "en"
    device_tokens: list[str] = []
