import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from tickets.integrations.zendesk import zendesk
from tickets.support.models import Ticket


def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    remote = zendesk.fetch_ticket(ticket.zendesk_id)  # expect: RB201
    return JsonResponse({"id": ticket.pk, "subject": remote["subject"], "status": remote["status"]})


def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    try:
        remote = zendesk.fetch_ticket(ticket.zendesk_id)
    except requests.RequestException:
        return JsonResponse({"id": ticket.pk, "status": ticket.status, "stale": True})
    return JsonResponse({"id": ticket.pk, "status": remote["status"], "stale": False})


class TicketReplyView(View):
    def post(self, request: HttpRequest, ticket_id: int) -> HttpResponse:
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        zendesk.add_comment(ticket.zendesk_id, request.POST["body"], public=True)
        return JsonResponse({"ok": True}, status=201)
