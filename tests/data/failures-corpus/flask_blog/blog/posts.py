from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue

from blog import stats
from blog.embeds import fetch_oembed
from blog.spam import spam_filter
from blog.store import PostStore

bp = Blueprint("posts", __name__, url_prefix="/posts")
store = PostStore()


@bp.post("/")
def create_post() -> ResponseReturnValue:
    payload = request.get_json(force=True)
    if spam_filter.is_spam(payload["body"]):
        abort(422)
    embed = fetch_oembed(payload["link"]) if payload.get("link") else None
    post = store.create(payload["title"], payload["body"], embed)
    return jsonify(post), 201


@bp.get("/<slug>")
def show_post(slug: str) -> ResponseReturnValue:
    post = store.get(slug)
    if post is None:
        abort(404)
    post["views"] = stats.record_view(slug)
    return jsonify(post)


@bp.get("/popular")
def popular_posts() -> ResponseReturnValue:
    return jsonify(stats.popular())
