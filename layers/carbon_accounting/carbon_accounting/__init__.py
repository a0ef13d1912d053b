"""Carbon accounting domain: models, errors, auth, the DynamoDB repository and the emissions engine.

Every Lambda function imports this package from the shared layer; tests and the local stack install
it editable (``pip install -e layers/carbon_accounting``).
"""
