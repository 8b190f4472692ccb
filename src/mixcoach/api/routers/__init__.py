"""Thin routers: each parses the request, calls one storage or service function, and answers."""
