import os

from celery import Celery

app = Celery("billing", broker=os.environ.get("BROKER_URL", "redis://localhost:6379/1"))
app.conf.task_acks_late = True
app.conf.task_default_queue = "billing"
app.autodiscover_tasks(["billing", "billing.invoicing"])
