from aiohttp import web

from gateway.handlers import routes
from gateway.rates import start_rate_refresher


def create_app() -> web.Application:
    app = web.Application()
    app["fx_rates"] = {}
    app.add_routes(routes)
    app.cleanup_ctx.append(start_rate_refresher)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), port=8080)
