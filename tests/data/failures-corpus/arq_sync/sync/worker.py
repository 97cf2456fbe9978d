import os

from arq.connections import RedisSettings

from sync.jobs import shutdown, startup, sync_all_customers, sync_customer


class WorkerSettings:
    functions = [sync_customer, sync_all_customers]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://localhost:6379"))
    job_timeout = 300
    keep_result = 3600
