"""Invoices: creation (single and distributed across facilities), reading, and their status workflow."""
