import logging

import requests
from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from blog import stats
from blog.comments import CommentsAPI
from blog.posts import bp as posts_bp

logger = logging.getLogger(__name__)
app = Flask(__name__)
app.config.from_prefixed_env()
app.register_blueprint(posts_bp)
app.add_url_rule("/posts/<int:post_id>/comments", view_func=CommentsAPI.as_view("comments"))


@app.errorhandler(404)
def not_found(error: Exception) -> ResponseReturnValue:
    return jsonify(error="not found"), 404


def upstream_unavailable(error: requests.RequestException) -> ResponseReturnValue:
    logger.warning("upstream call failed: %s", error)
    return jsonify(error="a service we depend on is unavailable"), 503


app.register_error_handler(requests.RequestException, upstream_unavailable)


@app.route("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok", cache=stats.cache_alive())
