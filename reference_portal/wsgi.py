"""`reference_portal.wsgi:app` for any WSGI server, configured from DPF_PORTAL_* environment variables."""

from .app import create_app

app = create_app()
app.deliveries.start()  # each server process delivers webhooks; claims in the database keep them from doubling up
