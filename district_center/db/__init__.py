"""The center's database: engine and sessions (``engine``), tables (``models``), Alembic migrations."""
