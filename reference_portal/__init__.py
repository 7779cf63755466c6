"""The reference developer portal: a plain WSGI application over SQLite and Jinja2."""

from .app import Portal, create_app
from .core.config import Config

__all__ = ["Config", "Portal", "create_app"]
