"""The REST API under ``/api/v1``: parse input, call a service, render output."""
