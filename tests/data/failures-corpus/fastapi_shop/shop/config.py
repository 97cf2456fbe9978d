from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql+asyncpg://shop:shop@localhost/shop"
    redis_url: str = "redis://localhost:6379/0"
    payments_url: str = "https://api.payments.example.com"
    payments_api_key: str = ""
    inventory_url: str = "http://inventory.internal:8080"


settings = Settings()
