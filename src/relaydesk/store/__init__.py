"""Persistence: SQLAlchemy models, repositories, unit of work, Alembic migrations."""
