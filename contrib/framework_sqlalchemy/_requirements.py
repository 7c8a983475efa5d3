"""Fail on import, saying how to fix it, when SQLAlchemy 2 is missing: the
package is installed with the framework, SQLAlchemy with its extra."""

try:
    from sqlalchemy.orm import DeclarativeBase  # noqa: F401
except ImportError as e:  # not installed, or SQLAlchemy 1.x
    raise ImportError(
        "framework_sqlalchemy needs SQLAlchemy 2: install it with"
        " pip install 'sqlalchemy>=2' (the 'sqlalchemy' extra)."
    ) from e
