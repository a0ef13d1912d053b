"""The HTTP API's $default route: a route no function serves answers 404 in the API's format."""

from carbon_accounting.api import create_app, serve

app = create_app()  # no routes: every request takes the resolver's not-found answer

lambda_handler = serve(app)
