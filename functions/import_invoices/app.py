"""The bucket's ``Object Created`` events under imports/: import a bulk CSV's invoices."""

from carbon_accounting.bucket_events import on_object_created
from carbon_accounting.intake import bulk

lambda_handler = on_object_created(bulk.run_import, metric="Import")
