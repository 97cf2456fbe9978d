import logging

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from notify.clients.sms import SmsClient
from notify.deps import get_dispatcher, get_sms_client
from notify.schemas import NotificationIn, NotificationOut
from notify.services.dispatch import Dispatcher

logger = logging.getLogger(__name__)
app = FastAPI(title="notify")


@app.exception_handler(Exception)
async def unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s", request.url.path)
    return JSONResponse({"detail": "internal error"}, status_code=500)


@app.post("/notifications", status_code=202, response_model=NotificationOut)
async def create_notification(body: NotificationIn, dispatcher: Dispatcher = Depends(get_dispatcher)) -> NotificationOut:
    delivered = await dispatcher.dispatch(body.user_id, body.message, body.channels)
    return NotificationOut(user_id=body.user_id, delivered=delivered)


@app.get("/sms/{message_id}")
async def sms_status(message_id: str, sms: SmsClient = Depends(get_sms_client)) -> dict[str, str]:
    return {"message_id": message_id, "status": await sms.status(message_id)}


@app.delete("/devices/{token}", status_code=204)
async def delete_device(token: str, dispatcher: Dispatcher = Depends(get_dispatcher)) -> None:
    await dispatcher.forget_device(token)
