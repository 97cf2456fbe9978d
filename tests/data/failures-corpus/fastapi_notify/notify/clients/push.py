import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential


class PushClient:
    def __init__(self, base_url: str, server_key: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"key={server_key}"})

    @retry(stop=stop_after_attempt(4), wait=wait_exponential(multiplier=0.5, max=8))  # expect: RB209
    async def send(self, device_token: str, title: str, body: str) -> None:
        payload = {"to": device_token, "notification": {"title": title, "body": body}}
        resp = await self._client.post("/send", json=payload)
        resp.raise_for_status()

    @retry(retry=retry_if_exception_type(httpx.TransportError), stop=stop_after_attempt(3), reraise=True)
    async def unregister(self, device_token: str) -> None:
        resp = await self._client.delete(f"/devices/{device_token}")
        resp.raise_for_status()
