import httpx


class SmsClient:
    def __init__(self, base_url: str, token: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, auth=("api", token), timeout=10.0)

    async def send(self, phone: str, text: str) -> str:
        resp = await self._client.post("/messages", data={"to": phone, "body": text})
        resp.raise_for_status()
        return str(resp.json()["sid"])

    async def status(self, message_id: str) -> str:
        resp = await self._client.get(f"/messages/{message_id}")
        resp.raise_for_status()
        return str(resp.json()["status"])
