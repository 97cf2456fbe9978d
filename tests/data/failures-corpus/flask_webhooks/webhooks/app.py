from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from webhooks.forwarder import forwarder

app = Flask(__name__)


@app.errorhandler(Exception)
def handle_unexpected(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return error
    app.logger.exception("webhook processing failed")
    return jsonify(error="processing failed"), 500


@app.post("/hooks/github")
def github_hook() -> ResponseReturnValue:
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    forwarder.forward(event, request.get_json(force=True))
    forwarder.audit(event, delivery)
    return "", 204


@app.post("/hooks/stripe")
def stripe_hook() -> ResponseReturnValue:
    payload = request.get_json(force=True)
    forwarder.forward(payload["type"], payload["data"]["object"])
    forwarder.notify_chat(f"stripe event {payload['type']} relayed")
    return "", 204


@app.post("/deliveries/<delivery_id>/replay")
def replay_delivery(delivery_id: str) -> ResponseReturnValue:
    forwarder.replay(delivery_id)
    return "", 202


@app.delete("/hooks/<hook_id>")
def remove_hook(hook_id: str) -> ResponseReturnValue:
    return jsonify(removed=forwarder.deregister(hook_id))
