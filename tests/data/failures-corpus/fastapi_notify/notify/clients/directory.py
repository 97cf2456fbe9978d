import httpx

from notify.schemas import Contact


class UnknownUser(Exception):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"no contact details for user {user_id}")
        self.user_id = user_id


class Directory:
    def __init__(self, base_url: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=3.0)

    async def lookup(self, user_id: int) -> Contact:
        try:
            resp = await self._client.get(f"/users/{user_id}/contact")
            resp.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                raise UnknownUser(user_id) from exc
            raise
        return Contact.model_validate(resp.json())
