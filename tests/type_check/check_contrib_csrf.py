"""Type-only checks of ``framework_csrf``, run by ``mypy --strict`` in
``make test``: the decorator keeps the view's type, and the functions and
the error have the types the docs promise. Nothing here runs under pytest."""

from __future__ import annotations

import typing as t

from framework_csrf import (
    EXTENSION_KEY,
    CSRFError,
    CSRFProtect,
    csrf_token,
    validate_csrf,
)

from framework import App, Blueprint

app = App(__name__)
csrf = CSRFProtect(app)
factory_csrf = CSRFProtect()
factory_csrf.init_app(app)
api = Blueprint("api", __name__)


@csrf.exempt
@app.post("/hook/<int:n>")
def hook(n: int) -> str:
    return str(n)


# exempt() hands back what it was given, with its type.
t.assert_type(hook(1), str)
t.assert_type(csrf.exempt(api), Blueprint)
t.assert_type(csrf.is_exempt(), bool)
t.assert_type(csrf_token(), str)
t.assert_type(validate_csrf(None), None)
t.assert_type(csrf.protect(), None)
error: CSRFError = CSRFError("The CSRF token is missing.")
t.assert_type(error.code, int)
t.assert_type(app.extensions[EXTENSION_KEY], t.Any)
t.assert_type(EXTENSION_KEY, str)
