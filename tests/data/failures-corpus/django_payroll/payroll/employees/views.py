import json

import boto3
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.decorators.http import require_POST

from payroll.employees.models import Employee
from payroll.integrations.bank import InvalidAccount, bank

s3 = boto3.client("s3")


def payslip(request: HttpRequest, employee_id: int, period: str) -> HttpResponse:
    employee = get_object_or_404(Employee, pk=employee_id)
    obj = s3.get_object(Bucket=settings.PAYSLIP_BUCKET, Key=f"{employee.pk}/{period}.pdf")
    return FileResponse(obj["Body"], content_type="application/pdf", filename=f"payslip-{period}.pdf")


@require_POST
def run_payroll(request: HttpRequest) -> HttpResponse:
    period = request.POST["period"]
    payments = [
        {"iban": e.iban, "amount_cents": e.monthly_salary_cents, "reference": f"salary {period}"}
        for e in Employee.objects.filter(active=True)
    ]
    batch_id = bank.submit_batch(payments)
    return JsonResponse({"batch_id": batch_id}, status=202)


class BankAccountView(View):
    def put(self, request: HttpRequest, employee_id: int) -> HttpResponse:
        employee = get_object_or_404(Employee, pk=employee_id)
        iban = json.loads(request.body)["iban"]
        try:
            bank.verify_account(iban)
        except InvalidAccount:
            return JsonResponse({"error": "the bank rejected this account"}, status=422)
        employee.iban = iban
        employee.save(update_fields=["iban"])
        return JsonResponse({"ok": True})
