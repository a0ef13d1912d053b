"""Local stack: runs the SAM application of template.yaml without AWS and without Docker.

Modules, from the bottom up:

- ``paths``, ``net``, ``aws``: repository paths, loopback ports, the fake account and endpoints.
- ``template``: reads template.yaml into a typed ``Stack`` (functions, routes, event sources, table).
- ``dynamodb_local``, ``moto_server``: the AWS services (DynamoDB Local, moto for S3/SQS/...).
- ``lambda_runtime`` (worker process) and ``functions`` (pool of warm workers): Lambda emulation.
- ``gateway``: API Gateway HTTP API emulation (routes, the Lambda authorizer, payload format 2.0).
- ``polling``, ``event_filter``, ``streams``, ``event_rules``, ``schedules``: event sources.
- ``jwt_keys``: the local JWT issuer (signing key, JWKS served on loopback, token minting).
- ``state``: the running stack's ``.local/stack.json``.
- CLIs: ``dev`` (the stack), ``invoke`` (one function), ``token`` (a user JWT), and ``launch``
  (``dev`` as a child process, for tests).
"""
