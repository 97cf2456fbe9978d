from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_restful import Api

from inventory.resources import ItemImageResource, ItemListResource, ItemResource

app = Flask(__name__)
api = Api(app)
api.add_resource(ItemListResource, "/items")
api.add_resource(ItemResource, "/items/<string:sku>")
api.add_resource(ItemImageResource, "/items/<string:sku>/image")


@app.errorhandler(500)
def internal_error(error: Exception) -> ResponseReturnValue:
    app.logger.error("request failed: %s", error)
    return jsonify(message="internal error, try again later"), 500
