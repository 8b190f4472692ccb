"""The HTTP API: a FastAPI app over storage and jobs (``create_app``), served by ``serve``."""
