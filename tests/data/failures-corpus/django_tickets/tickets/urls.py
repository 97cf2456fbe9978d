from django.urls import include, path
from rest_framework.routers import DefaultRouter

from tickets.support import api, views

router = DefaultRouter()
router.register("tickets", api.TicketViewSet)

urlpatterns = [
    path("tickets/<int:ticket_id>/", views.ticket_detail),
    path("tickets/<int:ticket_id>/status/", views.ticket_status),
    path("tickets/<int:ticket_id>/reply/", views.TicketReplyView.as_view()),
    path("api/queue-stats/", api.QueueStatsView.as_view()),
    path("api/tickets/<int:ticket_id>/escalate/", api.escalate),
    path("api/", include(router.urls)),
]
