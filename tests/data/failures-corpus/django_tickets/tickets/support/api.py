import redis
from django.conf import settings
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.integrations import pagerduty, slack
from tickets.support.models import Ticket

stats_cache = redis.Redis.from_url(settings.REDIS_URL)


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "zendesk_id", "subject", "status", "priority"]


class TicketViewSet(viewsets.ModelViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer

    @action(detail=True, methods=["post"])
    def notify(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        slack.post_message("#support", slack.format_ticket(ticket.zendesk_id, ticket.subject))
        return Response({"notified": True})


class QueueStatsView(APIView):
    def get(self, request: Request) -> Response:
        stats = stats_cache.hgetall("support:queue-stats")  # expect: RB201
        return Response({key.decode(): int(value) for key, value in stats.items()})


@api_view(["POST"])
def escalate(request: Request, ticket_id: int) -> Response:
    ticket = Ticket.objects.get(pk=ticket_id)
    incident_key = pagerduty.trigger(f"Escalated ticket {ticket.zendesk_id}: {ticket.subject}")
    return Response({"incident": incident_key}, status=201)
