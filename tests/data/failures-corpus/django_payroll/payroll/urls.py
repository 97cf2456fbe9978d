from django.urls import path

from payroll.employees import views

urlpatterns = [
    path("employees/<int:employee_id>/payslips/<str:period>/", views.payslip),
    path("employees/<int:employee_id>/bank-account/", views.BankAccountView.as_view()),
    path("payroll/run/", views.run_payroll),
]
