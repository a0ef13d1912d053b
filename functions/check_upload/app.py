"""The bucket's ``Object Created`` events under files/: check an upload against its announcement."""

from carbon_accounting import files
from carbon_accounting.bucket_events import on_object_created

lambda_handler = on_object_created(files.check_upload, metric="Upload")
