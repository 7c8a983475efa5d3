# flask.typing under framework.compat.flask.install() is the module
# framework.typing.

from framework.typing import *  # noqa: F403
