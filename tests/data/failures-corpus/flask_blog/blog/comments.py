import json

import redis
from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

comments_cache = redis.Redis(host="localhost", port=6379, db=3)


class CommentsAPI(MethodView):
    def get(self, post_id: int) -> ResponseReturnValue:
        """List a post's comments, newest first.

        Raises:
            redis.RedisError: if the comment cache is down.
        """
        raw = comments_cache.lrange(f"comments:{post_id}", 0, 49)  # expect: RB201
        return jsonify([json.loads(item) for item in raw])

    def post(self, post_id: int) -> ResponseReturnValue:
        payload = request.get_json(force=True)
        comment = {"author": payload["author"], "text": payload["text"]}
        try:
            comments_cache.lpush(f"comments:{post_id}", json.dumps(comment))
        except redis.RedisError:
            current_app.logger.exception("could not store comment on post %s", post_id)
            return jsonify(error="comments are read-only right now"), 503
        return jsonify(comment), 201
