from django.db import models


class Employee(models.Model):
    name = models.CharField(max_length=200)
    iban = models.CharField(max_length=34)
    monthly_salary_cents = models.PositiveIntegerField()
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name
