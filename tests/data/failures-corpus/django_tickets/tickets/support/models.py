from django.db import models


class Ticket(models.Model):
    zendesk_id = models.BigIntegerField(unique=True)
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=32, default="open")
    priority = models.CharField(max_length=16, default="normal")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"#{self.zendesk_id} {self.subject}"
